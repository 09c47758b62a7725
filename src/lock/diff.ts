import type { ChangelogEntry } from '../debian/changelog.js';
import { compareCodeUnits } from '../util/json.js';
import type { Lockfile, LockedPackage } from './types.js';

/** One old → new change of a package pin, with every arch it applies to. */
export interface PackageChange {
  name: string;
  kind: 'updated' | 'added' | 'removed';
  old?: string;
  new?: string;
  /** Suite of the new pin (of the old one when removed). */
  suite: string;
  source: string;
  archs: string[];
  /** Images whose closure holds the package (new lock; old lock for removals). */
  images: string[];
}

/** Packages that entered or left one image's closure. */
export interface ClosureChange {
  image: string;
  archs: string[];
  added: string[];
  removed: string[];
}

/** What changed in one source package, from the Debian changelog of its new .deb (update-pr/changelogs.ts). */
export interface SourceChangelog {
  source: string;
  /** The oldest source version the previous lock had of it. */
  old: string;
  new: string;
  /** True when a change of it came from a -security suite. */
  security: boolean;
  /** Entries newer than `old`, newest first (binNMU entries of the arch changelog first). */
  entries: ChangelogEntry[];
  /** Distinct CVE ids named in `entries`. */
  cves: string[];
  /** The binary package whose .deb held the changelog (`name arch`). */
  from?: string;
  /** Why there are no entries (no changelog in the package, download failed, …). */
  note?: string;
}

/** One image × variant × arch: what the update does to it (app/impact.ts). */
export interface ImageImpact {
  image: string;
  variant: string;
  arch: string;
  /** Manifest digests before and after; equal when the image does not change. */
  oldDigest?: string;
  newDigest?: string;
  /** Compressed size (config + layers, as pushed) before and after, in bytes. */
  oldSize?: number;
  newSize?: number;
}

export interface LockDiff {
  distro: string;
  changes: PackageChange[];
  closures: ClosureChange[];
  /** Suites whose snapshot moved: suite → [old, new]. */
  snapshots: Array<{ suite: string; old?: string; new: string }>;
  /** Per changed source package, what its changelog says (only when `update` was asked for changelogs). */
  changelogs?: SourceChangelog[];
  /** Per image × variant × arch, the digest and size change (only when `update` was asked for it). */
  impact?: ImageImpact[];
}

export function isEmptyDiff(diff: LockDiff): boolean {
  return diff.changes.length === 0 && diff.closures.length === 0;
}

/** Compares two lockfiles of one distro (`before` undefined: everything is new). */
export function diffLockfiles(before: Lockfile | undefined, after: Lockfile): LockDiff {
  const groups = new Map<string, PackageChange>();
  const archs = new Set([...Object.keys(before?.packages ?? {}), ...Object.keys(after.packages)]);
  for (const arch of [...archs].sort(compareCodeUnits)) {
    const oldPkgs = before?.packages[arch] ?? {};
    const newPkgs = after.packages[arch] ?? {};
    for (const name of new Set([...Object.keys(oldPkgs), ...Object.keys(newPkgs)])) {
      const change = pinChange(name, oldPkgs[name], newPkgs[name]);
      if (!change) continue;
      const key = `${name}\0${change.old ?? ''}\0${change.new ?? ''}\0${change.suite}`;
      const group = groups.get(key) ?? { ...change, archs: [], images: [] };
      group.archs.push(arch);
      groups.set(key, group);
    }
  }
  for (const change of groups.values())
    change.images = imagesHolding(change.kind === 'removed' ? before : after, change.name);
  const changes = [...groups.values()].sort(
    (a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.new ?? '', b.new ?? ''),
  );
  return {
    distro: after.distro,
    changes,
    closures: diffClosures(before, after),
    snapshots: diffSnapshots(before, after),
  };
}

function pinChange(
  name: string,
  old: LockedPackage | undefined,
  cur: LockedPackage | undefined,
): Omit<PackageChange, 'archs' | 'images'> | undefined {
  if (old && cur) {
    if (old.version === cur.version && old.sha256 === cur.sha256) return undefined;
    return { name, kind: 'updated', old: old.version, new: cur.version, suite: cur.suite, source: cur.source };
  }
  if (cur) return { name, kind: 'added', new: cur.version, suite: cur.suite, source: cur.source };
  if (old) return { name, kind: 'removed', old: old.version, suite: old.suite, source: old.source };
  return undefined;
}

function imagesHolding(lock: Lockfile | undefined, name: string): string[] {
  if (!lock) return [];
  return Object.keys(lock.images)
    .filter((image) => Object.values(lock.images[image] ?? {}).some((entry) => name in entry.packages))
    .sort(compareCodeUnits);
}

function diffClosures(before: Lockfile | undefined, after: Lockfile): ClosureChange[] {
  if (!before) return []; // a first lock: every package is listed as added already
  const groups = new Map<string, ClosureChange>();
  const images = new Set([...Object.keys(before?.images ?? {}), ...Object.keys(after.images)]);
  for (const image of [...images].sort(compareCodeUnits)) {
    const oldArchs = before?.images[image] ?? {};
    const newArchs = after.images[image] ?? {};
    for (const arch of [...new Set([...Object.keys(oldArchs), ...Object.keys(newArchs)])].sort(compareCodeUnits)) {
      const oldSet = new Set(Object.keys(oldArchs[arch]?.packages ?? {}));
      const newSet = new Set(Object.keys(newArchs[arch]?.packages ?? {}));
      const added = [...newSet].filter((p) => !oldSet.has(p)).sort(compareCodeUnits);
      const removed = [...oldSet].filter((p) => !newSet.has(p)).sort(compareCodeUnits);
      if (added.length === 0 && removed.length === 0) continue;
      const key = `${image}\0${added.join(',')}\0${removed.join(',')}`;
      const group = groups.get(key) ?? { image, archs: [], added, removed };
      group.archs.push(arch);
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}

function diffSnapshots(before: Lockfile | undefined, after: Lockfile): LockDiff['snapshots'] {
  const old = new Map((before?.sources ?? []).map((s) => [s.suite, s.snapshot]));
  return after.sources
    .filter((s) => old.get(s.suite) !== s.snapshot)
    .map((s) => {
      const prev = old.get(s.suite);
      return prev === undefined ? { suite: s.suite, new: s.snapshot } : { suite: s.suite, old: prev, new: s.snapshot };
    });
}
