/**
 * Debian changelogs (Debian Policy 4.4, deb-changelog(5)): entries newest first, each
 *
 *   package (version) distribution(s); urgency=urgency
 *
 *     * change details
 *
 *    -- Maintainer Name <email>  Date
 *
 * Only what the update PR shows is kept: version, distributions, urgency, the change lines, the trailer.
 * Very old changelogs end in free-form text ("Old Changelog:", Emacs local variables): parsing stops at the
 * first line that is neither a header nor inside an entry, and callers only read the newest entries anyway.
 */
import { compareVersions } from './version.js';

export interface ChangelogEntry {
  source: string;
  version: string;
  distributions: string;
  /** `urgency=` value (lower case), '' when absent. */
  urgency: string;
  /** The change lines between header and trailer, blank lines at both ends removed, trailing spaces trimmed. */
  lines: string[];
  /** The trailer's maintainer and date ('' when the entry has no trailer). */
  maintainer: string;
  date: string;
}

const HEADER = /^(\S+) \(([^()\s]+)\) ([^;]*);(.*)$/;
const TRAILER = /^ -- (.*?)\s{2}(\S.*)$/;

/** Parses a whole changelog (decompressed text); entries in file order (newest first). */
export function parseChangelog(text: string): ChangelogEntry[] {
  const entries: ChangelogEntry[] = [];
  let current: ChangelogEntry | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    const header = HEADER.exec(line);
    if (header && (current === undefined || current.date !== '')) {
      current = {
        source: header[1] ?? '',
        version: header[2] ?? '',
        distributions: (header[3] ?? '').trim(),
        urgency: /(?:^|[\s,])urgency=([^\s,]+)/i.exec(header[4] ?? '')?.[1]?.toLowerCase() ?? '',
        lines: [],
        maintainer: '',
        date: '',
      };
      entries.push(current);
      continue;
    }
    if (current === undefined) {
      if (line === '') continue;
      break; // not a changelog
    }
    if (current.date !== '') {
      if (line === '') continue;
      break; // free text after the last entry
    }
    const trailer = TRAILER.exec(line);
    if (trailer) {
      current.maintainer = trailer[1] ?? '';
      current.date = trailer[2] ?? '';
      trimBlank(current.lines);
      continue;
    }
    current.lines.push(line);
  }
  if (current && current.date === '') trimBlank(current.lines);
  return entries;
}

/**
 * The entries newer than `old` by dpkg version order, newest first: taken from the top while their version
 * is greater than `old`, so an entry at or below it and everything after it is left out.
 */
export function entriesNewerThan(entries: readonly ChangelogEntry[], old: string): ChangelogEntry[] {
  const out: ChangelogEntry[] = [];
  for (const e of entries) {
    let newer: boolean;
    try {
      newer = compareVersions(e.version, old) > 0;
    } catch {
      break; // an unparsable version: stop rather than guess where it belongs
    }
    if (!newer) break;
    out.push(e);
  }
  return out;
}

const CVE = /\bCVE-\d{4}-\d{4,}\b/g;

/** Every distinct `CVE-YYYY-N` id in the entries, in order of first appearance. */
export function cvesOf(entries: readonly ChangelogEntry[]): string[] {
  const seen = new Set<string>();
  for (const e of entries) for (const line of e.lines) for (const m of line.matchAll(CVE)) seen.add(m[0]);
  return [...seen];
}

function trimBlank(lines: string[]): void {
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
}
