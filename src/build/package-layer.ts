/**
 * One Debian package → the entries of its OCI layer (docs/architecture.md#images), streamed into a TarWriter:
 * 1. every data.tar entry, in the .deb's own order (fixed by the pinned .deb bytes, so deterministic without
 *    buffering or sorting), normalised: no leading './', no root entry, no trailing '/', mtime clamped to the
 *    build epoch, numeric uid/gid kept, mode & 0o7777 — except that files lose their setuid/setgid bits
 *    unless `keepSetuid` names them (README "What is in the images");
 * 2. the `var/lib/dpkg/status.d` directories the data did not bring, then `status.d/<pkg>` (the control file)
 *    and `status.d/<pkg>.md5sums` (when the package has one), root-owned 0644 at the epoch.
 *
 * Anything that could write outside the image root or create special files is refused with an
 * UNSAFE_ENTRY error naming the package and the entry: absolute paths, `..` components, device nodes and
 * fifos, anything but a directory below `var/lib/dpkg/` (the status entries scanners read are generated here,
 * never taken from a package), entries below a symlink or file of the same archive, duplicates, hardlinks to anything but a file
 * seen earlier, and relative symlinks that climb above the root (absolute targets stay inside the image).
 *
 * Cost: the data.tar is streamed through once (decoder → reader → writer, backpressure end to end); for
 * openjdk-17-jre-headless (193 MB tar) about 5 s wall with the `xz` binary, xz decoding being most of it, and
 * a bounded ~100–130 MB RSS whatever the package size (numbers in deb.ts). The check against `dpkg-deb -c`
 * on real packages is test/live/real-debs.test.ts.
 */
import { posix } from 'node:path';
import { streamDeb, type DebOptions } from '../deb/deb.js';
import { DistrolessError } from '../errors.js';
import { readTar, type TarReadEntry } from '../tar/reader.js';
import { TYPE, type TarHeader } from '../tar/header.js';
import type { TarEntry, TarEntryType } from '../tar/types.js';
import type { TarWriter } from '../tar/writer.js';

export const STATUS_DIR = 'var/lib/dpkg/status.d';
const DPKG_DIR = 'var/lib/dpkg';
const DPKG_DIR_PREFIX = `${DPKG_DIR}/`;

/**
 * Merged /usr (Debian 13): these top-level names are symlinks into usr/, shipped by base-files. A later layer
 * holding a real `bin/` or `lib/` entry would replace the link in the image and break the dynamic loader
 * (rules_oci #857), so such entries are refused, naming the package (docs/architecture.md, "Merged /usr").
 */
export const MERGED_USR_LINKS: readonly string[] = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libo32', 'libx32'];
/** The links every merged-/usr root must have; the others depend on the arch (lib64 on amd64, …). */
const REQUIRED_MERGED_USR_LINKS: readonly string[] = ['bin', 'sbin', 'lib'];
/** The package that ships the merged-/usr links: its layer goes first in every image. */
export const MERGED_USR_OWNER = 'base-files';

export interface PackageLayerOptions {
  /** Build epoch (seconds): every mtime is clamped to it, and generated entries carry it. */
  epoch: number;
  /** Leaves matching data.tar paths (normalised, e.g. `usr/share/doc/x/changelog.gz`) out of the layer. */
  exclude?: (path: string) => boolean;
  /** Regular files whose content `onFile` receives (excluded ones included): e.g. `usr/share/ca-certificates/**.crt`. */
  capture?: (path: string) => boolean;
  onFile?: (path: string, bytes: Buffer) => void;
  /** Cap on one captured file (default 16 MiB). */
  maxCaptureBytes?: number;
  /**
   * Files that keep their setuid/setgid bits (normalised paths, e.g. `usr/bin/su`); every other non-directory
   * has them cleared (directories keep setgid: it only passes the group on to new files).
   */
  keepSetuid?: ReadonlySet<string>;
  /** Called for every entry written, generated ones included (e.g. to find busybox's binary path). */
  onEntry?: (entry: TarEntry) => void;
  /** How to decode the .deb's members (the xz binary, or the bundled WebAssembly decoder). */
  deb?: DebOptions;
  /**
   * Merged-/usr image (MERGED_USR_LINKS): 'owner' for the package that ships the links (each must be a symlink
   * to usr/<name>, and bin, sbin and lib must be there), 'guest' for every other package (no entry under those
   * names). Unset for a root that is not merged (Debian 12 packages ship /bin and /lib as they are).
   */
  mergedUsr?: 'owner' | 'guest';
}

export interface PackageLayerInfo {
  name: string;
  /** The control file as shipped. */
  control: string;
  md5sums?: string;
  /** Regular files written from data.tar (hardlinks and status.d files not counted). */
  fileCount: number;
  /** Content bytes of those files. */
  bytes: number;
  /** Every entry written, generated ones included. */
  entryCount: number;
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;

export async function writePackageLayer(debPath: string, pkgName: string, writer: TarWriter, opts: PackageLayerOptions): Promise<PackageLayerInfo> {
  if (!PACKAGE_NAME.test(pkgName)) throw new DistrolessError('DEB_INVALID', `bad package name ${JSON.stringify(pkgName)}`);
  if (!Number.isSafeInteger(opts.epoch) || opts.epoch < 0) throw new DistrolessError('INTERNAL', `bad build epoch ${opts.epoch}`);
  const deb = await streamDeb(debPath, pkgName, opts.deb);
  const layer = new LayerWriter(pkgName, writer, opts);
  // Read errors arrive as DistrolessErrors naming the package (deb.ts, reader.ts); writer errors pass as they are.
  try {
    for await (const item of readTar(deb.data, { source: `${pkgName}: ${deb.dataMember.name}` })) await layer.addDataEntry(item);
  } finally {
    deb.data.destroy(); // a no-op once read to the end; stops the decoder when the layer fails early
  }
  // The control files come last: read after the data (streamDeb), needed only for the status.d entry. A .deb
  // that is another package fails here, before the layer is finished, so no layer of it is ever kept.
  const { control, md5sums } = await deb.control();
  layer.checkMergedUsrLinks();
  const shipped = controlField(control, 'Package');
  if (shipped !== pkgName) throw new DistrolessError('DEB_INVALID', `${pkgName}: the .deb is package ${JSON.stringify(shipped)}`);
  await layer.addStatus(control, md5sums);
  return {
    name: pkgName,
    control,
    ...(md5sums === undefined ? {} : { md5sums }),
    ...layer.counts(),
  };
}

/**
 * The control file as a dpkg status stanza: `Status: install ok installed` right after `Package:`.
 * dpkg-query treats a stanza without Status as "not-installed" and lists nothing, so with the line the
 * status.d files concatenated (blank-line separated) form a database `dpkg-query --admindir` accepts.
 */
export function statusStanza(control: string): string {
  const lines = control.replace(/\n+$/, '').split('\n').filter((l) => !/^Status:/i.test(l));
  const at = lines.findIndex((l) => /^Package:/i.test(l));
  lines.splice(at + 1, 0, 'Status: install ok installed');
  return `${lines.join('\n')}\n`;
}

/** One simple field of a control stanza (first line only). */
export function controlField(control: string, field: string): string | undefined {
  const re = new RegExp(`^${field}:[ \\t]*(.*)$`, 'im');
  return re.exec(control)?.[1]?.trim();
}

const KINDS: Record<string, TarEntryType | undefined> = {
  [TYPE.file]: 'file',
  [TYPE.oldFile]: 'file',
  [TYPE.contiguous]: 'file',
  [TYPE.hardlink]: 'hardlink',
  [TYPE.symlink]: 'symlink',
  [TYPE.directory]: 'directory',
};

class LayerWriter {
  /** Every data.tar path met so far (excluded ones too) and its type. */
  private readonly seen = new Map<string, TarEntryType>();
  /** Paths actually in the layer. */
  private readonly written = new Map<string, TarEntryType>();
  private fileCount = 0;
  private bytes = 0;
  private entryCount = 0;

  constructor(
    private readonly pkg: string,
    private readonly writer: TarWriter,
    private readonly opts: PackageLayerOptions,
  ) {}

  counts(): Pick<PackageLayerInfo, 'fileCount' | 'bytes' | 'entryCount'> {
    return { fileCount: this.fileCount, bytes: this.bytes, entryCount: this.entryCount };
  }

  async addDataEntry({ header, body }: TarReadEntry): Promise<void> {
    const path = normalisePath(header.path);
    const type = KINDS[header.typeflag];
    if (path === '') {
      if (type === 'directory') return; // the root './' itself
      throw this.unsafe(header.path, 'is the archive root but not a directory');
    }
    if (path === null) throw this.unsafe(header.path, 'escapes the root (absolute or `..`)');
    if (type === undefined) throw this.unsafe(path, `has unsupported type ${describeType(header.typeflag)}`);
    // The package database is ours: a file there could shadow another package's status entry and make
    // scanners see a lie. Directories are harmless (dpkg itself ships some); anything else is refused.
    if (path.startsWith(DPKG_DIR_PREFIX) && type !== 'directory') {
      throw this.unsafe(path, `is in ${DPKG_DIR}, which only distroless-action writes (the package database)`);
    }
    this.checkPlacement(path);
    const entry = this.entryOf(header, path, type);
    this.checkMergedUsr(entry);
    this.seen.set(path, type);
    const excluded = this.opts.exclude?.(path) === true;
    const content = type === 'file' ? this.captured(path, header.size, body) : undefined;
    if (excluded) {
      if (content !== undefined) await consume(content); // capture still reads it
      return;
    }
    await this.emit(entry, content);
    if (type === 'file') {
      this.fileCount += 1;
      this.bytes += entry.size;
    }
  }

  async addStatus(control: string, md5sums: string | undefined): Promise<void> {
    const parts = STATUS_DIR.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const have = this.written.get(dir);
      if (have === 'directory') continue;
      if (have !== undefined) throw this.unsafe(dir, `is a ${have}, so ${STATUS_DIR} cannot be created`);
      await this.emit(this.generated(dir, 'directory', 0o755, 0));
    }
    const files: Array<[string, string]> = [[`${STATUS_DIR}/${this.pkg}`, statusStanza(control)]];
    if (md5sums !== undefined) files.push([`${STATUS_DIR}/${this.pkg}.md5sums`, md5sums]);
    for (const [path, text] of files) {
      if (this.seen.has(path)) throw this.unsafe(path, 'is shipped by the package, and generated too');
      const bytes = Buffer.from(text, 'utf8');
      await this.emit(this.generated(path, 'file', 0o644, bytes.length), bytes);
    }
  }

  private generated(path: string, type: TarEntryType, mode: number, size: number): TarEntry {
    return { path, type, mode, uid: 0, gid: 0, mtime: this.opts.epoch, size };
  }

  private async emit(entry: TarEntry, body?: Buffer | AsyncIterable<Buffer>): Promise<void> {
    await this.writer.add(entry, body);
    this.written.set(entry.path, entry.type);
    this.entryCount += 1;
    this.opts.onEntry?.(entry);
  }

  /** Merged /usr: guests ship nothing under the links; the owner ships each of them as a link into usr/. */
  private checkMergedUsr(entry: TarEntry): void {
    const mode = this.opts.mergedUsr;
    if (mode === undefined) return;
    const top = entry.path.split('/', 1)[0] as string;
    if (!MERGED_USR_LINKS.includes(top)) return;
    if (mode === 'guest') {
      throw this.unsafe(
        entry.path,
        `is under /${top}, a symlink to usr/${top} in this merged-/usr image; the entry would replace the link`,
      );
    }
    const target = entry.linkname?.replace(/^\//, '');
    if (entry.path !== top || entry.type !== 'symlink' || target !== `usr/${top}`) {
      throw this.unsafe(entry.path, `must be a symlink to usr/${top} in a merged-/usr image`);
    }
  }

  /** After the data: the owner of the merged-/usr links shipped the ones every root needs. */
  checkMergedUsrLinks(): void {
    if (this.opts.mergedUsr !== 'owner') return;
    const missing = REQUIRED_MERGED_USR_LINKS.filter((name) => this.seen.get(name) !== 'symlink');
    if (missing.length > 0) {
      throw new DistrolessError(
        'DEB_INVALID',
        `${this.pkg}: the distro is merged-/usr but the package ships no ${missing.map((m) => `${m} → usr/${m}`).join(', ')} link`,
      );
    }
  }

  /** No duplicates, and nothing below a symlink or file of this archive (that would write through the link). */
  private checkPlacement(path: string): void {
    if (this.seen.has(path)) throw this.unsafe(path, 'appears twice');
    for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
      const parent = this.seen.get(path.slice(0, i));
      if (parent !== undefined && parent !== 'directory') throw this.unsafe(path, `is below a ${parent} (${path.slice(0, i)})`);
    }
  }

  private entryOf(h: TarHeader, path: string, type: TarEntryType): TarEntry {
    const entry: TarEntry = {
      path,
      type,
      mode: type === 'directory' || this.opts.keepSetuid?.has(path) === true ? h.mode & 0o7777 : h.mode & 0o1777,
      uid: h.uid,
      gid: h.gid,
      mtime: Math.min(h.mtime, this.opts.epoch),
      size: type === 'file' ? h.size : 0,
    };
    if (type === 'symlink') entry.linkname = this.symlinkTarget(path, h.linkname);
    if (type === 'hardlink') entry.linkname = this.hardlinkTarget(path, h.linkname);
    return entry;
  }

  /** Stored as is; a relative target must stay inside the root when taken from the link's directory. */
  private symlinkTarget(path: string, target: string): string {
    if (target === '' || target.includes('\0')) throw this.unsafe(path, 'is a symlink without a target');
    if (!target.startsWith('/') && climbsAboveRoot(posix.dirname(path), target)) {
      throw this.unsafe(path, `is a symlink to ${target}, outside the root`);
    }
    return target;
  }

  private hardlinkTarget(path: string, linkname: string): string {
    const target = normalisePath(linkname);
    if (target === null || target === '') throw this.unsafe(path, `is a hardlink to ${linkname}, outside the root`);
    const kind = this.seen.get(target);
    if (kind !== 'file') throw this.unsafe(path, `is a hardlink to ${target}, which is not a file earlier in the archive`);
    if (!this.written.has(target)) throw this.unsafe(path, `is a hardlink to ${target}, which is excluded from the layer`);
    return target;
  }

  /** The body, teed into `onFile` when the path is captured. */
  private captured(path: string, size: number, body: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
    const { capture, onFile } = this.opts;
    if (capture === undefined || onFile === undefined || !capture(path)) return body;
    const max = this.opts.maxCaptureBytes ?? 16 * 1024 * 1024;
    if (size > max) throw new DistrolessError('DEB_INVALID', `${this.pkg}: ${path} is too large to capture (${size} bytes)`);
    return (async function* () {
      const chunks: Buffer[] = [];
      for await (const chunk of body) {
        chunks.push(chunk);
        yield chunk;
      }
      onFile(path, Buffer.concat(chunks));
    })();
  }

  private unsafe(path: string, why: string): DistrolessError {
    return new DistrolessError('UNSAFE_ENTRY', `${this.pkg}: ${JSON.stringify(path)} ${why}`);
  }
}

/** Strips './' and trailing '/', drops '.' and empty components; '' for the root, null when it escapes. */
export function normalisePath(raw: string): string | null {
  if (raw.startsWith('/')) return null;
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return null;
    parts.push(part);
  }
  return parts.join('/');
}

/** True when `target`, resolved from directory `dir` (relative to the root), goes above the root at any step. */
export function climbsAboveRoot(dir: string, target: string): boolean {
  const stack = dir === '.' || dir === '' ? [] : dir.split('/');
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (stack.length === 0) return true;
      stack.pop();
    } else stack.push(part);
  }
  return false;
}

function describeType(flag: string): string {
  const names: Record<string, string> = { '3': 'character device', '4': 'block device', '6': 'fifo' };
  return names[flag] ?? `'${flag === '\0' ? '\\0' : flag}'`;
}

async function consume(body: AsyncIterable<Buffer>): Promise<void> {
  for await (const _chunk of body) continue;
}
