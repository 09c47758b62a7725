/**
 * The busybox layer of debug images: `/busybox/busybox` (Debian's busybox-static `bin/busybox`) and one link
 * per applet in `/busybox`, pointing at `/busybox/busybox` as distroless' links do
 * (experimental/busybox/commands.bzl). The builder cannot run an arm64 or s390x binary to ask it for its
 * applets (`busybox --list`), so it reads them from the binary itself: BusyBox keeps every applet name in one
 * sorted, NUL-separated string (`applet_names`, from applet_tables.c) that starts with "[" and "[[" when
 * `test` is built in. The list therefore always matches the locked binary, whatever its version.
 */
import { DistrolessError } from '../errors.js';
import { assertEpoch, dirEntry, fileEntry, symlinkEntry, withParentsSorted, type LayerEntry } from './generated.js';

export const BUSYBOX_DIR = 'busybox';
export const BUSYBOX_BINARY_PATH = 'busybox/busybox';
/** Link target of every applet (absolute, like distroless). */
export const BUSYBOX_LINK_TARGET = '/busybox/busybox';
/**
 * Paths of the binary inside the busybox-static .deb's data.tar (after `./`): Debian 12 ships `bin/busybox`,
 * Debian 13 (merged /usr) `usr/bin/busybox`. The first one present wins.
 */
export const BUSYBOX_DEB_PATHS: readonly string[] = ['bin/busybox', 'usr/bin/busybox'];

export interface BusyboxEntriesOptions {
  /** The bytes of the busybox binary from the busybox-static .deb (one of BUSYBOX_DEB_PATHS). */
  binary: Buffer;
  /** Build epoch in seconds: every mtime. */
  epoch: number;
  /** Applet names; default: read from the binary (`appletNames`). `busybox` itself is the binary, not a link. */
  applets?: readonly string[];
}

const TABLE_START = Buffer.from('[\0[[\0', 'latin1');

/** The applet names compiled into a busybox binary (see the header comment); DEB_INVALID when none are found. */
export function appletNames(binary: Buffer): string[] {
  const start = binary.indexOf(TABLE_START);
  if (start < 0) throw new DistrolessError('DEB_INVALID', 'busybox: no applet name table in the binary');
  const names: string[] = [];
  for (let at = start; ; ) {
    const end = binary.indexOf(0, at);
    if (end === at || end < 0) break;
    names.push(binary.subarray(at, end).toString('latin1'));
    at = end + 1;
  }
  const sorted = names.every((n, i) => i === 0 || (names[i - 1] as string) < n);
  if (names.length < 3 || !sorted) throw new DistrolessError('DEB_INVALID', 'busybox: the applet name table does not look like one');
  return names;
}

/** Rejects names that are not a single path component; duplicates too. */
function checkApplets(applets: readonly string[]): void {
  const bad = applets.filter((a) => a === '' || a === '.' || a === '..' || a.includes('/') || a.includes('\0'));
  if (bad.length > 0) throw new DistrolessError('DEB_INVALID', `invalid busybox applet names: ${bad.slice(0, 5).join(', ')}`);
  const seen = new Set<string>();
  for (const a of applets) {
    if (seen.has(a)) throw new DistrolessError('DEB_INVALID', `busybox applet listed twice: ${a}`);
    seen.add(a);
  }
}

/** `busybox` (0755), `busybox/busybox` (0755) and the applet links, sorted by path. */
export function busyboxEntries(opts: BusyboxEntriesOptions): LayerEntry[] {
  const { epoch, binary } = opts;
  assertEpoch(epoch);
  if (binary.length === 0) throw new DistrolessError('DEB_INVALID', 'busybox binary is empty');
  const applets = opts.applets ?? appletNames(binary);
  checkApplets(applets);
  const entries: LayerEntry[] = [dirEntry(BUSYBOX_DIR, epoch, 0o755), fileEntry(BUSYBOX_BINARY_PATH, binary, epoch, 0o755)];
  for (const applet of applets) {
    if (applet !== 'busybox') entries.push(symlinkEntry(`${BUSYBOX_DIR}/${applet}`, BUSYBOX_LINK_TARGET, epoch));
  }
  return withParentsSorted(entries, epoch);
}
