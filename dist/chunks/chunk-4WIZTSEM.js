import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  debianKeyring,
  directoryCache,
  fetchIndices,
  fetchRelease,
  listedIndexEntries
} from "./chunk-O64ZBYY3.js";
import {
  LOCKFILE_VERSION,
  RESOLVER_VERSION,
  lockfilePath,
  readLockfile,
  writeLockfiles
} from "./chunk-ZTTND34Q.js";
import {
  diffLockfiles,
  isEmptyDiff
} from "./chunk-DI5MK6QV.js";
import {
  configDigest
} from "./chunk-EO4ONWKL.js";
import {
  imageRequests
} from "./chunk-252KFN6C.js";
import {
  compareCodeUnits
} from "./chunk-K4BAZ34O.js";
import {
  createHttpClient
} from "./chunk-GTICI2R2.js";
import {
  mapLimit
} from "./chunk-BDURTKM7.js";
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/app/update.ts
import { join } from "node:path";

// src/debian/packages.ts
import { Buffer } from "node:buffer";

// src/debian/deb822.ts
var SPACE = 32;
var TAB = 9;
var CR = 13;
function isBlank(text, pos, end) {
  for (let i = pos; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== CR) return false;
  }
  return true;
}
function own(s) {
  return s.length < 13 ? s : (" " + s).slice(1);
}

// src/debian/relations.ts
var OPS = { "<<": "<<", "<=": "<=", "=": "=", ">=": ">=", ">>": ">>", "<": "<=", ">": ">=" };
var NAME_RE = /^[a-z0-9][a-z0-9+.-]*$/i;
function parseRelations(field) {
  const groups = [];
  for (const part of field.split(",")) {
    if (part.trim() === "") continue;
    groups.push(part.split("|").map((alt) => parseRelation(alt, field)));
  }
  return groups;
}
function parseRelation(text, field = text) {
  let s = stripRestrictions(text, field).trim();
  let op;
  let version;
  const paren = s.indexOf("(");
  if (paren >= 0) {
    const close = s.indexOf(")", paren);
    if (close < 0 || s.slice(close + 1).trim() !== "") throw bad(field, text, 'unbalanced "("');
    [op, version] = parseConstraint(s.slice(paren + 1, close), field, text);
    s = s.slice(0, paren).trim();
  }
  let name = s;
  let archQualifier;
  const colon = s.indexOf(":");
  if (colon >= 0) {
    name = s.slice(0, colon);
    archQualifier = s.slice(colon + 1);
    if (archQualifier === "") throw bad(field, text, "empty architecture qualifier");
  }
  if (!NAME_RE.test(name)) throw bad(field, text, `"${name}" is not a package name`);
  const rel = { name };
  if (archQualifier !== void 0) rel.archQualifier = archQualifier;
  if (op !== void 0 && version !== void 0) {
    rel.op = op;
    rel.version = version;
  }
  return rel;
}
function parseConstraint(inner, field, text) {
  const t = inner.trim();
  let opLen = 0;
  while (opLen < t.length && opLen < 2 && "<>=".includes(t.charAt(opLen))) opLen++;
  const op = OPS[t.slice(0, opLen)];
  const version = t.slice(opLen).trim();
  if (op === void 0) throw bad(field, text, `unknown operator in "(${inner})"`);
  if (version === "" || /\s/.test(version)) throw bad(field, text, `bad version in "(${inner})"`);
  return [op, version];
}
function stripRestrictions(text, field) {
  let s = text;
  for (const [open, close] of [["[", "]"], ["<", ">"]]) {
    for (; ; ) {
      const i = s.indexOf(open, open === "<" ? Math.max(0, s.indexOf(")") + 1) : 0);
      if (i < 0) break;
      const j = s.indexOf(close, i);
      if (j < 0) throw bad(field, text, `unbalanced "${open}"`);
      s = s.slice(0, i) + s.slice(j + 1);
    }
  }
  return s;
}
function formatRelation(rel) {
  const name = rel.archQualifier === void 0 ? rel.name : `${rel.name}:${rel.archQualifier}`;
  return rel.op === void 0 || rel.version === void 0 ? name : `${name} (${rel.op} ${rel.version})`;
}
function formatGroup(group) {
  return group.map(formatRelation).join(" | ");
}
function bad(field, text, why) {
  return new DistrolessError("PARSE", `relation "${text.trim()}" in "${field.trim()}": ${why}`);
}
var COMMA = 44;
var PIPE = 124;
var COLON = 58;
function endsName(c) {
  return c <= 32 || c === COMMA || c === PIPE || c === 40 || c === 91 || c === 60 || c === COLON;
}
function collectRelationNames(field, arch, seen, out) {
  const n = field.length;
  let i = 0;
  while (i < n) {
    let c = field.charCodeAt(i);
    if (c <= 32 || c === COMMA || c === PIPE) {
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
      keep = qualifier === "native" || qualifier === arch;
    }
    while (i < n && (c = field.charCodeAt(i)) !== COMMA && c !== PIPE) i++;
    if (keep && name !== "" && !seen.has(name)) {
      seen.add(name);
      out.push(own(name));
    }
  }
}
var RelationCache = class {
  cache = /* @__PURE__ */ new Map();
  get(field) {
    if (field === "") return EMPTY;
    let groups = this.cache.get(field);
    if (groups === void 0) {
      groups = parseRelations(field);
      this.cache.set(field, groups);
    }
    return groups;
  }
  get size() {
    return this.cache.size;
  }
};
var EMPTY = Object.freeze([]);

// src/debian/packages.ts
var SPACE2 = 32;
var TAB2 = 9;
var CR2 = 13;
var COLON2 = 58;
var SHA256_RE = /^[0-9a-f]{64}$/;
var NAME = 0;
var VERSION = 1;
var ARCH = 2;
var SOURCE = 3;
var DEPENDS = 4;
var PRE_DEPENDS = 5;
var PROVIDES = 6;
var MULTI_ARCH = 7;
var FILENAME = 8;
var SIZE = 9;
var SHA256 = 10;
var ESSENTIAL = 11;
var IMPORTANT = 12;
var PROTECTED = 13;
var PRIORITY = 14;
var CONFLICTS = 15;
var BREAKS = 16;
var RECOMMENDS = 17;
var SUGGESTS = 18;
var REPLACES = 19;
var ENHANCES = 20;
var SLOTS = 21;
var RECORD_FIELDS = [
  ["package", NAME],
  ["version", VERSION],
  ["architecture", ARCH],
  ["source", SOURCE],
  ["depends", DEPENDS],
  ["pre-depends", PRE_DEPENDS],
  ["provides", PROVIDES],
  ["multi-arch", MULTI_ARCH],
  ["filename", FILENAME],
  ["size", SIZE],
  ["sha256", SHA256],
  ["essential", ESSENTIAL],
  ["important", IMPORTANT],
  ["protected", PROTECTED],
  ["priority", PRIORITY]
];
var NAME_FIELDS = [
  ["conflicts", CONFLICTS],
  ["breaks", BREAKS],
  ["recommends", RECOMMENDS],
  ["suggests", SUGGESTS],
  ["replaces", REPLACES],
  ["enhances", ENHANCES]
];
var APT_RELATION_ORDER = [PRE_DEPENDS, DEPENDS, CONFLICTS, BREAKS, RECOMMENDS, SUGGESTS, REPLACES, ENHANCES];
function fieldTable(fields) {
  const table = [];
  for (const field of fields) {
    const c = field[0].charCodeAt(0);
    (table[c] ??= []).push(field);
  }
  return table;
}
var RECORD_TABLE = fieldTable(RECORD_FIELDS);
var NAMES_TABLE = fieldTable([...RECORD_FIELDS, ...NAME_FIELDS]);
function parsePackagesIndex(index, what = "Packages index", options = {}) {
  const text = typeof index === "string" ? index : Buffer.from(index.buffer, index.byteOffset, index.byteLength).toString("latin1");
  const names = options.names;
  const collector = names === void 0 ? null : { names, seen: new Set(names), scanned: /* @__PURE__ */ new Set() };
  const table = names === void 0 ? RECORD_TABLE : NAMES_TABLE;
  const out = [];
  const vals = new Array(SLOTS).fill("");
  const len = text.length;
  let pos = 0;
  while (pos < len) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = len;
    if (isBlank(text, pos, end)) {
      pos = end + 1;
      continue;
    }
    vals.fill("");
    const start = pos;
    pos = readStanza(text, pos, vals, table);
    const record = toRecord(vals, start, what);
    out.push(record);
    if (collector !== null) registerNames(vals, record, collector);
  }
  return out;
}
function readStanza(text, pos, vals, table) {
  const len = text.length;
  while (pos < len) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = len;
    const c = text.charCodeAt(pos);
    if (isBlank(text, pos, end)) return end + 1;
    if (c !== SPACE2 && c !== TAB2) {
      const candidates = table[c | 32];
      if (candidates !== void 0) takeField(text, pos, end, vals, candidates);
    }
    pos = end + 1;
  }
  return pos;
}
function takeField(text, pos, end, vals, candidates) {
  for (const [lower2, slot] of candidates) {
    if (vals[slot] === "" && is(text, pos, lower2)) {
      vals[slot] = value(text, pos + lower2.length + 1, end, slot < CONFLICTS);
      return;
    }
  }
}
function is(text, pos, lower2) {
  const n = lower2.length;
  if (text.charCodeAt(pos + n) !== COLON2) return false;
  for (let i = 0; i < n; i++) {
    if ((text.charCodeAt(pos + i) | 32) !== lower2.charCodeAt(i)) return false;
  }
  return true;
}
function value(text, from, end, keep) {
  let s = from;
  while (s < end && isSpace(text.charCodeAt(s))) s++;
  let e = end;
  while (e > s && isSpace(text.charCodeAt(e - 1))) e--;
  const first = text.slice(s, e);
  const c = text.charCodeAt(end + 1);
  const whole = c !== SPACE2 && c !== TAB2 ? first : first + continuation(text, end + 1);
  return keep ? own(whole) : whole;
}
function continuation(text, pos) {
  let out = "";
  const len = text.length;
  while (pos < len) {
    const c = text.charCodeAt(pos);
    if (c !== SPACE2 && c !== TAB2) break;
    let end = text.indexOf("\n", pos);
    if (end < 0) end = len;
    if (isBlank(text, pos, end)) break;
    out += `
${text.slice(pos, end).trim()}`;
    pos = end + 1;
  }
  return out;
}
function isSpace(c) {
  return c === SPACE2 || c === TAB2 || c === CR2;
}
function registerNames(vals, record, c) {
  if (!c.seen.has(record.name)) {
    c.seen.add(record.name);
    c.names.push(record.name);
  }
  for (const slot of APT_RELATION_ORDER) scan(vals[slot] ?? "", record.architecture, c);
  scan(record.provides, record.architecture, c);
}
function scan(field, arch, c) {
  if (field === "" || c.scanned.has(field)) return;
  c.scanned.add(field);
  collectRelationNames(field, arch, c.seen, c.names);
}
function toRecord(vals, offset, what) {
  const name = vals[NAME] ?? "";
  const missing = missingField(vals);
  if (missing !== null) {
    const who = name === "" ? `stanza at offset ${offset}` : `package "${name}" (offset ${offset})`;
    throw new DistrolessError("PARSE", `${what}: ${who} has no ${missing} field`);
  }
  const rawSize = vals[SIZE] ?? "";
  const size = parseSize(rawSize);
  if (size < 0) throw new DistrolessError("PARSE", `${what}: package "${name}": Size "${rawSize}" is not a number`);
  const rawSha = vals[SHA256] ?? "";
  let sha256 = rawSha;
  if (!SHA256_RE.test(sha256)) {
    sha256 = rawSha.toLowerCase();
    if (!SHA256_RE.test(sha256)) {
      throw new DistrolessError("PARSE", `${what}: package "${name}": SHA256 "${rawSha}" is not 64 hex digits`);
    }
  }
  const version = vals[VERSION] ?? "";
  const [source, sourceVersion] = splitSource(vals[SOURCE] ?? "", name, version);
  return {
    name,
    version,
    architecture: vals[ARCH] ?? "",
    source,
    sourceVersion,
    depends: vals[DEPENDS] ?? "",
    preDepends: vals[PRE_DEPENDS] ?? "",
    provides: vals[PROVIDES] ?? "",
    multiArch: lower(vals[MULTI_ARCH] ?? ""),
    filename: vals[FILENAME] ?? "",
    size,
    sha256,
    essential: isYes(vals[ESSENTIAL] ?? ""),
    important: isYes(vals[IMPORTANT] ?? "") || isYes(vals[PROTECTED] ?? ""),
    priority: lower(vals[PRIORITY] ?? "")
  };
}
var REQUIRED = [
  [NAME, "Package"],
  [VERSION, "Version"],
  [ARCH, "Architecture"],
  [FILENAME, "Filename"],
  [SIZE, "Size"],
  [SHA256, "SHA256"]
];
function missingField(vals) {
  for (const [slot, field] of REQUIRED) if (vals[slot] === "") return field;
  return null;
}
function parseSize(text) {
  if (text.length === 0 || text.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
function splitSource(field, name, version) {
  if (field === "") return [name, version];
  const paren = field.indexOf("(");
  if (paren < 0) return [field, version];
  const close = field.indexOf(")", paren);
  const srcVersion = field.slice(paren + 1, close < 0 ? field.length : close).trim();
  return [field.slice(0, paren).trim(), srcVersion === "" ? version : srcVersion];
}
function lower(text) {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) return text.toLowerCase();
  }
  return text;
}
function isYes(text) {
  return text.length === 3 && text.toLowerCase() === "yes";
}

// src/debian/version.ts
function parseVersion(version) {
  const v = version.trim();
  const colon = v.indexOf(":");
  let epoch = 0;
  let rest = v;
  if (colon >= 0) {
    const e = v.slice(0, colon);
    epoch = /^[0-9]+$/.test(e) ? Number(e) : 0;
    rest = v.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  if (dash < 0) return { epoch, upstream: rest, revision: "" };
  return { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}
function order(c) {
  if (c >= 48 && c <= 57) return 0;
  if (c >= 65 && c <= 90 || c >= 97 && c <= 122) return c;
  if (c === 126) return -1;
  if (c !== c) return 0;
  return c + 256;
}
function isDigit(c) {
  return c >= 48 && c <= 57;
}
function compareFragments(a, b) {
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    while (i < la && !isDigit(a.charCodeAt(i)) || j < lb && !isDigit(b.charCodeAt(j))) {
      const ac = order(a.charCodeAt(i));
      const bc = order(b.charCodeAt(j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
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
function compareVersions(a, b) {
  if (a === b) return 0;
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (va.epoch !== vb.epoch) return va.epoch < vb.epoch ? -1 : 1;
  const up = compareFragments(va.upstream, vb.upstream);
  if (up !== 0) return Math.sign(up);
  return Math.sign(compareFragments(va.revision, vb.revision));
}
function satisfies(version, op, target) {
  const c = compareVersions(version, target);
  switch (op) {
    case "<<":
      return c < 0;
    case "<=":
      return c <= 0;
    case "=":
      return c === 0;
    case ">=":
      return c >= 0;
    case ">>":
      return c > 0;
  }
}

// src/resolve/universe.ts
var Universe = class {
  arch;
  candidates;
  providerIndex = /* @__PURE__ */ new Map();
  relationCache = new RelationCache();
  satisfierCache = /* @__PURE__ */ new WeakMap();
  sequence;
  /** `names`: apt's registration order of package names, per source in config order (see UniverseSource.names). */
  constructor(arch, candidates, names = []) {
    this.arch = arch;
    this.candidates = candidates;
    for (const pkg of candidates.values()) this.indexProvides(pkg);
    this.sequence = registrationOrder(names, candidates);
  }
  /** The candidate of a real package name, if any source has one. */
  get(name) {
    return this.candidates.get(name);
  }
  has(name) {
    return this.candidates.has(name);
  }
  /**
   * Position of a name in apt's registration order (when the sources carried `names`), else in
   * `packages()` order; -1 when unknown. apt prefers the provider registered last among equals.
   */
  sequenceOf(name) {
    return this.sequence.get(name) ?? -1;
  }
  /** Candidates whose `Provides` names `virtualName`, in candidate order (see `packages()`). */
  providers(virtualName) {
    return this.providerIndex.get(virtualName) ?? NO_PROVIDERS;
  }
  /** Every candidate, in the order first seen (config order of sources, then index order). */
  packages() {
    return this.candidates.values();
  }
  get size() {
    return this.candidates.size;
  }
  /** Pre-Depends and Depends of a package, each distinct field string parsed once. */
  relations(pkg) {
    return { preDepends: this.relationCache.get(pkg.preDepends), depends: this.relationCache.get(pkg.depends) };
  }
  /**
   * Candidates that satisfy one alternative of a relation, as apt matches them in a single-arch cache: the
   * real package of that name first (when its version matches), then the providers whose provided version
   * matches (an unversioned Provides never satisfies a versioned relation), in universe order.
   * `name:any` matches only Multi-Arch: allowed packages and providers (apt's implicit `name:any`
   * provides); `name:native` and `name:<this arch>` match like a plain name; other qualifiers match nothing.
   */
  satisfiers(rel) {
    let found = this.satisfierCache.get(rel);
    if (found === void 0) {
      found = this.findSatisfiers(rel);
      this.satisfierCache.set(rel, found);
    }
    return found;
  }
  /** Why no candidate satisfies `rel` (for error messages), e.g. `candidate is 1.0-1`. */
  whyUnsatisfied(rel) {
    const q = rel.archQualifier;
    if (q !== void 0 && q !== "any" && q !== "native" && q !== this.arch) return `architecture ${q} is not ${this.arch}`;
    const real = this.candidates.get(rel.name);
    const providers = this.providers(rel.name);
    if (real === void 0 && providers.length === 0) return "not in any source";
    if (real !== void 0 && q === "any" && real.multiArch !== "allowed") return `candidate ${real.version} is not Multi-Arch: allowed`;
    if (real !== void 0) return `candidate is ${real.version}`;
    const listed = providers.map((p) => p.version === void 0 ? p.pkg.name : `${p.pkg.name} (= ${p.version})`);
    return `no provider matches (provided by ${listed.join(", ")})`;
  }
  findSatisfiers(rel) {
    const q = rel.archQualifier;
    const anyArch = q === "any";
    if (q !== void 0 && !anyArch && q !== "native" && q !== this.arch) return [];
    const ok = (pkg, version) => (!anyArch || pkg.multiArch === "allowed") && (rel.op === void 0 || rel.version === void 0 || version !== void 0 && satisfies(version, rel.op, rel.version));
    const out = [];
    const real = this.candidates.get(rel.name);
    if (real !== void 0 && ok(real, real.version)) out.push(real);
    for (const p of this.providers(rel.name)) {
      if (ok(p.pkg, p.version) && !out.includes(p.pkg)) out.push(p.pkg);
    }
    const qualified = q === void 0 ? [] : this.providers(`${rel.name}:${q === "native" ? this.arch : q}`);
    for (const p of qualified) {
      const versionOk = rel.op === void 0 || rel.version === void 0 || p.version !== void 0 && satisfies(p.version, rel.op, rel.version);
      if (versionOk && !out.includes(p.pkg)) out.push(p.pkg);
    }
    return out;
  }
  indexProvides(pkg) {
    if (pkg.provides === "") return;
    for (const group of this.relationCache.get(pkg.provides)) {
      for (const rel of group) {
        if (rel.op !== void 0 && rel.op !== "=") continue;
        const name = rel.archQualifier === void 0 ? rel.name : `${rel.name}:${rel.archQualifier}`;
        let list = this.providerIndex.get(name);
        if (list === void 0) {
          list = [];
          this.providerIndex.set(name, list);
        }
        if (!list.some((p) => p.pkg === pkg)) list.push(rel.version === void 0 ? { pkg } : { pkg, version: rel.version });
      }
    }
  }
};
var NO_PROVIDERS = Object.freeze([]);
function registrationOrder(names, candidates) {
  const order2 = /* @__PURE__ */ new Map();
  let next = 0;
  for (const list of names) {
    for (const n of list) if (candidates.has(n) && !order2.has(n)) order2.set(n, next++);
  }
  for (const n of candidates.keys()) if (!order2.has(n)) order2.set(n, next++);
  return order2;
}
function buildUniverse(arch, sources) {
  const candidates = /* @__PURE__ */ new Map();
  for (const { origin, packages } of sources) {
    for (const rec of packages) {
      if (rec.architecture !== arch && rec.architecture !== "all") continue;
      const prev = candidates.get(rec.name);
      if (prev !== void 0 && compareVersions(rec.version, prev.version) <= 0) continue;
      candidates.set(rec.name, { ...rec, origin });
    }
  }
  return new Universe(arch, candidates, sources.map((s) => s.names ?? []));
}

// src/resolve/resolver.ts
function resolve(universe, request) {
  const where = `image ${request.image} (${request.arch})`;
  if (request.arch !== universe.arch) {
    throw new DistrolessError("USAGE", `${where}: the package universe is for ${universe.arch}`);
  }
  return new Walk(universe, request, where).run();
}
var Walk = class {
  constructor(universe, request, where) {
    this.universe = universe;
    this.request = request;
    this.where = where;
    this.excludes = new Set(request.exclude);
  }
  universe;
  request;
  where;
  marked = /* @__PURE__ */ new Map();
  requiredBy = /* @__PURE__ */ new Map();
  protectedNames = /* @__PURE__ */ new Set();
  excludedBy = /* @__PURE__ */ new Map();
  excludes;
  journal = [];
  run() {
    const requested = this.markRequested();
    for (const pkg of requested) {
      const failure = this.installDependencies(pkg);
      if (failure !== null) throw this.unsatisfiable(failure);
    }
    return this.result();
  }
  /** apt-get marks every requested package (without its dependencies) before solving any of them. */
  markRequested() {
    const requested = [];
    for (const name of this.request.packages) {
      if (this.marked.has(name)) continue;
      const pkg = this.universe.get(name);
      if (pkg === void 0) {
        const providers = this.universe.providers(name).map((p) => p.pkg.name);
        const details = providers.length === 0 ? [] : [`"${name}" is a virtual package provided by ${providers.join(", ")}`];
        throw new DistrolessError("UNKNOWN_PACKAGE", `${this.where}: package "${name}" is not in any source`, { details });
      }
      if (this.excludes.has(name)) {
        throw new DistrolessError("USAGE", `${this.where}: package "${name}" is both requested and excluded`);
      }
      this.mark(pkg, null);
      this.protect(name);
      requested.push(pkg);
    }
    return requested;
  }
  /** Marks `pkg` and solves its dependencies; on failure everything done since is undone. */
  install(pkg, by) {
    const save = this.journal.length;
    this.mark(pkg, by);
    const failure = this.installDependencies(pkg);
    if (failure !== null) this.rollback(save);
    return failure;
  }
  /** Processes the Pre-Depends then Depends groups of a marked package. */
  installDependencies(pkg) {
    const { preDepends, depends } = this.universe.relations(pkg);
    const keepGoing = this.protectedNames.has(pkg.name);
    let first = null;
    for (const groups of [preDepends, depends]) {
      for (const group of groups) {
        const failure = this.solveGroup(pkg, group, keepGoing);
        if (failure === null) continue;
        if (!keepGoing) return failure;
        first ??= failure;
      }
    }
    return first;
  }
  solveGroup(pkg, group, propagate) {
    const satisfied = group.some((rel) => this.universe.satisfiers(rel).some((s) => this.marked.has(s.name)));
    if (satisfied) {
      if (propagate) this.propagateProtected(group);
      return null;
    }
    const distinct = new Set(group.flatMap((rel) => this.universe.satisfiers(rel)));
    const [only] = distinct;
    if (propagate && distinct.size === 1 && only !== void 0 && !this.excludes.has(only.name)) this.protect(only.name);
    const tried = /* @__PURE__ */ new Set();
    let first = null;
    for (const rel of group) {
      if (this.excludes.has(rel.name)) return this.recordExclusion(rel.name, pkg.name);
      for (const candidate of this.rank(rel)) {
        if (tried.has(candidate)) continue;
        tried.add(candidate);
        if (this.excludes.has(candidate.name)) return this.recordExclusion(candidate.name, pkg.name);
        const failure = this.install(candidate, pkg.name);
        if (failure === null) return null;
        first ??= failure;
      }
    }
    if (first !== null) return { chain: [pkg.name, ...first.chain], detail: first.detail };
    return { chain: [pkg.name], detail: this.describeUnsatisfied(group) };
  }
  /** The candidates satisfying one alternative, best first (apt's CompareProviders, see rule 3). */
  rank(rel) {
    const found = this.universe.satisfiers(rel);
    if (found.length < 2) return [...found];
    const sameGroup = rel.archQualifier === void 0 ? rel.name : null;
    const key = (p) => [
      this.protectedNames.has(p.name) ? 0 : 1,
      p.name === sameGroup ? 0 : 1,
      p.essential === true ? 0 : 1,
      p.important === true ? 0 : 1,
      priorityRank(p.priority),
      -this.universe.sequenceOf(p.name)
    ];
    const keys = new Map(found.map((p) => [p, key(p)]));
    return [...found].sort((a, b) => compareKeys(keys.get(a) ?? [], keys.get(b) ?? []));
  }
  /** apt: a satisfied dependency of a protected package with exactly one possible solution is protected too. */
  propagateProtected(group) {
    const all = /* @__PURE__ */ new Set();
    for (const rel of group) for (const s of this.universe.satisfiers(rel)) all.add(s);
    if (all.size !== 1) return;
    const [only] = all;
    if (only === void 0 || this.protectedNames.has(only.name) || !this.marked.has(only.name)) return;
    this.protect(only.name);
    this.installDependencies(only);
  }
  recordExclusion(name, by) {
    let set = this.excludedBy.get(name);
    if (set === void 0) {
      set = /* @__PURE__ */ new Set();
      this.excludedBy.set(name, set);
    }
    if (!set.has(by)) {
      set.add(by);
      this.journal.push({ kind: "exclude", name, by });
    }
    return null;
  }
  mark(pkg, by) {
    this.marked.set(pkg.name, pkg);
    this.requiredBy.set(pkg.name, by);
    this.journal.push({ kind: "mark", name: pkg.name });
  }
  protect(name) {
    if (this.protectedNames.has(name)) return;
    this.protectedNames.add(name);
    this.journal.push({ kind: "protect", name });
  }
  rollback(length) {
    while (this.journal.length > length) {
      const entry = this.journal.pop();
      if (entry === void 0) break;
      if (entry.kind === "mark") {
        this.marked.delete(entry.name);
        this.requiredBy.delete(entry.name);
      } else if (entry.kind === "protect") {
        this.protectedNames.delete(entry.name);
      } else {
        this.excludedBy.get(entry.name)?.delete(entry.by);
        if (this.excludedBy.get(entry.name)?.size === 0) this.excludedBy.delete(entry.name);
      }
    }
  }
  describeUnsatisfied(group) {
    const reasons = group.map((rel) => this.universe.whyUnsatisfied(rel));
    if (group.length === 1) return `${formatGroup(group)} not satisfiable: ${reasons[0] ?? ""}`;
    return `${formatGroup(group)} not satisfiable: ${group.map((rel, i) => `${rel.name}: ${reasons[i] ?? ""}`).join("; ")}`;
  }
  unsatisfiable(failure) {
    return new DistrolessError("UNSATISFIABLE", `${this.where}: ${[...failure.chain, failure.detail].join(" \u2192 ")}`);
  }
  result() {
    const names = [...this.marked.keys()].sort(byName);
    const packages = names.map((name) => ({ pkg: this.marked.get(name), requiredBy: this.requiredBy.get(name) ?? null }));
    const excluded = [...this.excludedBy.entries()].map(([name, by]) => ({ name, wantedBy: [...by].sort(byName) })).sort((a, b) => byName(a.name, b.name));
    return { image: this.request.image, arch: this.request.arch, packages, excluded };
  }
};
function priorityRank(priority) {
  switch (priority) {
    case void 0:
    case "":
      return 0;
    case "required":
      return 1;
    case "important":
      return 2;
    case "standard":
      return 3;
    case "optional":
      return 4;
    default:
      return 5;
  }
}
function compareKeys(a, b) {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
function byName(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// src/app/resolve-distro.ts
function resolveArch(distro, arch, indices, requests) {
  const sources = [];
  indices.forEach((fetched, i) => {
    const source = distro.sources[i];
    if (!source) return;
    for (const ix of fetched) {
      const origin = { url: source.originalUrl ?? source.url, suite: source.suite, component: ix.component };
      const names = [];
      sources.push({ origin, packages: parsePackagesIndex(ix.text, `${source.suite} ${ix.path}`, { names }), names });
    }
  });
  const universe = buildUniverse(arch, sources);
  const pins = {};
  const images = {};
  for (const request of requests) {
    if (!request.archs.includes(arch)) continue;
    const resolution = resolve(universe, { image: request.image, arch, packages: request.packages, exclude: request.exclude });
    const entry = { packages: {}, excluded: {} };
    for (const { pkg, requiredBy } of resolution.packages) {
      pins[pkg.name] = pin(pkg);
      entry.packages[pkg.name] = requiredBy ?? "";
    }
    for (const ex of resolution.excluded) entry.excluded[ex.name] = ex.wantedBy;
    images[request.image] = entry;
  }
  return { arch, pins: Object.fromEntries(Object.entries(pins).sort(([a], [b]) => compareCodeUnits(a, b))), images };
}
function pin(pkg) {
  return {
    version: pkg.version,
    architecture: pkg.architecture,
    suite: pkg.origin.suite,
    source: pkg.source,
    sourceVersion: pkg.sourceVersion,
    filename: pkg.filename,
    size: pkg.size,
    sha256: pkg.sha256
  };
}

// src/app/update.ts
async function runUpdate(opts) {
  const keyring = opts.keyring ?? await debianKeyring();
  const http = opts.http ?? createHttpClient(opts.retry === void 0 ? {} : { retry: opts.retry });
  const progress = opts.onProgress ?? (() => void 0);
  const distros = [];
  const changedLocks = [];
  for (const distro of Object.values(opts.config.distros)) {
    const { update, lock } = await updateDistro(opts, distro, { keyring, http, progress });
    distros.push(update);
    if (update.changed) changedLocks.push(lock);
  }
  const changed = changedLocks.length > 0;
  if (changed && !opts.check) await writeLockfiles(opts.lockDir, changedLocks);
  return { changed, written: changed && !opts.check, distros };
}
async function updateDistro(opts, distro, deps) {
  const previous = await readLockfile(opts.lockDir, distro.name);
  const digest = configDigest(opts.config, distro.name);
  const onArchive = (e) => deps.progress(describe(e));
  const releases = await Promise.all(
    distro.sources.map(
      (s) => fetchRelease({ url: s.url, suite: s.suite, trustedKeys: deps.keyring, now: opts.now, http: deps.http, onProgress: onArchive })
    )
  );
  const archs = distro.archs.filter((a) => !opts.archs || opts.archs.includes(a));
  const base = { distro: distro.name, lockfile: lockfilePath(opts.lockDir, distro.name), archs: distro.archs };
  if (previous && isCurrent(previous, digest, distro, archs, releases)) {
    deps.progress(`${distro.name}: every index matches ${base.lockfile}; nothing to resolve`);
    return { update: { ...base, changed: false, upToDate: true, diff: diffLockfiles(previous, previous) }, lock: previous };
  }
  const cache = opts.cacheDir === void 0 ? void 0 : directoryCache(join(opts.cacheDir, "indices"));
  const requests = imageRequests(opts.config, distro);
  const perArch = await mapLimit(archs, 2, async (arch) => {
    const suites = await Promise.all(
      distro.sources.map(
        (s, i) => fetchIndices(releases[i], {
          components: s.components,
          archs: [arch],
          http: deps.http,
          ...cache ? { cache } : {},
          xzCommand: "xz",
          onProgress: onArchive
        })
      )
    );
    const resolved = resolveArch(distro, arch, suites.map((s) => s.indices), requests);
    deps.progress(`${distro.name} ${arch}: resolved ${Object.keys(resolved.images).length} image(s), ${Object.keys(resolved.pins).length} packages`);
    return { resolved, suites: suites.map((s) => ({ indices: s.indices.map(({ text: _text, ...rest }) => rest), missingArchs: s.missingArchs })) };
  });
  const fresh = {
    lockfileVersion: LOCKFILE_VERSION,
    resolverVersion: RESOLVER_VERSION,
    distro: distro.name,
    configDigest: digest,
    sources: distro.sources.map(
      (s, i) => lockedSource(
        s,
        releases[i],
        perArch.flatMap((a) => a.suites[i]?.indices ?? []),
        perArch.flatMap((a) => a.suites[i]?.missingArchs ?? [])
      )
    ),
    packages: Object.fromEntries(perArch.map((a) => [a.resolved.arch, a.resolved.pins])),
    images: collectImages(perArch.map((a) => a.resolved))
  };
  const lock = archs.length === distro.archs.length ? fresh : keepOtherArchs(fresh, previous, distro.archs.filter((a) => !archs.includes(a)));
  const diff = diffLockfiles(previous, lock);
  const changed = !previous || !isEmptyDiff(diff) || lockInputsMoved(previous, lock);
  return { update: { ...base, changed, upToDate: false, diff }, lock };
}
function isCurrent(lock, digest, distro, archs, releases) {
  if (lock.configDigest !== digest || lock.resolverVersion !== RESOLVER_VERSION) return false;
  if (lock.sources.length !== distro.sources.length) return false;
  return distro.sources.every((source, i) => {
    const locked = lock.sources[i];
    const release = releases[i];
    if (!locked || !release || locked.suite !== source.suite) return false;
    return archs.every(
      (arch) => source.components.every((component) => {
        const entry = listedIndexEntries(release.release, component, arch)[0];
        const pinned = locked.indices[arch]?.[component];
        if (entry === void 0) return pinned === void 0 && locked.missingArchs.includes(arch);
        return pinned !== void 0 && pinned.sha256 === entry.sha256 && pinned.path === entry.path;
      })
    );
  });
}
function collectImages(results) {
  const images = {};
  for (const r of results) for (const [image, entry] of Object.entries(r.images)) (images[image] ??= {})[r.arch] = entry;
  return images;
}
function keepOtherArchs(fresh, previous, others) {
  if (!previous) return fresh;
  const lock = structuredClone(fresh);
  for (const arch of others) {
    const pins = previous.packages[arch];
    if (pins) lock.packages[arch] = pins;
    for (const [image, byArch] of Object.entries(previous.images)) {
      const entry = byArch[arch];
      if (entry && lock.images[image]) lock.images[image][arch] = entry;
    }
    lock.sources.forEach((source) => {
      const old = previous.sources.find((s) => s.suite === source.suite);
      const indices = old?.indices[arch];
      if (indices) source.indices[arch] = indices;
      if (old?.missingArchs.includes(arch)) source.missingArchs = [...source.missingArchs, arch].sort();
    });
  }
  return lock;
}
function lockInputsMoved(previous, next) {
  if (previous.configDigest !== next.configDigest || previous.resolverVersion !== next.resolverVersion) return true;
  return JSON.stringify(previous.sources.map((s) => s.indices)) !== JSON.stringify(next.sources.map((s) => s.indices));
}
function lockedSource(source, release, indices, missingArchs) {
  const byArch = {};
  for (const ix of indices) (byArch[ix.arch] ??= {})[ix.component] = { path: ix.path, sha256: ix.sha256, size: ix.size };
  return {
    url: source.originalUrl ?? source.url,
    suite: source.suite,
    components: source.components,
    date: release.date.toISOString().replace(".000Z", "Z"),
    snapshot: snapshotId(release.date),
    inRelease: release.inReleaseSha256,
    indices: byArch,
    missingArchs: [...missingArchs].sort(compareCodeUnits)
  };
}
function snapshotId(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}
function describe(e) {
  switch (e.kind) {
    case "release":
      return `verified ${e.url} (${e.signers.length} trusted signature(s))`;
    case "index":
      return e.cached ? `index ${e.url.slice(0, 20)}\u2026 from cache` : `fetched ${e.url} (${(e.bytes / 1e6).toFixed(1)} MB)`;
    case "missing-arch":
      return `${e.suite} has no ${e.arch}: skipped (recorded in the lock)`;
  }
}

export {
  runUpdate,
  snapshotId
};
