/**
 * A fast reader for binary `Packages` indices (50 MB, 63,440 stanzas for bookworm main amd64).
 *
 * It walks the text line by line with `indexOf('\n')`, recognises only the fields it needs by comparing
 * character codes in place (field names case-insensitively, through a table keyed by the first letter),
 * and slices just their values: no regex per line, no map of all fields per stanza. Continuation lines of
 * skipped fields (Description) are stepped over; a folded value of a kept field is joined with '\n'. The
 * first occurrence of a field in a stanza wins.
 */
import { Buffer } from 'node:buffer';
import { DistrolessError } from '../errors.js';
import { isBlank, own } from './deb822.js';
import { collectRelationNames } from './relations.js';
import { FieldArena, packFields, type PackedFields, StoredPackage } from './stored-package.js';
import type { LocatedPackage, PackageRecord, SuiteRef } from './types.js';

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const COLON = 0x3a;
const SHA256_RE = /^[0-9a-f]{64}$/;
/** Bytes decoded into one string at a time by PackagesReader.write. */
const PIECE = 32 * 1024;

// Slots of the per-stanza value array.
const NAME = 0,
  VERSION = 1,
  ARCH = 2,
  SOURCE = 3,
  DEPENDS = 4,
  PRE_DEPENDS = 5,
  PROVIDES = 6,
  MULTI_ARCH = 7;
const FILENAME = 8,
  SIZE = 9,
  SHA256 = 10,
  ESSENTIAL = 11,
  IMPORTANT = 12,
  PROTECTED = 13,
  PRIORITY = 14;
// Only read when collecting names (see ParseOptions.names), in apt's order after Pre-Depends and Depends.
const CONFLICTS = 15,
  BREAKS = 16,
  RECOMMENDS = 17,
  SUGGESTS = 18,
  REPLACES = 19,
  ENHANCES = 20;
const SLOTS = 21;

const RECORD_FIELDS: [string, number][] = [
  ['package', NAME],
  ['version', VERSION],
  ['architecture', ARCH],
  ['source', SOURCE],
  ['depends', DEPENDS],
  ['pre-depends', PRE_DEPENDS],
  ['provides', PROVIDES],
  ['multi-arch', MULTI_ARCH],
  ['filename', FILENAME],
  ['size', SIZE],
  ['sha256', SHA256],
  ['essential', ESSENTIAL],
  ['important', IMPORTANT],
  ['protected', PROTECTED],
  ['priority', PRIORITY],
];
const NAME_FIELDS: [string, number][] = [
  ['conflicts', CONFLICTS],
  ['breaks', BREAKS],
  ['recommends', RECOMMENDS],
  ['suggests', SUGGESTS],
  ['replaces', REPLACES],
  ['enhances', ENHANCES],
];
/** Relation fields in the order apt's list parser registers their targets. */
const APT_RELATION_ORDER = [PRE_DEPENDS, DEPENDS, CONFLICTS, BREAKS, RECOMMENDS, SUGGESTS, REPLACES, ENHANCES];

type FieldTable = ([string, number][] | undefined)[];

/** Field candidates by the lower-cased first letter of the line. */
function fieldTable(fields: [string, number][]): FieldTable {
  const table: FieldTable = [];
  for (const field of fields) {
    const c = field[0].charCodeAt(0);
    (table[c] ??= []).push(field);
  }
  return table;
}

const RECORD_TABLE = fieldTable(RECORD_FIELDS);
const NAMES_TABLE = fieldTable([...RECORD_FIELDS, ...NAME_FIELDS]);

export interface ParseOptions {
  /**
   * When given, every package name the index mentions is appended here once, in the order apt's cache
   * generator registers packages: per stanza the Package, then the targets of Pre-Depends, Depends,
   * Conflicts, Breaks, Recommends, Suggests, Replaces, Enhances, then Provides (`name:any` targets are
   * apt pseudo packages and left out). apt breaks ties between equally ranked providers by this order;
   * pass it on as UniverseSource.names. Costs about a third more parse time.
   */
  names?: string[];
  /** Where the index comes from: each record carries it (a LocatedPackage, as a Universe keeps it). */
  origin?: SuiteRef;
  /**
   * With `origin`: return StoredPackage records, whose fields other than name, version, architecture,
   * Provides and Multi-Arch are packed outside V8's heap (see stored-package.ts). For whole indices held
   * for resolution; the records read exactly like plain ones.
   */
  compact?: boolean;
}

/**
 * Parses a whole Packages index. `what` names the index in error messages (e.g. its URL).
 *
 * Bytes (as they come out of the decompressor) are decoded as latin1: every field read here is ASCII by
 * policy (names, versions, relations, pool paths, hashes), latin1 decoding is about twice as fast as
 * UTF-8 and gives a one-byte string (half the memory, faster scanning); only skipped fields
 * (Description, Maintainer) may hold other UTF-8 text.
 *
 * Throws DistrolessError('PARSE') when a stanza lacks Package, Version, Architecture, Filename, Size or
 * SHA256, or when Size / SHA256 are malformed.
 */
export function parsePackagesIndex(
  index: string | Uint8Array,
  what = 'Packages index',
  options: ParseOptions = {},
): PackageRecord[] {
  const reader = new PackagesReader(what, options);
  reader.write(index);
  return reader.end();
}

/**
 * The same parser fed piece by piece, as a decompressor hands out its output: only the records and the
 * stanza cut by the last piece are held, never the whole index text (50–70 MB per arch). Pieces may split a
 * stanza, a line or a field anywhere; the records equal `parsePackagesIndex` of the joined text.
 */
export class PackagesReader {
  private readonly out: PackageRecord[] = [];
  private readonly vals: string[] = new Array<string>(SLOTS).fill('');
  private readonly collector: NameCollector | null;
  private readonly table: FieldTable;
  private readonly keep: Keep;
  private readonly store: Store;
  /** Text after the last complete stanza seen so far. */
  private pending = '';
  /** Offset in the whole index of `pending`'s first character (for error messages). */
  private offset = 0;

  constructor(
    private readonly what = 'Packages index',
    options: ParseOptions = {},
  ) {
    const names = options.names;
    this.collector = names === undefined ? null : { names, seen: new Set<string>(names), scanned: new Set<string>() };
    this.table = names === undefined ? RECORD_TABLE : NAMES_TABLE;
    const compact = options.compact === true && options.origin !== undefined;
    this.keep = { policy: compact ? COMPACT_POLICY : PLAIN_POLICY, shared: new Map() };
    this.store = { origin: options.origin, arena: compact ? new FieldArena() : undefined };
  }

  /** Parses every stanza completed by `piece` (bytes are read as latin1). */
  write(piece: string | Uint8Array): void {
    if (typeof piece === 'string') {
      this.take(piece);
      return;
    }
    // In pieces of at most PIECE bytes: V8 puts strings over 128 KiB in its large-object space, where the
    // garbage of a 60 MB index would pile up until a full collection; small ones die young and cheaply.
    const bytes = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    for (let at = 0; at < bytes.length; at += PIECE) this.take(bytes.toString('latin1', at, at + PIECE));
  }

  private take(chunk: string): void {
    const text = this.pending === '' ? chunk : this.pending + chunk;
    // Stanzas end at a blank line; '\n\n' is how every archive writes one. Blank lines holding spaces or a CR
    // only are still handled (readStanza), they just keep their stanzas pending until a later '\n\n' or end().
    const cut = text.lastIndexOf('\n\n');
    if (cut < 0) {
      this.pending = text;
      return;
    }
    this.parse(text.slice(0, cut + 2));
    this.offset += cut + 2;
    this.pending = text.slice(cut + 2);
  }

  /** Parses what is left and returns every record, in index order. */
  end(): PackageRecord[] {
    this.parse(this.pending);
    this.offset += this.pending.length;
    this.pending = '';
    return this.out;
  }

  private parse(text: string): void {
    const { vals, table, collector, out } = this;
    const len = text.length;
    let pos = 0;
    while (pos < len) {
      let end = text.indexOf('\n', pos);
      if (end < 0) end = len;
      if (isBlank(text, pos, end)) {
        pos = end + 1;
        continue;
      }
      vals.fill('');
      const start = pos;
      pos = readStanza(text, pos, vals, table, this.keep);
      const record = toRecord(vals, this.offset + start, this.what, this.store);
      out.push(record);
      if (collector !== null) registerNames(vals, record, collector);
    }
  }
}

/** Reads the stanza starting at `pos` into `vals`; returns the offset just after its last line. */
function readStanza(text: string, pos: number, vals: string[], table: FieldTable, keep: Keep): number {
  const len = text.length;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    const c = text.charCodeAt(pos);
    if (isBlank(text, pos, end)) return end + 1;
    if (c !== SPACE && c !== TAB) {
      const candidates = table[c | 0x20];
      if (candidates !== undefined) takeField(text, pos, end, vals, candidates, keep);
    }
    pos = end + 1;
  }
  return pos;
}

function takeField(
  text: string,
  pos: number,
  end: number,
  vals: string[],
  candidates: [string, number][],
  keep: Keep,
): void {
  for (const [lower, slot] of candidates) {
    if (vals[slot] === '' && is(text, pos, lower)) {
      const raw = value(text, pos + lower.length + 1, end);
      const how = keep.policy[slot];
      vals[slot] = how === VIEW ? raw : how === SHARE ? share(raw, keep.shared) : own(raw);
      return;
    }
  }
}

/** How a reader keeps values: its policy and its shared copies. */
interface Keep {
  policy: readonly number[];
  shared: Map<string, string>;
}

/** What a reader keeps of a field's value: a view into the text (used and dropped), a copy, a shared copy. */
const VIEW = 0,
  COPY = 1,
  SHARE = 2;

/**
 * Per slot. Values that recur across stanzas (`libc6 (>= 2.34)`, `amd64`, `optional`, a source's version) are
 * shared: the records hold one copy of each distinct value, which keeps a parsed index at about half the
 * memory. Compact readers pack most values into their arena at once, so views of those do.
 */
const PLAIN_POLICY: number[] = new Array<number>(SLOTS).fill(VIEW);
for (let slot = 0; slot < CONFLICTS; slot++) PLAIN_POLICY[slot] = COPY;
for (const slot of [VERSION, ARCH, SOURCE, DEPENDS, PRE_DEPENDS, PROVIDES, MULTI_ARCH, PRIORITY]) {
  PLAIN_POLICY[slot] = SHARE;
}
const COMPACT_POLICY: number[] = new Array<number>(SLOTS).fill(VIEW);
// Versions and Provides are mostly distinct within one index: a table of them would cost more than it saves.
for (const slot of [NAME, VERSION, PROVIDES]) COMPACT_POLICY[slot] = COPY;
for (const slot of [ARCH, MULTI_ARCH]) COMPACT_POLICY[slot] = SHARE;

function share(value: string, shared: Map<string, string>): string {
  if (value === '') return value;
  let copy = shared.get(value);
  if (copy === undefined) {
    copy = own(value);
    shared.set(copy, copy);
  }
  return copy;
}

/** True when the line at `pos` is the field `lower` (given in lower case) followed by ':'. */
function is(text: string, pos: number, lower: string): boolean {
  const n = lower.length;
  if (text.charCodeAt(pos + n) !== COLON) return false;
  for (let i = 0; i < n; i++) {
    if ((text.charCodeAt(pos + i) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The trimmed value starting at `from` on a line ending at `end`, plus any continuation lines: a view into
 * `text`. Values the records keep are copied out of it (`own`, `share`); values only scanned for names are not.
 */
function value(text: string, from: number, end: number): string {
  let s = from;
  while (s < end && isSpace(text.charCodeAt(s))) s++;
  let e = end;
  while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
  const first = text.slice(s, e);
  const c = text.charCodeAt(end + 1);
  return c !== SPACE && c !== TAB ? first : first + continuation(text, end + 1);
}

/** Joins the continuation lines starting at `pos` (each trimmed, prefixed by '\n'). */
function continuation(text: string, pos: number): string {
  let out = '';
  const len = text.length;
  while (pos < len) {
    const c = text.charCodeAt(pos);
    if (c !== SPACE && c !== TAB) break;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    if (isBlank(text, pos, end)) break;
    out += `\n${text.slice(pos, end).trim()}`;
    pos = end + 1;
  }
  return out;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === CR;
}

/** Name collection state for one parse: names seen, and relation field strings already scanned. */
interface NameCollector {
  names: string[];
  seen: Set<string>;
  /** Field strings recur thousands of times; a recently scanned one has registered its names already. */
  scanned: Set<string>;
}

function registerNames(vals: readonly string[], record: PackageRecord, c: NameCollector): void {
  if (!c.seen.has(record.name)) {
    c.seen.add(record.name);
    c.names.push(record.name);
  }
  for (const slot of APT_RELATION_ORDER) scan(vals[slot] ?? '', record.architecture, c);
  scan(record.provides, record.architecture, c);
}

function scan(field: string, arch: string, c: NameCollector): void {
  if (field === '' || c.scanned.has(field)) return;
  // A bounded memo: the commonest fields (`libc6 (>= 2.34)`) stay in it, and it never holds all ~100,000
  // distinct fields of an index (18 MB for trixie amd64).
  if (c.scanned.size >= SCANNED_MEMO) c.scanned.clear();
  c.scanned.add(own(field));
  collectRelationNames(field, arch, c.seen, c.names);
}

const SCANNED_MEMO = 4096;

/** Where records go: plain objects (with the origin when given) or StoredPackages in an arena. */
interface Store {
  origin: SuiteRef | undefined;
  arena: FieldArena | undefined;
}

function toRecord(vals: readonly string[], offset: number, what: string, store: Store): PackageRecord {
  const name = vals[NAME] ?? '';
  const missing = missingField(vals);
  if (missing !== null) {
    const who = name === '' ? `stanza at offset ${offset}` : `package "${name}" (offset ${offset})`;
    throw new DistrolessError('PARSE', `${what}: ${who} has no ${missing} field`);
  }
  const rawSize = vals[SIZE] ?? '';
  const size = parseSize(rawSize);
  if (size < 0) throw new DistrolessError('PARSE', `${what}: package "${name}": Size "${rawSize}" is not a number`);
  const rawSha = vals[SHA256] ?? '';
  let sha256 = rawSha;
  if (!SHA256_RE.test(sha256)) {
    sha256 = rawSha.toLowerCase();
    if (!SHA256_RE.test(sha256)) {
      throw new DistrolessError('PARSE', `${what}: package "${name}": SHA256 "${rawSha}" is not 64 hex digits`);
    }
  }
  const version = vals[VERSION] ?? '';
  const [source, sourceVersion] = splitSource(vals[SOURCE] ?? '', name, version);
  const architecture = vals[ARCH] ?? '';
  const provides = vals[PROVIDES] ?? '';
  const multiArch = lower(vals[MULTI_ARCH] ?? '');
  const cold: PackedFields = {
    source,
    sourceVersion,
    depends: vals[DEPENDS] ?? '',
    preDepends: vals[PRE_DEPENDS] ?? '',
    filename: vals[FILENAME] ?? '',
    size,
    sha256,
    essential: isYes(vals[ESSENTIAL] ?? ''),
    important: isYes(vals[IMPORTANT] ?? '') || isYes(vals[PROTECTED] ?? ''),
    priority: lower(vals[PRIORITY] ?? ''),
  };
  const { arena, origin } = store;
  if (arena !== undefined && origin !== undefined) {
    const packed = packFields(cold, { name, version, architecture });
    if (packed === undefined)
      throw new DistrolessError('PARSE', `${what}: package "${name}" has a NUL byte in a field`);
    return new StoredPackage(
      name,
      version,
      architecture,
      provides,
      multiArch,
      origin,
      arena,
      arena.put(packed),
      packed.length,
    );
  }
  const record: PackageRecord = { name, version, architecture, provides, multiArch, ...cold };
  return origin === undefined ? record : ({ ...record, origin } as LocatedPackage);
}

const REQUIRED: [number, string][] = [
  [NAME, 'Package'],
  [VERSION, 'Version'],
  [ARCH, 'Architecture'],
  [FILENAME, 'Filename'],
  [SIZE, 'Size'],
  [SHA256, 'SHA256'],
];

function missingField(vals: readonly string[]): string | null {
  for (const [slot, field] of REQUIRED) if (vals[slot] === '') return field;
  return null;
}

/** Decimal digits only; -1 otherwise. */
function parseSize(text: string): number {
  if (text.length === 0 || text.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** `Source: name (version)` → [name, version]; absent parts default to the binary's. */
function splitSource(field: string, name: string, version: string): [string, string] {
  if (field === '') return [name, version];
  const paren = field.indexOf('(');
  if (paren < 0) return [field, version];
  const close = field.indexOf(')', paren);
  const srcVersion = field.slice(paren + 1, close < 0 ? field.length : close).trim();
  return [field.slice(0, paren).trim(), srcVersion === '' ? version : srcVersion];
}

/** Lower-cases only when needed (these values are lower case in practice). */
function lower(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return text.toLowerCase();
  }
  return text;
}

function isYes(text: string): boolean {
  return text.length === 3 && text.toLowerCase() === 'yes';
}
