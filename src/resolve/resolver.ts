/**
 * Dependency closure of an image's packages, computed the way apt's internal solver marks packages for
 * `apt-get -s install PKGS` into an empty dpkg status with Install-Recommends off (apt 2.6,
 * pkgDepCache::MarkInstall). The rules, checked against apt by test/live/apt-oracle.test.ts:
 *
 * 1. Every requested package is marked first (and "protected"), then each one's dependencies are
 *    processed in request order, depth first: Pre-Depends groups, then Depends groups, in field order.
 *    Nothing else is followed (no Recommends/Suggests; Conflicts/Breaks are not evaluated).
 * 2. A group (`a | b | …`) already satisfied by any marked package — any alternative, not only the
 *    first — is skipped: what was chosen before wins.
 * 3. Otherwise the solutions are the candidates satisfying each alternative (Universe.satisfiers), taken
 *    alternative by alternative; within one alternative they are ranked like apt's CompareProviders:
 *    protected (requested) packages, then the real package of the relation's name over providers
 *    (not for `:any`/`:native`, which apt matches through a separate pseudo package), then
 *    `Essential: yes`, then `Important:`/`Protected: yes`, then Priority (required < important <
 *    standard < optional < extra), then the package apt registered last: apt compares its internal
 *    cache ids, handed out as names are first mentioned while it reads the indices in sources order
 *    (a stanza's Package, then its relation targets, then its Provides). parsePackagesIndex can
 *    record that order (option `names`); without it the universe's own order stands in.
 * 4. The first solution whose own closure can be marked wins; a solution that fails is rolled back
 *    completely and the next one is tried. No solution: the dependency is unsatisfiable, and so is the
 *    package (an error for a requested package, with the chain that led there).
 * 5. "Protected" spreads like in apt: a dependency of a protected package that has exactly one possible
 *    solution makes that solution protected too, which ranks it first among providers later on.
 *
 * Excludes: an excluded name is never installed. Walking a group's alternatives in the order above, the
 * first alternative that names an excluded package (real or virtual), or the first solution that is an
 * excluded package, ends the walk: the group counts as satisfied and the exclusion is recorded with the
 * package that wanted it. Nothing is substituted for it, and an excluded later alternative does not stop
 * an earlier one from being installed. So an exclude prunes exactly what apt would have installed there,
 * and every pruned edge is recorded (Resolution.excluded) — never a silent drop.
 *
 * Known divergences from apt: Conflicts/Breaks are ignored (apt may then reject or remove a choice);
 * apt keeps a failed attempt's dependencies until its garbage pass, we undo them at once.
 */
import { DistrolessError } from '../errors.js';
import { formatGroup } from '../debian/relations.js';
import type { LocatedPackage, Relation, RelationGroup } from '../debian/types.js';
import type { Universe } from './universe.js';

export interface ResolveRequest {
  /** Image name, for error messages. */
  image: string;
  /** Debian architecture; must be the universe's. */
  arch: string;
  packages: readonly string[];
  exclude: readonly string[];
}

export interface ResolvedPackage {
  pkg: LocatedPackage;
  /** The package whose dependency first pulled this one in; null for requested packages. */
  requiredBy: string | null;
}

export interface ExcludedPackage {
  name: string;
  /** Packages whose dependencies would have installed it (sorted). */
  wantedBy: string[];
}

export interface Resolution {
  image: string;
  arch: string;
  /** The closure, sorted by package name. */
  packages: ResolvedPackage[];
  /** Excluded names that the closure ran into (sorted by name); unused excludes are not listed. */
  excluded: ExcludedPackage[];
}

/** Why a package could not be installed: the chain of package names and the group that failed. */
interface Failure {
  chain: string[];
  detail: string;
}

type JournalEntry =
  { kind: 'mark'; name: string } | { kind: 'protect'; name: string } | { kind: 'exclude'; name: string; by: string };

/** Computes the closure of `request.packages` in `universe`. Throws UNKNOWN_PACKAGE or UNSATISFIABLE. */
export function resolve(universe: Universe, request: ResolveRequest): Resolution {
  const where = `image ${request.image} (${request.arch})`;
  if (request.arch !== universe.arch) {
    throw new DistrolessError('INTERNAL', `${where}: the package universe is for ${universe.arch}`);
  }
  return new Walk(universe, request, where).run();
}

class Walk {
  private readonly marked = new Map<string, LocatedPackage>();
  private readonly requiredBy = new Map<string, string | null>();
  private readonly protectedNames = new Set<string>();
  private readonly excludedBy = new Map<string, Set<string>>();
  private readonly excludes: ReadonlySet<string>;
  private readonly journal: JournalEntry[] = [];

  constructor(
    private readonly universe: Universe,
    private readonly request: ResolveRequest,
    private readonly where: string,
  ) {
    this.excludes = new Set(request.exclude);
  }

  run(): Resolution {
    const requested = this.markRequested();
    for (const pkg of requested) {
      const failure = this.installDependencies(pkg);
      if (failure !== null) throw this.unsatisfiable(failure);
    }
    return this.result();
  }

  /** apt-get marks every requested package (without its dependencies) before solving any of them. */
  private markRequested(): LocatedPackage[] {
    const requested: LocatedPackage[] = [];
    for (const name of this.request.packages) {
      if (this.marked.has(name)) continue;
      const pkg = this.universe.get(name);
      if (pkg === undefined) {
        const providers = this.universe.providers(name).map((p) => p.pkg.name);
        const details =
          providers.length === 0 ? [] : [`"${name}" is a virtual package provided by ${providers.join(', ')}`];
        throw new DistrolessError('UNKNOWN_PACKAGE', `${this.where}: package "${name}" is not in any source`, {
          details,
        });
      }
      if (this.excludes.has(name)) {
        throw new DistrolessError('CONFIG_INVALID', `${this.where}: package "${name}" is both requested and excluded`);
      }
      this.mark(pkg, null);
      this.protect(name);
      requested.push(pkg);
    }
    return requested;
  }

  /** Marks `pkg` and solves its dependencies; on failure everything done since is undone. */
  private install(pkg: LocatedPackage, by: string): Failure | null {
    const save = this.journal.length;
    this.mark(pkg, by);
    const failure = this.installDependencies(pkg);
    if (failure !== null) this.rollback(save);
    return failure;
  }

  /** Processes the Pre-Depends then Depends groups of a marked package. */
  private installDependencies(pkg: LocatedPackage): Failure | null {
    const { preDepends, depends } = this.universe.relations(pkg);
    // A protected package keeps going after a failed group (apt does not fail early for it).
    const keepGoing = this.protectedNames.has(pkg.name);
    let first: Failure | null = null;
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

  private solveGroup(pkg: LocatedPackage, group: RelationGroup, propagate: boolean): Failure | null {
    const satisfied = group.some((rel) => this.universe.satisfiers(rel).some((s) => this.marked.has(s.name)));
    if (satisfied) {
      if (propagate) this.propagateProtected(group);
      return null;
    }
    const distinct = new Set(group.flatMap((rel) => this.universe.satisfiers(rel)));
    const [only] = distinct;
    if (propagate && distinct.size === 1 && only !== undefined && !this.excludes.has(only.name))
      this.protect(only.name);
    const tried = new Set<LocatedPackage>();
    let first: Failure | null = null;
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
  private rank(rel: Relation): LocatedPackage[] {
    const found = this.universe.satisfiers(rel);
    if (found.length < 2) return [...found];
    const sameGroup = rel.archQualifier === undefined ? rel.name : null;
    const key = (p: LocatedPackage): number[] => [
      this.protectedNames.has(p.name) ? 0 : 1,
      p.name === sameGroup ? 0 : 1,
      p.essential === true ? 0 : 1,
      p.important === true ? 0 : 1,
      priorityRank(p.priority),
      -this.universe.sequenceOf(p.name),
    ];
    const keys = new Map(found.map((p) => [p, key(p)]));
    return [...found].sort((a, b) => compareKeys(keys.get(a) ?? [], keys.get(b) ?? []));
  }

  /** apt: a satisfied dependency of a protected package with exactly one possible solution is protected too. */
  private propagateProtected(group: RelationGroup): void {
    const all = new Set<LocatedPackage>();
    for (const rel of group) for (const s of this.universe.satisfiers(rel)) all.add(s);
    if (all.size !== 1) return;
    const [only] = all;
    if (only === undefined || this.protectedNames.has(only.name) || !this.marked.has(only.name)) return;
    this.protect(only.name);
    // Re-walk it as protected so that protection spreads down single-solution chains (as apt does).
    this.installDependencies(only);
  }

  private recordExclusion(name: string, by: string): null {
    let set = this.excludedBy.get(name);
    if (set === undefined) {
      set = new Set();
      this.excludedBy.set(name, set);
    }
    if (!set.has(by)) {
      set.add(by);
      this.journal.push({ kind: 'exclude', name, by });
    }
    return null;
  }

  private mark(pkg: LocatedPackage, by: string | null): void {
    this.marked.set(pkg.name, pkg);
    this.requiredBy.set(pkg.name, by);
    this.journal.push({ kind: 'mark', name: pkg.name });
  }

  private protect(name: string): void {
    if (this.protectedNames.has(name)) return;
    this.protectedNames.add(name);
    this.journal.push({ kind: 'protect', name });
  }

  private rollback(length: number): void {
    while (this.journal.length > length) {
      const entry = this.journal.pop();
      if (entry === undefined) break;
      if (entry.kind === 'mark') {
        this.marked.delete(entry.name);
        this.requiredBy.delete(entry.name);
      } else if (entry.kind === 'protect') {
        this.protectedNames.delete(entry.name);
      } else {
        this.excludedBy.get(entry.name)?.delete(entry.by);
        if (this.excludedBy.get(entry.name)?.size === 0) this.excludedBy.delete(entry.name);
      }
    }
  }

  private describeUnsatisfied(group: RelationGroup): string {
    const reasons = group.map((rel) => this.universe.whyUnsatisfied(rel));
    if (group.length === 1) return `${formatGroup(group)} not satisfiable: ${reasons[0] ?? ''}`;
    return `${formatGroup(group)} not satisfiable: ${group.map((rel, i) => `${rel.name}: ${reasons[i] ?? ''}`).join('; ')}`;
  }

  private unsatisfiable(failure: Failure): DistrolessError {
    return new DistrolessError('UNSATISFIABLE', `${this.where}: ${[...failure.chain, failure.detail].join(' → ')}`);
  }

  private result(): Resolution {
    const names = [...this.marked.keys()].sort(byName);
    const packages = names.map((name) => ({
      pkg: this.marked.get(name) as LocatedPackage,
      requiredBy: this.requiredBy.get(name) ?? null,
    }));
    const excluded = [...this.excludedBy.entries()]
      .map(([name, by]) => ({ name, wantedBy: [...by].sort(byName) }))
      .sort((a, b) => byName(a.name, b.name));
    return { image: this.request.image, arch: this.request.arch, packages, excluded };
  }
}

/** apt's numeric priorities: a missing field is 0 (ranks first), an unknown word is extra. */
function priorityRank(priority: string | undefined): number {
  switch (priority) {
    case undefined:
    case '':
      return 0;
    case 'required':
      return 1;
    case 'important':
      return 2;
    case 'standard':
      return 3;
    case 'optional':
      return 4;
    default:
      return 5;
  }
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
