/**
 * Auth against the real docker-registry: htpasswd Basic (credentials from a docker config.json), token auth
 * with the test token issuer (scopes per repository, the mount source's pull scope, refresh after a 401),
 * credentials kept out of errors and progress, and never sent to another host on a redirect.
 * Needs the Debian packages docker-registry, apache2-utils (htpasswd), openssl, skopeo and tar.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runPush } from '../../src/app/push.js';
import { errorMessage, isDistrolessError } from '../../src/errors.js';
import type { Descriptor } from '../../src/oci/index.js';
import {
  FAST_RETRY,
  keychainFromEnvironment,
  RegistryError,
  Secrets,
  staticKeychain,
  type PushEvent,
} from '../../src/registry/index.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { requireTools } from '../helpers/oci-tools.js';
import { skopeoInspectRaw, skopeoPull, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeTestLayout } from '../helpers/test-layout.js';

const USER = 'pusher';
const PASSWORD = 'S3cret-Pa55word-for-tests';
const REFRESH_TOKEN = 'oauth2-refresh-token-for-ci';
const BASIC = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
let work: string;
let layout: string;
let refs: Map<string, Descriptor>;

beforeAll(async () => {
  await requireTools('skopeo', 'tar');
  work = await mkdtemp(join(tmpdir(), 'registry-auth-'));
  layout = join(work, 'layout');
  refs = await makeTestLayout(layout, {
    images: ['static', 'base'],
    archs: ['amd64', 'arm64'],
    variants: ['latest', 'nonroot'],
    marker: 'auth',
  });
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Everything a caller could print: the error's message and details, and every progress event. */
function printable(error: unknown, events: readonly PushEvent[]): string {
  const details =
    error instanceof RegistryError ? [error.message, ...error.details, error.body] : [errorMessage(error)];
  return [...details, ...events.map((e) => JSON.stringify(e))].join('\n');
}

describe('htpasswd Basic auth', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ kind: 'htpasswd', users: { [USER]: PASSWORD } });
  });
  afterAll(async () => registry?.stop());

  it('pushes with credentials from a docker config.json, and skopeo reads the index back', async () => {
    const dockerConfig = JSON.stringify({
      auths: { [`http://${registry.host}`]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } },
    });
    const keychain = keychainFromEnvironment({ env: { GITHUB_TOKEN: 'ghs_not-for-this-registry' }, dockerConfig });
    const result = await runPush({
      layoutDir: layout,
      registry: `${registry.host}/distroless`,
      keychain,
      insecure: true,
      retry: FAST_RETRY,
    });
    expect(result.tagsPut).toBe(refs.size - 2); // the `latest` aliases share their tag
    const raw = JSON.parse(
      await skopeoInspectRaw(`${registry.host}/distroless/base-debian12:latest`, `${USER}:${PASSWORD}`),
    ) as { manifests: unknown[] };
    expect(raw.manifests).toHaveLength(2);
    const out = join(work, 'basic-pulled');
    await skopeoPull(`${registry.host}/distroless/static-debian12:nonroot`, out, 'nonroot', `${USER}:${PASSWORD}`);
  });

  it('fails with a one-line AUTH error naming the registry, without the password, on a wrong password', async () => {
    const events: PushEvent[] = [];
    const wrong = `${PASSWORD}-wrong`;
    const keychain = staticKeychain({ [registry.host]: { kind: 'basic', username: USER, password: wrong } });
    const error = await runPush({
      layoutDir: layout,
      registry: `${registry.host}/distroless`,
      keychain,
      insecure: true,
      retry: FAST_RETRY,
      onProgress: (e) => events.push(e),
    }).catch((e: unknown) => e);
    expect(isDistrolessError(error, 'AUTH')).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`^registry ${registry.host}: GET /v2/: 401 Unauthorized`));
    expect((error as Error).message).not.toContain('\n');
    const text = printable(error, events);
    for (const secret of [wrong, Buffer.from(`${USER}:${wrong}`).toString('base64')])
      expect(text).not.toContain(secret);
  });

  it('redacts credentials a registry echoes back, and caps what it quotes', async () => {
    const echo = await startFaultProxy({
      upstream: registry.host,
      intercept: (req, res) => {
        if (req.method !== 'PUT' || !req.url?.includes('/manifests/')) return false;
        req.resume();
        const body = {
          errors: [
            {
              code: 'MANIFEST_INVALID',
              message: `rejected; you sent authorization: ${req.headers.authorization} (password ${PASSWORD})`,
              detail: 'x'.repeat(20_000),
            },
          ],
        };
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return true;
      },
    });
    try {
      const events: PushEvent[] = [];
      const secrets = new Secrets();
      const keychain = staticKeychain({ [echo.host]: { kind: 'basic', username: USER, password: PASSWORD } });
      const error = await runPush({
        layoutDir: layout,
        registry: `${echo.host}/echo`,
        keychain,
        insecure: true,
        retry: FAST_RETRY,
        secrets,
        onProgress: (e) => events.push(e),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RegistryError);
      const e = error as RegistryError;
      expect(e.message).toMatch(
        /^registry 127\.0\.0\.1:\d+: PUT \/v2\/echo\/\S+\/manifests\/sha256:[0-9a-f]{64}: 400 Bad Request: MANIFEST_INVALID rejected; you sent authorization: \*\*\*/,
      );
      expect(e.body.length).toBeLessThan(4200);
      const text = printable(error, events);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(BASIC.slice('Basic '.length));
      expect(secrets.list()).toContain(PASSWORD);
    } finally {
      await echo.close();
    }
  });

  it('does not send credentials to another host when an upload is redirected there', async () => {
    // "Storage" on another loopback address: it signs its own requests to the registry, like a pre-signed URL.
    const storage = await startFaultProxy({
      upstream: registry.host,
      listen: '127.0.0.2',
      addHeaders: { authorization: BASIC },
    });
    const front = await startFaultProxy({
      upstream: registry.host,
      intercept: (req, res) => {
        if (req.method !== 'PUT' || !req.url?.includes('/blobs/uploads/')) return false;
        req.resume();
        req.on('end', () => res.writeHead(307, { location: `${storage.url}${req.url ?? ''}` }).end());
        return true;
      },
    });
    try {
      const keychain = staticKeychain({ [front.host]: { kind: 'basic', username: USER, password: PASSWORD } });
      const result = await runPush({
        layoutDir: layout,
        registry: `${front.host}/redirected`,
        keychain,
        insecure: true,
        retry: FAST_RETRY,
      });
      expect(result.uploadedBlobs).toBeGreaterThan(0);
      const uploads = storage.seen.filter((r) => r.method === 'PUT');
      expect(uploads.length).toBe(result.uploadedBlobs);
      expect(uploads.every((r) => r.authorization === undefined)).toBe(true);
      expect(
        front.seen
          .filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/'))
          .every((r) => r.authorization === BASIC),
      ).toBe(true);
      const digest = refs.get('static-debian12-nonroot')?.digest;
      expect(result.refs.find((r) => r.reference === `${front.host}/redirected/static-debian12:nonroot`)?.digest).toBe(
        digest,
      );
    } finally {
      await front.close();
      await storage.close();
    }
  });
});

describe('token auth', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry({
      kind: 'token',
      users: { ci: PASSWORD },
      refreshTokens: { [REFRESH_TOKEN]: 'ci' },
    });
  });
  afterAll(async () => registry?.stop());

  it('pushes with tokens per repository scope, mounting with the source pull scope, and skopeo copies it back', async () => {
    const keychain = staticKeychain({ [registry.host]: { kind: 'basic', username: 'ci', password: PASSWORD } });
    const result = await runPush({
      layoutDir: layout,
      registry: `${registry.host}/distroless`,
      keychain,
      insecure: true,
      retry: FAST_RETRY,
    });
    expect(result.mountedBlobs).toBeGreaterThan(0);
    const scopes = registry.issuer?.requests.map((r) => r.scopes.join(' ')) ?? [];
    expect(scopes).toContain('repository:distroless/static-debian12:pull,push');
    expect(scopes.some((s) => /repository:distroless\/\S+-debian12:pull(?!,)/.test(s))).toBe(true);
    expect(registry.issuer?.requests.every((r) => r.granted && r.account === 'ci')).toBe(true);
    const raw = JSON.parse(
      await skopeoInspectRaw(`${registry.host}/distroless/static-debian12:nonroot`, `ci:${PASSWORD}`),
    ) as { manifests: Array<{ platform: unknown }> };
    expect(raw.manifests.map((m) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux', variant: 'v8' },
    ]);
    const out = join(work, 'token-pulled');
    await skopeoPull(`${registry.host}/distroless/base-debian12:latest`, out, 'latest', `ci:${PASSWORD}`);
  });

  it('refreshes a token the registry refuses (expired) and carries on', async () => {
    const before = registry.issuer?.requests.length ?? 0;
    registry.issuer?.expireNext(1);
    const keychain = staticKeychain({ [registry.host]: { kind: 'basic', username: 'ci', password: PASSWORD } });
    const result = await runPush({
      layoutDir: layout,
      registry: `${registry.host}/distroless`,
      keychain,
      insecure: true,
      retry: FAST_RETRY,
    });
    expect(result.uploadedBytes).toBe(0);
    const asked = registry.issuer?.requests.slice(before).map((r) => r.scopes.join(' ')) ?? [];
    // The first scope was asked for twice: once for the expired token, once after the registry's 401.
    expect(asked.filter((s) => s === asked[0]).length).toBe(2);
  });

  it('trades a docker identity token (OAuth2 refresh token) at the realm by POST', async () => {
    const before = registry.issuer?.requests.length ?? 0;
    const dockerConfig = JSON.stringify({ auths: { [registry.host]: { identitytoken: REFRESH_TOKEN } } });
    const result = await runPush({
      layoutDir: layout,
      registry: `${registry.host}/distroless`,
      keychain: keychainFromEnvironment({ dockerConfig }),
      insecure: true,
      retry: FAST_RETRY,
    });
    expect(result.tagsUnchanged).toBe(result.refs.length);
    const used = registry.issuer?.requests.slice(before) ?? [];
    expect(used.length).toBeGreaterThan(0);
    expect(used.every((r) => r.granted && r.account === 'ci' && r.authorization === undefined)).toBe(true);
  });

  it('fails with a clear AUTH error when the token service grants nothing (anonymous)', async () => {
    const error = await runPush({
      layoutDir: layout,
      registry: `${registry.host}/distroless`,
      insecure: true,
      retry: FAST_RETRY,
    }).catch((e: unknown) => e);
    expect(isDistrolessError(error, 'AUTH')).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(`^registry ${registry.host}: HEAD /v2/distroless/\\S+: 401 Unauthorized$`),
    );
  });
});
