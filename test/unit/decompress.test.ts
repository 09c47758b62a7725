import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { decompress, decompressChunks, type DecompressOptions } from '../../src/archive/decompress.js';

const unxz = (bytes: Buffer, opts: DecompressOptions): Promise<Buffer> => decompress(bytes, 'xz', opts);

describe('unxz of an index held in memory', () => {
  const plain = Buffer.from('Package: a\nVersion: 1\n\n'.repeat(5000));
  const packed = execFileSync('xz', ['-c'], { input: plain });

  it('decodes with the xz binary and, where it is missing, with the WebAssembly decoder', async () => {
    expect((await unxz(packed, { source: 'Packages.xz', xzCommand: 'xz' })).equals(plain)).toBe(true);
    expect((await unxz(packed, { source: 'Packages.xz', xzCommand: '/nonexistent/xz' })).equals(plain)).toBe(true);
    expect((await unxz(packed, { source: 'Packages.xz' })).equals(plain)).toBe(true);
  });

  it('refuses output over the cap, and the decoder serves the next stream afterwards', async () => {
    await expect(unxz(packed, { source: 'Packages.xz', maxOutputBytes: 1000 })).rejects.toMatchObject({
      code: 'PARSE',
      message: `Packages.xz: cannot unxz (more than 1000 bytes)`,
    });
    expect((await unxz(packed, { source: 'Packages.xz' })).equals(plain)).toBe(true);
  });

  it('names the source of corrupt data', async () => {
    const bad = Buffer.from(packed);
    const at = Math.floor(bad.length / 2);
    bad.writeUInt8(bad.readUInt8(at) ^ 0xff, at);
    await expect(unxz(bad, { source: 'Packages.xz' })).rejects.toMatchObject({
      code: 'PARSE',
      message: expect.stringMatching(/^Packages\.xz: cannot unxz/),
    });
  });
});

describe('decompressChunks: an index handed on piece by piece', () => {
  const plain = Buffer.from(Array.from({ length: 40000 }, (_, i) => `Package: p${i}\nVersion: ${i}\n\n`).join(''));
  const xz = execFileSync('xz', ['-c'], { input: plain });
  const gz = gzipSync(plain);

  async function pieces(bytes: Buffer, kind: 'gz' | 'xz' | 'none', xzCommand?: string): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for await (const chunk of decompressChunks(bytes, kind, { source: 'Packages', xzCommand })) out.push(chunk);
    return out;
  }

  it('gives the whole text in several pieces, from every decoder', async () => {
    for (const [bytes, kind, command] of [
      [gz, 'gz', undefined],
      [xz, 'xz', 'xz'],
      [xz, 'xz', undefined],
      [plain, 'none', undefined],
    ] as const) {
      const got = await pieces(bytes, kind, command);
      expect(Buffer.concat(got).equals(plain)).toBe(true);
      if (kind !== 'none') expect(got.length).toBeGreaterThan(1);
    }
  });

  it('stops the xz process when the reader stops early, and caps the output', async () => {
    // This worker's xz children by pid. Another test file that ran in it earlier may have left pooled .deb
    // decoders (src/deb/xz-pool.ts), idle for up to 2 s: they are not this test's.
    const xzChildren = (): string[] =>
      execFileSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,comm='], { encoding: 'utf8' })
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter(([, comm]) => comm === 'xz')
        .map(([pid]) => pid as string);
    const before = new Set(xzChildren());
    let started: string[] = [];
    for await (const chunk of decompressChunks(xz, 'xz', { source: 'Packages.xz', xzCommand: 'xz' })) {
      expect(chunk.length).toBeGreaterThan(0);
      started = xzChildren().filter((pid) => !before.has(pid));
      break;
    }
    expect(started).toHaveLength(1); // the decoder this loop read from, seen while it ran
    // It is killed and reaped before the loop's exit returns: no xz child is left but those there before.
    expect(xzChildren().filter((pid) => !before.has(pid))).toEqual([]);
    await expect(pieces(gz, 'gz').then(() => undefined)).resolves.toBeUndefined();
    const capped = decompressChunks(gz, 'gz', { source: 'Packages.gz', maxOutputBytes: 100000 });
    await expect(
      (async () => {
        for await (const _ of capped);
      })(),
    ).rejects.toThrow('Packages.gz: cannot gunzip (more than 100000 bytes)');
  });
});
