/**
 * The shared HTTP layer (src/util/http) against real servers on 127.0.0.1: a plain HTTP/1.0 server that closes
 * every connection, servers that accept and never answer or stall, connections dropped at once (how many
 * tries a failure really gets), and credentials written into URLs (sent as a header, never printed).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { createHttpClient } from '../../src/archive/index.js';
import { loadConfig, parseMirrorOverrides } from '../../src/config/load.js';
import { FAST_RETRY, httpRequest, redactUrls, type RetryPolicy } from '../../src/util/http/index.js';
import { parseRegistryTarget, RegistryClient } from '../../src/registry/index.js';
import { runCli, EXIT, type CliIo } from '../../src/cli/main.js';
import { thrown } from '../helpers/errors.js';
import { makeFixture, MAIN_URL, NOW, SECURITY_URL, type Fixture } from '../helpers/update-fixture.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A raw TCP server; `onSocket` decides what it does with each connection. Counts connections. */
async function tcpServer(onSocket: (s: Socket) => void): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: NetServer = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** An HTTP server whose handler sees every request's path and headers. */
async function httpServer(
  handle: (
    path: string,
    headers: IncomingHttpHeaders,
  ) => { status: number; headers?: Record<string, string>; body?: string | Buffer },
): Promise<string> {
  const server: Server = createHttpServer((req, res) => {
    const answer = handle(req.url ?? '/', req.headers);
    res.writeHead(answer.status, answer.headers).end(answer.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('a plain HTTP/1.0 server that closes every connection (like python3 -m http.server)', () => {
  let dir: string;
  const files: Record<string, string> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'http10-'));
    // Large enough that the body is still queued (paused by backpressure) when the server closes.
    for (const name of ['a.deb', 'b.deb', 'c.deb']) {
      const bytes = randomBytes(12 * 1024 * 1024);
      writeFileSync(join(dir, name), bytes);
      files[name] = createHash('sha256').update(bytes).digest('hex');
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Answers each request with HTTP/1.0, the whole file written at once, then closes the connection. */
  async function http10(): Promise<string> {
    const { port } = await tcpServer((s) => {
      let head = '';
      s.on('data', (chunk: Buffer) => {
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        const path = /^GET (\S+) HTTP/.exec(head)?.[1] ?? '/';
        s.removeAllListeners('data');
        let body: Buffer;
        try {
          body = readFileSync(join(dir, path.slice(1)));
        } catch {
          s.end('HTTP/1.0 404 File not found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
          return;
        }
        s.write(
          `HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
        );
        s.end(body);
      });
    });
    return `http://127.0.0.1:${port}`;
  }

  it('downloads every file whole (no crash of the HTTP client when the server closes mid-backpressure)', async () => {
    const base = await http10();
    const http = createHttpClient({ retry: { ...FAST_RETRY, attempts: 1 } });
    const out = mkdtempSync(join(tmpdir(), 'http10-out-'));
    closers.push(async () => rmSync(out, { recursive: true, force: true }));
    for (let round = 0; round < 3; round++) {
      const got = await Promise.all(
        Object.keys(files).map((name) => http.download(`${base}/${name}`, join(out, `${round}-${name}`))),
      );
      expect(got.map((g) => g?.sha256)).toEqual(Object.values(files));
    }
    expect((await http.get(`${base}/a.deb`)).length).toBe(12 * 1024 * 1024);
    expect(await http.getIfExists(`${base}/missing.deb`)).toBeUndefined();
  });
});

describe('timeouts are part of the policy', () => {
  const quick: RetryPolicy = { ...FAST_RETRY, attempts: 2, headersTimeoutMs: 300, bodyTimeoutMs: 300 };

  it('a server that accepts and never answers: the archive client gives up after the policy tries', async () => {
    const silent = await tcpServer(() => undefined);
    const http = createHttpClient({ retry: quick });
    const e = await thrown(http.get(`http://127.0.0.1:${silent.port}/dists/x/InRelease`));
    expect(e.code).toBe('NETWORK');
    expect(e.message).toBe(
      `GET http://127.0.0.1:${silent.port}/dists/x/InRelease failed: timed out waiting for the response headers (after 2 tries)`,
    );
    expect(silent.connections()).toBe(2);
  });

  it('a registry that accepts and never answers: one line, the tries counted', async () => {
    const silent = await tcpServer(() => undefined);
    const client = new RegistryClient({ registry: `127.0.0.1:${silent.port}`, insecure: true, retry: quick });
    const e = await thrown(client.ping());
    expect(e.message).toBe(
      `registry 127.0.0.1:${silent.port}: GET /v2/: timed out waiting for the response headers (after 2 tries)`,
    );
    expect(silent.connections()).toBe(2);
  });

  it('the request that completes an upload may take up to commitTimeoutMs (a registry moving a large blob)', async () => {
    const slowCommit = createHttpServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      req.resume();
      if (req.method === 'POST') return void res.writeHead(202, { location: '/v2/p/r/blobs/uploads/1' }).end();
      if (req.method === 'PUT' && url.searchParams.has('digest'))
        return void req.on('end', () => setTimeout(() => res.writeHead(201).end(), 3000));
      res.writeHead(req.url === '/v2/' ? 200 : 404).end();
    });
    await new Promise<void>((r) => slowCommit.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise<void>((r) => {
          slowCommit.closeAllConnections();
          slowCommit.close(() => r());
        }),
    );
    const port = (slowCommit.address() as AddressInfo).port;
    const bytes = Buffer.from('a blob');
    const blob = {
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
      size: bytes.length,
      open: () => Readable.from([bytes]),
    };
    const policy = { ...quick, attempts: 1, commitTimeoutMs: 10_000 };
    const client = new RegistryClient({ registry: `127.0.0.1:${port}`, insecure: true, retry: policy });
    await client.uploadBlob('p/r', blob);
    const impatient = new RegistryClient({
      registry: `127.0.0.1:${port}`,
      insecure: true,
      retry: { ...policy, commitTimeoutMs: 300 },
    });
    expect((await thrown(impatient.uploadBlob('p/r', blob))).message).toMatch(
      /PUT \/v2\/p\/r\/blobs\/uploads\/1: timed out waiting for the response headers$/,
    );
  });

  it('a body that stalls halfway', async () => {
    const stalling = await tcpServer((s) =>
      s.once('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nhalf of it')),
    );
    const http = createHttpClient({ retry: quick });
    const e = await thrown(http.get(`http://127.0.0.1:${stalling.port}/big`));
    expect(e.message).toMatch(/failed: timed out waiting for the response body \(after 2 tries\)$/);
  });
});

describe('a failure is tried as often as the policy says, once', () => {
  it('a registry that drops every connection: policy.attempts connections, and the message says so', async () => {
    const dropping = await tcpServer((s) => s.destroy());
    const onRetry: number[] = [];
    const client = new RegistryClient({
      registry: `127.0.0.1:${dropping.port}`,
      insecure: true,
      retry: FAST_RETRY,
      onRetry: (e) => onRetry.push(e.attempt),
    });
    const ping = await thrown(client.ping());
    expect(ping.message).toMatch(/: GET \/v2\/: .* \(after 4 tries\)$/);
    expect(dropping.connections()).toBe(FAST_RETRY.attempts);
    // A blob upload is retried as a whole; the requests inside it (ping, HEAD, POST) are not retried again.
    const bytes = Buffer.from('a blob');
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const before = dropping.connections();
    onRetry.length = 0;
    const upload = await thrown(
      client.uploadBlob('p/r', { digest, size: bytes.length, open: () => Readable.from([bytes]) }),
    );
    expect(upload.message).toMatch(/\(after 4 tries\)$/);
    expect(dropping.connections() - before).toBe(FAST_RETRY.attempts);
    expect(onRetry).toEqual([1, 2, 3]);
  });

  it('a retryable status from the archive: policy.attempts requests', async () => {
    let seen = 0;
    const base = await httpServer(() => {
      seen++;
      return { status: 503 };
    });
    const e = await thrown(createHttpClient({ retry: FAST_RETRY }).get(`${base}/x`));
    expect(e.message).toBe(`GET ${base}/x: HTTP 503 Service Unavailable (after 4 tries)`);
    expect(seen).toBe(FAST_RETRY.attempts);
  });
});

describe('credentials in URLs', () => {
  const PASSWORD = 'S3cret-Pa55';

  it('a mirror URL with user:password: sent as Basic auth to that origin, never printed', async () => {
    const auths: Array<string | undefined> = [];
    const base = await httpServer((path, headers) => {
      auths.push(headers.authorization);
      if (headers.authorization !== `Basic ${Buffer.from(`user:${PASSWORD}`).toString('base64')}`)
        return { status: 401 };
      return path === '/debian/file' ? { status: 200, body: 'content' } : { status: 404 };
    });
    const withCreds = base.replace('http://', `http://user:${PASSWORD}@`);
    const retried: string[] = [];
    const http = createHttpClient({ retry: FAST_RETRY, onRetry: (e) => retried.push(e.url) });
    expect((await http.get(`${withCreds}/debian/file`)).toString()).toBe('content');
    const missing = await thrown(http.get(`${withCreds}/debian/missing`));
    expect(missing.message).toBe(`GET ${base.replace('http://', 'http://***@')}/debian/missing: HTTP 404 Not Found`);
    expect(missing.message).not.toContain(PASSWORD);
    // Without the credentials the server refuses: they really travelled in the header.
    expect((await thrown(http.get(`${base}/debian/file`))).message).toContain('HTTP 401');
    expect(auths.filter((a) => a !== undefined)).toHaveLength(2);
    expect(retried).toEqual([]);
  });

  it('a redirect to another origin does not carry the credentials', async () => {
    const seenByOther: Array<string | undefined> = [];
    const other = await httpServer((_p, headers) => {
      seenByOther.push(headers.authorization);
      return { status: 200, body: 'moved here' };
    });
    const first = await httpServer((_p, headers) =>
      headers.authorization === undefined ? { status: 401 } : { status: 302, headers: { location: `${other}/there` } },
    );
    const res = await httpRequest({ method: 'GET', url: new URL(first.replace('http://', `http://u:${PASSWORD}@`)) });
    expect(await res.body.text()).toBe('moved here');
    expect(seenByOther).toEqual([undefined]);
    expect(res.url.toString()).toBe(`${other}/there`);
  });

  it('mirror overrides and config errors blank the userinfo', () => {
    const e = (() => {
      try {
        parseMirrorOverrides(`https://deb.debian.org/debian=ftp://user:${PASSWORD}@host/debian`);
      } catch (err) {
        return err as Error;
      }
      throw new Error('expected a refusal');
    })();
    expect(e.message).toContain('bad entry "https://deb.debian.org/debian=ftp://***@host/debian"');
    expect(e.message).not.toContain(PASSWORD);
    expect(redactUrls(`a http://u:${PASSWORD}@h/x and https://t@h2/y`)).toBe('a http://***@h/x and https://***@h2/y');
  });

  it('a config whose source URL carries credentials is refused, naming the field, not the password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-creds-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'distroless.yaml');
    writeFileSync(
      path,
      `distros:\n  d12:\n    sources:\n      - { url: "http://u:${PASSWORD}@mirror.example/debian", suite: bookworm, components: [main] }\n    archs: [amd64]\nimages:\n  static:\n    distro: d12\n    packages: [base-files]\n`,
    );
    const e = await thrown(loadConfig(path));
    const text = [e.message, ...e.details].join('\n');
    expect(text).toContain('http://***@mirror.example/debian: credentials do not belong in the config');
    expect(text).not.toContain(PASSWORD);
  });

  it('a registry address with credentials is refused without echoing them (nor lower-cased)', () => {
    let message = '';
    try {
      parseRegistryTarget(`user:${PASSWORD}@127.0.0.1:5000/prefix`);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^registry 127\.0\.0\.1:5000: credentials in the registry address are not accepted/);
    expect(message.toLowerCase()).not.toContain(PASSWORD.toLowerCase());
  });
});

describe('the CLI with credentials in a mirror URL or a registry address (as a user would type them)', () => {
  const PASSWORD = 'Mirr0r-Pa55';
  let fx: Fixture;
  let keys: string;
  beforeAll(async () => {
    fx = await makeFixture();
    keys = join(fx.dir, 'keys.asc');
    writeFileSync(keys, fx.keys.map((k) => k.armoredPublic).join('\n'));
  });
  afterAll(async () => {
    await fx?.close();
    if (fx) rmSync(fx.dir, { recursive: true, force: true });
  });

  async function cli(args: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const io: CliIo = {
      stdout: (s) => (out += s),
      stderr: (s) => (out += s),
      env: { HOME: fx.dir, DISTROLESS_REGISTRY_PASSWORD: 'unused-here' },
      cwd: fx.dir,
      isTTY: false,
      now: () => NOW,
      clock: () => 0,
    };
    return { code: await runCli(args, io), out };
  }
  const withCreds = (url: string): string => url.replace('http://', `http://mirror-user:${PASSWORD}@`);

  it('update and build through a mirror with user:password: they work, and nothing printed or written shows it', async () => {
    const common = [
      '--keyring',
      keys,
      '--progress',
      '--mirror',
      `${MAIN_URL}=${withCreds(fx.mainServer.url)}`,
      '--mirror',
      `${SECURITY_URL}=${withCreds(fx.securityServer.url)}`,
      '--cache-dir',
      join(fx.dir, 'cache'),
    ];
    const update = await cli([...common, 'update']);
    expect(update.code).toBe(EXIT.ok);
    expect(update.out).toContain('http://***@127.0.0.1');
    const build = await cli([...common, 'build', '--image', 'static']);
    expect(build.code).toBe(EXIT.ok);
    // A mirror without the suite: the failure names the URL, blanked.
    const missing = await cli([
      '--keyring',
      keys,
      '--mirror',
      `${MAIN_URL}=${withCreds(fx.mainServer.url)}/nothing-here`,
      '--mirror',
      `${SECURITY_URL}=${withCreds(fx.securityServer.url)}`,
      'update',
      '--check',
    ]);
    expect(missing.code).not.toBe(EXIT.ok);
    expect(missing.out).toContain(`http://***@${fx.mainServer.url.slice('http://'.length)}/nothing-here`);
    const lock = readFileSync(join(fx.dir, 'lockfiles', 'test12.lock.json'), 'utf8');
    for (const text of [update.out, build.out, missing.out, lock]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('mirror-user');
    }
  });

  it('push to a registry address with user:password: refused in one line that shows neither', async () => {
    const r = await cli(['push', '--registry', `Alice:${PASSWORD}@127.0.0.1:5000/prefix`, '--insecure']);
    expect(r.code).not.toBe(EXIT.ok);
    expect(r.out).toMatch(/credentials in the registry address are not accepted/);
    expect(r.out.toLowerCase()).not.toContain(PASSWORD.toLowerCase());
    expect(r.out.toLowerCase()).not.toContain('alice');
  });
});
