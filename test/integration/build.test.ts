import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAST_RETRY, createHttpClient } from '../../src/archive/index.js';
import { runBuild, type BuildOptions } from '../../src/app/build.js';
import { runUpdate } from '../../src/app/update.js';
import { loadConfig } from '../../src/config/index.js';
import { readLockfile } from '../../src/lock/io.js';
import { listRefs, readBlob, resolveRef, sha256Digest } from '../../src/oci/index.js';
import { umociUnpack } from '../helpers/oci-tools.js';
import { makeFixture, NOW, type Fixture } from '../helpers/update-fixture.js';

describe('build from a lock made against a signed repository on 127.0.0.1', () => {
  let fx: Fixture;
  let opts: () => Promise<BuildOptions>;
  beforeAll(async () => {
    fx = await makeFixture();
    const config = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
    await runUpdate({ config, lockDir: fx.lockDir, now: NOW, check: false, keyring: fx.keyring, retry: FAST_RETRY });
    opts = async () => ({
      config: await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors }),
      lockDir: fx.lockDir,
      outDir: join(fx.dir, 'layout'),
      cacheDir: join(fx.dir, 'cache'),
      http: createHttpClient({ retry: FAST_RETRY }),
    });
  });
  afterAll(async () => fx.close());

  it('writes every image × variant × arch with refs, and the same digests from another cache dir', async () => {
    const first = await runBuild(await opts());
    expect(first.images).toHaveLength(2 * 4 * 2);
    const refs = await listRefs(join(fx.dir, 'layout'));
    expect([...refs.keys()]).toEqual(
      expect.arrayContaining([
        'base-test12',
        'base-test12-latest',
        'base-test12-nonroot',
        'base-test12-debug-nonroot',
        'static-test12-nonroot-arm64',
        'static-test12-debug-amd64',
      ]),
    );
    expect(refs.get('static-test12-nonroot')?.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    // The build epoch defaults to the newest Release date in the lock.
    const lock = await readLockfile(fx.lockDir, 'test12');
    expect(first.epoch).toBe(Math.max(...(lock?.sources ?? []).map((s) => Date.parse(s.date) / 1000)));
    const second = await runBuild({
      ...(await opts()),
      outDir: join(fx.dir, 'layout-b'),
      cacheDir: join(fx.dir, 'cache-b'),
    });
    expect(second.images.map((i) => i.digest)).toEqual(first.images.map((i) => i.digest));
    // A fresh cache builds every layer once; an `Architecture: all` .deb is the same file for every arch, so
    // its second arch reuses the first one's layer (base-files and tzdata here).
    const allArch = Object.entries(lock?.packages.arm64 ?? {}).filter(
      ([n, p]) => p.architecture === 'all' && lock?.packages.amd64?.[n] !== undefined,
    );
    expect(allArch.map(([n]) => n).sort()).toEqual(['base-files', 'tzdata']);
    expect(second.layers.cached).toBe(allArch.length);
    // Again with the first cache: everything from cache, nothing downloaded or compressed.
    const third = await runBuild(await opts());
    expect(third.layers.built).toBe(0);
    expect(third.images.map((i) => i.digest)).toEqual(first.images.map((i) => i.digest));
  });

  it('an image built from another starts with exactly its parent layers', async () => {
    const built = await runBuild(await opts());
    const { readBlob, resolveRef } = await import('../../src/oci/index.js');
    const layout = join(fx.dir, 'layout');
    const layers = async (ref: string): Promise<string[]> => {
      const manifest = JSON.parse((await readBlob(layout, await resolveRef(layout, ref))).toString());
      return manifest.layers.map((l: { digest: string }) => l.digest);
    };
    const stat = await layers('static-test12-latest-amd64');
    const base = await layers('base-test12-latest-amd64');
    expect(base.slice(0, 3)).toEqual(stat.slice(0, 3)); // base filesystem, base-files, tzdata
    const manifest = JSON.parse(
      (await readBlob(layout, await resolveRef(layout, 'base-test12-nonroot-amd64'))).toString(),
    );
    expect(manifest.annotations).toEqual({
      'org.opencontainers.image.created': expect.stringMatching(/^2026-11-20T06:00:00Z$/),
      'org.opencontainers.image.base.name': 'static-test12:nonroot',
      'org.opencontainers.image.base.digest': built.images.find((i) => i.ref === 'static-test12-nonroot-amd64')?.digest,
    });
    expect(base.length).toBeGreaterThan(stat.length);
    expect(built.images.find((i) => i.ref === 'static-test12-debug-amd64')?.layers).toBe(stat.length + 1);
  });

  it('a cached layer blob changed in place (same size) is not copied into a new layout: it is built again', async () => {
    const first = await runBuild(await opts());
    const lock = await readLockfile(fx.lockDir, 'test12');
    const pin = lock?.packages.amd64?.libc6;
    if (!pin) throw new Error('no pin');
    // The libc6 (amd64) layer, found by its diffId in an image that has it.
    const layout = join(fx.dir, 'layout');
    const manifest = JSON.parse(
      (await readBlob(layout, await resolveRef(layout, 'base-test12-latest-amd64'))).toString(),
    ) as { layers: Array<{ digest: string; size: number }> };
    const cacheBlobs = join(fx.dir, 'cache', 'layers', 'blobs', 'sha256');
    const layerDigests = manifest.layers.map((l) => l.digest);
    // Poison every package layer of that image in the cache: same size, one byte flipped.
    for (const digest of layerDigests) {
      const path = join(cacheBlobs, digest.slice('sha256:'.length));
      const bytes = await readFile(path);
      bytes[bytes.length - 12] = (bytes[bytes.length - 12] ?? 0) ^ 0x01;
      // A new file under the old name, as a cache restored by actions/cache would be (writing in place would
      // also change the hardlinked blob of the earlier layout, which the later tests use).
      await writeFile(`${path}.new`, bytes, { mode: 0o444 });
      await rename(`${path}.new`, path);
    }
    const fresh = join(fx.dir, 'layout-poisoned');
    const warnings: string[] = [];
    try {
      const again = await runBuild({ ...(await opts()), outDir: fresh, onWarning: (m) => warnings.push(m) });
      expect(again.images.map((i) => i.digest)).toEqual(first.images.map((i) => i.digest));
      expect(again.layers.built).toBeGreaterThanOrEqual(layerDigests.length);
      expect(warnings).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^layer cache: deb libc6 2\.36-9\+deb12u1: blob sha256:[0-9a-f]{64} does not match its digest; built again$/,
          ),
        ]),
      );
      // Every blob of the new layout, and of the cache now, hashes to its name.
      for (const dir of [join(fresh, 'blobs', 'sha256'), cacheBlobs]) {
        for (const name of await readdir(dir)) {
          expect(sha256Digest(await readFile(join(dir, name)))).toBe(`sha256:${name}`);
        }
      }
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it("os-release is ours, not base-files': its layer lies above the package layers", async () => {
    await runBuild(await opts());
    const bundle = join(fx.dir, 'unpacked-static');
    try {
      await umociUnpack(join(fx.dir, 'layout'), 'static-test12-latest-arm64', bundle);
      const text = await readFile(join(bundle, 'rootfs/usr/lib/os-release'), 'utf8');
      expect(text).toMatch(/^PRETTY_NAME="Distroless"\n/);
      expect(text).toContain('VERSION="Debian GNU/Linux 12 (bookworm)"\n');
    } finally {
      await rm(bundle, { recursive: true, force: true });
    }
  });

  it('builds the package layers largest .deb first (the biggest layer is the critical path)', async () => {
    const lock = await readLockfile(fx.lockDir, 'test12');
    const built: Array<{ name: string; size: number }> = [];
    const cacheDir = join(fx.dir, 'cache-order');
    try {
      // One build slot: each layer starts when the one before it ends, so the progress order is the start order.
      await runBuild({
        ...(await opts()),
        outDir: join(fx.dir, 'layout-order'),
        cacheDir,
        concurrency: 1,
        onProgress: (m) => {
          const hit = /^layer (\S+) \((\w+)\) built$/.exec(m);
          if (hit)
            built.push({
              name: hit[1] as string,
              size: lock?.packages[hit[2] as string]?.[hit[1] as string]?.size ?? -1,
            });
        },
      });
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
      await rm(join(fx.dir, 'layout-order'), { recursive: true, force: true });
    }
    expect(built.length).toBeGreaterThan(5);
    expect(built.every((b) => b.size > 0)).toBe(true);
    // The first to start is whichever cache lookup ended first; every later one was the largest still waiting.
    const rest = built.slice(1).map((b) => b.size);
    expect(rest).toEqual([...rest].sort((a, b) => b - a));
    // The fixture's plan order is not its size order, so this checks the scheduling, not the config.
    const largest = Math.max(...built.map((b) => b.size));
    expect(built.findIndex((b) => b.size === largest)).toBeLessThanOrEqual(1);
  });

  it('fails clearly when the lock is stale for the config', async () => {
    const text = await readFile(fx.configPath, 'utf8');
    await writeFile(fx.configPath, text.replace('packages: [libc6]', 'packages: [libc6, gcc-12-base]'));
    try {
      await expect(runBuild(await opts())).rejects.toMatchObject({
        code: 'LOCK_STALE',
        message: expect.stringMatching(
          /lockfiles\/test12\.lock\.json was made for another version .*distroless\.yaml; run "distroless-action update"/,
        ),
      });
    } finally {
      await writeFile(fx.configPath, text);
    }
  });

  it('refuses a .deb whose hash does not match the pin and leaves the previous layout valid', async () => {
    const layout = join(fx.dir, 'layout');
    const before = await readFile(join(layout, 'index.json'));
    const lock = await readLockfile(fx.lockDir, 'test12');
    const pin = lock?.packages.amd64?.['libgcc-s1'];
    if (!pin) throw new Error('no pin');
    const original = await readFile(join(fx.main.root, pin.filename));
    const tampered = Buffer.from(original);
    tampered[tampered.length - 10] = (tampered[tampered.length - 10] ?? 0) ^ 0xff;
    await writeFile(join(fx.main.root, pin.filename), tampered);
    const debs = join(fx.dir, 'cache-empty', 'debs');
    const requests = (): number[] => [fx.mainServer.log.length, fx.securityServer.log.length];
    fx.mainServer.resetCounts();
    fx.securityServer.resetCounts();
    try {
      const run = runBuild({ ...(await opts()), cacheDir: join(fx.dir, 'cache-empty') });
      await expect(run).rejects.toThrow(
        /libgcc-s1 12\.2\.0-14 \(amd64\): no source gave the pinned .*sha256 [0-9a-f]{64}, the lock pins/,
      );
      expect(await readFile(join(layout, 'index.json'))).toEqual(before);
      // A failed build leaves nothing running: the SBOM drafts, which read the .debs whose licence facts are not
      // cached, fetch nothing once a layer has failed (CI once found this directory refilled after the test had
      // removed it). The tampered .deb was asked for once, by its layer.
      const after = { requests: requests(), files: (await readdir(debs)).sort() };
      expect(after.files.some((f) => f.endsWith('.part'))).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect({ requests: requests(), files: (await readdir(debs)).sort() }).toEqual(after);
      expect(fx.mainServer.count(`/${pin.filename}`)).toBe(1);
    } finally {
      await writeFile(join(fx.main.root, pin.filename), original);
      await rm(join(fx.dir, 'cache-empty'), { recursive: true, force: true });
    }
  });
});

describe('a config without the optional debug block', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await makeFixture();
  });
  afterAll(async () => fx.close());

  it('resolves, and then builds the latest and nonroot variants of every image (no debug variants)', async () => {
    const configPath = join(fx.dir, 'no-debug.yaml');
    const text = await readFile(fx.configPath, 'utf8');
    expect(text).toContain('    debug: { packages: [busybox-static] }\n');
    await writeFile(configPath, text.replace('    debug: { packages: [busybox-static] }\n', ''));
    const config = await loadConfig(configPath, { sourceOverrides: fx.mirrors });
    const lockDir = join(fx.dir, 'no-debug-locks');
    const updated = await runUpdate({
      config,
      lockDir,
      now: NOW,
      check: false,
      keyring: fx.keyring,
      retry: FAST_RETRY,
    });
    expect(updated.written).toBe(true);
    expect(Object.keys((await readLockfile(lockDir, 'test12'))?.images ?? {}).sort()).toEqual(['base', 'static']);
    const warnings: string[] = [];
    const built = await runBuild({
      config,
      lockDir,
      outDir: join(fx.dir, 'no-debug-layout'),
      cacheDir: join(fx.dir, 'cache'),
      sbomDir: join(fx.dir, 'no-debug-sbom'),
      http: createHttpClient({ retry: FAST_RETRY }),
      onWarning: (m) => warnings.push(m),
    });
    expect(warnings).toEqual([]);
    expect(built.images).toHaveLength(2 * 2 * 2);
    expect(new Set(built.images.map((i) => i.variant))).toEqual(new Set(['latest', 'nonroot']));
    const refs = [...(await listRefs(join(fx.dir, 'no-debug-layout'))).keys()];
    expect(refs).toEqual(expect.arrayContaining(['static-test12', 'base-test12-nonroot', 'base-test12-nonroot-arm64']));
    expect(refs.filter((r) => r.includes('debug'))).toEqual([]);
    expect(built.sboms).toHaveLength(2 * 2 * 3);
  });
});
