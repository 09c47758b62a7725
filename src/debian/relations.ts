/**
 * Relationship fields (Depends, Pre-Depends, Provides, …; Debian Policy 7.1):
 *
 *   group ("," group)*      group = alternative ("|" alternative)*
 *   alternative = name[":" qualifier] ["(" op version ")"] ["[" archs "]"] ["<" profiles ">"]*
 *
 * Architecture restriction lists and build profiles only occur in source packages; they are skipped here
 * (binary Packages indices never carry them). The obsolete operators `<` and `>` mean `<=` and `>=`
 * (Policy 7.1) and are normalised. Whitespace, including folded lines, is insignificant.
 */
import { DistrolessError } from '../errors.js';
import { own } from './deb822.js';
import type { Relation, RelationGroup, RelationOp } from './types.js';

const OPS: Record<string, RelationOp> = {
  '<<': '<<',
  '<=': '<=',
  '=': '=',
  '>=': '>=',
  '>>': '>>',
  '<': '<=',
  '>': '>=',
};
const NAME_RE = /^[a-z0-9][a-z0-9+.-]*$/i;

/** Parses a relationship field into its groups of alternatives. '' gives []. */
export function parseRelations(field: string): RelationGroup[] {
  const groups: RelationGroup[] = [];
  for (const part of field.split(',')) {
    if (part.trim() === '') continue; // tolerate a trailing or doubled comma
    groups.push(part.split('|').map((alt) => parseRelation(alt, field)));
  }
  return groups;
}

/** Parses one alternative, e.g. `libc6 (>= 2.36)`, `python3:any`, `foo (= 1.0) [amd64] <!nocheck>`. */
export function parseRelation(text: string, field = text): Relation {
  let s = stripRestrictions(text, field).trim();
  let op: RelationOp | undefined;
  let version: string | undefined;
  const paren = s.indexOf('(');
  if (paren >= 0) {
    const close = s.indexOf(')', paren);
    if (close < 0 || s.slice(close + 1).trim() !== '') throw bad(field, text, 'unbalanced "("');
    [op, version] = parseConstraint(s.slice(paren + 1, close), field, text);
    s = s.slice(0, paren).trim();
  }
  let name = s;
  let archQualifier: string | undefined;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    name = s.slice(0, colon);
    archQualifier = s.slice(colon + 1);
    if (archQualifier === '') throw bad(field, text, 'empty architecture qualifier');
  }
  if (!NAME_RE.test(name)) throw bad(field, text, `"${name}" is not a package name`);
  const rel: Relation = { name };
  if (archQualifier !== undefined) rel.archQualifier = archQualifier;
  if (op !== undefined && version !== undefined) {
    rel.op = op;
    rel.version = version;
  }
  return rel;
}

/** `>= 1.2` → ['>=', '1.2']. */
function parseConstraint(inner: string, field: string, text: string): [RelationOp, string] {
  const t = inner.trim();
  let opLen = 0;
  while (opLen < t.length && opLen < 2 && '<>='.includes(t.charAt(opLen))) opLen++;
  const op = OPS[t.slice(0, opLen)];
  const version = t.slice(opLen).trim();
  if (op === undefined) throw bad(field, text, `unknown operator in "(${inner})"`);
  if (version === '' || /\s/.test(version)) throw bad(field, text, `bad version in "(${inner})"`);
  return [op, version];
}

/** Removes `[arch list]` and `<profile list>` parts (never present in binary indices). */
function stripRestrictions(text: string, field: string): string {
  let s = text;
  for (const [open, close] of [
    ['[', ']'],
    ['<', '>'],
  ] as const) {
    for (;;) {
      const i = s.indexOf(open, open === '<' ? Math.max(0, s.indexOf(')') + 1) : 0);
      if (i < 0) break;
      const j = s.indexOf(close, i);
      if (j < 0) throw bad(field, text, `unbalanced "${open}"`);
      s = s.slice(0, i) + s.slice(j + 1);
    }
  }
  return s;
}

/** Renders a relation as in a control file, e.g. `libc6 (>= 2.36)`, `python3:any`. */
export function formatRelation(rel: Relation): string {
  const name = rel.archQualifier === undefined ? rel.name : `${rel.name}:${rel.archQualifier}`;
  return rel.op === undefined || rel.version === undefined ? name : `${name} (${rel.op} ${rel.version})`;
}

/** Renders a group of alternatives, e.g. `debconf (>= 0.5) | debconf-2.0`. */
export function formatGroup(group: RelationGroup): string {
  return group.map(formatRelation).join(' | ');
}

function bad(field: string, text: string, why: string): DistrolessError {
  return new DistrolessError('PARSE', `relation "${text.trim()}" in "${field.trim()}": ${why}`);
}

const COMMA = 0x2c;
const PIPE = 0x7c;
const COLON = 0x3a;

/** Characters that end a package name in a relation: whitespace, `,`, `|`, `(`, `[`, `<`, `:`. */
function endsName(c: number): boolean {
  return c <= 0x20 || c === COMMA || c === PIPE || c === 0x28 || c === 0x5b || c === 0x3c || c === COLON;
}

/**
 * Appends the target names of a relation field to `out` (those not in `seen`), in field order, without
 * building Relation objects. Like apt's cache generator, `name:any` is left out (apt registers a pseudo
 * package for it) and `name:native` / `name:<arch>` count as `name`.
 */
export function collectRelationNames(field: string, arch: string, seen: Set<string>, out: string[]): void {
  const n = field.length;
  let i = 0;
  while (i < n) {
    let c = field.charCodeAt(i);
    if (c <= 0x20 || c === COMMA || c === PIPE) {
      i++;
      continue;
    }
    const start = i;
    while (i < n && !endsName(field.charCodeAt(i))) i++;
    const name = field.slice(start, i);
    let keep = true;
    if (field.charCodeAt(i) === COLON) {
      const q = i + 1;
      while (i < n && !endsName(field.charCodeAt(i + 1))) i++;
      i++;
      const qualifier = field.slice(q, i);
      keep = qualifier === 'native' || qualifier === arch;
    }
    // Skip the rest of this alternative: version, arch list, profiles.
    while (i < n && (c = field.charCodeAt(i)) !== COMMA && c !== PIPE) i++;
    if (keep && name !== '' && !seen.has(name)) {
      // A copy, not a view: `name` is a slice of the index text, which must not stay alive (see own()).
      const copy = own(name);
      seen.add(copy);
      out.push(copy);
    }
  }
}

/**
 * Memoises `parseRelations`: the same field strings repeat thousands of times in an index (e.g.
 * `libc6 (>= 2.34)`). The returned arrays are shared: treat them as read-only.
 */
export class RelationCache {
  private readonly cache = new Map<string, readonly RelationGroup[]>();

  get(field: string): readonly RelationGroup[] {
    if (field === '') return EMPTY;
    let groups = this.cache.get(field);
    if (groups === undefined) {
      groups = parseRelations(field);
      this.cache.set(field, groups);
    }
    return groups;
  }

  get size(): number {
    return this.cache.size;
  }
}

const EMPTY: readonly RelationGroup[] = Object.freeze([]);
