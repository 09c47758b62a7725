import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, crc32, createGzip, deflateRawSync, gunzipSync, zstdDecompressSync } from 'node:zlib';
import {
  DeflatePool,
  GzipChunks,
  parallelGzip,
  PARALLEL_CHUNK_BYTES,
  PARALLEL_MIN_BYTES,
} from '../../src/oci/parallel-gzip.js';
import { FixedChunker, writeLayerBlob, type LayerProducer } from '../../src/oci/layer.js';
import { blobPath } from '../../src/oci/digest.js';
import { readdirSync } from 'node:fs';

const pools = new Map<number, DeflatePool>();
const pool = (n: number): DeflatePool => {
  let p = pools.get(n);
  if (p === undefined) pools.set(n, (p = new DeflatePool(n)));
  return p;
};
const work = mkdtempSync(join(tmpdir(), 'pgzip-'));
afterAll(async () => {
  await Promise.all([...pools.values()].map((p) => p.close()));
  rmSync(work, { recursive: true, force: true });
});

/** Compressible, tar-like data with long-range repeats (so chunks really use their dictionary). */
function sample(bytes: number, seed = 1): Buffer {
  const words = Array.from({ length: 400 }, (_, i) => `w${(i * 7919 + seed) % 10007}-${'x'.repeat(i % 13)}`);
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; len < bytes; i++) {
    const w = `${words[(i * 31 + seed) % words.length]} `;
    parts.push(w);
    len += w.length;
  }
  const text = Buffer.from(parts.join('')).subarray(0, bytes);
  // Random islands: incompressible stretches, as binaries in a layer are.
  for (let at = 100_000; at + 5000 < text.length; at += 700_000) randomBytes(5000).copy(text, at);
  return text;
}

async function compress(data: Buffer, level: number, workers: number, pieces: number[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = pieces[i % pieces.length] as number;
    chunks.push(data.subarray(at, at + n));
    at += n;
  }
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    parallelGzip(level, pool(workers)),
    new Writable({
      write(chunk: Buffer, _e, done) {
        out.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('parallelGzip', () => {
  it('gives the same bytes with 1, 2 and 16 workers and however the input is split, and gunzips to the input', async () => {
    const data = sample(5 * PARALLEL_CHUNK_BYTES + 12_345);
    const one = await compress(data, 6, 1, [65_536]);
    for (const [workers, pieces] of [
      [2, [1000, 70_000]],
      [16, [PARALLEL_CHUNK_BYTES]],
      [16, [3 * PARALLEL_CHUNK_BYTES, 7]],
    ] as Array<[number, number[]]>) {
      expect(sha(await compress(data, 6, workers, pieces))).toBe(sha(one));
    }
    expect(gunzipSync(one).equals(data)).toBe(true);
    // One gzip member: header with no name, mtime 0, OS Unix; the trailer's CRC and ISIZE are checked by gunzip.
    expect(one.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000003');
    expect(one.readUInt32LE(one.length - 4)).toBe(data.length);
    // gzip(1) agrees, and it is a single member (gzip -l would list the sizes of the last member only).
    const file = join(work, 'one.gz');
    writeFileSync(file, one);
    execFileSync('gzip', ['-t', file]);
    expect(execFileSync('gzip', ['-dc', file], { maxBuffer: 64 << 20 }).equals(data)).toBe(true);
    // Chunks reach back into their dictionary: the result is about as small as one plain gzip stream.
    const plain = await compressPlain(data, 6);
    expect(one.length).toBeLessThan(plain.length * 1.01);
  });

  it('is, byte for byte, each chunk deflated on its own by zlib with the 32 KiB before it as dictionary', async () => {
    // The reference: zlib's synchronous API, each chunk's data then a sync flush (the last: Z_FINISH), between
    // the fixed gzip header and a trailer of the whole input's CRC-32 and length.
    const data = sample(4 * PARALLEL_CHUNK_BYTES + 777, 5);
    const parts: Buffer[] = [Buffer.from('1f8b0800000000000003', 'hex')];
    for (let at = 0; at < data.length; at += PARALLEL_CHUNK_BYTES) {
      const last = at + PARALLEL_CHUNK_BYTES >= data.length;
      const chunk = data.subarray(at, at + PARALLEL_CHUNK_BYTES);
      const opts = { level: 6, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH };
      parts.push(deflateRawSync(chunk, at === 0 ? opts : { ...opts, dictionary: data.subarray(at - 32 * 1024, at) }));
    }
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32(data), 0);
    trailer.writeUInt32LE(data.length, 4);
    parts.push(trailer);
    expect(sha(await compress(data, 6, 2, [100_000]))).toBe(sha(Buffer.concat(parts)));
  });

  it('sets XFL from the level like zlib, and depends on the level', async () => {
    const data = sample(PARALLEL_MIN_BYTES + 1);
    const l1 = await compress(data, 1, 2, [65_536]);
    const l9 = await compress(data, 9, 2, [65_536]);
    expect(l1[8]).toBe(4);
    expect(l9[8]).toBe(2);
    expect(sha(l1)).not.toBe(sha(l9));
    expect(gunzipSync(l1).equals(data)).toBe(true);
    expect(gunzipSync(l9).equals(data)).toBe(true);
  });

  it('ends on a chunk boundary and on an empty input', async () => {
    for (const size of [2 * PARALLEL_CHUNK_BYTES, PARALLEL_MIN_BYTES, 0, 1]) {
      const data = sample(size, size);
      const gz = await compress(data, 6, 2, [PARALLEL_CHUNK_BYTES]);
      expect(gunzipSync(gz).equals(data)).toBe(true);
    }
  });

  it('compresses input below the cut-off as one plain gzip stream (the bytes createGzip gives)', async () => {
    const data = sample(PARALLEL_MIN_BYTES - 1);
    const gz = await compress(data, 6, 2, [4096]);
    const plain = await compressPlain(data, 6);
    plain[9] = 3;
    expect(gz.equals(plain)).toBe(true);
  });

  it('fails the stream when its pool cannot deflate (a closed pool refuses work)', async () => {
    const closed = new DeflatePool(1);
    await closed.close();
    await expect(closed.deflateChunk(new Uint8Array(1), undefined, true, 6)).rejects.toThrow(/closed/);
    const big = sample(PARALLEL_MIN_BYTES + 10);
    await expect(
      pipeline(Readable.from([big]), parallelGzip(6, closed), new Writable({ write: (_c, _e, done) => done() })),
    ).rejects.toThrow(/closed/);
    expect(() => new DeflatePool(0)).toThrow(/deflate workers/);
  });
});

/** GzipChunks fed `data` in pieces of the given sizes (from a buffer it reuses); its outputs and inputs. */
async function chunksOf(data: Buffer, workers: number, pieces: number[]): Promise<{ gz: Buffer; seen: Buffer }> {
  const out: Buffer[] = [];
  const seen: Buffer[] = [];
  const gzip = new GzipChunks(6, pool(workers), {
    onInput: (b) => seen.push(Buffer.from(b)),
    onOutput: (b) => out.push(b),
  });
  const scratch = Buffer.alloc(Math.max(...pieces));
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.min(pieces[i % pieces.length] as number, data.length - at);
    data.copy(scratch, 0, at, at + n);
    const wait = gzip.write(scratch.subarray(0, n));
    scratch.fill(0xee); // the caller may reuse its piece at once
    if (wait !== undefined) await wait;
    at += n;
  }
  await gzip.finish();
  return { gz: Buffer.concat(out), seen: Buffer.concat(seen) };
}

describe('GzipChunks', () => {
  it("gives parallelGzip's bytes whatever the pieces and workers, and shows every input byte once, in order", async () => {
    for (const size of [
      0,
      1,
      PARALLEL_MIN_BYTES - 1,
      PARALLEL_MIN_BYTES,
      2 * PARALLEL_CHUNK_BYTES + 1,
      3 * PARALLEL_CHUNK_BYTES + 99,
    ]) {
      const data = sample(size, size + 3);
      const stream = await compress(data, 6, 2, [65_536]);
      for (const [workers, pieces] of [
        [1, [512]],
        [16, [PARALLEL_CHUNK_BYTES]],
        [2, [70_000, 1, 300_000]],
      ] as Array<[number, number[]]>) {
        const { gz, seen } = await chunksOf(data, workers, pieces);
        expect(sha(gz)).toBe(sha(stream));
        expect(seen.equals(data)).toBe(true);
      }
      expect(gunzipSync(stream).equals(data)).toBe(true);
    }
  });

  it('hands on nothing more once aborted, and refuses writes after it', async () => {
    const out: Buffer[] = [];
    const gzip = new GzipChunks(6, pool(1), { onOutput: (b) => out.push(b) });
    // With one worker at most four chunks are in flight: this write has to wait for the first outputs.
    const wait = gzip.write(sample(9 * PARALLEL_CHUNK_BYTES));
    expect(wait).toBeInstanceOf(Promise);
    gzip.abort();
    await wait;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the chunks in flight finish meanwhile
    expect(out).toEqual([]);
    expect(() => gzip.write(Buffer.from('x'))).toThrow(/after finish/);
  });
});

/** A producer writing `tar` in pieces of `piece` bytes from one buffer it reuses. */
function producer(tar: Buffer, piece: number, failAt?: number): LayerProducer {
  return {
    produce: async (sink) => {
      const scratch = Buffer.alloc(piece);
      for (let at = 0; at < tar.length; at += piece) {
        if (failAt !== undefined && at >= failAt) throw new Error('producer gave up');
        const n = tar.copy(scratch, 0, at, at + piece);
        const wait = sink.write(scratch.subarray(0, n));
        if (wait !== undefined) await wait;
        scratch.fill(0);
      }
    },
  };
}

describe('writeLayerBlob from a producer', () => {
  it('writes the blob a stream of the same tar gives, gzip and zstd, big and small', async () => {
    for (const [i, size] of [3 * PARALLEL_CHUNK_BYTES + 99, 10_000, 0].entries()) {
      const tar = sample(size, i);
      for (const compression of ['gzip', 'zstd'] as const) {
        const fromStream = await writeLayerBlob(Readable.from([tar]), join(work, `ps${i}`, 'blobs'), { compression });
        const blobs = join(work, `pp${i}${compression}`, 'blobs');
        const produced = await writeLayerBlob(producer(tar, 4099), blobs, { compression, deflatePool: pool(2) });
        expect(produced).toEqual(fromStream);
        const { readFileSync, statSync } = await import('node:fs');
        const file = blobPath(blobs, produced.digest);
        expect(sha(readFileSync(file))).toBe(produced.digest.slice('sha256:'.length));
        expect(statSync(file).mode & 0o777).toBe(0o444);
        expect(readdirSync(blobs).filter((n) => n.startsWith('.tmp'))).toEqual([]);
      }
    }
  });

  it('publishes nothing and leaves no temp file when the producer fails', async () => {
    const blobs = join(work, 'pfail', 'blobs');
    const tar = sample(3 * PARALLEL_CHUNK_BYTES);
    await expect(writeLayerBlob(producer(tar, 65_536, 2 * PARALLEL_CHUNK_BYTES), blobs)).rejects.toThrow(/gave up/);
    expect(readdirSync(blobs)).toEqual([]);
  });
});

describe('writeLayerBlob', () => {
  it('gives one digest for a big layer with 1, 2 and 16 deflate workers', async () => {
    const tar = sample(3 * PARALLEL_CHUNK_BYTES + 99);
    const digests = new Set<string>();
    for (const n of [1, 2, 16]) {
      const blob = await writeLayerBlob(Readable.from([tar]), join(work, `w${n}`, 'blobs'), { deflatePool: pool(n) });
      digests.add(blob.digest);
    }
    expect(digests.size).toBe(1);
  });

  it('writes zstd layers (same bytes however the input is split) that decompress to the tar', async () => {
    const tar = sample(3 * PARALLEL_CHUNK_BYTES + 5);
    const a = await writeLayerBlob(Readable.from([tar]), join(work, 'z1', 'blobs'), { compression: 'zstd' });
    const pieces: Buffer[] = [];
    for (let at = 0; at < tar.length; at += 999) pieces.push(tar.subarray(at, at + 999));
    const b = await writeLayerBlob(Readable.from(pieces), join(work, 'z2', 'blobs'), { compression: 'zstd' });
    expect(b).toEqual(a);
    const gz = await writeLayerBlob(Readable.from([tar]), join(work, 'z3', 'blobs'));
    expect(a.diffId).toBe(gz.diffId);
    expect(a.digest).not.toBe(gz.digest);
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(blobPath(join(work, 'z1', 'blobs'), a.digest));
    expect(bytes.subarray(0, 4).toString('hex')).toBe('28b52ffd'); // zstd frame magic
    expect(zstdDecompressSync(bytes).equals(tar)).toBe(true);
    await expect(
      writeLayerBlob(Readable.from([tar]), join(work, 'z4', 'blobs'), { compression: 'zstd', level: 30 }),
    ).rejects.toThrow(/zstd level/);
  });
});

describe('FixedChunker', () => {
  it('passes every byte in chunks of exactly the size, the last shorter', async () => {
    const data = sample(10_000);
    const out: Buffer[] = [];
    await pipeline(
      Readable.from([data.subarray(0, 3), data.subarray(3, 5000), data.subarray(5000)]),
      new FixedChunker(1024),
      new Writable({
        write(chunk: Buffer, _e, done) {
          out.push(chunk);
          done();
        },
      }),
    );
    expect(Buffer.concat(out).equals(data)).toBe(true);
    expect(out.map((c) => c.length)).toEqual([...Array<number>(9).fill(1024), 10_000 - 9 * 1024]);
  });
});

async function compressPlain(data: Buffer, level: number): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from([data]),
    createGzip({ level }),
    new Writable({
      write(chunk: Buffer, _e, done) {
        out.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}
