/**
 * Debian version comparison, exactly as dpkg does it (Debian Policy 5.6.12; dpkg lib/dpkg/version.c).
 *
 * A version is `[epoch:]upstream[-revision]`: the epoch is the part before the first ':', the revision the
 * part after the last '-'. Epochs compare as numbers; upstream and revision with dpkg's `verrevcmp`:
 * alternating non-digit runs (compared char by char: '~' before everything, even the end of the string,
 * then the end, then letters, then any other character) and digit runs (compared as numbers, so leading
 * zeros do not count). A missing revision equals "0" (`1.0` = `1.0-0`), as in dpkg.
 */
import type { RelationOp } from './types.js';

export interface ParsedVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

/** Splits a version into its parts. Malformed epochs (non-digits) count as 0, as the comparison is lenient. */
export function parseVersion(version: string): ParsedVersion {
  const v = version.trim();
  const colon = v.indexOf(':');
  let epoch = 0;
  let rest = v;
  if (colon >= 0) {
    const e = v.slice(0, colon);
    epoch = /^[0-9]+$/.test(e) ? Number(e) : 0;
    rest = v.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return { epoch, upstream: rest, revision: '' };
  return { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}

/** dpkg's order of a single character; `NaN` (past the end) counts as the end. */
function order(c: number): number {
  if (c >= 0x30 && c <= 0x39) return 0; // digit
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return c; // letter
  if (c === 0x7e) return -1; // ~
  if (c !== c) return 0; // end of string (charCodeAt past the end is NaN)
  return c + 256;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** dpkg's verrevcmp on two upstream or two revision strings. */
export function compareFragments(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    while ((i < la && !isDigit(a.charCodeAt(i))) || (j < lb && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a.charCodeAt(i));
      const bc = order(b.charCodeAt(j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 0x30) i++;
    while (b.charCodeAt(j) === 0x30) j++;
    let firstDiff = 0;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Compares two Debian versions: -1, 0 or 1, like `dpkg --compare-versions`. */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch < vb.epoch ? -1 : 1;
  const up = compareFragments(va.upstream, vb.upstream);
  if (up !== 0) return Math.sign(up);
  return Math.sign(compareFragments(va.revision, vb.revision));
}

/** True when `version` satisfies the relation `op target` (e.g. `satisfies('1.2', '>=', '1.0')`). */
export function satisfies(version: string, op: RelationOp, target: string): boolean {
  const c = compareVersions(version, target);
  switch (op) {
    case '<<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '=':
      return c === 0;
    case '>=':
      return c >= 0;
    case '>>':
      return c > 0;
  }
}
