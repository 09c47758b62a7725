/**
 * Builds a small OCI layout — two single-layer images (amd64, arm64), a multi-arch index, refs — with our
 * writer and checks it with independent tools: oci-image-tool, skopeo, umoci (unpack) and runc (run).
 * Needs the Debian packages skopeo, umoci, oci-image-tool, runc (and tar); run as root so umoci restores owners.
 */
import { chmod, lstat, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isDistrolessError } from '../../src/errors.js';
import {
  buildImageConfig,
  buildIndex,
  buildManifest,
  debianPlatform,
  digestHex,
  gcLayout,
  gzipIdentity,
  LayerCache,
  listRefs,
  OciLayoutWriter,
  readLayoutIndex,
  REF_NAME_ANNOTATION,
  sha256Digest,
  type Descriptor,
  type Platform,
} from '../../src/oci/index.js';
import {
  makeTar,
  requireTools,
  runcRun,
  skopeoCopy,
  skopeoInspect,
  skopeoRaw,
  umociUnpack,
  validateLayout,
} from '../helpers/oci-tools.js';

const EPOCH = 1_795_759_200; // 2026-11-27T06:00:00Z
const IMAGE = 'static-debian12-nonroot';
/** The image whose /bin/hello (a copy of the host's static ldconfig) runc can execute here. */
const HOST_ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';
const AS_ROOT = process.getuid?.() === 0;

let work: string;
let layout: string;
let cache: LayerCache;
let indexDigest: string;
const perArch = new Map<string, Descriptor & { platform: Platform }>();

/** One single-layer image for `arch`, its layer taken from the cache, written into `w`. */
async function addImage(
  w: OciLayoutWriter,
  arch: string,
  marker: string,
): Promise<Descriptor & { platform: Platform }> {
  const tar = await makeTar(
    [
      { path: 'bin', type: 'dir' },
      { path: 'bin/hello', type: 'file', mode: 0o755, content: await readFile('/sbin/ldconfig') },
      { path: 'etc', type: 'dir' },
      { path: 'etc/marker', type: 'file', content: `${arch} ${marker}\n` },
      { path: 'etc/shadow', type: 'file', mode: 0o640, gid: 42, content: 'root:*:20000:0:99999:7:::\n' },
      { path: 'home', type: 'dir' },
      { path: 'home/nonroot', type: 'dir', mode: 0o700, uid: 65532, gid: 65532 },
      { path: 'tmp', type: 'dir', mode: 0o1777 },
      { path: 'usr/bin', type: 'dir' },
      { path: 'usr/bin/hello', type: 'symlink', target: '../../bin/hello' },
    ],
    EPOCH,
  );
  const { blob } = await cache.getOrWrite(`test/${arch}/${marker}/${gzipIdentity()}`, () => Readable.from([tar]));
  expect(await w.importBlob(cache.blobPath(blob.digest), blob)).toBe('linked');
  const platform = debianPlatform(arch);
  const config = buildImageConfig({
    platform,
    epoch: EPOCH,
    env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'],
    user: '65532',
    workingDir: '/home/nonroot',
    entrypoint: ['/bin/hello'],
    cmd: ['--version'],
    labels: { 'test.marker': marker },
    layers: [{ diffId: blob.diffId, createdBy: `test layer ${arch} ${marker}` }],
  });
  await w.writeJson(config);
  const manifest = buildManifest({
    config,
    layers: [blob],
    annotations: { created: EPOCH, source: 'https://example.test/repo', revision: marker },
  });
  return { ...(await w.writeJson(manifest)), platform };
}

beforeAll(async () => {
  await requireTools('skopeo', 'umoci', 'oci-image-tool', 'runc', 'tar');
  work = await mkdtemp(join(tmpdir(), 'oci-layout-'));
  layout = join(work, 'layout');
  cache = new LayerCache(join(work, 'cache'));
  const w = await OciLayoutWriter.open(layout);
  for (const arch of ['arm64', 'amd64']) perArch.set(arch, await addImage(w, arch, 'v1'));
  const index = buildIndex({ manifests: [...perArch.values()], annotations: { created: EPOCH } });
  const indexDesc = await w.writeJson(index);
  indexDigest = indexDesc.digest;
  w.setRef(IMAGE, indexDesc);
  for (const [arch, d] of perArch) w.setRef(`${IMAGE}-${arch}`, d);
  await w.commit();
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('OCI layout', () => {
  it('is a valid image layout for oci-image-tool, every ref included', async () => {
    expect(await readFile(join(layout, 'oci-layout'), 'utf8')).toBe('{"imageLayoutVersion":"1.0.0"}');
    await validateLayout(layout);
    const refs = await listRefs(layout);
    expect([...refs.keys()]).toEqual([IMAGE, `${IMAGE}-amd64`, `${IMAGE}-arm64`]);
    expect(refs.get(IMAGE)?.annotations?.[REF_NAME_ANNOTATION]).toBe(IMAGE);
  });

  it('creates a valid empty layout on open and refuses a foreign oci-layout version', async () => {
    const fresh = join(work, 'fresh');
    await OciLayoutWriter.open(fresh);
    expect(JSON.parse(await readFile(join(fresh, 'index.json'), 'utf8'))).toEqual({
      manifests: [],
      mediaType: 'application/vnd.oci.image.index.v1+json',
      schemaVersion: 2,
    });
    await validateLayout(fresh);
    await writeFile(join(fresh, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    await expect(OciLayoutWriter.open(fresh)).rejects.toThrow(/imageLayoutVersion/);
  });

  it('is rejected by oci-image-tool once a blob is damaged (the checker checks)', async () => {
    const damaged = join(work, 'damaged');
    await skopeoCopy(layout, `${IMAGE}-arm64`, damaged, 'x');
    await validateLayout(damaged);
    const config = (JSON.parse(await skopeoRaw(damaged, 'x')) as { config: Descriptor }).config;
    const path = join(damaged, 'blobs', 'sha256', digestHex(config.digest));
    await writeFile(path, (await readFile(path, 'utf8')).replace('arm64', 'amd64'));
    await expect(validateLayout(damaged)).rejects.toThrow(/digest mismatch/);
  });

  it('resolves the index through skopeo, byte for byte, with both platforms in order', async () => {
    const raw = await skopeoRaw(layout, IMAGE);
    expect(sha256Digest(raw)).toBe(indexDigest);
    const index = JSON.parse(raw) as { manifests: Array<{ platform: Platform; digest: string }> };
    expect(index.manifests.map((m) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux', variant: 'v8' },
    ]);
    expect(index.manifests.map((m) => m.digest)).toEqual([perArch.get('amd64')?.digest, perArch.get('arm64')?.digest]);
  });

  it('shows the per-arch config through skopeo', async () => {
    const info = await skopeoInspect(layout, `${IMAGE}-arm64`);
    expect(info).toMatchObject({
      Architecture: 'arm64',
      Os: 'linux',
      Created: '2026-11-27T06:00:00Z',
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'],
      Labels: { 'test.marker': 'v1' },
    });
    expect(info.Digest).toBe(perArch.get('arm64')?.digest);
  });

  it('copies with skopeo without changing a digest (single image and the whole index)', async () => {
    const other = join(work, 'other');
    await skopeoCopy(layout, `${IMAGE}-amd64`, other, 'x');
    expect(sha256Digest(await skopeoRaw(other, 'x'))).toBe(perArch.get('amd64')?.digest);
    await skopeoCopy(layout, IMAGE, other, 'all', true);
    expect(sha256Digest(await skopeoRaw(other, 'all'))).toBe(indexDigest);
    const ours = (await readdir(join(layout, 'blobs', 'sha256'))).sort();
    expect((await readdir(join(other, 'blobs', 'sha256'))).sort()).toEqual(ours);
    await validateLayout(other);
  });

  it('shares layer blobs with the cache by hardlink', async () => {
    const manifest = JSON.parse(await skopeoRaw(layout, `${IMAGE}-amd64`)) as { layers: Descriptor[] };
    const digest = manifest.layers[0]?.digest ?? '';
    const inLayout = await stat(join(layout, 'blobs', 'sha256', digestHex(digest)));
    const inCache = await stat(cache.blobPath(digest));
    expect(inLayout.ino).toBe(inCache.ino);
    expect(inLayout.mode & 0o777).toBe(0o444);
  });

  it('copies blobs from a cache on another filesystem (/dev/shm)', async () => {
    const shm = await mkdtemp('/dev/shm/oci-cache-');
    try {
      if ((await stat(shm)).dev === (await stat(work)).dev)
        throw new Error('/dev/shm must be a separate filesystem (tmpfs) for this test');
      const far = new LayerCache(shm);
      const { blob } = await far.getOrWrite('far', async function* gen() {
        yield await makeTar([{ path: 'far', type: 'file', content: 'across filesystems\n' }]);
      });
      const w = await OciLayoutWriter.open(join(work, 'far-layout'));
      expect(await w.importBlob(far.blobPath(blob.digest), blob)).toBe('copied');
      expect(await w.importBlob(far.blobPath(blob.digest), blob)).toBe('present');
      const copied = join(w.blobsDir, 'sha256', digestHex(blob.digest));
      expect((await readFile(copied)).equals(await readFile(far.blobPath(blob.digest)))).toBe(true);
      expect((await stat(copied)).mode & 0o777).toBe(0o444);
      await expect(w.importBlob(far.blobPath(blob.digest), { ...blob, size: blob.size + 1 })).rejects.toThrow(
        /expected/,
      );
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });

  it('two imports of one cached blob at once (an Architecture: all layer, once per arch) leave no temp file', async () => {
    const c = new LayerCache(join(work, 'twice-cache'));
    const w = await OciLayoutWriter.open(join(work, 'twice-layout'));
    for (let i = 0; i < 5; i++) {
      const { blob } = await c.getOrWrite(`twice-${i}`, async function* gen() {
        yield await makeTar([{ path: 'f', type: 'file', content: `same for every arch ${i}\n` }]);
      });
      const how = await Promise.all([0, 1, 2].map(() => w.importBlob(c.blobPath(blob.digest), blob)));
      expect(how).toContain('linked');
    }
    expect((await readdir(w.blobsDir)).filter((n) => n !== 'sha256')).toEqual([]);
    expect(await readdir(join(w.blobsDir, 'sha256'))).toHaveLength(5);
  });

  it('with verify, refuses a cached blob changed in place (same size), linked or copied, and leaves nothing', async () => {
    const shm = await mkdtemp('/dev/shm/oci-cache-');
    try {
      for (const [name, dir] of [
        ['linked', join(work, 'poison-cache')],
        ['copied', shm],
      ] as const) {
        const poisoned = new LayerCache(dir);
        const { blob } = await poisoned.getOrWrite(`poison-${name}`, async function* gen() {
          yield await makeTar([{ path: 'p', type: 'file', content: `poisoned ${name}\n` }]);
        });
        const path = poisoned.blobPath(blob.digest);
        const bytes = await readFile(path);
        bytes[bytes.length - 12] = (bytes[bytes.length - 12] ?? 0) ^ 0x01; // inside the gzip trailer's CRC
        await chmod(path, 0o644);
        await writeFile(path, bytes);
        const w = await OciLayoutWriter.open(join(work, `poison-layout-${name}`));
        await expect(w.importBlob(path, blob, { verify: true })).rejects.toMatchObject({
          code: 'HASH_MISMATCH',
          message: expect.stringContaining(`blob ${blob.digest} at ${path}: its content hashes to sha256:`),
        });
        expect(await readdir(w.blobsDir)).toEqual(['sha256']);
        expect(await readdir(join(w.blobsDir, 'sha256'))).toEqual([]);
      }
    } finally {
      await rm(shm, { recursive: true, force: true });
    }
  });

  it('unpacks with umoci to the expected files, modes and owners, and runs with runc', async () => {
    const bundle = join(work, 'bundle');
    await umociUnpack(layout, `${IMAGE}-${HOST_ARCH}`, bundle);
    const rootfs = join(bundle, 'rootfs');
    const mode = async (p: string): Promise<string> => ((await lstat(join(rootfs, p))).mode & 0o7777).toString(8);
    expect(await mode('tmp')).toBe('1777');
    expect(await mode('home/nonroot')).toBe('700');
    expect(await mode('bin/hello')).toBe('755');
    expect(await mode('etc/shadow')).toBe('640');
    expect(await readFile(join(rootfs, 'etc/marker'), 'utf8')).toBe(`${HOST_ARCH} v1\n`);
    expect(await readlink(join(rootfs, 'usr/bin/hello'))).toBe('../../bin/hello');
    expect((await lstat(join(rootfs, 'etc/marker'))).mtimeMs).toBe(EPOCH * 1000);
    if (AS_ROOT) {
      const owner = async (p: string): Promise<string> => {
        const s = await lstat(join(rootfs, p));
        return `${s.uid}:${s.gid}`;
      };
      expect(await owner('home/nonroot')).toBe('65532:65532');
      expect(await owner('etc/shadow')).toBe('0:42');
      expect(await owner('bin/hello')).toBe('0:0');
    }
    const runtime = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as {
      process: { args: string[]; cwd: string; env: string[]; user: { uid: number; gid: number } };
    };
    expect(runtime.process).toMatchObject({
      args: ['/bin/hello', '--version'],
      cwd: '/home/nonroot',
      user: { uid: 65532, gid: 0 },
    });
    expect(runtime.process.env).toContain('SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt');
    const { stdout } = await runcRun(bundle, `oci-layout-test-${process.pid}`);
    expect(stdout).toMatch(/^ldconfig \(/);
  });

  it('keeps the previous index.json when a build is interrupted or incomplete', async () => {
    const before = await readFile(join(layout, 'index.json'));
    const w = await OciLayoutWriter.open(layout);
    expect([...w.refs().keys()]).toEqual([IMAGE, `${IMAGE}-amd64`, `${IMAGE}-arm64`]);
    const next = await addImage(w, 'amd64', 'v2');
    w.setRef(IMAGE, next);
    // The process dies here, before commit(), leaving new blobs and a temp file (what SIGKILL mid-layer leaves).
    await writeFile(join(layout, 'blobs', '.tmp-0123456789abcdef'), 'half a layer');
    expect((await readFile(join(layout, 'index.json'))).equals(before)).toBe(true);
    await validateLayout(layout);
    expect(sha256Digest(await skopeoRaw(layout, IMAGE))).toBe(indexDigest);

    const missing = { ...next, digest: sha256Digest('never written'), size: 13 };
    w.setRef('broken', missing);
    let caught: unknown;
    await w.commit().catch((e: unknown) => (caught = e));
    expect(isDistrolessError(caught, 'LAYOUT_INVALID')).toBe(true);
    expect((await readFile(join(layout, 'index.json'))).equals(before)).toBe(true);
    expect((await readdir(layout)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
    expect(() => w.setRef('bad ref', next)).toThrow(/invalid OCI layout ref/);
  });

  it('garbage-collects blobs no ref reaches', async () => {
    const copy = join(work, 'gc');
    await skopeoCopy(layout, IMAGE, copy, IMAGE, true);
    const w = await OciLayoutWriter.open(copy);
    w.setRef('only-v2', await addImage(w, 'amd64', 'v3'));
    expect(w.removeRef(IMAGE)).toBe(true);
    await w.commit();
    await writeFile(join(copy, 'blobs', '.tmp-0123456789abcdef'), 'half a layer');
    const removed = await gcLayout(copy);
    expect(await readdir(join(copy, 'blobs'))).toEqual(['sha256']);
    expect(removed).toContain(indexDigest);
    expect(removed).toContain(perArch.get('arm64')?.digest);
    expect((await readLayoutIndex(copy)).manifests).toHaveLength(1);
    await validateLayout(copy);
    expect(await gcLayout(copy)).toEqual([]);
  });
});
