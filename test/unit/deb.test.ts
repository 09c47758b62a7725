import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readArMembers } from '../../src/deb/ar.js';
import { openDeb, streamDeb, type DebOptions } from '../../src/deb/deb.js';
import { closeXzDecoderPools } from '../../src/deb/xz-pool.js';
import { readTar } from '../../src/tar/reader.js';
import { arArchive, controlText, makeDeb, makeRawDeb, rawTar, type DebFile } from '../helpers/make-deb.js';
import { thrown } from '../helpers/errors.js';

const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'deb-test-'));
});
afterAll(async () => {
  closeXzDecoderPools();
  await rm(dir, { recursive: true, force: true });
});

const FILES: DebFile[] = [
  { path: 'usr/bin/hello', content: '#!/bin/sh\necho hello\n', mode: 0o755 },
  { path: 'usr/share/doc/hello/README', content: 'x'.repeat(100_000) },
  { path: 'usr/bin/hi', type: 'symlink', target: 'hello' },
];

async function sha256(stream: Readable): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of stream) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function fsysTarSha(deb: string): Promise<string> {
  const { stdout } = await run('dpkg-deb', ['--fsys-tarfile', deb], { encoding: 'buffer', maxBuffer: 1 << 28 });
  return createHash('sha256').update(stdout).digest('hex');
}

function flip(bytes: Buffer, at: number): void {
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
}

describe('openDeb', () => {
  it.each([
    ['xz', 'xz'],
    ['gzip', 'gz'],
    ['zstd', 'zst'],
    ['none', 'none'],
  ] as const)('reads a dpkg-deb -Z%s package', async (z, kind) => {
    const path = await makeDeb(dir, { name: `hello-${z}`, files: FILES, compression: z });
    const deb = await openDeb(path, `hello-${z}`);
    expect(deb.control).toBe(controlText(`hello-${z}`));
    expect(deb.md5sums).toContain('  usr/share/doc/hello/README\n');
    expect(deb.dataCompression).toBe(kind);
    expect(await sha256(deb.dataTar())).toBe(await fsysTarSha(path));
    // A second stream is independent of the first.
    expect(await sha256(deb.dataTar())).toBe(await fsysTarSha(path));
  });

  it.each(['xz', 'gzip', 'zstd', 'none'] as const)(
    'streamDeb (-Z%s): the same data and control files, the control after the data',
    async (z) => {
      const path = await makeDeb(dir, { name: `stream-${z}`, files: FILES, compression: z });
      const opened = await openDeb(path, `stream-${z}`);
      const streamed = await streamDeb(path, `stream-${z}`);
      expect(streamed.dataMember).toEqual(opened.dataMember);
      expect(await sha256(streamed.data)).toBe(await fsysTarSha(path));
      expect(await streamed.control()).toEqual({ control: opened.control, md5sums: opened.md5sums });
    },
  );

  it('streamDeb reports a control.tar without control through its promise, after the data', async () => {
    const bad = arArchive([
      ['debian-binary', Buffer.from('2.0\n')],
      ['control.tar', rawTar([{ path: './md5sums', body: 'x\n' }])],
      ['data.tar', rawTar([{ path: './etc/x', body: 'y\n' }])],
    ]);
    const path = join(dir, 'no-control.deb');
    await writeFile(path, bad);
    const streamed = await streamDeb(path, 'nc');
    expect((await sha256(streamed.data)).length).toBe(64);
    await expect(streamed.control()).rejects.toMatchObject({
      code: 'DEB_INVALID',
      message: 'nc: control.tar has no control file',
    });
  });

  it('streamDeb reads control.tar with the xz decoder that read data.tar: one process for both', async () => {
    // A wrapper of its own is a pool of its own (xz-pool.ts), so every decoder of this test records its pid here.
    const pidFile = join(dir, 'one-decoder.pids');
    const wrapper = join(dir, 'xz-one-decoder');
    await writeFile(wrapper, ['#!/bin/sh', `echo $$ >> ${pidFile}`, 'exec xz "$@"', ''].join('\n'), { mode: 0o755 });
    const path = await makeDeb(dir, { name: 'one-decoder', files: FILES });
    const opts = { xzCommand: wrapper, xzDecoder: 'command' } as const;
    const streamed = await streamDeb(path, 'one-decoder', opts);
    expect(await sha256(streamed.data)).toBe(await fsysTarSha(path));
    expect((await streamed.control()).control).toBe(controlText('one-decoder'));
    expect((await readFile(pidFile, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('reads xz with the WebAssembly decoder too', async () => {
    const path = await makeDeb(dir, { name: 'hello-wasm', files: FILES });
    const deb = await openDeb(path, 'hello-wasm', { xzDecoder: 'wasm' });
    expect(await sha256(deb.dataTar())).toBe(await fsysTarSha(path));
  });

  it('falls back to the WebAssembly decoder when the xz binary is not on PATH', async () => {
    const path = await makeDeb(dir, { name: 'hello-no-xz', files: FILES });
    const deb = await openDeb(path, 'hello-no-xz', { xzCommand: '/nonexistent/xz' });
    expect(deb.control).toMatch(/^Package: hello-no-xz$/m);
    expect(await sha256(deb.dataTar())).toBe(await fsysTarSha(path));
  });

  it('looks a command name up on PATH: an executable file is used, a file without the x bit is not', async () => {
    // Two names in a directory put first on PATH: one executable wrapper that records its runs, one plain file.
    const bin = join(dir, 'path-bin');
    await mkdir(bin, { recursive: true });
    const runs = join(dir, 'path-runs');
    await writeFile(join(bin, 'xz-on-path'), ['#!/bin/sh', `echo run >> ${runs}`, 'exec xz "$@"', ''].join('\n'), {
      mode: 0o755,
    });
    await writeFile(join(bin, 'xz-not-executable'), '#!/bin/sh\nexit 1\n', { mode: 0o644 });
    const path = await makeDeb(dir, { name: 'hello-path', files: FILES });
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved ?? ''}`;
    try {
      const found = await openDeb(path, 'hello-path', { xzCommand: 'xz-on-path' });
      expect(await sha256(found.dataTar())).toBe(await fsysTarSha(path));
      expect((await readFile(runs, 'utf8')).trim().split('\n').length).toBeGreaterThanOrEqual(1);
      // Found on PATH but not executable: as if missing, so the WebAssembly decoder reads the member.
      const plain = await openDeb(path, 'hello-path', { xzCommand: 'xz-not-executable' });
      expect(await sha256(plain.dataTar())).toBe(await fsysTarSha(path));
    } finally {
      process.env.PATH = saved;
    }
  });

  it('frees the WebAssembly decoder for the next stream when a reader stops early', async () => {
    const path = await makeDeb(dir, { name: 'hello-early', files: FILES });
    const deb = await openDeb(path, 'hello-early', { xzDecoder: 'wasm' });
    for await (const _chunk of deb.dataTar()) break; // destroys the stream mid-way
    const streamed = await streamDeb(path, 'hello-early', { xzDecoder: 'wasm' });
    expect(await sha256(streamed.data)).toBe(await fsysTarSha(path));
    expect((await streamed.control()).control).toMatch(/^Package: hello-early$/m);
  });

  it('passes xzThreads to the xz binary', async () => {
    const path = await makeDeb(dir, { name: 'hello-threads', files: FILES });
    const deb = await openDeb(path, 'hello-threads', { xzThreads: 2 });
    expect(await sha256(deb.dataTar())).toBe(await fsysTarSha(path));
  });

  it('kills the decoder when the reader stops early', async () => {
    const pidFile = join(dir, 'xz.pids');
    const wrapper = join(dir, 'xz-wrapper');
    // Every decoder the build starts records its pid. The pooled decoder that read control.tar goes on to
    // data.tar (xz-pool.ts); stopping early must kill it rather than leave it waiting for more input.
    const script = ['#!/bin/sh', `echo $$ >> ${pidFile}`, 'exec xz "$@"', ''];
    await writeFile(wrapper, script.join('\n'), { mode: 0o755 });
    const path = await makeDeb(dir, { name: 'lingering', files: FILES });
    const deb = await openDeb(path, 'lingering', { xzCommand: wrapper, xzDecoder: 'command' });
    const stream = deb.dataTar();
    for await (const _chunk of stream) break; // destroys the stream
    const pids = (await readFile(pidFile, 'utf8')).trim().split('\n').map(Number);
    expect(pids.length).toBeGreaterThanOrEqual(1);
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 20));
    expect(pids.filter(alive)).toEqual([]);
  });

  it('reads bzip2 data (crafted: dpkg-deb no longer builds it) and a missing md5sums', async () => {
    const entries = [
      { path: './', typeflag: '5', mode: 0o755 },
      { path: './etc/x', body: 'x\n' },
    ];
    const path = await makeRawDeb(dir, { name: 'bz', entries, dataCompression: 'bz2' });
    const deb = await openDeb(path);
    expect(deb.name).toBe('bz.deb');
    expect(deb.md5sums).toBeUndefined();
    expect(deb.dataCompression).toBe('bz2');
    const paths: string[] = [];
    for await (const { header } of readTar(deb.dataTar())) paths.push(header.path);
    expect(paths).toEqual(['./', './etc/x']);
  });

  it('lists ar members with their byte ranges', async () => {
    const path = await makeDeb(dir, { name: 'ar-list', files: FILES, compression: 'gzip' });
    const members = await readArMembers(path);
    expect(members.map((m) => m.name)).toEqual(['debian-binary', 'control.tar.gz', 'data.tar.gz']);
    const bytes = await readFile(path);
    const first = members[0]!;
    expect(bytes.toString('latin1', first.offset, first.offset + first.size)).toBe('2.0\n');
  });
});

describe('openDeb errors', () => {
  const control = Buffer.from(rawTar([{ path: './control', body: controlText('p') }]));
  const data = rawTar([{ path: './a', body: 'a' }]);

  it.each([
    ['not an ar archive', () => Buffer.from('hello world, not a deb'), /not an ar archive/],
    [
      'wrong format version',
      () =>
        arArchive([
          ['debian-binary', Buffer.from('3.0\n')],
          ['control.tar', control],
          ['data.tar', data],
        ]),
      /unsupported deb format/,
    ],
    [
      'no data member',
      () =>
        arArchive([
          ['debian-binary', Buffer.from('2.0\n')],
          ['control.tar', control],
        ]),
      /third member is not data.tar/,
    ],
    [
      'members out of order',
      () =>
        arArchive([
          ['debian-binary', Buffer.from('2.0\n')],
          ['data.tar', data],
          ['control.tar', control],
        ]),
      /second member/,
    ],
    [
      'unknown compression',
      () =>
        arArchive([
          ['debian-binary', Buffer.from('2.0\n')],
          ['control.tar', control],
          ['data.tar.lz4', data],
        ]),
      /unsupported member data.tar.lz4/,
    ],
    [
      'truncated member',
      () =>
        arArchive([
          ['debian-binary', Buffer.from('2.0\n')],
          ['control.tar', control],
          ['data.tar', data],
        ]).subarray(0, -100),
      /runs past the end/,
    ],
    [
      'no control file',
      () =>
        arArchive([
          ['debian-binary', Buffer.from('2.0\n')],
          ['control.tar', rawTar([])],
          ['data.tar', data],
        ]),
      /no control file/,
    ],
  ])('rejects %s', async (name, bytes, message) => {
    const path = join(dir, `${name.replace(/ /g, '-')}.deb`);
    await writeFile(path, bytes());
    const e = await thrown(openDeb(path, 'pkg'));
    expect(e.code).toBe('DEB_INVALID');
    expect(e.message).toMatch(/^pkg: /);
    expect(e.message).toMatch(message);
  });

  it.each([
    ['corrupt xz data', 'xz', {}],
    ['corrupt gzip data', 'gzip', {}],
    ['corrupt zstd data', 'zstd', {}],
    ['corrupt xz data (wasm decoder)', 'xz', { xzDecoder: 'wasm' }],
  ] as Array<[string, 'xz' | 'gzip' | 'zstd', DebOptions]>)('fails reading data.tar with %s', async (name, z, opts) => {
    const path = await makeDeb(dir, { name: `bad-${name.replace(/\W+/g, '-')}`, files: FILES, compression: z });
    const bytes = await readFile(path);
    const data = (await readArMembers(path))[2]!;
    flip(bytes, data.offset + Math.floor(data.size / 2));
    await writeFile(path, bytes);
    const deb = await openDeb(path, 'bad', opts);
    const e = await thrown(sha256(deb.dataTar()));
    expect(e.code).toBe('DEB_INVALID');
    expect(e.message).toMatch(/^bad: data\.tar/);
  });

  it('names a missing xz binary', async () => {
    const path = await makeDeb(dir, { name: 'no-xz', files: FILES, compression: 'xz' });
    const e = await thrown(openDeb(path, 'no-xz', { xzCommand: '/nonexistent/xz', xzDecoder: 'command' }));
    expect(e.message).toBe('no-xz: control.tar.xz: /nonexistent/xz -dc failed: /nonexistent/xz not found');
  });

  it('fails on a bad xz trailer even though the tar inside is complete', async () => {
    const path = await makeDeb(dir, { name: 'bad-trailer', files: FILES, compression: 'xz' });
    const bytes = await readFile(path);
    const data = (await readArMembers(path))[2]!;
    flip(bytes, data.offset + data.size - 20); // inside the xz index / stream footer
    await writeFile(path, bytes);
    const deb = await openDeb(path, 'bad');
    await expect(sha256(deb.dataTar())).rejects.toThrow(/xz -dc failed/);
    const wasm = await openDeb(path, 'bad', { xzDecoder: 'wasm' });
    await expect(sha256(wasm.dataTar())).rejects.toMatchObject({
      code: 'DEB_INVALID',
      message: expect.stringMatching(/^bad: data\.tar\.xz: /),
    });
  });
});
