/**
 * The registry client's pure parts: WWW-Authenticate challenges, keychains (explicit inputs, docker's
 * config.json with credential helpers, GITHUB_TOKEN for ghcr.io), redaction, names, and the distroless
 * naming of layout refs.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultRepoName } from '../../src/app/push.js';
import { isDistrolessError } from '../../src/errors.js';
import {
  capText,
  dockerConfigKeychain,
  dockerConfigPath,
  keychainFromEnvironment,
  parseChallenges,
  parseRegistryTarget,
  pickChallenge,
  runCredentialHelper,
  Secrets,
} from '../../src/registry/index.js';

const INDEX = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 1 };
const MANIFEST = { ...INDEX, mediaType: 'application/vnd.oci.image.manifest.v1+json' };

describe('challenges', () => {
  it('parses Bearer and Basic challenges, quoted and not, several in one header', () => {
    const header =
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push", Basic realm=plain';
    expect(parseChallenges(header)).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
      },
      { scheme: 'basic', params: { realm: 'plain' } },
    ]);
    expect(pickChallenge('Basic realm="r"')?.scheme).toBe('basic');
    expect(pickChallenge('Basic realm="r", Bearer realm="t"')?.scheme).toBe('bearer');
    expect(parseChallenges('Bearer realm="a \\"quoted\\" realm"')[0]?.params.realm).toBe('a "quoted" realm');
    expect(pickChallenge(undefined)).toBeUndefined();
  });
});

describe('keychains', () => {
  it('reads auths entries: base64 auth, username/password, identity and registry tokens, any key spelling', async () => {
    const config = JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hubpass').toString('base64') },
        'http://127.0.0.1:5000': { username: 'u', password: 'p:with:colons' },
        'quay.io': { identitytoken: 'refresh-me' },
        'registry.example': { registrytoken: 'bearer-me' },
      },
    });
    const k = dockerConfigKeychain(config, () => Promise.resolve(undefined));
    expect(await k.resolve('registry-1.docker.io')).toEqual({
      kind: 'basic',
      username: 'hubuser',
      password: 'hubpass',
    });
    expect(await k.resolve('127.0.0.1:5000')).toEqual({ kind: 'basic', username: 'u', password: 'p:with:colons' });
    expect(await k.resolve('quay.io')).toEqual({ kind: 'identityToken', token: 'refresh-me' });
    expect(await k.resolve('registry.example')).toEqual({ kind: 'registryToken', token: 'bearer-me' });
    expect(await k.resolve('ghcr.io')).toEqual({ kind: 'anonymous' });
  });

  it('asks credHelpers per registry, then credsStore, falling back to auths when a helper knows nothing', async () => {
    const asked: string[] = [];
    const runner = (helper: string, server: string): Promise<string | undefined> => {
      asked.push(`${helper} ${server}`);
      if (helper === 'gcloud')
        return Promise.resolve(JSON.stringify({ ServerURL: server, Username: '_token', Secret: 'gc-secret' }));
      if (helper === 'desktop' && server === 'https://index.docker.io/v1/') return Promise.resolve(undefined);
      return Promise.resolve(JSON.stringify({ ServerURL: server, Username: '<token>', Secret: 'oauth-refresh' }));
    };
    const config = JSON.stringify({
      credHelpers: { 'gcr.io': 'gcloud' },
      credsStore: 'desktop',
      auths: { 'docker.io': { auth: Buffer.from('a:b').toString('base64') } },
    });
    const k = dockerConfigKeychain(config, runner);
    expect(await k.resolve('gcr.io')).toEqual({ kind: 'basic', username: '_token', password: 'gc-secret' });
    expect(await k.resolve('ghcr.io')).toEqual({ kind: 'identityToken', token: 'oauth-refresh' });
    expect(await k.resolve('index.docker.io')).toEqual({ kind: 'basic', username: 'a', password: 'b' });
    expect(asked).toEqual(['gcloud gcr.io', 'desktop ghcr.io', 'desktop https://index.docker.io/v1/']);
  });

  it('orders explicit inputs, then config.json, then GITHUB_TOKEN (for ghcr.io only)', async () => {
    const dockerConfig = JSON.stringify({ auths: { 'ghcr.io': { username: 'from-config', password: 'cfg' } } });
    const env = { GITHUB_TOKEN: 'ghs_token', GITHUB_ACTOR: 'octocat' };
    expect(await keychainFromEnvironment({ env }).resolve('ghcr.io')).toEqual({
      kind: 'basic',
      username: 'octocat',
      password: 'ghs_token',
    });
    expect(await keychainFromEnvironment({ env }).resolve('quay.io')).toEqual({ kind: 'anonymous' });
    expect(await keychainFromEnvironment({ env, dockerConfig }).resolve('ghcr.io')).toEqual({
      kind: 'basic',
      username: 'from-config',
      password: 'cfg',
    });
    const explicit = { registry: 'ghcr.io', username: 'me', token: 'pat' };
    expect(await keychainFromEnvironment({ env, dockerConfig, explicit }).resolve('https://ghcr.io/v2/')).toEqual({
      kind: 'basic',
      username: 'me',
      password: 'pat',
    });
    expect(
      await keychainFromEnvironment({ explicit: { registry: 'r.example', token: 't0k' } }).resolve('r.example'),
    ).toEqual({ kind: 'registryToken', token: 't0k' });
    expect(() => keychainFromEnvironment({ explicit: { registry: 'r.example', username: 'me' } })).toThrow(
      /needs a password/,
    );
    expect(dockerConfigPath({ DOCKER_CONFIG: '/cfg' }, '/home/u')).toBe('/cfg/config.json');
    expect(dockerConfigPath({}, '/home/u')).toBe('/home/u/.docker/config.json');
  });

  describe('docker-credential helpers', () => {
    let dir: string;
    let env: NodeJS.ProcessEnv;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'cred-helper-'));
      const script =
        '#!/bin/sh\nserver=$(cat)\nif [ "$server" = known.example ]; then printf \'{"ServerURL":"%s","Username":"bot","Secret":"helper-secret"}\' "$server"; exit 0; fi\necho "credentials not found in native keychain"; exit 1\n';
      await writeFile(join(dir, 'docker-credential-fake'), script);
      await chmod(join(dir, 'docker-credential-fake'), 0o755);
      env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('runs docker-credential-<name> get, and treats "not found" and a missing helper as no credential', async () => {
      expect(await runCredentialHelper('fake', 'known.example', env)).toContain('helper-secret');
      expect(await runCredentialHelper('fake', 'other.example', env)).toBeUndefined();
      expect(await runCredentialHelper('not-installed-anywhere', 'x', env)).toBeUndefined();
      const k = dockerConfigKeychain(JSON.stringify({ credsStore: 'fake' }), (h, s) => runCredentialHelper(h, s, env));
      expect(await k.resolve('known.example')).toEqual({ kind: 'basic', username: 'bot', password: 'helper-secret' });
      await expect(runCredentialHelper('../evil', 'x')).rejects.toThrow(/invalid credential helper name/);
    });
  });
});

describe('secrets', () => {
  it('masks known secrets (also as base64 and in Basic headers) and anything credential-shaped', () => {
    const s = new Secrets();
    s.addBasic('user', 'hunter2-password');
    s.add('tok'); // too short to mask without garbling messages
    const basic = Buffer.from('user:hunter2-password').toString('base64');
    const text = [
      'password hunter2-password',
      `Authorization: Basic ${basic}`,
      'authorization=Bearer abc.def.ghi',
      '{"token":"opaque-token-value","access_token":"x"}',
      'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjaSJ9.c2ln',
      'https://auth/token?scope=x&access_token=leak',
    ].join('\n');
    const out = s.redact(text);
    for (const leak of ['hunter2-password', basic, 'abc.def.ghi', 'opaque-token-value', 'eyJhbGciOiJFUzI1NiJ9', 'leak'])
      expect(out).not.toContain(leak);
    expect(out).toContain('scope=x');
    expect(s.list()).toContain('hunter2-password');
    expect(s.list()).not.toContain('tok');
    expect(capText('x'.repeat(10), 4)).toBe('xxxx… (6 more characters)');
  });
});

describe('names', () => {
  it('maps layout refs distroless-style', () => {
    const cases: Array<[string, typeof INDEX, string, string]> = [
      ['static-debian12', INDEX, 'static-debian12', 'latest'],
      ['static-debian12-latest', INDEX, 'static-debian12', 'latest'],
      ['static-debian12-nonroot', INDEX, 'static-debian12', 'nonroot'],
      ['base-nossl-debian12-debug-nonroot', INDEX, 'base-nossl-debian12', 'debug-nonroot'],
      ['static-debian12-nonroot-amd64', MANIFEST, 'static-debian12', 'nonroot-amd64'],
      ['python3-debian12-latest-arm', MANIFEST, 'python3-debian12', 'latest-arm'],
      ['java17-debian12-debug-nonroot-ppc64le', MANIFEST, 'java17-debian12', 'debug-nonroot-ppc64le'],
      ['java17-debian12-debug-s390x', MANIFEST, 'java17-debian12', 'debug-s390x'],
    ];
    for (const [ref, d, repo, tag] of cases) expect([ref, defaultRepoName(ref, d)]).toEqual([ref, { repo, tag }]);
  });

  it('parses HOST[:PORT]/PREFIX', () => {
    expect(parseRegistryTarget('ghcr.io/owner/distroless')).toEqual({ host: 'ghcr.io', prefix: 'owner/distroless' });
    expect(parseRegistryTarget('127.0.0.1:5000')).toEqual({ host: '127.0.0.1:5000', prefix: '' });
    expect(parseRegistryTarget('docker.io/library')).toEqual({ host: 'registry-1.docker.io', prefix: 'library' });
    expect(parseRegistryTarget('localhost:5000/x/')).toEqual({ host: 'localhost:5000', prefix: 'x' });
    const e = (() => {
      try {
        return parseRegistryTarget('distroless/static');
      } catch (err) {
        return err;
      }
    })();
    expect(isDistrolessError(e, 'USAGE')).toBe(true);
    expect(() => parseRegistryTarget('ghcr.io/Upper')).toThrow(/invalid repository name/);
  });
});
