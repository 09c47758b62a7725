import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  climbsAboveRoot,
  normalisePath,
  statusStanza,
  writePackageLayer,
  type PackageLayerOptions,
} from '../../src/build/package-layer.js';
import type { TarHeader } from '../../src/tar/header.js';
import { readTar } from '../../src/tar/reader.js';
import type { TarEntry } from '../../src/tar/types.js';
import { TarWriter } from '../../src/tar/writer.js';
import { controlText, makeDeb, makeRawDeb, type DebFile, type RawEntry } from '../helpers/make-deb.js';
import { thrown } from '../helpers/errors.js';

const run = promisify(execFile);
const DEB_EPOCH = 1_700_000_000;
const EPOCH = 1_650_000_000;
const OLD = 1_500_000_000;
const LONG = `usr/share/app/${'x'.repeat(120)}.txt`;

const FILES: DebFile[] = [
  { path: 'etc/app.conf', content: 'key=value\n', mtime: OLD },
  { path: 'usr/bin/app', content: 'binary', mode: 0o4755 },
  { path: 'usr/bin/app-hard', type: 'hardlink', target: 'usr/bin/app' },
  { path: 'usr/bin/app-sym', type: 'symlink', target: 'app' },
  { path: 'usr/lib/abs', type: 'symlink', target: '/usr/bin/app' },
  { path: 'usr/lib/up', type: 'symlink', target: '../../etc/app.conf' },
  { path: 'home/nonroot', type: 'dir', mode: 0o700, uid: 65532, gid: 65532 },
  { path: 'tmp', type: 'dir', mode: 0o1777 },
  { path: 'usr/share/ca-certificates/mozilla/A.crt', content: 'AAA\n' },
  { path: 'usr/share/ca-certificates/mozilla/B.crt', content: 'BBB\n' },
  { path: 'usr/share/doc/app/changelog.gz', content: 'changes' },
  { path: LONG, content: 'long' },
];

let dir: string;
let appDeb: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'layer-test-'));
  appDeb = await makeDeb(dir, { name: 'app', files: FILES, epoch: DEB_EPOCH });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Builds the layer in memory; returns its bytes. */
async function layerOf(deb: string, name: string, opts: Partial<PackageLayerOptions> = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  const w = new TarWriter(out);
  await writePackageLayer(deb, name, w, { epoch: EPOCH, ...opts });
  await w.finish();
  return Buffer.concat(chunks);
}

async function entries(tar: Buffer): Promise<Array<TarHeader & { content: string }>> {
  const out: Array<TarHeader & { content: string }> = [];
  for await (const { header, body } of readTar(Readable.from([tar]))) {
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c);
    out.push({ ...header, content: Buffer.concat(chunks).toString() });
  }
  return out;
}

describe('writePackageLayer', () => {
  it("keeps the .deb's order, normalises paths and appends status.d", async () => {
    const { stdout } = await run('sh', ['-c', `dpkg-deb --fsys-tarfile ${appDeb} | tar -t`]);
    const debOrder = stdout
      .trim()
      .split('\n')
      .map((p) => p.replace(/^\.\/?/, '').replace(/\/$/, ''))
      .filter((p) => p !== '');
    const layer = await entries(await layerOf(appDeb, 'app'));
    const paths = layer.map((e) => e.path.replace(/\/$/, ''));
    expect(paths).toEqual([
      ...debOrder,
      'var',
      'var/lib',
      'var/lib/dpkg',
      'var/lib/dpkg/status.d',
      'var/lib/dpkg/status.d/app',
      'var/lib/dpkg/status.d/app.md5sums',
    ]);
    expect(layer.filter((e) => e.typeflag === '5').every((e) => e.path.endsWith('/'))).toBe(true);
  });

  it('clamps mtimes, keeps modes and numeric owners, and links', async () => {
    const layer = new Map((await entries(await layerOf(appDeb, 'app'))).map((e) => [e.path, e]));
    expect(layer.get('etc/app.conf')?.mtime).toBe(OLD);
    expect(layer.get('usr/bin/app')).toMatchObject({
      mtime: EPOCH,
      mode: 0o4755,
      uid: 0,
      gid: 0,
      uname: '',
      content: 'binary',
    });
    expect(layer.get('home/nonroot/')).toMatchObject({ mode: 0o700, uid: 65532, gid: 65532 });
    expect(layer.get('tmp/')?.mode).toBe(0o1777);
    expect(layer.get('usr/bin/app-hard')).toMatchObject({ typeflag: '1', linkname: 'usr/bin/app' });
    expect(layer.get('usr/bin/app-sym')).toMatchObject({ typeflag: '2', linkname: 'app' });
    expect(layer.get('usr/lib/abs')?.linkname).toBe('/usr/bin/app');
    expect(layer.get(LONG)?.content).toBe('long');
    expect([...layer.values()].every((e) => e.mtime <= EPOCH)).toBe(true);
  });

  it('writes status.d/<pkg> with a Status line, and the md5sums', async () => {
    const layer = new Map((await entries(await layerOf(appDeb, 'app'))).map((e) => [e.path, e]));
    const status = layer.get('var/lib/dpkg/status.d/app')!;
    expect(status).toMatchObject({ mode: 0o644, uid: 0, gid: 0, mtime: EPOCH });
    expect(status.content).toBe(
      controlText('app').replace('Package: app\n', 'Package: app\nStatus: install ok installed\n'),
    );
    expect(layer.get('var/lib/dpkg/status.d/app.md5sums')?.content).toMatch(/^[0-9a-f]{32} {2}etc\/app.conf\n/);
    expect(layer.get('var/lib/dpkg/status.d/')?.mode).toBe(0o755);
  });

  it('gives a status.d that dpkg-query accepts once concatenated', async () => {
    const other = await makeDeb(dir, {
      name: 'other-pkg',
      version: '2:3.4-5',
      arch: 'all',
      files: [{ path: 'etc/other', content: 'o' }],
    });
    const root = join(dir, 'root');
    await mkdir(root, { recursive: true });
    for (const [deb, name] of [
      [appDeb, 'app'],
      [other, 'other-pkg'],
    ] as const) {
      await writeFile(join(dir, `${name}.tar`), await layerOf(deb, name));
      await run('tar', ['-xf', join(dir, `${name}.tar`), '-C', root]);
    }
    const admin = join(dir, 'admin');
    await mkdir(join(admin, 'info'), { recursive: true });
    const stanzas = await Promise.all(
      ['app', 'other-pkg'].map((p) => readFile(join(root, 'var/lib/dpkg/status.d', p), 'utf8')),
    );
    await writeFile(join(admin, 'status'), stanzas.join('\n'));
    const { stdout } = await run('dpkg-query', [
      `--admindir=${admin}`,
      '-W',
      '-f',
      '${Package} ${Version} ${Status}\n',
    ]);
    expect(stdout).toBe('app 1.0-1 install ok installed\nother-pkg 2:3.4-5 install ok installed\n');
  });

  it('is reproducible: same .deb, byte-identical layer', async () => {
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    expect(sha(await layerOf(appDeb, 'app'))).toBe(sha(await layerOf(appDeb, 'app')));
  });

  it('excludes paths, captures file contents and reports entries', async () => {
    const captured = new Map<string, string>();
    const seen: TarEntry[] = [];
    const tar = await layerOf(appDeb, 'app', {
      exclude: (p) => p.startsWith('usr/share/doc/') || p.endsWith('B.crt'),
      capture: (p) => p.endsWith('.crt'),
      onFile: (p, bytes) => captured.set(p, bytes.toString()),
      onEntry: (e) => seen.push(e),
    });
    const paths = (await entries(tar)).map((e) => e.path);
    expect(paths.some((p) => p.startsWith('usr/share/doc/app/changelog'))).toBe(false);
    expect(paths).not.toContain('usr/share/ca-certificates/mozilla/B.crt');
    expect(Object.fromEntries(captured)).toEqual({
      'usr/share/ca-certificates/mozilla/A.crt': 'AAA\n',
      'usr/share/ca-certificates/mozilla/B.crt': 'BBB\n',
    });
    expect(seen.map((e) => e.path)).toEqual(paths.map((p) => p.replace(/\/$/, '')));
    expect(seen.find((e) => e.path === 'usr/bin/app')).toMatchObject({ type: 'file', mode: 0o4755, size: 6 });
  });

  it('returns what it wrote', async () => {
    const w = new TarWriter(new Writable({ write: (_c, _e, cb) => cb() }));
    const info = await writePackageLayer(appDeb, 'app', w, { epoch: EPOCH });
    expect(info).toMatchObject({
      name: 'app',
      control: controlText('app'),
      fileCount: 6,
      bytes: 10 + 6 + 4 + 4 + 7 + 4,
    });
    expect(info.md5sums).toContain('usr/bin/app\n');
    expect(info.entryCount).toBe((await entries(await layerOf(appDeb, 'app'))).length);
  });

  it('refuses a .deb of another package, and a hardlink to an excluded file', async () => {
    expect((await thrown(layerOf(appDeb, 'other'))).message).toBe('other: the .deb is package "app"');
    const e = await thrown(layerOf(appDeb, 'app', { exclude: (p) => p === 'usr/bin/app' }));
    expect(e.message).toBe('app: "usr/bin/app-hard" is a hardlink to usr/bin/app, which is excluded from the layer');
  });
});

describe('writePackageLayer safety', () => {
  const root: RawEntry = { path: './', typeflag: '5', mode: 0o755 };
  const file = (path: string): RawEntry => ({ path, body: 'x' });
  it.each<[string, RawEntry[], string]>([
    ['an absolute path', [root, file('/etc/passwd')], '"/etc/passwd" escapes the root'],
    ['a .. path', [root, file('./usr/../../etc/passwd')], '"./usr/../../etc/passwd" escapes the root'],
    ['a .. path that stays inside', [root, file('./usr/../etc/passwd')], '"./usr/../etc/passwd" escapes the root'],
    [
      'a character device',
      [root, { path: './dev/null', typeflag: '3', devmajor: 1, devminor: 3 }],
      '"dev/null" has unsupported type character device',
    ],
    [
      'a block device',
      [root, { path: './dev/sda', typeflag: '4', devmajor: 8 }],
      '"dev/sda" has unsupported type block device',
    ],
    ['a fifo', [root, { path: './run/fifo', typeflag: '6' }], '"run/fifo" has unsupported type fifo'],
    [
      'a hardlink to an unseen file',
      [root, { path: './a', typeflag: '1', linkname: './b' }, file('./b')],
      '"a" is a hardlink to b, which is not a file earlier in the archive',
    ],
    [
      'a hardlink outside the root',
      [root, { path: './a', typeflag: '1', linkname: '../etc/shadow' }],
      '"a" is a hardlink to ../etc/shadow, outside the root',
    ],
    [
      'a hardlink to a directory',
      [root, { path: './d/', typeflag: '5' }, { path: './h', typeflag: '1', linkname: './d' }],
      '"h" is a hardlink to d, which is not a file',
    ],
    [
      'a symlink climbing out',
      [root, { path: './usr/x', typeflag: '2', linkname: '../../etc' }],
      '"usr/x" is a symlink to ../../etc, outside the root',
    ],
    [
      'a file through a symlink',
      [root, { path: './lnk', typeflag: '2', linkname: '/etc' }, file('./lnk/passwd')],
      '"lnk/passwd" is below a symlink (lnk)',
    ],
    ['a duplicate path', [root, file('./a'), file('./a')], '"a" appears twice'],
    [
      'a status.d file shipped by the package',
      [root, file('./var/lib/dpkg/status.d/evil')],
      '"var/lib/dpkg/status.d/evil" is shipped by the package, and generated too',
    ],
  ])('rejects %s, naming the package and the entry', async (name, entries, message) => {
    const deb = await makeRawDeb(dir, {
      name: `evil-${name.replace(/\W+/g, '-')}`,
      control: controlText('evil'),
      entries,
    });
    const e = await thrown(layerOf(deb, 'evil'));
    expect(e.code).toBe('UNSAFE_ENTRY');
    expect(e.message).toContain(`evil: ${message}`);
  });

  it('stops the xz decoder when it rejects an entry early', async () => {
    const entries: RawEntry[] = [
      root,
      { path: './dev/null', typeflag: '3' },
      { path: './big', body: Buffer.alloc(16 << 20, 1) },
    ];
    const deb = await makeRawDeb(dir, {
      name: 'evil-xz',
      control: controlText('evil'),
      entries,
      dataCompression: 'xz',
    });
    await expect(layerOf(deb, 'evil')).rejects.toThrow('evil: "dev/null" has unsupported type character device');
  });

  it('accepts absolute symlinks and relative ones that stay inside', async () => {
    const entries: RawEntry[] = [
      root,
      { path: './bin', typeflag: '2', linkname: 'usr/bin' },
      { path: './usr/lib/x', typeflag: '2', linkname: '/../../etc/passwd' },
      { path: './usr/lib/y', typeflag: '2', linkname: '../../etc/../bin/sh' },
    ];
    const deb = await makeRawDeb(dir, { name: 'fine', control: controlText('fine'), entries });
    const paths = (await pathsOf(await layerOf(deb, 'fine'))).slice(0, 3);
    expect(paths).toEqual(['bin', 'usr/lib/x', 'usr/lib/y']);
  });
});

describe('writePackageLayer in a merged-/usr root (Debian 13)', () => {
  const root: RawEntry = { path: './', typeflag: '5', mode: 0o755 };
  const link = (name: string, target = `usr/${name}`): RawEntry => ({
    path: `./${name}`,
    typeflag: '2',
    linkname: target,
  });
  const trixieBaseFiles: RawEntry[] = [
    root,
    link('bin'),
    { path: './etc/', typeflag: '5' },
    { path: './etc/debian_version', body: '13.2\n' },
    link('lib'),
    link('lib64'),
    link('sbin'),
    { path: './usr/', typeflag: '5' },
    { path: './usr/bin/', typeflag: '5' },
  ];
  const deb = (name: string, entries: RawEntry[]) =>
    makeRawDeb(dir, { name: `usr-merge-${name}`, control: controlText(name), entries });

  it("keeps base-files' links when it owns them, and a guest's files under usr/", async () => {
    const owner = await layerOf(await deb('base-files', trixieBaseFiles), 'base-files', { mergedUsr: 'owner' });
    const links = (await entries(owner)).filter((e) => e.typeflag === '2').map((e) => `${e.path} -> ${e.linkname}`);
    expect(links).toEqual(['bin -> usr/bin', 'lib -> usr/lib', 'lib64 -> usr/lib64', 'sbin -> usr/sbin']);
    const guestEntries: RawEntry[] = [root, { path: './usr/lib/x86_64-linux-gnu/', typeflag: '5' }];
    const guest = await layerOf(await deb('libfine', guestEntries), 'libfine', { mergedUsr: 'guest' });
    expect(await pathsOf(guest)).toContain('usr/lib/x86_64-linux-gnu/');
  });

  it.each<[string, RawEntry[], string]>([
    ['a real bin/ directory', [root, { path: './bin/', typeflag: '5' }], '"bin" is under /bin, a symlink to usr/bin'],
    ['a loader in /lib64', [root, { path: './lib64/ld.so', body: 'x' }], '"lib64/ld.so" is under /lib64, a symlink'],
    ['its own sbin link', [root, link('sbin', '/tmp')], '"sbin" is under /sbin, a symlink to usr/sbin'],
  ])('refuses a guest package with %s, naming it', async (_name, entries, message) => {
    const e = await thrown(layerOf(await deb('hostile', entries), 'hostile', { mergedUsr: 'guest' }));
    expect(e.code).toBe('UNSAFE_ENTRY');
    expect(e.message).toContain(`hostile: ${message}`);
  });

  it('lets a non-merged root (Debian 12) ship /bin and /lib as they are', async () => {
    const entries: RawEntry[] = [root, { path: './bin/', typeflag: '5' }, { path: './bin/sh', body: 'x' }];
    expect(await pathsOf(await layerOf(await deb('bookworm', entries), 'bookworm'))).toContain('bin/sh');
  });

  it('refuses an owner whose link points elsewhere, or that lacks one', async () => {
    const wrong = trixieBaseFiles.map((e) => (e.path === './lib' ? link('lib', '/opt/lib') : e));
    const e1 = await thrown(layerOf(await deb('base-files', wrong), 'base-files', { mergedUsr: 'owner' }));
    expect(e1.message).toBe('base-files: "lib" must be a symlink to usr/lib in a merged-/usr image');
    const noSbin = trixieBaseFiles.filter((e) => e.path !== './sbin');
    const e2 = await thrown(layerOf(await deb('base-files', noSbin), 'base-files', { mergedUsr: 'owner' }));
    expect(e2.code).toBe('DEB_INVALID');
    expect(e2.message).toBe('base-files: the distro is merged-/usr but the package ships no sbin → usr/sbin link');
  });
});

async function pathsOf(tar: Buffer): Promise<string[]> {
  return (await entries(tar)).map((e) => e.path);
}

describe('helpers', () => {
  it('normalises paths', () => {
    expect(['./', '.', './usr/bin/', 'usr//bin/./x', '/etc', 'a/../b'].map(normalisePath)).toEqual([
      '',
      '',
      'usr/bin',
      'usr/bin/x',
      null,
      null,
    ]);
  });

  it('finds relative targets that climb above the root', () => {
    expect(climbsAboveRoot('usr/lib', '../../etc')).toBe(false);
    expect(climbsAboveRoot('usr/lib', '../../../etc')).toBe(true);
    expect(climbsAboveRoot('.', '..')).toBe(true);
    expect(climbsAboveRoot('.', 'a/../b')).toBe(false);
  });

  it('inserts the Status line after Package, replacing one already there', () => {
    expect(statusStanza('Version: 1\nPackage: p\nStatus: purge ok not-installed\nArchitecture: all\n\n')).toBe(
      'Version: 1\nPackage: p\nStatus: install ok installed\nArchitecture: all\n',
    );
  });
});
