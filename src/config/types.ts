/** The validated, normalised configuration (what `loadConfig` returns). Plain data. */

export interface SourceConfig {
  /** Archive root URL, no trailing slash, e.g. https://deb.debian.org/debian */
  url: string;
  /** Suite (codename) as in dists/<suite>, e.g. bookworm, bookworm-security */
  suite: string;
  components: string[];
  /** The URL as written in the config when a mirror override replaced `url` (absent otherwise); use `originalUrl ?? url`. */
  originalUrl?: string;
}

export interface DistroConfig {
  name: string;
  /** Merged in order; the highest version of a package across sources wins. */
  sources: SourceConfig[];
  /** Snapshot service base (e.g. https://snapshot.debian.org); lock URLs point here, the mirror pool is the fallback. */
  snapshot?: string;
  /** Debian architecture names: amd64, arm64, armhf, s390x, ppc64el. */
  archs: string[];
  /** Extra packages layered onto every image for the debug variants (busybox-static). */
  debugPackages: string[];
  /**
   * The package whose `usr/lib/locale/C.utf8` (and copyright) make the locale layer of images whose env sets
   * LANG (libc-bin, the same version as libc6): pinned in the lock, never installed as a package.
   */
  localePackage?: string;
  /**
   * Files (image paths without the leading `/`, e.g. `usr/bin/su`) that keep their setuid/setgid bits; every
   * other file from a package has them cleared. Per distro, because package layers are shared by its images.
   */
  keepSetuid: string[];
  /** Value of VERSION_ID / the number in the repository suffix, e.g. "12" for debian12. */
  version: string;
  /**
   * Merged /usr (Debian 13): base-files ships `bin`, `sbin`, `lib`… as symlinks into usr/, its layer goes first,
   * and no other package's layer may carry entries under those names (docs/architecture.md, "Merged /usr").
   */
  mergedUsr?: true;
}

export interface ImageConfig {
  name: string;
  distro: string;
  /** Written under `distros.<distro>.images` rather than the top-level `images`. */
  scoped?: true;
  /** Parent image name; its packages and excludes are inherited. */
  from?: string;
  /** Packages requested by this image itself (without the parent's). */
  packages: string[];
  /** Packages deliberately left out of the closure (dependencies on them count as satisfied). */
  exclude: string[];
  /** Subset of the distro's archs; defaults to all of them. */
  archs: string[];
  entrypoint?: string[];
  cmd?: string[];
  env: Record<string, string>;
}

export interface Config {
  /** Path of the file it was read from (for error messages and annotations). */
  file: string;
  distros: Record<string, DistroConfig>;
  /** Keyed by `<image>-<distro>` (imageKey): an image name may recur across distros. `from` names one of its distro. */
  images: Record<string, ImageConfig>;
  /** How build compresses layers (default gzip). Not part of the lock: a build choice, not a resolution input. */
  compression?: 'gzip' | 'zstd';
  /** Repository URL: label and annotation `org.opencontainers.image.source` of every image and index. */
  source?: string;
}
