/**
 * The set of installable packages for ONE architecture, merged from several suites as apt merges them with
 * equal pin priorities: for each package name the highest version is the candidate (ties: the first
 * source in config order keeps it). Only packages of the target architecture or `all` are kept.
 * Virtual names are indexed from the candidates' `Provides` (apt only considers candidate versions).
 */
import { RelationCache } from '../debian/relations.js';
import type { LocatedPackage, PackageRecord, Relation, RelationGroup, SuiteRef } from '../debian/types.js';
import { plainRecord } from '../debian/stored-package.js';
import { compareVersions, satisfies } from '../debian/version.js';

/** One parsed index and where it came from, in config order. */
export interface UniverseSource {
  origin: SuiteRef;
  packages: readonly PackageRecord[];
  /**
   * Package names in apt's registration order for this index (from parsePackagesIndex's `names` option).
   * When present, ties between equally ranked providers are broken as apt breaks them; otherwise by the
   * order in which the universe first saw each package.
   */
  names?: Iterable<string>;
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

export class Universe {
  readonly arch: string;
  private readonly candidates: Map<string, LocatedPackage>;
  private readonly providerIndex = new Map<string, Provider[]>();
  private readonly relationCache = new RelationCache();
  private readonly satisfierCache = new WeakMap<Relation, readonly LocatedPackage[]>();
  private readonly sequence: Map<string, number>;

  /** `names`: apt's registration order of package names, per source in config order (see UniverseSource.names). */
  constructor(arch: string, candidates: Map<string, LocatedPackage>, names: readonly Iterable<string>[] = []) {
    this.arch = arch;
    this.candidates = candidates;
    for (const pkg of candidates.values()) this.indexProvides(pkg);
    this.sequence = registrationOrder(names, candidates);
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
    return this.sequence.get(name) ?? -1;
  }

  /** Candidates whose `Provides` names `virtualName`, in candidate order (see `packages()`). */
  providers(virtualName: string): readonly Provider[] {
    return this.providerIndex.get(virtualName) ?? NO_PROVIDERS;
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

  private indexProvides(pkg: LocatedPackage): void {
    if (pkg.provides === '') return;
    for (const group of this.relationCache.get(pkg.provides)) {
      for (const rel of group) {
        // Provides may only be unversioned or `(= v)`; apt ignores others with a warning.
        if (rel.op !== undefined && rel.op !== '=') continue;
        const name = rel.archQualifier === undefined ? rel.name : `${rel.name}:${rel.archQualifier}`;
        let list = this.providerIndex.get(name);
        if (list === undefined) {
          list = [];
          this.providerIndex.set(name, list);
        }
        if (!list.some((p) => p.pkg === pkg))
          list.push(rel.version === undefined ? { pkg } : { pkg, version: rel.version });
      }
    }
  }
}

const NO_PROVIDERS: readonly Provider[] = Object.freeze([]);

/** Position of each candidate's name in the sources' registration order, then in candidate order. */
function registrationOrder(
  names: readonly Iterable<string>[],
  candidates: ReadonlyMap<string, LocatedPackage>,
): Map<string, number> {
  const order = new Map<string, number>();
  let next = 0;
  for (const list of names) {
    for (const n of list) if (candidates.has(n) && !order.has(n)) order.set(n, next++);
  }
  for (const n of candidates.keys()) if (!order.has(n)) order.set(n, next++);
  return order;
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
