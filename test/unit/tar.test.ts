import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  BLOCK_SIZE,
  CHECKSUM_OFFSET,
  decodeHeader,
  encodeEntryHeaders,
  encodeHeader,
  parsePax,
  paxRecord,
  UID_OFFSET,
  UNAME_OFFSET,
  type TarHeader,
} from '../../src/tar/header.js';
import { readTar } from '../../src/tar/reader.js';
import type { TarEntry } from '../../src/tar/types.js';
import { TarWriter, type TarBody } from '../../src/tar/writer.js';
import { thrown } from '../helpers/errors.js';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tar-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LONG_DIR = `usr/share/${'d'.repeat(60)}/${'e'.repeat(50)}`;
const LONG_FILE = `${LONG_DIR}/${'f'.repeat(90)}.txt`;
const MTIME = 1_600_000_000;
const base = { uid: 0, gid: 0, mtime: MTIME, size: 0 };

/** Entries and bodies covering what debs contain. */
function sample(): Array<[TarEntry, TarBody | undefined]> {
  const big = Buffer.alloc(300_000, 7);
  return [
    [{ ...base, path: 'usr', type: 'directory', mode: 0o755 }, undefined],
    [{ ...base, path: 'usr/bin', type: 'directory', mode: 0o755 }, undefined],
    [{ ...base, path: 'usr/bin/tool', type: 'file', mode: 0o4755, size: 5 }, Buffer.from('hello')],
    [{ ...base, path: 'tmp', type: 'directory', mode: 0o1777 }, undefined],
    [{ ...base, path: 'home/nonroot', type: 'directory', mode: 0o700, uid: 65532, gid: 65532 }, undefined],
    [
      { ...base, path: 'home/nonroot/big', type: 'file', mode: 0o640, uid: 65532, gid: 65532, size: big.length },
      Readable.from([big.subarray(0, 1000), big.subarray(1000)]),
    ],
    [{ ...base, path: 'usr/bin/tool2', type: 'hardlink', mode: 0o4755, linkname: 'usr/bin/tool' }, undefined],
    [{ ...base, path: 'usr/bin/sh', type: 'symlink', mode: 0o777, linkname: '/bin/busybox' }, undefined],
    [{ ...base, path: LONG_DIR, type: 'directory', mode: 0o755 }, undefined],
    [
      { ...base, path: LONG_FILE, type: 'file', mode: 0o644, size: 3 },
      (async function* () {
        yield Buffer.from('abc');
      })(),
    ],
    [{ ...base, path: 'usr/long-link', type: 'symlink', mode: 0o777, linkname: `../${LONG_FILE}` }, undefined],
    [{ ...base, path: 'usr/long-hardlink', type: 'hardlink', mode: 0o644, linkname: LONG_FILE }, undefined],
    [{ ...base, path: 'usr/share/naïve-café.txt', type: 'file', mode: 0o644, size: 0 }, undefined],
    [{ ...base, path: 'usr/empty', type: 'file', mode: 0o600, size: 0 }, Buffer.alloc(0)],
  ];
}

/** Collects everything written to a Writable. */
function sink(): { out: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { out, bytes: () => Buffer.concat(chunks) };
}

async function writeTar(entries: Array<[TarEntry, TarBody | undefined]>): Promise<Buffer> {
  const { out, bytes } = sink();
  const w = new TarWriter(out);
  for (const [e, body] of entries) await w.add(e, body);
  await w.finish();
  expect(w.bytesWritten).toBe(bytes().length);
  return bytes();
}

async function readAll(tar: Buffer | Readable): Promise<Array<{ header: TarHeader; content: Buffer }>> {
  const out: Array<{ header: TarHeader; content: Buffer }> = [];
  const input = Buffer.isBuffer(tar) ? Readable.from(chunked(tar, 777)) : tar;
  for await (const { header, body } of readTar(input)) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c);
    out.push({ header, content: Buffer.concat(chunks) });
  }
  return out;
}

/** Odd-sized chunks, so that headers straddle chunk boundaries. */
function chunked(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

describe('TarWriter → readTar', () => {
  it('round-trips paths, types, modes, owners, links and contents', async () => {
    const entries = sample();
    const tar = await writeTar(entries);
    expect(tar.length % BLOCK_SIZE).toBe(0);
    const read = await readAll(tar);
    expect(read.map((r) => r.header.path)).toEqual(
      sample().map(([e]) => (e.type === 'directory' ? `${e.path}/` : e.path)),
    );
    for (const [i, [e]] of sample().entries()) {
      const h = read[i]!.header;
      expect({ mode: h.mode, uid: h.uid, gid: h.gid, mtime: h.mtime, size: h.size, linkname: h.linkname }).toEqual({
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        mtime: e.mtime,
        size: e.size,
        linkname: e.linkname ?? '',
      });
      expect({ uname: h.uname, gname: h.gname, devmajor: h.devmajor, devminor: h.devminor }).toEqual({
        uname: '',
        gname: '',
        devmajor: 0,
        devminor: 0,
      });
    }
    expect(read[5]!.content.equals(Buffer.alloc(300_000, 7))).toBe(true);
    expect(read[9]!.content.toString()).toBe('abc');
  });

  it('is deterministic: same entries, same bytes', async () => {
    const a = await writeTar(sample());
    const b = await writeTar(sample());
    expect(createHash('sha256').update(a).digest('hex')).toBe(createHash('sha256').update(b).digest('hex'));
  });

  it('skips unread bodies and refuses a body read too late', async () => {
    const tar = await writeTar(sample());
    const paths: string[] = [];
    let stale: AsyncIterable<Buffer> | undefined;
    for await (const { header, body } of readTar(Readable.from([tar]))) {
      paths.push(header.path);
      if (header.path === 'home/nonroot/big') stale = body;
    }
    expect(paths).toHaveLength(sample().length);
    const it = stale![Symbol.asyncIterator]();
    await expect(it.next()).rejects.toThrow(/after the next entry/);
  });
});

describe('TarWriter into a TarSink', () => {
  it('writes the same bytes as into a Writable, piece by piece, and waits when the sink asks', async () => {
    const pieces: Buffer[] = [];
    let waits = 0;
    let calls = 0;
    let waiting = false;
    let earlyWrites = 0;
    const w = new TarWriter({
      write(bytes: Uint8Array) {
        if (waiting) earlyWrites += 1; // written before the sink's last promise settled
        pieces.push(Buffer.from(bytes)); // a sink copies: the writer may pass views it does not own
        calls += 1;
        if (calls % 5 !== 0) return undefined;
        waits += 1;
        waiting = true;
        return new Promise<void>((resolve) =>
          setImmediate(() => {
            waiting = false;
            resolve();
          }),
        );
      },
    });
    for (const [e, body] of sample()) await w.add(e, body);
    await w.finish();
    const direct = Buffer.concat(pieces);
    expect(direct.equals(await writeTar(sample()))).toBe(true);
    expect(w.bytesWritten).toBe(direct.length);
    // Nothing staged: headers, bodies and padding each arrive as written (the 300 kB body in its two pieces).
    expect(pieces.some((p) => p.length === 299_000)).toBe(true);
    expect(waits).toBeGreaterThan(2);
    expect(earlyWrites).toBe(0);
    await expect(w.add({ ...base, path: 'late', type: 'directory', mode: 0o755 })).rejects.toThrow(/finished/);
  });

  it('fails the entry (and the writer) when the sink fails', async () => {
    const w = new TarWriter({ write: () => Promise.reject(new Error('sink broke')) });
    await expect(w.add({ ...base, path: 'a', type: 'file', mode: 0o644, size: 1 }, Buffer.from('x'))).rejects.toThrow(
      /sink broke/,
    );
    await expect(w.finish()).rejects.toThrow(/failed/);
  });
});

describe('TarWriter against GNU tar', () => {
  it('lists and extracts what we write', async () => {
    const file = join(dir, 'ours.tar');
    await writeFile(file, await writeTar(sample()));
    const { stdout } = await run('tar', ['--numeric-owner', '--quoting-style=literal', '-tvf', file], {
      env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
    });
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(sample().length);
    expect(lines[2]).toMatch(/^-rwsr-xr-x 0\/0 +5 2020-09-13 12:26 usr\/bin\/tool$/);
    expect(lines[3]).toMatch(/^drwxrwxrwt 0\/0 +0 .* tmp\/$/);
    expect(lines[4]).toMatch(/^drwx------ 65532\/65532 +0 .* home\/nonroot\/$/);
    expect(lines[6]).toMatch(/^hrwsr-xr-x 0\/0 +0 .* usr\/bin\/tool2 link to usr\/bin\/tool$/);
    expect(lines[7]).toMatch(/^lrwxrwxrwx 0\/0 +0 .* usr\/bin\/sh -> \/bin\/busybox$/);
    expect(lines[9]).toContain(LONG_FILE);
    expect(lines[12]).toContain('usr/share/naïve-café.txt');

    const x = join(dir, 'x');
    await run('mkdir', ['-p', x]);
    await run('tar', ['--numeric-owner', '-xpf', file, '-C', x]);
    expect((await stat(join(x, 'usr/bin/tool'))).mode & 0o7777).toBe(0o4755);
    expect((await stat(join(x, 'tmp'))).mode & 0o7777).toBe(0o1777);
    const home = await stat(join(x, 'home/nonroot'));
    expect([home.uid, home.gid, home.mode & 0o7777]).toEqual([65532, 65532, 0o700]);
    expect((await stat(join(x, 'usr/bin/tool2'))).ino).toBe((await stat(join(x, 'usr/bin/tool'))).ino);
    expect((await stat(join(x, 'usr/long-hardlink'))).ino).toBe((await stat(join(x, LONG_FILE))).ino);
    expect(await readlink(join(x, 'usr/long-link'))).toBe(`../${LONG_FILE}`);
    expect((await lstat(join(x, 'usr/bin/sh'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(x, LONG_FILE), 'utf8')).toBe('abc');
    expect((await stat(join(x, 'home/nonroot/big'))).size).toBe(300_000);
    expect((await stat(join(x, 'usr/bin/tool'))).mtimeMs).toBe(MTIME * 1000);
  });

  it.each(['gnu', 'pax', 'ustar'])('reads what GNU tar writes (--format=%s)', async (format) => {
    const src = join(dir, `src-${format}`);
    const deep = `${'a'.repeat(80)}/${'b'.repeat(70)}`;
    await run('mkdir', ['-p', join(src, deep)]);
    await writeFile(join(src, deep, 'file.txt'), 'content');
    await run('ln', ['-s', `../${'c'.repeat(120)}`, join(src, 'longlink')]);
    const file = join(dir, `gnu-${format}.tar`);
    const targetOk = format !== 'ustar'; // ustar cannot store a 123-byte link target
    const names = targetOk ? ['./'] : [`./${'a'.repeat(80)}`];
    await run('tar', [`--format=${format}`, '-cf', file, '-C', src, ...names]);
    const read = await readAll(await readFile(file));
    const byPath = new Map(read.map((r) => [r.header.path.replace(/^\.\//, ''), r]));
    expect(byPath.get(`${deep}/file.txt`)?.content.toString()).toBe('content');
    if (targetOk) expect(byPath.get('longlink')?.header.linkname).toBe(`../${'c'.repeat(120)}`);
  });
});

describe('TarWriter checks', () => {
  const file: TarEntry = { ...base, path: 'f', type: 'file', mode: 0o644, size: 4 };

  it('takes names that only look like . and .. components', async () => {
    const w = new TarWriter(sink().out);
    for (const path of ['..a', 'a..', 'a/...', 'a/.b', '.hidden/x', 'a.b/..c'])
      await w.add({ ...base, path, type: 'directory', mode: 0o755, size: 0 });
    await w.finish();
    expect(w.bytesWritten).toBe(6 * 512 + 1024);
  });

  it.each([
    ['short Buffer', Buffer.from('abc')],
    ['long Buffer', Buffer.from('abcde')],
    ['short stream', Readable.from([Buffer.from('ab')])],
    ['long stream', Readable.from([Buffer.from('abc'), Buffer.from('de')])],
    ['missing body', undefined],
  ])('rejects a size mismatch (%s)', async (_name, body) => {
    const w = new TarWriter(sink().out);
    const e = await thrown(w.add(file, body));
    expect(e.code).toBe('TAR_INVALID');
    await expect(w.add(file, Buffer.from('abcd'))).rejects.toThrow(/failed/);
  });

  it.each([
    ['absolute path', { path: '/etc/passwd' }],
    ['.. component', { path: 'a/../b' }],
    ['.. at the end', { path: 'a/..' }],
    ['. component', { path: './a' }],
    ['empty component', { path: 'a//b' }],
    ['trailing slash', { path: 'a/' }],
    ['just ..', { path: '..' }],
    ['mode out of range', { mode: 0o10000 }],
    ['negative uid', { uid: -1 }],
    ['fractional mtime', { mtime: 1.5 }],
    ['size on a directory', { type: 'directory', size: 4 }],
    ['symlink without target', { type: 'symlink', size: 0 }],
  ] as Array<[string, Partial<TarEntry>]>)('rejects a bad entry (%s)', async (_name, patch) => {
    const w = new TarWriter(sink().out);
    const e = await thrown(w.add({ ...file, ...patch }, patch.type === undefined ? Buffer.from('abcd') : undefined));
    expect(e.code).toBe('TAR_INVALID');
  });

  it('waits for a slow destination instead of buffering', async () => {
    let maxBuffered = 0;
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(_chunk, _enc, cb) {
        maxBuffered = Math.max(maxBuffered, out.writableLength);
        setImmediate(cb);
      },
    });
    const w = new TarWriter(out);
    const chunk = Buffer.alloc(8 * 1024, 1);
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 1024; i++) yield chunk;
      })(),
    );
    await w.add({ ...file, size: 8 * 1024 * 1024 }, body);
    await w.finish();
    expect(w.bytesWritten).toBe(512 + 8 * 1024 * 1024 + 1024);
    // At most the destination's highWaterMark plus the one 64 KiB chunk the writer gathers small pieces into.
    expect(maxBuffered).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
  });

  it('fails instead of hanging when the destination dies', async () => {
    const out = new PassThrough({ highWaterMark: 1024 });
    const w = new TarWriter(out);
    setTimeout(() => out.destroy(new Error('disk full')), 10);
    await expect(w.add({ ...file, size: 1 << 20 }, Buffer.alloc(1 << 20))).rejects.toThrow(/disk full/);
  });
});

describe('readTar errors', () => {
  it('rejects a header with a bad checksum', async () => {
    const tar = await writeTar(sample());
    tar[UID_OFFSET] = '1'.charCodeAt(0);
    const e = await thrown(readAll(tar));
    expect([e.code, e.message]).toEqual(['TAR_INVALID', 'tar: tar header checksum mismatch']);
  });

  it.each([
    ['inside a body', (n: number) => 512 + 3 + 0 * n],
    ['inside a header', (n: number) => n - 1024 - 100],
    ['before the end marker', (n: number) => n - 1024],
  ])('rejects a truncated archive (%s)', async (_name, cut) => {
    const tar = await writeTar([
      [{ ...base, path: 'a', type: 'file', mode: 0o644, size: 10 }, Buffer.alloc(10)],
      [{ ...base, path: 'b', type: 'directory', mode: 0o755 }, undefined],
    ]);
    const e = await thrown(readAll(tar.subarray(0, cut(tar.length))));
    expect(e.message).toMatch(/truncated tar archive/);
  });

  it('accepts an archive ending after one zero block', async () => {
    const tar = await writeTar([[{ ...base, path: 'a', type: 'directory', mode: 0o755 }, undefined]]);
    expect(await readAll(tar.subarray(0, tar.length - 512))).toHaveLength(1);
  });
});

describe('header codec', () => {
  const h: TarHeader = {
    path: 'a',
    linkname: '',
    typeflag: '0',
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 0,
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
  };

  it('writes a ustar header GNU-style, empty owner names', () => {
    const block = encodeHeader(h);
    expect(block.toString('latin1', 257, 265)).toBe('ustar\u000000');
    expect(block.toString('latin1', CHECKSUM_OFFSET, CHECKSUM_OFFSET + 8)).toMatch(/^[0-7]{6}\0 $/);
    expect(block[UNAME_OFFSET]).toBe(0);
    expect(decodeHeader(block)).toEqual(h);
  });

  it('puts sizes beyond 8 GiB and big ids into PAX records', () => {
    const big = { ...h, size: 2 ** 34 + 1, uid: 2 ** 22, gid: 5 };
    const [pax, body, , main] = encodeEntryHeaders(big);
    expect(decodeHeader(pax!).typeflag).toBe('x');
    expect(Object.fromEntries(parsePax(body!))).toEqual({ size: String(2 ** 34 + 1), uid: String(2 ** 22) });
    expect(decodeHeader(main!).size).toBe(0o77777777777);
  });

  it('counts the PAX record length including its own digits', () => {
    for (const n of [1, 90, 91, 92, 95, 96, 97, 990, 993, 994, 995]) {
      const rec = paxRecord('path', 'x'.repeat(n));
      expect(Buffer.byteLength(rec)).toBe(Number(rec.split(' ')[0]));
    }
  });

  it('reads GNU base-256 numbers', () => {
    const block = encodeHeader(h);
    block.fill(0, UID_OFFSET, UID_OFFSET + 8);
    block[UID_OFFSET] = 0x80;
    block.writeUInt32BE(2 ** 31, UID_OFFSET + 4);
    block.fill(0x20, CHECKSUM_OFFSET, CHECKSUM_OFFSET + 8);
    let sum = 0;
    for (const b of block) sum += b;
    block.write(`${sum.toString(8).padStart(6, '0')}\0 `, CHECKSUM_OFFSET, 'latin1');
    expect(decodeHeader(block).uid).toBe(2 ** 31);
  });
});
