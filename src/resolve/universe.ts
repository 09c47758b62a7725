/**
 * The set of installable packages for ONE architecture, merged from several suites as apt merges them with
 * equal pin priorities: for each package name the highest version is the candidate (ties: the first
 * source in config order keeps it). Only packages of the target architecture or `all` are kept.
 * Virtual names are indexed from the candidates' `Provides` (apt only considers candidate versions).
 */
import { parseRelations, RelationCache } from '../debian/relations.js';
import type { LocatedPackage, PackageRecord, Relation, RelationGroup, SuiteRef } from '../debian/types.js';
import { plainRecord } from '../debian/stored-package.js';
import { compareVersions, satisfies } from '../debian/version.js';
import { PackedNames } from './names.js';

/** One parsed index and where it came from, in config order. */
export interface UniverseSource {
  origin: SuiteRef;
  packages: readonly PackageRecord[];
  /**
   * Package names in apt's registration order for this index (from parsePackagesIndex's `names` option).
   * When present, ties between equally ranked providers are broken as apt breaks them; otherwise by the
   * order in which the universe first saw each package.
   */
  names?: PackedNames | readonly string[];
}

/** A candidate that provides a virtual name, with the provided version when the Provides is versioned. */
export interface Provider {
  pkg: LocatedPackage;
  version?: string;
}

/** Parsed relation fields of a package (cached; shared arrays, read-only). */
export interface PackageRelations {
  preDepends: readonly RelationGroup[];
  depends: readonly RelationGroup[];
}

/**
 * What the universe indexes up front is only what every query needs: the candidate of each name and, for each
 * name some candidate Provides, which candidates those are. The provided versions, apt's registration order
 * and each package's relations are read when the resolver first asks for them, for the few hundred names it
 * visits: indexing all of them up front (Relation and Provider objects for trixie's ~66,000 provided names, a
 * table of ~69,000 registration positions) cost ~37 MiB of heap and ~0.45 s per arch of `update`
 * (docs/architecture.md, "update in bounded memory").
 */
export class Universe {
  readonly arch: string;
  private readonly candidates: Map<string, LocatedPackage>;
  /** Provided name (`name` or `name:qualifier`) → the candidate, or candidates in candidate order, providing it. */
  private readonly providedBy = new Map<string, LocatedPackage | LocatedPackage[]>();
  private readonly providerCache = new Map<string, readonly Provider[]>();
  private readonly relationCache = new RelationCache();
  private readonly satisfierCache = new WeakMap<Relation, readonly LocatedPackage[]>();
  private readonly order: RegistrationOrder;

  /** `names`: apt's registration order of package names, per source in config order (see UniverseSource.names). */
  constructor(
    arch: string,
    candidates: Map<string, LocatedPackage>,
    names: readonly (PackedNames | readonly string[])[] = [],
  ) {
    this.arch = arch;
    this.candidates = candidates;
    for (const pkg of candidates.values()) this.indexProvides(pkg);
    this.order = new RegistrationOrder(names, candidates);
  }

  /** The candidate of a real package name, if any source has one. */
  get(name: string): LocatedPackage | undefined {
    return this.candidates.get(name);
  }

  has(name: string): boolean {
    return this.candidates.has(name);
  }

  /**
   * Position of a name in apt's registration order (when the sources carried `names`), else in
   * `packages()` order; -1 when unknown. apt prefers the provider registered last among equals.
   */
  sequenceOf(name: string): number {
    return this.candidates.has(name) ? this.order.of(name) : -1;
  }

  /**
   * Candidates whose `Provides` names `virtualName` unversioned or with `(= v)`, in candidate order (see
   * `packages()`), each with the version its first such Provides entry gives.
   */
  providers(virtualName: string): readonly Provider[] {
    let found = this.providerCache.get(virtualName);
    if (found === undefined) {
      found = this.findProviders(virtualName);
      this.providerCache.set(virtualName, found);
    }
    return found;
  }

  /** Every candidate, in the order first seen (config order of sources, then index order). */
  packages(): IterableIterator<LocatedPackage> {
    return this.candidates.values();
  }

  get size(): number {
    return this.candidates.size;
  }

  /** Pre-Depends and Depends of a package, each distinct field string parsed once. */
  relations(pkg: PackageRecord): PackageRelations {
    return { preDepends: this.relationCache.get(pkg.preDepends), depends: this.relationCache.get(pkg.depends) };
  }

  /**
   * Candidates that satisfy one alternative of a relation, as apt matches them in a single-arch cache: the
   * real package of that name first (when its version matches), then the providers whose provided version
   * matches (an unversioned Provides never satisfies a versioned relation), in universe order.
   * `name:any` matches only Multi-Arch: allowed packages and providers (apt's implicit `name:any`
   * provides); `name:native` and `name:<this arch>` match like a plain name; other qualifiers match nothing.
   */
  satisfiers(rel: Relation): readonly LocatedPackage[] {
    let found = this.satisfierCache.get(rel);
    if (found === undefined) {
      found = this.findSatisfiers(rel);
      this.satisfierCache.set(rel, found);
    }
    return found;
  }

  /** Why no candidate satisfies `rel` (for error messages), e.g. `candidate is 1.0-1`. */
  whyUnsatisfied(rel: Relation): string {
    const q = rel.archQualifier;
    if (q !== undefined && q !== 'any' && q !== 'native' && q !== this.arch)
      return `architecture ${q} is not ${this.arch}`;
    const real = this.candidates.get(rel.name);
    const providers = this.providers(rel.name);
    if (real === undefined && providers.length === 0) return 'not in any source';
    if (real !== undefined && q === 'any' && real.multiArch !== 'allowed')
      return `candidate ${real.version} is not Multi-Arch: allowed`;
    if (real !== undefined) return `candidate is ${real.version}`;
    const listed = providers.map((p) => (p.version === undefined ? p.pkg.name : `${p.pkg.name} (= ${p.version})`));
    return `no provider matches (provided by ${listed.join(', ')})`;
  }

  private findSatisfiers(rel: Relation): LocatedPackage[] {
    const q = rel.archQualifier;
    const anyArch = q === 'any';
    if (q !== undefined && !anyArch && q !== 'native' && q !== this.arch) return [];
    const ok = (pkg: LocatedPackage, version: string | undefined): boolean =>
      (!anyArch || pkg.multiArch === 'allowed') &&
      (rel.op === undefined ||
        rel.version === undefined ||
        (version !== undefined && satisfies(version, rel.op, rel.version)));
    const out: LocatedPackage[] = [];
    const real = this.candidates.get(rel.name);
    if (real !== undefined && ok(real, real.version)) out.push(real);
    for (const p of this.providers(rel.name)) {
      if (ok(p.pkg, p.version) && !out.includes(p.pkg)) out.push(p.pkg);
    }
    // Explicitly qualified Provides (`Provides: foo:any`) match `foo:any` whatever the provider's Multi-Arch.
    const qualified = q === undefined ? [] : this.providers(`${rel.name}:${q === 'native' ? this.arch : q}`);
    for (const p of qualified) {
      const versionOk =
        rel.op === undefined ||
        rel.version === undefined ||
        (p.version !== undefined && satisfies(p.version, rel.op, rel.version));
      if (versionOk && !out.includes(p.pkg)) out.push(p.pkg);
    }
    return out;
  }

  /**
   * Records which names `pkg` provides. Every Provides is parsed here, so a malformed one fails the universe as
   * before; the parsed relations are dropped (the providers' are parsed again, and kept, when asked for).
   */
  private indexProvides(pkg: LocatedPackage): void {
    if (pkg.provides === '') return;
    for (const group of parseRelations(pkg.provides)) {
      for (const rel of group) {
        if (!providesUsable(rel)) continue;
        const name = providedName(rel);
        const known = this.providedBy.get(name);
        if (known === undefined) this.providedBy.set(name, pkg);
        else if (Array.isArray(known)) {
          // A package's entries are indexed together, so a repeat of this one can only be last.
          if (known[known.length - 1] !== pkg) known.push(pkg);
        } else if (known !== pkg) this.providedBy.set(name, [known, pkg]);
      }
    }
  }

  private findProviders(name: string): readonly Provider[] {
    const known = this.providedBy.get(name);
    if (known === undefined) return NO_PROVIDERS;
    return (Array.isArray(known) ? known : [known]).map((pkg) => {
      const version = this.relationCache
        .get(pkg.provides)
        .flat()
        .find((rel) => providesUsable(rel) && providedName(rel) === name)?.version;
      return version === undefined ? { pkg } : { pkg, version };
    });
  }
}

const NO_PROVIDERS: readonly Provider[] = Object.freeze([]);

/** Provides may only be unversioned or `(= v)`; apt ignores others with a warning. */
function providesUsable(rel: Relation): boolean {
  return rel.op === undefined || rel.op === '=';
}

/** The name a Provides entry registers: `name`, or `name:qualifier` when it carries one. */
function providedName(rel: Relation): string {
  return rel.archQualifier === undefined ? rel.name : `${rel.name}:${rel.archQualifier}`;
}

/**
 * apt's registration order of the candidates, looked up name by name: a name's first position in the sources'
 * lists (each list's positions after all of the previous list's), then candidates no list names, in candidate
 * order. Only comparisons between these numbers mean anything: they order names as a dense numbering would.
 */
class RegistrationOrder {
  private readonly lists: PackedNames[];
  private readonly memo = new Map<string, number>();
  private unlisted: Map<string, number> | undefined;

  constructor(
    names: readonly (PackedNames | readonly string[])[],
    private readonly candidates: ReadonlyMap<string, LocatedPackage>,
  ) {
    this.lists = names.map((list) => (list instanceof PackedNames ? list : new PackedNames(list)));
  }

  of(name: string): number {
    let at = this.memo.get(name);
    if (at === undefined) {
      at = this.find(name);
      this.memo.set(name, at);
    }
    return at;
  }

  private find(name: string): number {
    let base = 0;
    for (const list of this.lists) {
      const at = list.positionOf(name);
      if (at >= 0) return base + at;
      base += list.span;
    }
    if (this.unlisted === undefined) {
      this.unlisted = new Map();
      let next = 0;
      for (const n of this.candidates.keys()) this.unlisted.set(n, next++);
    }
    return base + (this.unlisted.get(name) ?? 0);
  }
}

function sameOrigin(rec: PackageRecord, origin: SuiteRef): rec is LocatedPackage {
  const own = (rec as Partial<LocatedPackage>).origin;
  return (
    own !== undefined && own.url === origin.url && own.suite === origin.suite && own.component === origin.component
  );
}

/**
 * Merges the sources (in config order) into a Universe for `arch`: highest version per name wins, the
 * first source wins a tie, packages of other architectures are dropped.
 */
export function buildUniverse(arch: string, sources: readonly UniverseSource[]): Universe {
  const candidates = new Map<string, LocatedPackage>();
  for (const { origin, packages } of sources) {
    for (const rec of packages) {
      if (rec.architecture !== arch && rec.architecture !== 'all') continue;
      const prev = candidates.get(rec.name);
      if (prev !== undefined && compareVersions(rec.version, prev.version) <= 0) continue;
      // Records parsed with this origin already are what the universe keeps (and a StoredPackage must not be
      // spread: its packed fields are getters).
      candidates.set(rec.name, sameOrigin(rec, origin) ? rec : { ...plainRecord(rec), origin });
    }
  }
  return new Universe(
    arch,
    candidates,
    sources.map((s) => s.names ?? []),
  );
}
