/**
 * Proxies: every client on the shared dispatcher honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY as the edge
 * recorded them (`useHttpEnvironment`, what src/cli and src/action call with process.env). A logging proxy on
 * 127.0.0.1 is the only thing that resolves the `*.example.test` names, so a request for one of them can only
 * succeed through it; loopback and NO_PROXY hosts must go direct.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient } from '../../src/archive/index.js';
import { runUpdate } from '../../src/app/update.js';
import { loadConfig } from '../../src/config/index.js';
import { FAST_RETRY, proxySettingsFromEnv, useHttpEnvironment } from '../../src/util/http/index.js';
import { RegistryClient } from '../../src/registry/index.js';
import { createGitHubClient, FAST_GITHUB_POLICY } from '../../src/update-pr/index.js';
import { thrown } from '../helpers/errors.js';
import { startLoggingProxy, type LoggingProxy } from '../helpers/connect-proxy.js';
import { makeFixture, MAIN_URL, NOW, SECURITY_URL, type Fixture } from '../helpers/update-fixture.js';

const NAMES = ['deb.example.test', 'security.example.test', 'registry.example.test', 'api.example.test'];

describe('every client honours the proxy variables', () => {
  let proxy: LoggingProxy;
  let server: Server;
  let port: number;
  let fx: Fixture;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      if (req.url === '/repos/o/r')
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"full_name":"o/r"}');
      if (req.url === '/file') return void res.writeHead(200).end('the file');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    proxy = await startLoggingProxy(Object.fromEntries(NAMES.map((n) => [n, '127.0.0.1'])));
    // What the edge does with process.env; the lower-case form wins over the upper-case one.
    useHttpEnvironment({
      http_proxy: proxy.url,
      HTTP_PROXY: 'http://127.0.0.1:1',
      HTTPS_PROXY: proxy.url,
      NO_PROXY: 'direct.example.test, .nope.test',
    });
    fx = await makeFixture();
  });
  afterAll(async () => {
    await fx?.close();
    if (fx) rmSync(fx.dir, { recursive: true, force: true });
    await proxy?.close();
    server?.closeAllConnections();
    await new Promise<void>((r) => server?.close(() => r()));
  });

  it('reads the variables the way curl does', () => {
    expect(proxySettingsFromEnv({ http_proxy: 'http://a:1', HTTP_PROXY: 'http://b:2', NO_PROXY: 'x' })).toEqual({
      httpProxy: 'http://a:1',
      noProxy: 'x',
    });
    expect(proxySettingsFromEnv({ HTTPS_PROXY: ' ', https_proxy: undefined })).toEqual({});
  });

  it('the Debian archive client goes through the proxy for a named host, direct for loopback', async () => {
    const http = createHttpClient({ retry: FAST_RETRY });
    const before = proxy.log.length;
    expect((await http.get(`http://deb.example.test:${port}/file`)).toString()).toBe('the file');
    expect(proxy.count('deb.example.test')).toBe(1);
    expect((await http.get(`http://127.0.0.1:${port}/file`)).toString()).toBe('the file');
    expect((await http.get(`http://localhost:${port}/file`)).toString()).toBe('the file');
    expect(proxy.log.length - before).toBe(1);
  });

  it('NO_PROXY hosts go direct (and so cannot resolve a name only the proxy knows)', async () => {
    const http = createHttpClient({ retry: { ...FAST_RETRY, attempts: 1 } });
    const e = await thrown(http.get(`http://direct.example.test:${port}/file`));
    expect(e.message).toMatch(/ENOTFOUND/);
    const sub = await thrown(http.get(`http://deb.nope.test:${port}/file`));
    expect(sub.message).toMatch(/ENOTFOUND/);
    expect(proxy.count('direct.example.test') + proxy.count('deb.nope.test')).toBe(0);
  });

  it('the registry client goes through the proxy', async () => {
    const client = new RegistryClient({ registry: `registry.example.test:${port}`, insecure: true, retry: FAST_RETRY });
    await client.ping();
    expect(proxy.count('registry.example.test')).toBeGreaterThanOrEqual(1);
  });

  it('the GitHub client goes through the proxy', async () => {
    const gh = createGitHubClient({
      token: 't0ken',
      baseUrl: `http://api.example.test:${port}`,
      policy: FAST_GITHUB_POLICY,
    });
    const repo = await gh.rest.repos.get({ owner: 'o', repo: 'r' });
    expect(repo.data.full_name).toBe('o/r');
    expect(proxy.count('api.example.test')).toBe(1);
  });

  it('https:// requests are tunnelled with CONNECT', async () => {
    const http = createHttpClient({ retry: { ...FAST_RETRY, attempts: 1 } });
    // The server behind speaks plain HTTP, so the TLS handshake fails: what matters is that the proxy tunnelled it.
    await thrown(http.get(`https://deb.example.test:${port}/file`));
    expect(proxy.log.filter((e) => e.kind === 'connect').map((e) => e.target)).toEqual([`deb.example.test:${port}`]);
  });

  it('a whole update through the proxy: every request of it went through', async () => {
    const mirrors = {
      [MAIN_URL]: fx.mainServer.url.replace('127.0.0.1', 'deb.example.test'),
      [SECURITY_URL]: fx.securityServer.url.replace('127.0.0.1', 'security.example.test'),
    };
    const config = await loadConfig(fx.configPath, { sourceOverrides: mirrors });
    const before = proxy.log.length;
    fx.mainServer.resetCounts();
    fx.securityServer.resetCounts();
    await runUpdate({ config, lockDir: fx.lockDir, now: NOW, check: false, keyring: fx.keyring, retry: FAST_RETRY });
    const seen = fx.mainServer.log.length + fx.securityServer.log.length;
    expect(seen).toBeGreaterThan(0);
    const proxied = proxy.log.slice(before);
    expect(proxied.length).toBe(seen);
    expect(new Set(proxied.map((e) => e.target.replace(/:\d+$/, '')))).toEqual(
      new Set(['deb.example.test', 'security.example.test']),
    );
    console.log(`update through the proxy: ${proxied.length} requests proxied, ${seen} served upstream`);
  });
});
