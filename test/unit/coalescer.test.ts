import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createGzip, gunzipSync } from 'node:zlib';
import { Coalescer } from '../../src/oci/layer.js';

/** Pieces shaped like a tar of small files: 512-byte headers, short bodies, padding. */
function tarLikePieces(count: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    pieces.push(Buffer.alloc(512, i % 251), Buffer.from(`zone ${i} `.repeat((i % 37) + 1)), Buffer.alloc(100));
  }
  return pieces;
}

async function collect(pieces: Buffer[], via: () => NodeJS.ReadWriteStream[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out.push(chunk);
      done();
    },
  });
  await pipeline([Readable.from(pieces), ...via(), sink]);
  return out;
}

describe('Coalescer', () => {
  it('passes every byte in order, in chunks of at least the given size (the last may be shorter)', async () => {
    const pieces = tarLikePieces(500);
    const out = await collect(pieces, () => [new Coalescer(4096)]);
    expect(Buffer.concat(out).equals(Buffer.concat(pieces))).toBe(true);
    expect(out.length).toBeLessThan(pieces.length / 10);
    for (const chunk of out.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(4096);
  });

  it('passes a large chunk through as it is when nothing is pending', async () => {
    const big = Buffer.alloc(100_000, 7);
    const out = await collect([big], () => [new Coalescer(4096)]);
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(big);
  });

  it('leaves the gzip output byte-identical to feeding zlib the small pieces', async () => {
    const pieces = tarLikePieces(2000);
    const direct = Buffer.concat(await collect(pieces, () => [createGzip({ level: 6 })]));
    const coalesced = Buffer.concat(await collect(pieces, () => [new Coalescer(64 * 1024), createGzip({ level: 6 })]));
    expect(coalesced.equals(direct)).toBe(true);
    expect(gunzipSync(coalesced).equals(Buffer.concat(pieces))).toBe(true);
  });
});
