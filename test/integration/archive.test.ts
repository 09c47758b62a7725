import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as openpgp from 'openpgp';
import {
  createHttpClient,
  debianKeyring,
  directoryCache,
  FAST_RETRY,
  fetchRelease,
  fetchSuiteIndices,
  loadKeyring,
  sha256Hex,
  verifyClearsigned,
  type Keyring,
  type RetryEvent,
  type SuiteIndicesRequest,
} from '../../src/archive/index.js';
import {
  buildDebianRepo,
  generateTestKey,
  type RepoOptions,
  type TestKey,
  type TestPackage,
  type TestRepo,
} from '../helpers/debian-repo.js';
import { serveDirectory, type TestServer } from '../helpers/http-server.js';

const DATE = new Date('2026-11-27T06:00:00Z');
const NOW = new Date('2026-11-27T12:00:00Z');
const PACKAGES: TestPackage[] = [
  { name: 'base-files', version: '12.4+deb12u12', architecture: 'amd64', fields: { Essential: 'yes' } },
  { name: 'base-files', version: '12.4+deb12u12', architecture: 'arm64', fields: { Essential: 'yes' } },
  {
    name: 'libc6',
    version: '2.36-9+deb12u13',
    architecture: 'amd64',
    fields: { Depends: 'libgcc-s1', 'Multi-Arch': 'same' },
  },
  {
    name: 'tzdata',
    version: '1:2025b-0+deb12u2',
    fields: { Provides: 'tzdata-bookworm' },
    files: { 'usr/share/zoneinfo/UTC': 'TZif2' },
  },
];
const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/archive/${name}`, import.meta.url));

let key: TestKey;
let keyring: Keyring;
beforeAll(async () => {
  key = await generateTestKey();
  keyring = await loadKeyring([key.armoredPublic]);
});

interface Env {
  repo: TestRepo;
  server: TestServer;
  retries: RetryEvent[];
  request: SuiteIndicesRequest;
  dists: string;
}

/** Builds a repo (signed with `key` unless told otherwise), serves it, runs `body`, cleans up. */
async function withRepo(opts: Partial<RepoOptions>, body: (env: Env) => Promise<void>): Promise<void> {
  const repo = await buildDebianRepo({
    packages: PACKAGES,
    date: DATE,
    archs: ['amd64', 'arm64'],
    signWith: [key],
    ...opts,
  });
  const server = await serveDirectory(repo.root);
  const retries: RetryEvent[] = [];
  const http = createHttpClient({ retry: FAST_RETRY, onRetry: (e) => retries.push(e) });
  const request = {
    url: server.url,
    suite: repo.suite,
    components: ['main'],
    archs: ['amd64', 'arm64'],
    trustedKeys: keyring,
    now: NOW,
    http,
  };
  try {
    await body({ repo, server, retries, request, dists: `/dists/${repo.suite}` });
  } finally {
    await server.close();
    repo.remove();
  }
}

describe('fetchSuiteIndices against a served test repository', () => {
  it('verifies the Release and returns each arch index text, fetched by hash as .gz', () =>
    withRepo({}, async ({ repo, server, request, dists }) => {
      const got = await fetchSuiteIndices(request);
      expect(got.missingArchs).toEqual([]);
      expect(got.release.signers.map((s) => s.fingerprint)).toEqual([key.fingerprint]);
      expect(got.release.inReleaseSha256).toBe(sha256Hex(repo.inRelease));
      expect(got.release.date).toEqual(DATE);
      expect(got.indices.map((i) => [i.arch, i.path, i.text])).toEqual([
        ['amd64', 'main/binary-amd64/Packages.gz', repo.packagesText.amd64],
        ['arm64', 'main/binary-arm64/Packages.gz', repo.packagesText.arm64],
      ]);
      expect(repo.packagesText.amd64).toContain('Package: libc6\nVersion: 2.36-9+deb12u13');
      expect(repo.packagesText.arm64).toContain('Filename: pool/main/t/tzdata/tzdata_2025b-0+deb12u2_all.deb');
      const amd64 = got.indices[0];
      expect(amd64?.source).toBe(`${server.url}${dists}/main/binary-amd64/by-hash/SHA256/${amd64?.sha256}`);
      expect(server.count(`${dists}/main/binary-amd64/Packages.gz`)).toBe(0);
      expect(server.log.filter((p) => p.includes('by-hash'))).toHaveLength(2);
    }));

  it('falls back to the plain path when by-hash is absent, and to .xz or plain files', () =>
    withRepo({ acquireByHash: false, variants: ['.xz', ''] }, async ({ repo, server, request, dists }) => {
      const got = await fetchSuiteIndices(request);
      expect(got.indices.map((i) => i.path)).toEqual([
        'main/binary-amd64/Packages.xz',
        'main/binary-arm64/Packages.xz',
      ]);
      expect(got.indices[1]?.text).toBe(repo.packagesText.arm64);
      expect(server.count(`${dists}/main/binary-amd64/Packages.xz`)).toBe(1);
    }));

  it('uses the plain path when a by-hash file is missing (404)', () =>
    withRepo({ variants: [''] }, async ({ repo, server, request, dists }) => {
      server.fault(/by-hash/, { status: 404 });
      const got = await fetchSuiteIndices(request);
      expect(got.indices[0]?.text).toBe(repo.packagesText.amd64);
      expect(server.count(`${dists}/main/binary-amd64/Packages`)).toBe(1);
    }));

  it('gives way to the next listed variant when the mirror lacks one, INDEX_MISSING when it lacks all', () =>
    withRepo({ acquireByHash: false }, async ({ repo, server, request }) => {
      server.fault(/Packages\.gz$/, { status: 404 });
      const got = await fetchSuiteIndices(request);
      expect(got.indices.map((i) => i.path)).toEqual([
        'main/binary-amd64/Packages.xz',
        'main/binary-arm64/Packages.xz',
      ]);
      expect(got.indices[0]?.text).toBe(repo.packagesText.amd64);
      server.fault(/Packages/, { status: 404 });
      await expect(fetchSuiteIndices(request)).rejects.toMatchObject({
        code: 'INDEX_MISSING',
        message: expect.stringContaining(
          'none of main/binary-amd64/Packages.gz, main/binary-amd64/Packages.xz, main/binary-amd64/Packages is found',
        ),
      });
    }));

  it('decodes xz with an xz binary when asked', async () => {
    if (spawnSync('xz', ['--version']).status !== 0) return;
    await withRepo({ variants: ['.xz'] }, async ({ repo, request }) => {
      const got = await fetchSuiteIndices({ ...request, xzCommand: 'xz' });
      expect(got.indices[0]?.text).toBe(repo.packagesText.amd64);
    });
  });

  it('reports an arch the suite lacks in missingArchs instead of failing', () =>
    withRepo({ archs: ['amd64'] }, async ({ server, request }) => {
      const got = await fetchSuiteIndices({ ...request, archs: ['amd64', 's390x'] });
      expect(got.missingArchs).toEqual(['s390x']);
      expect(got.indices.map((i) => i.arch)).toEqual(['amd64']);
      expect(server.log.some((p) => p.includes('s390x'))).toBe(false);
    }));

  it('fails with INDEX_MISSING when a listed arch has no index for the component', () =>
    withRepo({ releaseArchitectures: ['amd64', 'arm64', 'riscv64'] }, async ({ request }) => {
      await expect(fetchSuiteIndices({ ...request, archs: ['riscv64'] })).rejects.toMatchObject({
        code: 'INDEX_MISSING',
        message: expect.stringContaining('no main/binary-riscv64/Packages index is listed'),
      });
    }));

  it('serves indices from the cache without downloading them again', () =>
    withRepo({}, async ({ server, request }) => {
      const dir = mkdtempSync(join(tmpdir(), 'index-cache-'));
      try {
        const first = await fetchSuiteIndices({ ...request, cache: directoryCache(dir) });
        expect(readdirSync(dir).sort()).toEqual(first.indices.map((i) => i.sha256).sort());
        server.resetCounts();
        const second = await fetchSuiteIndices({ ...request, cache: directoryCache(dir) });
        expect(second.indices.map((i) => i.text)).toEqual(first.indices.map((i) => i.text));
        expect(second.indices.every((i) => i.source.startsWith('cache:'))).toBe(true);
        expect(server.log).toEqual([`/dists/${request.suite}/InRelease`]);
        // A cached file that no longer matches its name is dropped and fetched again.
        writeFileSync(join(dir, first.indices[0]?.sha256 ?? ''), 'garbage');
        const third = await fetchSuiteIndices({ ...request, cache: directoryCache(dir) });
        expect(third.indices[0]?.source).toContain('/by-hash/');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));
});

describe('what is refused', () => {
  it('an InRelease changed after signing: SIGNATURE_INVALID naming the URL', () =>
    withRepo(
      { tamperInRelease: (t) => t.replace('Origin: Test', 'Origin: Evil') },
      async ({ server, request, dists }) => {
        await expect(fetchSuiteIndices(request)).rejects.toMatchObject({
          code: 'SIGNATURE_INVALID',
          message: expect.stringMatching(
            new RegExp(`^${server.url}${dists}/InRelease: bad signature from trusted key`),
          ),
        });
      },
    ));

  it('text outside the signed block', () =>
    withRepo(
      { tamperInRelease: (t) => `${t}\nSHA256:\n ${'0'.repeat(64)} 1 main/binary-amd64/Packages\n` },
      async ({ request }) => {
        await expect(fetchSuiteIndices(request)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
      },
    ));

  it('a Release signed by another key: SIGNATURE_INVALID', async () => {
    const other = await generateTestKey('ed25519', 'Mallory');
    await withRepo({ signWith: [other] }, async ({ request }) => {
      await expect(fetchSuiteIndices(request)).rejects.toMatchObject({
        code: 'SIGNATURE_INVALID',
        message: expect.stringContaining(`only signatures by untrusted keys ${other.fingerprint.slice(-16)}`),
      });
    });
  });

  it('an index changed after the Release was written: HASH_MISMATCH, or SIZE_MISMATCH when its size changed', async () => {
    await withRepo({ corrupt: [{ path: 'main/binary-arm64/Packages.gz', how: 'flip' }] }, async ({ request }) => {
      await expect(fetchSuiteIndices(request)).rejects.toMatchObject({
        code: 'HASH_MISMATCH',
        message: expect.stringMatching(/by-hash\/SHA256\/[0-9a-f]{64}: sha256 [0-9a-f]{64}, the Release says/),
      });
    });
    await withRepo({ corrupt: [{ path: 'main/binary-amd64/Packages.gz', how: 'append' }] }, async ({ request }) => {
      await expect(fetchSuiteIndices(request)).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
    });
  });

  it('a refused index fails the run only after the others are done writing into the cache', () =>
    withRepo({ corrupt: [{ path: 'main/binary-arm64/Packages.gz', how: 'flip' }] }, async ({ request }) => {
      const dir = mkdtempSync(join(tmpdir(), 'index-cache-'));
      try {
        const disk = directoryCache(dir);
        let puts = 0;
        // A slow disk: amd64's good index is still being written when arm64's is refused.
        const cache = {
          get: (sha: string) => disk.get(sha),
          put: async (sha: string, bytes: Buffer) => {
            await new Promise((resolve) => setTimeout(resolve, 300));
            await disk.put(sha, bytes);
            puts += 1;
          },
        };
        await expect(fetchSuiteIndices({ ...request, cache })).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
        expect(puts).toBe(1);
        expect(readdirSync(dir)).toHaveLength(1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));

  it('a compressed index whose content differs from the uncompressed entry of the Release', () =>
    withRepo(
      {
        transformRelease: (r) =>
          r.replace(/^ [0-9a-f]{64}( +\d+ main\/binary-amd64\/Packages)$/m, ` ${'0'.repeat(64)}$1`),
      },
      async ({ request }) => {
        await expect(fetchSuiteIndices(request)).rejects.toMatchObject({
          code: 'HASH_MISMATCH',
          message: expect.stringContaining('(decompressed)'),
        });
      },
    ));

  it('an expired Valid-Until: RELEASE_EXPIRED', () =>
    withRepo({ validUntil: new Date('2026-11-27T11:00:00Z') }, async ({ request }) => {
      await expect(fetchRelease(request)).rejects.toMatchObject({
        code: 'RELEASE_EXPIRED',
        message: expect.stringContaining('expired on 2026-11-27T11:00:00Z'),
      });
    }));

  it('a Release for another suite than the URL: RELEASE_INVALID; an unknown suite: INDEX_MISSING', () =>
    withRepo(
      { transformRelease: (r) => r.replace(/^(Suite|Codename): .*$/gm, '$1: bookworm') },
      async ({ request }) => {
        await expect(fetchRelease(request)).rejects.toMatchObject({
          code: 'RELEASE_INVALID',
          message: expect.stringContaining(
            `Release is for suite "bookworm" (codename "bookworm"), expected "${request.suite}"`,
          ),
        });
        await expect(fetchRelease({ ...request, suite: 'nosuch' })).rejects.toMatchObject({ code: 'INDEX_MISSING' });
      },
    ));
});

describe('http', () => {
  it('retries transient 503s (honouring a capped Retry-After) and dropped connections', () =>
    withRepo({}, async ({ server, request, retries, dists }) => {
      server.fault(`${dists}/InRelease`, { status: 503, times: 2, headers: { 'retry-after': '1' } });
      server.fault(/by-hash/, { drop: true, times: 1 });
      const got = await fetchSuiteIndices(request);
      expect(got.indices).toHaveLength(2);
      expect(server.count(`${dists}/InRelease`)).toBe(3);
      expect(retries.slice(0, 2).map((r) => [r.attempt, r.delayMs, r.reason])).toEqual([
        [1, FAST_RETRY.maxRetryAfterMs, 'HTTP 503 Service Unavailable'],
        [2, FAST_RETRY.maxRetryAfterMs, 'HTTP 503 Service Unavailable'],
      ]);
      expect(retries).toHaveLength(3);
    }));

  it('gives up on a permanent 500 with a clear HTTP error', () =>
    withRepo({}, async ({ server, request, dists }) => {
      server.fault(`${dists}/InRelease`, { status: 500 });
      await expect(fetchRelease(request)).rejects.toMatchObject({
        code: 'HTTP',
        message: `GET ${server.url}${dists}/InRelease: HTTP 500 Internal Server Error (after ${FAST_RETRY.attempts} tries)`,
      });
      expect(server.count(`${dists}/InRelease`)).toBe(FAST_RETRY.attempts);
    }));

  it('does not retry a 403, and reports a refused connection as NETWORK', async () => {
    const server = await serveDirectory(tmpdir());
    server.fault('/x', { status: 403 });
    const http = createHttpClient({ retry: FAST_RETRY });
    await expect(http.get(`${server.url}/x`)).rejects.toMatchObject({
      code: 'HTTP',
      message: `GET ${server.url}/x: HTTP 403 Forbidden`,
    });
    expect(server.count('/x')).toBe(1);
    await server.close();
    await expect(http.get(`${server.url}/x`)).rejects.toMatchObject({
      code: 'NETWORK',
      message: expect.stringMatching(new RegExp(`^GET ${server.url}/x failed: .*ECONNREFUSED.* \\(after 4 tries\\)$`)),
    });
  });

  it('caps the body size and the requests in flight per host', () =>
    withRepo({}, async ({ server, dists }) => {
      const http = createHttpClient({ retry: FAST_RETRY, perHostConcurrency: 2 });
      const url = `${server.url}${dists}/InRelease`;
      await expect(http.get(url, { maxBytes: 100 })).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
      server.fault(/Packages/, { delayMs: 30 });
      server.resetCounts();
      const paths = ['', '.gz', '.xz'].flatMap((v) =>
        ['amd64', 'arm64'].map((a) => `${dists}/main/binary-${a}/Packages${v}`),
      );
      await Promise.all(paths.map((p) => http.get(`${server.url}${p}`)));
      expect(server.log).toHaveLength(6);
      expect(server.maxInFlight()).toBe(2);
    }));
});

describe('signatures', () => {
  it('ignores signatures by unknown keys when a trusted one is good, and reports them', async () => {
    const other = await generateTestKey('rsa', 'Other');
    await withRepo({ signWith: [other, key] }, async ({ request }) => {
      const got = await fetchRelease(request);
      expect(got.signers.map((s) => s.fingerprint)).toEqual([key.fingerprint]);
      expect(got.unknownKeyIds).toEqual([other.fingerprint.slice(-16)]);
    });
  });

  it('refuses a bad signature from a trusted key even next to a good one', async () => {
    const other = await generateTestKey();
    const sign = async (text: string, k: TestKey): Promise<string> =>
      openpgp.sign({ message: await openpgp.createCleartextMessage({ text }), signingKeys: k.privateKey, date: DATE });
    const block = (armored: string): string => armored.slice(armored.indexOf('-----BEGIN PGP SIGNATURE-----'));
    const good = await sign('Suite: x\n', key);
    const forOtherText = await sign('Suite: y\n', other);
    const packets = new openpgp.PacketList<openpgp.SignaturePacket>();
    for (const armored of [good, forOtherText]) {
      packets.push(...(await openpgp.readSignature({ armoredSignature: block(armored) })).packets);
    }
    const both = good.replace(block(good), new openpgp.Signature(packets).armor());
    const ring = await loadKeyring([key.armoredPublic, other.armoredPublic]);
    await expect(verifyClearsigned(both, ring, { source: 'test', now: NOW })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
      message: expect.stringContaining(`bad signature from trusted key ${other.fingerprint.slice(-16)}`),
    });
    await expect(verifyClearsigned(both, keyring, { source: 'test', now: NOW })).resolves.toMatchObject({
      text: 'Suite: x\n',
    });
  });

  it('refuses a signature made after now (beyond the clock skew)', async () => {
    const signed = await openpgp.sign({
      message: await openpgp.createCleartextMessage({ text: 'Suite: x\n' }),
      signingKeys: key.privateKey,
      date: new Date(NOW.getTime() + 3_600_000),
    });
    await expect(verifyClearsigned(signed, keyring, { source: 'test', now: NOW })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });
});

describe('real Debian InRelease files (test/fixtures/archive) with the shipped keys', () => {
  let server: TestServer;
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'debian-real-'));
    for (const suite of ['bookworm', 'bookworm-security', 'trixie']) {
      mkdirSync(join(root, 'dists', suite), { recursive: true });
      writeFileSync(join(root, 'dists', suite, 'InRelease'), fixture(`${suite}.InRelease`));
    }
    server = await serveDirectory(root);
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });
  const real = async (suite: string, now: Date, trustedKeys?: Keyring) =>
    fetchRelease({
      url: server.url,
      suite,
      now,
      http: createHttpClient({ retry: FAST_RETRY }),
      trustedKeys: trustedKeys ?? (await debianKeyring()),
    });

  it('bookworm: bookworm automatic, trixie automatic (RSA) and bookworm stable release (EdDSA)', async () => {
    const got = await real('bookworm', NOW);
    expect(got.signers.map((s) => s.signingKeyFingerprint)).toEqual([
      '4CB50190207B4758A3F73A796ED0E7B82643E131',
      'B8E5F13176D2A7A75220028078DBA3BC47EF2265',
      '4D64FEC119C2029067D6E791F8D2585B8783D481',
    ]);
    expect(got.release.codename).toBe('bookworm');
    expect(got.inReleaseSha256).toBe('77737fa4b34f2693e982cc9ee35736816c35a7778fc2d326cc1bbf5b301fe1aa');
  });

  it('bookworm-security: bullseye and bookworm security automatic keys; Valid-Until is enforced', async () => {
    const got = await real('bookworm-security', NOW);
    expect(got.signers.map((s) => s.fingerprint)).toEqual([
      'AC530D520F2F3269F5E98313A48449044AAD5C5D',
      '05AB90340C0C5E797F44A8C8254CF3B5AEC0A8F0',
    ]);
    await expect(real('bookworm-security', new Date('2026-12-03T00:00:00Z'))).rejects.toMatchObject({
      code: 'RELEASE_EXPIRED',
    });
  });

  it('trixie: signed by the trixie stable release key (EdDSA) too', async () => {
    const got = await real('trixie', NOW);
    expect(got.signers.map((s) => s.fingerprint)).toContain('41587F7DB8C774BCCF131416762F67A0B2C39DE4');
  });

  it('a keyring of only some keys: the others are reported as unknown; none trusted → refused', async () => {
    const got = await real('bookworm', NOW, await debianKeyring(['bookworm-stable']));
    expect(got.signers).toHaveLength(1);
    expect(got.unknownKeyIds).toEqual(['6ED0E7B82643E131', '78DBA3BC47EF2265']);
    const wrong = await debianKeyring(['trixie-security-automatic']);
    await expect(real('bookworm', NOW, wrong)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
  });
});
