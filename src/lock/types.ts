/**
 * Lockfile format (version 1). One file per distro: `lockfiles/<distro>.lock.json`.
 * Everything is keyed by name and serialised with sorted keys, one package entry per few lines, so a
 * one-package bump is a few-line diff.
 */

export const LOCKFILE_VERSION = 1;

/** Bumped whenever resolution rules change in a way that can change a lock for the same inputs. */
export const RESOLVER_VERSION = 1;

export interface LockedIndex {
  /** Index path inside dists/<suite>/, e.g. main/binary-amd64/Packages.gz */
  path: string;
  sha256: string;
  size: number;
}

export interface LockedSource {
  /** Archive root as written in the config (before mirror overrides). */
  url: string;
  suite: string;
  components: string[];
  /** The Release `Date:` (ISO 8601, UTC). */
  date: string;
  /** snapshot.debian.org timestamp for this state of the suite, e.g. 20261127T081500Z. */
  snapshot: string;
  /** sha256 of the verified InRelease file. */
  inRelease: string;
  /** Per Debian arch, per component: the index that was verified and parsed. */
  indices: Record<string, Record<string, LockedIndex>>;
  /** Archs requested by the config that the suite does not carry (e.g. s390x in bookworm-security). */
  missingArchs: string[];
}

export interface LockedPackage {
  version: string;
  architecture: string;
  /** Which configured suite the chosen version came from. */
  suite: string;
  source: string;
  sourceVersion: string;
  /** Pool path relative to the archive root of `url`. */
  filename: string;
  size: number;
  sha256: string;
}

export interface LockedImageArch {
  /** Package name → the package that pulled it in ('' when the image asked for it). Sorted by name. */
  packages: Record<string, string>;
  /** Excluded package name → the packages whose dependencies named it. */
  excluded: Record<string, string[]>;
}

export interface Lockfile {
  lockfileVersion: number;
  resolverVersion: number;
  distro: string;
  /** Digest of the normalised config parts that affect resolution (see config/digest.ts). */
  configDigest: string;
  sources: LockedSource[];
  /** Debian arch → package name → pin. Shared by every image of that arch. */
  packages: Record<string, Record<string, LockedPackage>>;
  /** Image name → Debian arch → closure. `debug` holds the debug-variant extras (busybox-static). */
  images: Record<string, Record<string, LockedImageArch>>;
}
