import { join } from 'node:path';
import {
  createHttpClient,
  debianKeyring,
  directoryCache,
  fetchIndices,
  fetchRelease,
  listedIndexEntries,
  type ArchiveProgress,
  type FetchedRelease,
  type HttpClient,
  type Keyring,
  type RetryPolicy,
} from '../archive/index.js';
import { configDigest } from '../config/index.js';
import type { Config, DistroConfig, SourceConfig } from '../config/types.js';
import { diffLockfiles, isEmptyDiff, type LockDiff } from '../lock/diff.js';
import { lockfilePath, readLockfile, writeLockfiles } from '../lock/io.js';
import { compareCodeUnits } from '../util/json.js';
import { RESOLVER_VERSION, LOCKFILE_VERSION, type Lockfile, type LockedSource } from '../lock/types.js';
import { resolveArch, type ResolvedArch } from './resolve-distro.js';
import { imageRequests } from '../config/chains.js';
import { mapLimit } from '../util/concurrency.js';

export interface UpdateOptions {
  config: Config;
  lockDir: string;
  /** The time that Valid-Until and signature times are checked against (read once, at the edge). */
  now: Date;
  /** Directory for verified index files (by sha256); none: no cache. */
  cacheDir?: string;
  /** Compute and report, write nothing. */
  check: boolean;
  /**
   * Resolve only these Debian archs (default: every arch of each distro). The lock keeps its previous
   * entries for the other archs, so one arch whose mirror is broken does not hold back the rest.
   */
  archs?: readonly string[];
  /** Trusted archive keys; default: the Debian keys shipped with the tool. */
  keyring?: Keyring;
  retry?: RetryPolicy;
  http?: HttpClient;
  onProgress?: (message: string) => void;
}

export interface DistroUpdate {
  distro: string;
  lockfile: string;
  archs: string[];
  changed: boolean;
  /** True when every index hash matched the lock and the config digest too: nothing was downloaded. */
  upToDate: boolean;
  diff: LockDiff;
}

export interface UpdateResult {
  changed: boolean;
  written: boolean;
  distros: DistroUpdate[];
}

/** `update`: verify the archive, resolve every image, and rewrite the lockfiles when anything changed. */
export async function runUpdate(opts: UpdateOptions): Promise<UpdateResult> {
  const keyring = opts.keyring ?? (await debianKeyring());
  const http = opts.http ?? createHttpClient(opts.retry === undefined ? {} : { retry: opts.retry });
  const progress = opts.onProgress ?? (() => undefined);
  const distros: DistroUpdate[] = [];
  const changedLocks: Lockfile[] = [];
  for (const distro of Object.values(opts.config.distros)) {
    const { update, lock } = await updateDistro(opts, distro, { keyring, http, progress });
    distros.push(update);
    if (update.changed) changedLocks.push(lock);
  }
  const changed = changedLocks.length > 0;
  if (changed && !opts.check) await writeLockfiles(opts.lockDir, changedLocks);
  return { changed, written: changed && !opts.check, distros };
}

interface Deps {
  keyring: Keyring;
  http: HttpClient;
  progress: (message: string) => void;
}

async function updateDistro(
  opts: UpdateOptions,
  distro: DistroConfig,
  deps: Deps,
): Promise<{ update: DistroUpdate; lock: Lockfile }> {
  const previous = await readLockfile(opts.lockDir, distro.name);
  const digest = configDigest(opts.config, distro.name);
  const onArchive = (e: ArchiveProgress): void => deps.progress(describe(e));
  const releases = await Promise.all(
    distro.sources.map((s) =>
      fetchRelease({
        url: s.url,
        suite: s.suite,
        trustedKeys: deps.keyring,
        now: opts.now,
        http: deps.http,
        onProgress: onArchive,
      }),
    ),
  );
  const archs = distro.archs.filter((a) => !opts.archs || opts.archs.includes(a));
  const base = { distro: distro.name, lockfile: lockfilePath(opts.lockDir, distro.name), archs: distro.archs };
  if (previous && isCurrent(previous, digest, distro, archs, releases)) {
    deps.progress(`${distro.name}: every index matches ${base.lockfile}; nothing to resolve`);
    return {
      update: { ...base, changed: false, upToDate: true, diff: diffLockfiles(previous, previous) },
      lock: previous,
    };
  }
  const cache = opts.cacheDir === undefined ? undefined : directoryCache(join(opts.cacheDir, 'indices'));
  const requests = imageRequests(opts.config, distro);
  // Arch by arch, two at a time: one arch's indices download and decompress while another is parsed, and
  // only two arches' indices are in memory at once.
  const perArch = await mapLimit(archs, 2, async (arch) => {
    const suites = await Promise.all(
      distro.sources.map((s, i) =>
        fetchIndices(releases[i] as FetchedRelease, {
          components: s.components,
          archs: [arch],
          http: deps.http,
          ...(cache ? { cache } : {}),
          xzCommand: 'xz',
          onProgress: onArchive,
        }),
      ),
    );
    const resolved = resolveArch(
      distro,
      arch,
      suites.map((s) => s.indices),
      requests,
    );
    deps.progress(
      `${distro.name} ${arch}: resolved ${Object.keys(resolved.images).length} image(s), ${Object.keys(resolved.pins).length} packages`,
    );
    return {
      resolved,
      suites: suites.map((s) => ({
        indices: s.indices.map(({ text: _text, ...rest }) => rest),
        missingArchs: s.missingArchs,
      })),
    };
  });
  const fresh: Lockfile = {
    lockfileVersion: LOCKFILE_VERSION,
    resolverVersion: RESOLVER_VERSION,
    distro: distro.name,
    configDigest: digest,
    sources: distro.sources.map((s, i) =>
      lockedSource(
        s,
        releases[i] as FetchedRelease,
        perArch.flatMap((a) => a.suites[i]?.indices ?? []),
        perArch.flatMap((a) => a.suites[i]?.missingArchs ?? []),
      ),
    ),
    packages: Object.fromEntries(perArch.map((a) => [a.resolved.arch, a.resolved.pins])),
    images: collectImages(perArch.map((a) => a.resolved)),
  };
  const lock =
    archs.length === distro.archs.length
      ? fresh
      : keepOtherArchs(
          fresh,
          previous,
          distro.archs.filter((a) => !archs.includes(a)),
        );
  const diff = diffLockfiles(previous, lock);
  const changed = !previous || !isEmptyDiff(diff) || lockInputsMoved(previous, lock);
  return { update: { ...base, changed, upToDate: false, diff }, lock };
}

/** True when the lock was made from exactly these indices and this config: resolution would not change. */
function isCurrent(
  lock: Lockfile,
  digest: string,
  distro: DistroConfig,
  archs: readonly string[],
  releases: readonly FetchedRelease[],
): boolean {
  if (lock.configDigest !== digest || lock.resolverVersion !== RESOLVER_VERSION) return false;
  if (lock.sources.length !== distro.sources.length) return false;
  return distro.sources.every((source, i) => {
    const locked = lock.sources[i];
    const release = releases[i];
    if (!locked || !release || locked.suite !== source.suite) return false;
    return archs.every((arch) =>
      source.components.every((component) => {
        const entry = listedIndexEntries(release.release, component, arch)[0];
        const pinned = locked.indices[arch]?.[component];
        if (entry === undefined) return pinned === undefined && locked.missingArchs.includes(arch);
        return pinned !== undefined && pinned.sha256 === entry.sha256 && pinned.path === entry.path;
      }),
    );
  });
}

/** Image → arch → closure, from the per-arch results. */
function collectImages(results: readonly ResolvedArch[]): Lockfile['images'] {
  const images: Lockfile['images'] = {};
  for (const r of results)
    for (const [image, entry] of Object.entries(r.images)) (images[image] ??= {})[r.arch] = entry;
  return images;
}

/** A partial update: the archs not resolved this time keep what the previous lock had for them. */
function keepOtherArchs(fresh: Lockfile, previous: Lockfile | undefined, others: readonly string[]): Lockfile {
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

/** The config digest or index set moved although no pin did: the lock still needs rewriting. */
function lockInputsMoved(previous: Lockfile, next: Lockfile): boolean {
  if (previous.configDigest !== next.configDigest || previous.resolverVersion !== next.resolverVersion) return true;
  return JSON.stringify(previous.sources.map((s) => s.indices)) !== JSON.stringify(next.sources.map((s) => s.indices));
}

function lockedSource(
  source: SourceConfig,
  release: FetchedRelease,
  indices: ReadonlyArray<{ arch: string; component: string; path: string; sha256: string; size: number }>,
  missingArchs: readonly string[],
): LockedSource {
  const byArch: LockedSource['indices'] = {};
  for (const ix of indices)
    (byArch[ix.arch] ??= {})[ix.component] = { path: ix.path, sha256: ix.sha256, size: ix.size };
  return {
    url: source.originalUrl ?? source.url,
    suite: source.suite,
    components: source.components,
    date: release.date.toISOString().replace('.000Z', 'Z'),
    snapshot: snapshotId(release.date),
    inRelease: release.inReleaseSha256,
    indices: byArch,
    missingArchs: [...missingArchs].sort(compareCodeUnits),
  };
}

/** snapshot.debian.org timestamp (YYYYMMDDTHHMMSSZ) of the Release date. */
export function snapshotId(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

function describe(e: ArchiveProgress): string {
  switch (e.kind) {
    case 'release':
      return `verified ${e.url} (${e.signers.length} trusted signature(s))`;
    case 'index':
      return e.cached
        ? `index ${e.url.slice(0, 20)}… from cache`
        : `fetched ${e.url} (${(e.bytes / 1e6).toFixed(1)} MB)`;
    case 'missing-arch':
      return `${e.suite} has no ${e.arch}: skipped (recorded in the lock)`;
  }
}
