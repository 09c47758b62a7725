/**
 * The generated base layer every image starts from (design.md §4): users, groups, home directories, /tmp and
 * nsswitch.conf; and the os-release layer, which goes above the package layers so that our file replaces
 * base-files' `/usr/lib/os-release` (distroless adds its os-release after the packages too). Also the small
 * entry helpers the other generated layers (CA bundle, locale, Java, Python, busybox) share.
 *
 * Everything here is a pure function of its options: the build epoch is passed in and used as every mtime,
 * entries come out sorted by path (UTF-8 byte order, so a parent directory always precedes its contents).
 */
import { DistrolessError } from '../errors.js';
import type { TarEntry } from '../tar/types.js';

/** One entry of a generated layer; `body` is present for files (and has exactly `entry.size` bytes). */
export interface LayerEntry {
  entry: TarEntry;
  body?: Buffer;
}

export const ROOT_UID = 0;
export const NOBODY_UID = 65534;
export const NONROOT_UID = 65532;

/** Throws unless `epoch` is a whole, non-negative number of seconds. */
export function assertEpoch(epoch: number): void {
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new DistrolessError('INTERNAL', `build epoch must be a non-negative whole number of seconds, got ${epoch}`);
  }
}

export function dirEntry(path: string, epoch: number, mode = 0o755, owner = ROOT_UID): LayerEntry {
  return { entry: { path, type: 'directory', mode, uid: owner, gid: owner, mtime: epoch, size: 0 } };
}

export function fileEntry(path: string, body: Buffer, epoch: number, mode = 0o644): LayerEntry {
  return { entry: { path, type: 'file', mode, uid: ROOT_UID, gid: ROOT_UID, mtime: epoch, size: body.length }, body };
}

export function symlinkEntry(path: string, target: string, epoch: number): LayerEntry {
  return {
    entry: { path, type: 'symlink', mode: 0o777, uid: ROOT_UID, gid: ROOT_UID, mtime: epoch, size: 0, linkname: target },
  };
}

/** Byte-wise comparison of the UTF-8 encodings (what `LC_ALL=C sort` does), not JS's UTF-16 order. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Adds a root-owned 0755 directory entry for every missing ancestor of every entry, then sorts by path.
 * Two entries with the same path are a bug in the caller and throw.
 */
export function withParentsSorted(entries: readonly LayerEntry[], epoch: number): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const e of entries) {
    if (byPath.has(e.entry.path)) throw new DistrolessError('INTERNAL', `generated layer lists ${e.entry.path} twice`);
    byPath.set(e.entry.path, e);
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!byPath.has(parent)) byPath.set(parent, dirEntry(parent, epoch));
    }
  }
  return [...byPath.values()].sort((a, b) => compareBytes(a.entry.path, b.entry.path));
}

export interface BaseFilesystemOptions {
  /** Build epoch in seconds: the mtime of every entry. */
  epoch: number;
}

export interface OsReleaseLayerOptions {
  /** Build epoch in seconds: the mtime of every entry. */
  epoch: number;
  /** The distribution's VERSION_ID, e.g. "12" (the config's `version`). */
  versionId: string;
  /** The release codename, e.g. "bookworm". */
  codename: string;
  /** Default "Distroless". */
  prettyName?: string;
  /** URLs written into os-release; default Debian's own. */
  homeUrl?: string;
  supportUrl?: string;
  bugReportUrl?: string;
  /**
   * Also emit `/etc/os-release -> ../usr/lib/os-release`. Off by default: base-files ships that symlink
   * itself in Debian 12 and 13 (checked with `dpkg-deb -c base-files_12.4+deb12u15_amd64.deb`), so the file
   * the link reaches is ours once this layer lies above base-files.
   */
  etcOsReleaseLink?: boolean;
}

export const PASSWD = [
  'root:x:0:0:root:/root:/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
  'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin',
  '',
].join('\n');

/** In distroless' order (common/BUILD.bazel; its base/testdata/base.yaml checks the file byte for byte). */
export const GROUP = ['root:x:0:', 'nobody:x:65534:', 'tty:x:5:', 'staff:x:50:', 'nonroot:x:65532:', ''].join('\n');

/**
 * Byte for byte the file distroless ships (static/nsswitch.conf in GoogleContainerTools/distroless). Its
 * passwd/group/shadow use `compat`, which with no `+`/`-` lines reads the files exactly as `files` does.
 */
export const NSSWITCH_CONF = `# /etc/nsswitch.conf
#
# Example configuration of GNU Name Service Switch functionality.
# If you have the \`glibc-doc-reference' and \`info' packages installed, try:
# \`info libc "Name Service Switch"' for information about this file.

passwd:         compat
group:          compat
shadow:         compat
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
`;

/** A value that may appear between double quotes in os-release (no quote, backslash, `$`, backtick, newline). */
const OS_RELEASE_SAFE = /^[^"\\$`\n]*$/;

export type OsReleaseOptions = Pick<
  OsReleaseLayerOptions,
  'versionId' | 'codename' | 'prettyName' | 'homeUrl' | 'supportUrl' | 'bugReportUrl'
>;

/** The os-release file: distroless' keys and values, plus Debian's VERSION_CODENAME (scanners use it). */
export function osRelease(opts: OsReleaseOptions): string {
  const lines: Array<[string, string, boolean]> = [
    ['PRETTY_NAME', opts.prettyName ?? 'Distroless', true],
    ['NAME', 'Debian GNU/Linux', true],
    ['ID', 'debian', false],
    ['VERSION_ID', opts.versionId, true],
    ['VERSION', `Debian GNU/Linux ${opts.versionId} (${opts.codename})`, true],
    ['VERSION_CODENAME', opts.codename, false],
    ['HOME_URL', opts.homeUrl ?? 'https://www.debian.org/', true],
    ['SUPPORT_URL', opts.supportUrl ?? 'https://www.debian.org/support', true],
    ['BUG_REPORT_URL', opts.bugReportUrl ?? 'https://bugs.debian.org/', true],
  ];
  const bad = lines.filter(([, v]) => !OS_RELEASE_SAFE.test(v)).map(([k]) => k);
  if (!/^[0-9][0-9.]*$/.test(opts.versionId)) bad.push('VERSION_ID');
  if (!/^[a-z][a-z0-9-]*$/.test(opts.codename)) bad.push('VERSION_CODENAME');
  if (bad.length > 0) throw new DistrolessError('INTERNAL', `invalid os-release value for ${bad.join(', ')}`);
  return lines.map(([k, v, quoted]) => (quoted ? `${k}="${v}"` : `${k}=${v}`)).join('\n') + '\n';
}

/** The generated base layer, sorted by path (parents etc and home included, root-owned 0755). */
export function baseFilesystemEntries(opts: BaseFilesystemOptions): LayerEntry[] {
  const { epoch } = opts;
  assertEpoch(epoch);
  const text = (s: string): Buffer => Buffer.from(s, 'utf8');
  const entries: LayerEntry[] = [
    fileEntry('etc/passwd', text(PASSWD), epoch),
    fileEntry('etc/group', text(GROUP), epoch),
    fileEntry('etc/nsswitch.conf', text(NSSWITCH_CONF), epoch),
    dirEntry('root', epoch, 0o700),
    dirEntry('home', epoch, 0o755),
    dirEntry('home/nonroot', epoch, 0o700, NONROOT_UID),
    dirEntry('tmp', epoch, 0o1777),
  ];
  return withParentsSorted(entries, epoch);
}

/** The os-release layer (`usr/lib/os-release`, 0644, with usr and usr/lib), to go above the package layers. */
export function osReleaseEntries(opts: OsReleaseLayerOptions): LayerEntry[] {
  const { epoch } = opts;
  assertEpoch(epoch);
  const entries: LayerEntry[] = [fileEntry('usr/lib/os-release', Buffer.from(osRelease(opts), 'utf8'), epoch)];
  if (opts.etcOsReleaseLink === true) entries.push(symlinkEntry('etc/os-release', '../usr/lib/os-release', epoch));
  return withParentsSorted(entries, epoch);
}
