/**
 * The Release file (the signed part of InRelease): one deb822 stanza naming the suite, its dates and the
 * size and SHA256 of every index below `dists/<suite>/`. Parsing is pure; `checkRelease` applies the rules
 * apt applies (Valid-Until, a Date not in the future, the suite we asked for) against a `now` passed in.
 */
import { DistrolessError } from '../errors.js';

export interface ReleaseEntry {
  /** Path relative to `dists/<suite>/`, e.g. `main/binary-amd64/Packages.xz`. */
  path: string;
  size: number;
  sha256: string;
}

export interface Release {
  origin: string;
  label: string;
  suite: string;
  codename: string;
  version: string;
  date: Date;
  validUntil: Date | undefined;
  /** Empty when the field is absent (then no architecture is assumed missing). */
  architectures: string[];
  components: string[];
  acquireByHash: boolean;
  /** SHA256 entries by path. */
  sha256: ReadonlyMap<string, ReleaseEntry>;
}

export interface ReleaseCheck {
  /** The suite asked for: must equal the Release's `Suite` or `Codename`. */
  suite: string;
  now: Date;
  /** Where the Release came from: named in errors. */
  source: string;
  /** How far `Date` may be ahead of `now` (clock skew); default 5 minutes. */
  maxFutureSkewMs?: number;
}

const DEFAULT_FUTURE_SKEW_MS = 5 * 60 * 1000;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const RFC2822 =
  /^(?:[A-Za-z]{3},\s+)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s+(UTC|GMT|Z|[+-]\d{4})$/;
const SHA256_LINE = /^([0-9a-fA-F]{64})\s+(\d+)\s+(\S+)$/;

/** Parses a Release date as written by dak and reprepro, e.g. `Sat, 11 Jul 2026 10:16:37 UTC`. */
export function parseReleaseDate(value: string): Date | undefined {
  const m = RFC2822.exec(value.trim());
  if (m === null) return undefined;
  const [, day, mon, year, hh, mm, ss, zone] = m;
  const month = MONTHS.indexOf((mon ?? '').toLowerCase());
  if (month < 0) return undefined;
  const local = new Date(Date.UTC(Number(year), month, Number(day), Number(hh), Number(mm), Number(ss ?? '0')));
  // Date.UTC rolls 31 Feb over into March, and 25:00 into the next day: refuse those.
  if (
    local.getUTCDate() !== Number(day) ||
    local.getUTCHours() !== Number(hh) ||
    local.getUTCMinutes() !== Number(mm)
  ) {
    return undefined;
  }
  if (zone === undefined || !/^[+-]\d{4}$/.test(zone)) return local;
  const offsetMin = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5));
  return new Date(local.getTime() - (zone.startsWith('-') ? -1 : 1) * offsetMin * 60_000);
}

/** Splits one deb822 stanza into lower-cased field names and values (continuation lines joined by `\n`). */
function splitFields(text: string, problems: string[]): Map<string, string> {
  const fields = new Map<string, string>();
  let current: string | undefined;
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') {
      if (fields.size > 0) current = undefined;
      continue;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current === undefined) problems.push(`line ${i + 1}: continuation line outside a field`);
      else fields.set(current, `${fields.get(current) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`line ${i + 1}: expected "Field: value"`);
      continue;
    }
    current = line.slice(0, colon).trim().toLowerCase();
    if (fields.has(current)) problems.push(`line ${i + 1}: field ${line.slice(0, colon)} repeated`);
    fields.set(current, line.slice(colon + 1).trim());
  }
  return fields;
}

function parseSha256(value: string | undefined, problems: string[]): Map<string, ReleaseEntry> {
  const entries = new Map<string, ReleaseEntry>();
  if (value === undefined) {
    problems.push('no SHA256 field');
    return entries;
  }
  for (const line of value.split('\n')) {
    if (line === '') continue;
    const m = SHA256_LINE.exec(line);
    if (m === null || m[1] === undefined || m[2] === undefined || m[3] === undefined) {
      problems.push(`SHA256: malformed line "${line.slice(0, 120)}"`);
      continue;
    }
    entries.set(m[3], { path: m[3], size: Number(m[2]), sha256: m[1].toLowerCase() });
  }
  return entries;
}

function parseDateField(fields: Map<string, string>, name: string, problems: string[]): Date | undefined {
  const raw = fields.get(name.toLowerCase());
  if (raw === undefined) return undefined;
  const date = parseReleaseDate(raw);
  if (date === undefined) problems.push(`${name}: cannot read date "${raw}"`);
  return date;
}

const words = (value: string | undefined): string[] => (value ?? '').split(/\s+/).filter((w) => w !== '');

/** Parses Release text; collects every problem and throws one RELEASE_INVALID naming `source`. */
export function parseRelease(text: string, source: string): Release {
  const problems: string[] = [];
  const fields = splitFields(text, problems);
  const date = parseDateField(fields, 'Date', problems);
  if (!fields.has('date')) problems.push('no Date field');
  const validUntil = parseDateField(fields, 'Valid-Until', problems);
  const suite = fields.get('suite') ?? '';
  const codename = fields.get('codename') ?? '';
  if (suite === '' && codename === '') problems.push('neither Suite nor Codename is set');
  const sha256 = parseSha256(fields.get('sha256'), problems);
  if (problems.length > 0 || date === undefined) {
    throw new DistrolessError('RELEASE_INVALID', `${source}: invalid Release file: ${problems[0] ?? 'no Date'}`, {
      details: problems,
    });
  }
  return {
    origin: fields.get('origin') ?? '',
    label: fields.get('label') ?? '',
    suite,
    codename,
    version: fields.get('version') ?? '',
    date,
    validUntil,
    architectures: words(fields.get('architectures')),
    components: words(fields.get('components')),
    acquireByHash: (fields.get('acquire-by-hash') ?? '').toLowerCase() === 'yes',
    sha256,
  };
}

/** Applies apt's freshness and identity rules; throws RELEASE_EXPIRED or RELEASE_INVALID naming the source. */
export function checkRelease(release: Release, check: ReleaseCheck): void {
  const { source, now } = check;
  if (release.suite !== check.suite && release.codename !== check.suite) {
    throw new DistrolessError(
      'RELEASE_INVALID',
      `${source}: Release is for suite "${release.suite}" (codename "${release.codename}"), expected "${check.suite}"`,
    );
  }
  const skew = check.maxFutureSkewMs ?? DEFAULT_FUTURE_SKEW_MS;
  if (release.date.getTime() > now.getTime() + skew) {
    throw new DistrolessError(
      'RELEASE_INVALID',
      `${source}: Release Date ${iso(release.date)} is in the future (now ${iso(now)})`,
    );
  }
  if (release.validUntil !== undefined) {
    if (release.validUntil.getTime() < release.date.getTime()) {
      throw new DistrolessError('RELEASE_INVALID', `${source}: Valid-Until ${iso(release.validUntil)} is before Date`);
    }
    if (now.getTime() > release.validUntil.getTime()) {
      throw new DistrolessError(
        'RELEASE_EXPIRED',
        `${source}: Release expired on ${iso(release.validUntil)} (Valid-Until; now ${iso(now)})`,
      );
    }
  }
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, 'Z');
}
