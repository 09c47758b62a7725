/**
 * The locale layer of images whose env sets LANG (python3, java17: `LANG=C.UTF-8`): glibc's compiled C.UTF-8
 * locale, `usr/lib/locale/C.utf8/**`, copied out of the locked libc-bin .deb with its copyright file, as
 * distroless does (rules_distroless `locale`, charset C.utf8). libc-bin's programs are not copied and no
 * status.d entry is written: the package is not installed, only its locale data is used.
 *
 * Without it glibc falls back to the C locale: Java's default charset and `sun.jnu.encoding` become
 * ANSI_X3.4-1968 (non-ASCII file names throw InvalidPathException) and Python's
 * `locale.setlocale(LC_ALL, "")` raises "unsupported locale setting".
 *
 * Checked with `dpkg-deb -c libc-bin_2.36-9+deb12u14_amd64.deb`: the directory holds only regular files
 * (LC_* and LC_MESSAGES/SYS_LC_MESSAGES), 0644; trixie's libc-bin keeps the same path.
 */
import { DistrolessError } from '../errors.js';
import { normalizePackagePath } from './cacerts.js';
import { assertEpoch, fileEntry, withParentsSorted, type LayerEntry } from './generated.js';

/** Images whose env sets LANG get the locale layer (README "What is in the images"). */
export function needsLocale(env: Readonly<Record<string, string>>): boolean {
  return env['LANG'] !== undefined;
}

/** The charset directory distroless copies. */
export const LOCALE_DIR = 'usr/lib/locale/C.utf8/';

/** Whether a data.tar path (after `./`) belongs in the locale layer of package `pkg`. */
export function isLocaleFile(path: string, pkg: string): boolean {
  return path.startsWith(LOCALE_DIR) || path === `usr/share/doc/${pkg}/copyright`;
}

export interface LocaleEntriesOptions {
  /** The locale package's name (libc-bin): its copyright file is `usr/share/doc/<pkg>/copyright`. */
  pkg: string;
  /** Regular files captured from its data.tar, path → bytes (other paths are ignored). */
  files: ReadonlyMap<string, Buffer>;
  /** Build epoch in seconds: every mtime. */
  epoch: number;
}

/** The locale files (0644), the copyright and their parent directories (0755), sorted by path. */
export function localeEntries(opts: LocaleEntriesOptions): LayerEntry[] {
  const { epoch, pkg } = opts;
  assertEpoch(epoch);
  const entries: LayerEntry[] = [];
  for (const [raw, data] of opts.files) {
    const path = normalizePackagePath(raw);
    if (isLocaleFile(path, pkg)) entries.push(fileEntry(path, data, epoch, 0o644));
  }
  // LC_CTYPE is what makes the charset UTF-8; without it the directory is not a locale glibc can load.
  if (!entries.some((e) => e.entry.path === `${LOCALE_DIR}LC_CTYPE`))
    throw new DistrolessError('DEB_INVALID', `${pkg}: no ${LOCALE_DIR}LC_CTYPE in its data.tar`);
  return withParentsSorted(entries, epoch);
}
