/**
 * Test .debs. `makeDeb` builds real packages with `dpkg-deb --build` (files, dirs, symlinks, hardlinks, modes,
 * owners, any compression dpkg-deb writes), reproducibly: SOURCE_DATE_EPOCH fixes the ar timestamps and
 * clamps the tar mtimes. `makeRawDeb` crafts what dpkg-deb refuses to build (device nodes, `..` paths,
 * escaping links, bz2 data): the data.tar from raw header blocks, the ar assembled by hand.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, link, lutimes, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { encodeEntryHeaders, padLength, type TarHeader } from '../../src/tar/header.js';

const run = promisify(execFile);

export const DEFAULT_EPOCH = 1_700_000_000;

export type DebFile =
  | { path: string; type?: 'file'; content: string | Buffer; mode?: number; uid?: number; gid?: number; mtime?: number }
  | { path: string; type: 'dir'; mode?: number; uid?: number; gid?: number; mtime?: number }
  | { path: string; type: 'symlink'; target: string; mtime?: number }
  | { path: string; type: 'hardlink'; target: string };

export interface MakeDebOptions {
  name: string;
  version?: string;
  arch?: string;
  files: readonly DebFile[];
  /** dpkg-deb -Z: xz (default), gzip, zstd, none. */
  compression?: 'xz' | 'gzip' | 'zstd' | 'none';
  /** SOURCE_DATE_EPOCH for dpkg-deb (default DEFAULT_EPOCH). */
  epoch?: number;
  /** Write DEBIAN/md5sums (default true). */
  md5sums?: boolean;
  /** Extra control fields, e.g. `Depends: libc6`. */
  extraControl?: readonly string[];
}

export function controlText(name: string, version = '1.0-1', arch = 'amd64', extra: readonly string[] = []): string {
  return [
    `Package: ${name}`,
    `Version: ${version}`,
    `Architecture: ${arch}`,
    'Maintainer: Test <test@example.org>',
    'Installed-Size: 1',
    ...extra,
    'Section: misc',
    'Priority: optional',
    `Description: test package ${name}`,
    ' Built by test/helpers/make-deb.ts.',
    '',
  ].join('\n');
}

/** Builds `<dir>/<name>.deb` with dpkg-deb; returns its path. */
export async function makeDeb(dir: string, opts: MakeDebOptions): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'make-deb-'));
  try {
    const epoch = opts.epoch ?? DEFAULT_EPOCH;
    await mkdir(join(root, 'DEBIAN'), { recursive: true });
    await writeFile(join(root, 'DEBIAN/control'), controlText(opts.name, opts.version, opts.arch, opts.extraControl));
    const sums: string[] = []; // `<md5>  <path>\n`, sorted by path like dh_md5sums
    for (const f of opts.files) await materialise(root, f, epoch, sums);
    if (opts.md5sums !== false)
      await writeFile(join(root, 'DEBIAN/md5sums'), sums.sort((a, b) => (a.slice(34) < b.slice(34) ? -1 : 1)).join(''));
    const owned = opts.files.some((f) => 'uid' in f || 'gid' in f);
    const out = join(dir, `${opts.name}.deb`);
    const args = ['--build', ...(owned ? [] : ['--root-owner-group']), `-Z${opts.compression ?? 'xz'}`, root, out];
    await run('dpkg-deb', args, { env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch), LC_ALL: 'C' } });
    return out;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function materialise(root: string, f: DebFile, epoch: number, sums: string[]): Promise<void> {
  const p = join(root, f.path);
  await mkdir(dirname(p), { recursive: true });
  const mtime = 'mtime' in f && f.mtime !== undefined ? f.mtime : epoch;
  switch (f.type) {
    case 'dir':
      await mkdir(p, { recursive: true });
      break;
    case 'symlink':
      await symlink(f.target, p);
      await lutimes(p, mtime, mtime);
      return;
    case 'hardlink':
      await link(join(root, f.target), p);
      return;
    default: {
      await writeFile(p, f.content);
      sums.push(`${createHash('md5').update(f.content).digest('hex')}  ${f.path}\n`);
    }
  }
  if (f.uid !== undefined || f.gid !== undefined) await chown(p, f.uid ?? 0, f.gid ?? 0);
  await chmod(p, f.mode ?? (f.type === 'dir' ? 0o755 : 0o644)); // after chown, which clears setuid
  await utimes(p, mtime, mtime);
}

/** One raw data.tar entry: any header fields (defaults: regular file 0644 root, mtime DEFAULT_EPOCH). */
export type RawEntry = Partial<TarHeader> & { path: string; body?: Buffer | string };

/** A tar made from raw header blocks, no validation at all (for unsafe entries), with the end marker. */
export function rawTar(entries: readonly RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = e.body === undefined ? Buffer.alloc(0) : Buffer.from(e.body);
    const header: TarHeader = {
      linkname: '',
      typeflag: '0',
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: DEFAULT_EPOCH,
      uname: 'root',
      gname: 'root',
      devmajor: 0,
      devminor: 0,
      ...e,
      size: e.size ?? body.length,
    };
    parts.push(...encodeEntryHeaders(header), body, Buffer.alloc(padLength(body.length)));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** An ar archive of the given members, as dpkg-deb lays it out (mode 100644, uid/gid 0, mtime 0). */
export function arArchive(members: ReadonlyArray<readonly [string, Buffer]>): Buffer {
  const parts: Buffer[] = [Buffer.from('!<arch>\n', 'latin1')];
  for (const [name, data] of members) {
    const header = `${name.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'100644'.padEnd(8)}${String(data.length).padEnd(10)}\`\n`;
    parts.push(Buffer.from(header, 'latin1'), data);
    if (data.length % 2 === 1) parts.push(Buffer.from('\n'));
  }
  return Buffer.concat(parts);
}

export interface RawDebOptions {
  name: string;
  entries: readonly RawEntry[];
  /** data.tar member compression (default gz). bz2 and xz use the `bzip2` / `xz` binaries. */
  dataCompression?: 'none' | 'gz' | 'bz2' | 'xz';
  control?: string;
  md5sums?: string;
}

/** Crafts `<dir>/<name>.deb` by hand: gzipped control.tar, data.tar of raw entries. */
export async function makeRawDeb(dir: string, opts: RawDebOptions): Promise<string> {
  const controlFiles: RawEntry[] = [
    { path: './', typeflag: '5', mode: 0o755 },
    { path: './control', body: opts.control ?? controlText(opts.name) },
  ];
  if (opts.md5sums !== undefined) controlFiles.push({ path: './md5sums', body: opts.md5sums });
  const kind = opts.dataCompression ?? 'gz';
  const data = await compress(rawTar(opts.entries), kind);
  const suffix = kind === 'none' ? '' : `.${kind}`;
  const deb = arArchive([
    ['debian-binary', Buffer.from('2.0\n')],
    ['control.tar.gz', gzipSync(rawTar(controlFiles))],
    [`data.tar${suffix}`, data],
  ]);
  const out = join(dir, `${opts.name}.deb`);
  await writeFile(out, deb);
  return out;
}

async function compress(tar: Buffer, kind: 'none' | 'gz' | 'bz2' | 'xz'): Promise<Buffer> {
  if (kind === 'none') return tar;
  if (kind === 'gz') return gzipSync(tar);
  const tmp = await mkdtemp(join(tmpdir(), 'make-deb-'));
  try {
    await writeFile(join(tmp, 'data.tar'), tar);
    const tool = kind === 'bz2' ? 'bzip2' : 'xz';
    const { stdout } = await run(tool, ['-c', join(tmp, 'data.tar')], { encoding: 'buffer', maxBuffer: 1 << 28 });
    return stdout;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
