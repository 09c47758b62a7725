import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { closeXzDecoderPools, XzDecoderPool, xzUncompressedSize } from '../../src/deb/xz-pool.js';
import { thrown } from '../helpers/errors.js';

let dir: string;
const pools: XzDecoderPool[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'xz-pool-test-'));
});
afterAll(async () => {
  for (const pool of pools) pool.close();
  closeXzDecoderPools();
  await rm(dir, { recursive: true, force: true });
});

function xz(input: Buffer, args: string[] = []): Buffer {
  const r = spawnSync('xz', ['-c', ...args], { input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`xz failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** Bytes that compress a little but not to nothing (so large inputs give many pipe reads). */
function pseudoRandom(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) % 16; // 4 bits of entropy per byte
  }
  return out;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function collect(stream: Readable, slow = false): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) {
    parts.push(chunk as Buffer);
    if (slow) await new Promise((r) => setTimeout(r, 1));
  }
  return Buffer.concat(parts);
}

/** `bytes` written at `offset` into a file padded with junk on both sides; returns the file. */
async function embedded(name: string, bytes: Buffer, offset: number): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, Buffer.concat([Buffer.alloc(offset, 0x41), bytes, Buffer.from('trailing junk')]));
  return path;
}

async function sizeAt(path: string, offset: number, length: number): Promise<number | undefined> {
  const fh = await open(path, 'r');
  try {
    return await xzUncompressedSize(fh, offset, length);
  } finally {
    await fh.close();
  }
}

describe('xzUncompressedSize', () => {
  const plain = pseudoRandom(200_000, 1);
  const cases: Array<[string, () => Buffer, number]> = [
    ['one stream, one block', () => xz(plain), plain.length],
    ['one stream, many blocks', () => xz(plain, ['--block-size=16KiB', '-T2']), plain.length],
    ['an empty stream', () => xz(Buffer.alloc(0)), 0],
    [
      'two streams with stream padding between and after',
      () => Buffer.concat([xz(plain), Buffer.alloc(8), xz(Buffer.from('tail')), Buffer.alloc(4)]),
      plain.length + 4,
    ],
  ];

  it.each(cases)('reads the decoded size of %s from the index', async (name, make, expected) => {
    const bytes = make();
    const path = await embedded(`size-${name.replace(/\W+/g, '-')}`, bytes, 61);
    expect(await sizeAt(path, 61, bytes.length)).toBe(expected);
    // The same figure xz itself reports.
    const alone = join(dir, `alone-${name.replace(/\W+/g, '-')}.xz`);
    await writeFile(alone, bytes);
    const listed = spawnSync('xz', ['--robot', '--list', alone]).stdout.toString();
    const totals = listed
      .split('\n')
      .find((l) => l.startsWith('totals'))
      ?.split('\t');
    expect(Number(totals?.[4])).toBe(expected);
  });

  it.each([
    ['a flipped footer byte (CRC32)', (b: Buffer) => flip(b, b.length - 8)],
    ['a flipped index byte (CRC32)', (b: Buffer) => flip(b, b.length - 18)],
    ['a missing last word', (b: Buffer) => b.subarray(0, b.length - 4)],
    ['padding that is not a multiple of four', (b: Buffer) => Buffer.concat([b, Buffer.alloc(2)])],
    ['junk after the stream', (b: Buffer) => Buffer.concat([b, Buffer.from('junk')])],
    ['junk before the stream', (b: Buffer) => Buffer.concat([Buffer.from('junk'), b])],
    ['no xz at all', () => Buffer.alloc(100, 7)],
    ['too few bytes', () => Buffer.from('YZ')],
  ])('gives undefined for %s', async (name, spoil) => {
    const bytes = spoil(Buffer.from(xz(plain)));
    const path = await embedded(`bad-${name.replace(/\W+/g, '-')}`, bytes, 3);
    expect(await sizeAt(path, 3, bytes.length)).toBeUndefined();
  });
});

function flip(b: Buffer, at: number): Buffer {
  b[at] = (b[at] as number) ^ 0xff;
  return b;
}

describe('XzDecoderPool', () => {
  const members = [
    pseudoRandom(3_000_000, 2), // many pipe reads, read slowly below: backpressure through the decoder
    Buffer.alloc(0),
    Buffer.alloc(64 * 1024, 1), // exactly one gathered piece
    Buffer.from('x'),
    Buffer.concat([pseudoRandom(100_000, 3), Buffer.alloc(500_000)]),
  ];

  it('decodes member after member on one xz process, each exactly', async () => {
    const pool = new XzDecoderPool('xz');
    pools.push(pool);
    for (const [i, plain] of members.entries()) {
      const out = await collect(pool.decode(Readable.from([xz(plain)]), plain.length, `member ${i}`), i === 0);
      expect(out.length).toBe(plain.length);
      expect(sha(out)).toBe(sha(plain));
    }
    expect(pool.spawned).toBe(1);
    expect(pool.size).toBe(1);
  });

  it('takes a member as many small pieces, and multi-block and concatenated streams', async () => {
    const pool = new XzDecoderPool('xz');
    pools.push(pool);
    const plain = pseudoRandom(300_000, 4);
    const packed = Buffer.concat([
      xz(plain.subarray(0, 100_000), ['--block-size=8KiB', '-T2']),
      xz(plain.subarray(100_000)),
    ]);
    const pieces = Array.from({ length: Math.ceil(packed.length / 777) }, (_, i) =>
      packed.subarray(i * 777, (i + 1) * 777),
    );
    const out = await collect(pool.decode(Readable.from(pieces), plain.length, 'pieces'));
    expect(sha(out)).toBe(sha(plain));
  });

  it('runs concurrent members on separate processes and reuses them after', async () => {
    const pool = new XzDecoderPool('xz');
    pools.push(pool);
    const [a, b] = [pseudoRandom(500_000, 5), pseudoRandom(400_000, 6)];
    const both = await Promise.all([
      collect(pool.decode(Readable.from([xz(a)]), a.length, 'a')),
      collect(pool.decode(Readable.from([xz(b)]), b.length, 'b')),
    ]);
    expect(both.map(sha)).toEqual([sha(a), sha(b)]);
    expect(pool.spawned).toBe(2);
    await collect(pool.decode(Readable.from([xz(a)]), a.length, 'again'));
    expect(pool.spawned).toBe(2);
  });

  it('fails a corrupt member naming it, and decodes the next one on a fresh process', async () => {
    const pool = new XzDecoderPool('xz');
    pools.push(pool);
    const plain = pseudoRandom(200_000, 7);
    const corrupt = flip(Buffer.from(xz(plain)), 2000);
    const e = await thrown(collect(pool.decode(Readable.from([corrupt]), plain.length, 'pkg: data.tar.xz')));
    expect(e.code).toBe('DEB_INVALID');
    expect(e.message).toMatch(/^pkg: data\.tar\.xz: xz -dc failed: exit 1: xz: \(stdin\): /);
    const out = await collect(pool.decode(Readable.from([xz(plain)]), plain.length, 'next'));
    expect(sha(out)).toBe(sha(plain));
    expect(pool.spawned).toBe(2);
  });

  it('fails a member whose block check is wrong even when every byte it declares arrived', async () => {
    const pool = new XzDecoderPool('xz');
    pools.push(pool);
    const plain = Buffer.from('hello, world\n'.repeat(50));
    const packed = Buffer.from(xz(plain, ['--check=crc32']));
    // The block's CRC32 sits right before the index: the data decodes whole, the check fails after it.
    const indexStart = packed.length - 12 - (packed.readUInt32LE(packed.length - 8) + 1) * 4;
    flip(packed, indexStart - 1);
    const e = await thrown(collect(pool.decode(Readable.from([packed]), plain.length, 'checked')));
    expect(e.message).toMatch(/^checked: xz -dc failed: exit 1: /);
  });

  it('kills the decoder of a reader that stops early; the next member gets a new one', async () => {
    const pidFile = join(dir, 'pids');
    const wrapper = join(dir, 'xz-wrapper');
    await writeFile(wrapper, ['#!/bin/sh', `echo $$ >> ${pidFile}`, 'exec xz "$@"', ''].join('\n'), { mode: 0o755 });
    const pool = new XzDecoderPool(wrapper);
    pools.push(pool);
    const plain = pseudoRandom(2_000_000, 8);
    for await (const _chunk of pool.decode(Readable.from([xz(plain)]), plain.length, 'early')) break;
    const [first] = (await readFile(pidFile, 'utf8')).trim().split('\n').map(Number);
    await waitFor(() => !alive(first as number));
    expect(pool.size).toBe(0);
    const out = await collect(pool.decode(Readable.from([xz(plain)]), plain.length, 'after'));
    expect(sha(out)).toBe(sha(plain));
    expect(pool.spawned).toBe(2);
    // close() ends the idle decoder: the process exits on its own.
    const pids = (await readFile(pidFile, 'utf8')).trim().split('\n').map(Number);
    expect(pids).toHaveLength(2);
    expect(alive(pids[1] as number)).toBe(true);
    pool.close();
    await waitFor(() => !alive(pids[1] as number));
    expect(pool.size).toBe(0);
  });

  it('names a missing command', async () => {
    const pool = new XzDecoderPool('/nonexistent/xz');
    pools.push(pool);
    const e = await thrown(collect(pool.decode(Readable.from([xz(Buffer.from('a'))]), 1, 'missing')));
    expect(e.message).toBe('missing: /nonexistent/xz -dc failed: /nonexistent/xz not found');
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(done: () => boolean): Promise<void> {
  for (let i = 0; i < 250 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(done()).toBe(true);
}
