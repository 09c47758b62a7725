import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isDistrolessError } from '../../src/errors.js';
import {
  buildImageConfig,
  buildIndex,
  buildManifest,
  debianPlatform,
  digestHex,
  epochToRfc3339,
  formatPlatform,
  gzipIdentity,
  LayerCache,
  MEDIA_TYPES,
  platformTagSuffix,
  sha256Digest,
  SUPPORTED_DEBIAN_ARCHES,
  writeLayerBlob,
  writeLayerBlobFrom,
  type LayerBlob,
} from '../../src/oci/index.js';
import { makeTar } from '../helpers/oci-tools.js';

const EPOCH = 1_795_759_200; // 2026-11-27T06:00:00Z
const D = (c: string): string => `sha256:${c.repeat(64)}`;

let work: string;
let tar: Buffer;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'oci-unit-'));
  // ~1.1 MB: incompressible bytes (a sha256 chain) and compressible text, so deflate emits several blocks.
  const noise: Buffer[] = [];
  let h = Buffer.from('seed');
  for (let i = 0; i < 16_384; i++) noise.push((h = createHash('sha256').update(h).digest()));
  tar = await makeTar([
    { path: 'etc', type: 'dir' },
    { path: 'etc/text', type: 'file', content: 'distroless '.repeat(50_000) },
    { path: 'usr/lib/noise', type: 'file', content: Buffer.concat(noise), mode: 0o755 },
    { path: 'usr/lib/link', type: 'symlink', target: 'noise' },
  ]);
});
afterAll(async () => rm(work, { recursive: true, force: true }));

/** Feeds `buf` in chunks of the given sizes (the last size repeats). */
function chunked(buf: Buffer, sizes: number[]): Readable {
  return Readable.from(
    (function* gen() {
      for (let at = 0, i = 0; at < buf.length; i++) {
        const n = sizes[Math.min(i, sizes.length - 1)] ?? buf.length;
        yield buf.subarray(at, at + n);
        at += n;
      }
    })(),
  );
}

describe('image documents', () => {
  const layers = [
    { diffId: D('a'), createdBy: 'deb base-files 12.4+deb12u12' },
    { diffId: D('b'), createdBy: 'deb libc6 2.36-9+deb12u13', comment: 'from bookworm-security' },
  ];
  const config = (labels: Record<string, string>) =>
    buildImageConfig({
      platform: debianPlatform('armhf'),
      epoch: EPOCH,
      env: ['PATH=/usr/bin:/bin', 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'],
      user: '65532',
      workingDir: '/home/nonroot',
      entrypoint: [],
      labels,
      layers,
    });

  it('serialises the config canonically: sorted keys, no whitespace, exact bytes', () => {
    const a = config({ z: '1', a: '2' });
    const b = config({ a: '2', z: '1' });
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.bytes.toString()).toBe(
      '{"architecture":"arm","config":{"Entrypoint":[],"Env":["PATH=/usr/bin:/bin","SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"],' +
        '"Labels":{"a":"2","z":"1"},"User":"65532","WorkingDir":"/home/nonroot"},"created":"2026-11-27T06:00:00Z",' +
        '"history":[{"created":"2026-11-27T06:00:00Z","created_by":"deb base-files 12.4+deb12u12"},' +
        '{"comment":"from bookworm-security","created":"2026-11-27T06:00:00Z","created_by":"deb libc6 2.36-9+deb12u13"}],' +
        '"os":"linux","rootfs":{"diff_ids":["' +
        D('a') +
        '","' +
        D('b') +
        '"],"type":"layers"},"variant":"v7"}',
    );
    expect(a.descriptor).toEqual({
      mediaType: MEDIA_TYPES.config,
      digest: sha256Digest(a.bytes),
      size: a.bytes.length,
    });
  });

  it('builds a manifest with the OCI annotations and checks layers against the config', () => {
    const c = config({});
    const blobs: LayerBlob[] = layers.map((l, i) => ({ diffId: l.diffId, digest: D(String(i + 1)), size: 100 + i }));
    const m = buildManifest({
      config: c,
      layers: blobs,
      annotations: {
        created: EPOCH,
        source: 'https://github.com/o/r',
        revision: 'abc',
        baseName: 'x/static',
        baseDigest: D('c'),
      },
    });
    expect(m.bytes.toString()).toBe(
      '{"annotations":{"org.opencontainers.image.base.digest":"' +
        D('c') +
        '","org.opencontainers.image.base.name":"x/static",' +
        '"org.opencontainers.image.created":"2026-11-27T06:00:00Z","org.opencontainers.image.revision":"abc",' +
        '"org.opencontainers.image.source":"https://github.com/o/r"},' +
        `"config":{"digest":"${c.descriptor.digest}","mediaType":"${MEDIA_TYPES.config}","size":${c.descriptor.size}},` +
        `"layers":[{"digest":"${D('1')}","mediaType":"${MEDIA_TYPES.layerGzip}","size":100},` +
        `{"digest":"${D('2')}","mediaType":"${MEDIA_TYPES.layerGzip}","size":101}],` +
        `"mediaType":"${MEDIA_TYPES.manifest}","schemaVersion":2}`,
    );
    expect(() => buildManifest({ config: c, layers: [...blobs].reverse() })).toThrow(/diff_ids/);
    expect(() =>
      buildManifest({
        config: c,
        layers: blobs,
        annotations: { extra: { 'org.opencontainers.image.created': 'x' }, created: 0 },
      }),
    ).toThrow(/twice/);
  });

  it('sorts index entries by platform: amd64, arm64, arm/v7, s390x, ppc64le, then the rest lexically', () => {
    const entries = ['mips64el', 'ppc64el', 'armel', 's390x', 'riscv64', 'armhf', 'i386', 'arm64', 'amd64'].map(
      (arch, i) => ({
        mediaType: MEDIA_TYPES.manifest,
        digest: D(String(i)),
        size: 500 + i,
        platform: debianPlatform(arch),
      }),
    );
    const index = buildIndex({ manifests: entries, annotations: { created: EPOCH } });
    expect(index.value.manifests.map((m) => (m.platform === undefined ? '' : formatPlatform(m.platform)))).toEqual([
      'linux/amd64',
      'linux/arm64/v8',
      'linux/arm/v7',
      'linux/s390x',
      'linux/ppc64le',
      'linux/386',
      'linux/arm/v5',
      'linux/mips64le',
      'linux/riscv64',
    ]);
    const again = buildIndex({ manifests: [...entries].reverse(), annotations: { created: EPOCH } });
    expect(again.bytes.equals(index.bytes)).toBe(true);
    expect(index.bytes.toString()).toMatch(
      /^\{"annotations":\{"org.opencontainers.image.created":"2026-11-27T06:00:00Z"\},"manifests":\[\{"digest":/,
    );
    expect(index.descriptor.mediaType).toBe(MEDIA_TYPES.index);
    const dup = [entries[0]!, { ...entries[0]!, digest: D('f') }];
    expect(() => buildIndex({ manifests: dup })).toThrow(/two manifests for platform linux\/mips64le/);
  });

  it('renders the epoch as RFC 3339 and rejects non-integers', () => {
    expect(epochToRfc3339(0)).toBe('1970-01-01T00:00:00Z');
    expect(epochToRfc3339(EPOCH)).toBe('2026-11-27T06:00:00Z');
    expect(() => epochToRfc3339(1.5)).toThrow(/epoch/);
  });
});

describe('platforms', () => {
  it('maps Debian architectures to OCI platforms and tag suffixes', () => {
    const table = Object.fromEntries(
      SUPPORTED_DEBIAN_ARCHES.map((a) => [a, `${formatPlatform(debianPlatform(a))} ${platformTagSuffix(a)}`]),
    );
    expect(table).toEqual({
      amd64: 'linux/amd64 amd64',
      arm64: 'linux/arm64/v8 arm64',
      armhf: 'linux/arm/v7 arm',
      s390x: 'linux/s390x s390x',
      ppc64el: 'linux/ppc64le ppc64le',
      i386: 'linux/386 386',
      armel: 'linux/arm/v5 armv5',
      mips64el: 'linux/mips64le mips64le',
      riscv64: 'linux/riscv64 riscv64',
    });
    expect(SUPPORTED_DEBIAN_ARCHES.slice(0, 5)).toEqual(['amd64', 'arm64', 'armhf', 's390x', 'ppc64el']);
    expect(debianPlatform('amd64')).toEqual({ architecture: 'amd64', os: 'linux' });
    let caught: unknown;
    try {
      debianPlatform('hurd-i386');
    } catch (e) {
      caught = e;
    }
    expect(isDistrolessError(caught, 'ARCH_UNSUPPORTED')).toBe(true);
    expect(() => debianPlatform('toString')).toThrow(/no OCI platform/);
  });
});

describe('digests', () => {
  it('formats and parses sha256 digests', () => {
    expect(sha256Digest('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(digestHex(D('a'))).toBe('a'.repeat(64));
    expect(() => digestHex('sha512:abc')).toThrow(/not a sha256 digest/);
    expect(() => digestHex(D('A'))).toThrow(/not a sha256 digest/);
  });
});

describe('gzip layers', () => {
  it('writes a deterministic blob: diff_id of the tar, normalised header, same bytes however the input is chunked', async () => {
    const blobs = join(work, 'det', 'blobs');
    const a = await writeLayerBlob(Readable.from([tar]), blobs);
    expect(a.diffId).toBe(sha256Digest(tar));
    const bytes = await readFile(join(blobs, 'sha256', digestHex(a.digest)));
    expect(sha256Digest(bytes)).toBe(a.digest);
    expect(bytes.length).toBe(a.size);
    // ID1 ID2 CM=8, FLG=0 (no name), MTIME=0, XFL=0 (level 6), OS=3 (Unix)
    expect(bytes.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000003');
    expect(gunzipSync(bytes).equals(tar)).toBe(true);

    for (const sizes of [[1, 1, 1, 5, 7, 4093], [65_536], [333_333], [512, 100_000]]) {
      const b = await writeLayerBlob(chunked(tar, sizes), blobs);
      expect(b).toEqual(a);
    }
    const other = await writeLayerBlob(chunked(tar, [4096]), join(work, 'det2', 'blobs'));
    expect(other).toEqual(a);
    // no temp files left behind, one blob
    expect(await readdir(blobs)).toEqual(['sha256']);
    expect(await readdir(join(blobs, 'sha256'))).toEqual([digestHex(a.digest)]);
    expect((await stat(join(blobs, 'sha256', digestHex(a.digest)))).mode & 0o777).toBe(0o444);
  });

  it('depends on the level, sets XFL accordingly and rejects bad levels', async () => {
    const blobs = join(work, 'levels', 'blobs');
    const l1 = await writeLayerBlob(Readable.from([tar]), blobs, { level: 1 });
    const l9 = await writeLayerBlob(Readable.from([tar]), blobs, { level: 9 });
    expect(l1.diffId).toBe(l9.diffId);
    expect(l1.digest).not.toBe(l9.digest);
    const header = async (b: LayerBlob): Promise<string> =>
      (await readFile(join(blobs, 'sha256', digestHex(b.digest)))).subarray(8, 10).toString('hex');
    expect(await header(l1)).toBe('0403');
    expect(await header(l9)).toBe('0203');
    await expect(writeLayerBlob(Readable.from([tar]), blobs, { level: 10 })).rejects.toThrow(/gzip level/);
    expect(gzipIdentity(6)).toMatch(/^gzip-6\/chunks-\d+-min-\d+\/zlib-\d/);
  });

  it('publishes nothing when the input stream fails', async () => {
    const blobs = join(work, 'fail', 'blobs');
    const failing = Readable.from(
      (function* gen() {
        yield tar.subarray(0, 10_000);
        throw new Error('disk on fire');
      })(),
    );
    await expect(writeLayerBlob(failing, blobs)).rejects.toThrow('disk on fire');
    expect(await readdir(join(blobs))).toEqual([]);
  });
});

describe('layers from a producer that writes into a stream', () => {
  it('gives the same blob as a readable source, with backpressure', async () => {
    const blobs = join(work, 'from', 'blobs');
    const expected = await writeLayerBlob(Readable.from([tar]), blobs);
    let waited = 0;
    const blob = await writeLayerBlobFrom(async (sink) => {
      for (let at = 0; at < tar.length; at += 8192) {
        if (!sink.write(tar.subarray(at, at + 8192))) {
          waited++;
          await new Promise((resolve) => sink.once('drain', resolve));
        }
      }
    }, blobs);
    expect(blob).toEqual(expected);
    expect(waited).toBeGreaterThan(0);
  });

  it('abandons the blob when the producer fails, and fails fast when the blob cannot be written', async () => {
    const blobs = join(work, 'from-fail', 'blobs');
    for (const ticks of [0, 20]) {
      await expect(
        writeLayerBlobFrom(async (sink) => {
          sink.write(tar.subarray(0, 20_000));
          for (let i = 0; i < ticks; i++) await new Promise((resolve) => setImmediate(resolve));
          throw new Error('bad .deb');
        }, blobs),
      ).rejects.toThrow('bad .deb');
      expect(await readdir(blobs)).toEqual([]);
    }
    await writeFile(join(work, 'not-a-dir'), '');
    await expect(
      writeLayerBlobFrom(
        async (sink) => {
          sink.write(tar);
        },
        join(work, 'not-a-dir', 'blobs'),
      ),
    ).rejects.toThrow(/ENOTDIR|EEXIST/);
  });
});

describe('layer cache', () => {
  it('writes on a miss, serves hits without calling the producer, and shares concurrent writes', async () => {
    const cache = new LayerCache(join(work, 'cache'));
    let produced = 0;
    const produce = (): Readable => {
      produced++;
      return Readable.from([tar]);
    };
    const [x, y] = await Promise.all([cache.getOrWrite('k1', produce), cache.getOrWrite('k1', produce)]);
    expect(produced).toBe(1);
    // One built it; the other shared that work, so for it the layer was a hit.
    expect(x.blob).toEqual(y.blob);
    expect([x.hit, y.hit]).toEqual([false, true]);
    const again = await cache.getOrWrite('k1', produce);
    expect(again).toEqual({ blob: x.blob, hit: true });
    expect(produced).toBe(1);
    expect(await cache.get('k2')).toBeUndefined();
    await cache.put('k2', x.blob);
    expect(await new LayerCache(cache.dir).get('k2')).toEqual(x.blob);
    await expect(cache.put('k3', { ...x.blob, size: 1 })).rejects.toThrow(/not in/);
  });

  it('treats a damaged entry or blob as a miss', async () => {
    const dir = join(work, 'cache-damage');
    const cache = new LayerCache(dir);
    const { blob } = await cache.getOrWrite('k', () => Readable.from([tar]));
    const path = cache.blobPath(blob.digest);
    await chmod(path, 0o644);
    // same size, different bytes: only the digest check notices
    const bytes = await readFile(path);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
    await writeFile(path, bytes);
    expect(await cache.get('k')).toEqual(blob);
    expect(await new LayerCache(dir, { verify: 'digest' }).get('k')).toBeUndefined();
    await expect(stat(path)).rejects.toThrow(/ENOENT/);
    // rewrite, then truncate: the size check notices
    const rewritten = await cache.getOrWrite('k', () => Readable.from([tar]));
    expect(rewritten).toEqual({ blob, hit: false });
    await chmod(path, 0o644);
    await truncate(path, 10);
    expect(await cache.get('k')).toBeUndefined();
    // unreadable entry JSON
    const keys = await readdir(join(dir, 'keys'));
    await writeFile(join(dir, 'keys', keys[0] ?? ''), '{not json');
    expect(await cache.get('k')).toBeUndefined();
  });
});
