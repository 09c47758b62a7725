import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createHttpClient,
  debStore,
  type DebStore,
  type PoolProgress,
  debianKeyring,
  directoryCache,
  downloadIndices,
  readIndexFile,
  type IndexCache,
  type IndexFile,
  type IndexOrigin,
  type ReadIndex,
  type SuiteIndicesOf,
  fetchRelease,
  listedIndexEntries,
  type ArchiveProgress,
  type FetchedRelease,
  type HttpClient,
  type Keyring,
  type RetryPolicy,
} from '../archive/index.js';
import {
  type Config,
  configDigest,
  type DistroConfig,
  type ImageRequest,
  imageRequests,
  type SourceConfig,
} from '../config/index.js';
import { DistrolessError } from '../errors.js';
import { diffLockfiles, isEmptyDiff, type LockDiff } from '../lock/diff.js';
import { lockfilePath, readLockfile, writeLockfiles } from '../lock/io.js';
import { compareCodeUnits } from '../util/json.js';
import { RESOLVER_VERSION, LOCKFILE_VERSION, type Lockfile, type LockedSource } from '../lock/types.js';
import { packagesSink, type ParsedIndex, resolveArch, type ResolvedArch } from './resolve-distro.js';
import { DEFAULT_RETRY, singleTry } from '../util/http/index.js';
import { collectGarbage, leanHeap } from '../util/memory.js';
import { settleAll } from '../util/concurrency.js';
import { selectSnapshot, snapshotArchive, snapshotTimestamp } from '../archive/snapshot.js';
import { collectChangelogs } from '../update-pr/changelogs.js';

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
  /**
   * Accept a validly signed Release older than the one the lock records (a rollback to an older archive
   * state). Off by default: bookworm and trixie main carry no Valid-Until, so only this check catches a replay.
   */
  allowDowngrade?: boolean;
  retry?: RetryPolicy;
  http?: HttpClient;
  onProgress?: (message: string) => void;
  /**
   * Read the Debian changelog of every changed source package out of one of its new .debs (downloaded into
   * `<cacheDir>/debs`, shared with build) and attach the entries newer than the locked version to the diff.
   */
  changelogs?: boolean;
  /**
   * Build the previous and the new lock (shared layer cache in `cacheDir`) and attach each image × variant ×
   * arch's digest and compressed size change to the diff (app/impact.ts).
   */
  impact?: boolean;
  /** For the snapshot service (default: one try, 15 s timeout). */
  snapshotHttp?: HttpClient;
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
  // Before anything grows the heap: V8 keeps the young generation at the size it has when told.
  leanHeap();
  const keyring = opts.keyring ?? (await debianKeyring());
  const http = opts.http ?? createHttpClient(opts.retry === undefined ? {} : { retry: opts.retry });
  const progress = opts.onProgress ?? (() => undefined);
  const distros: DistroUpdate[] = [];
  const changedLocks: Lockfile[] = [];
  const debs = opts.changelogs ? await changelogStore(opts.cacheDir, http, progress) : undefined;
  try {
    for (const distro of Object.values(opts.config.distros)) {
      const { update, lock, previous } = await updateDistro(opts, distro, { keyring, http, progress });
      if (debs && update.changed)
        update.diff.changelogs = await collectChangelogs({
          distro,
          previous,
          next: lock,
          diff: update.diff,
          store: debs.store,
          deb: { xzCommand: 'xz' },
          onProgress: progress,
        });
      if (opts.impact && update.changed) {
        const { imageImpact } = await import('./impact.js');
        const temp = opts.cacheDir === undefined ? await mkdtemp(join(tmpdir(), 'distroless-impact-')) : undefined;
        try {
          const cacheDir = opts.cacheDir ?? (temp as string);
          update.diff.impact = await imageImpact({
            config: opts.config,
            previous,
            next: lock,
            cacheDir,
            http,
            onProgress: progress,
          });
        } finally {
          if (temp !== undefined) await rm(temp, { recursive: true, force: true });
        }
      }
      distros.push(update);
      if (update.changed) changedLocks.push(lock);
    }
  } finally {
    await debs?.close();
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
): Promise<{ update: DistroUpdate; lock: Lockfile; previous: Lockfile | undefined }> {
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
  if (previous && opts.allowDowngrade !== true) refuseRollback(previous, distro, releases, opts.lockDir);
  const archs = distro.archs.filter((a) => !opts.archs || opts.archs.includes(a));
  const base = { distro: distro.name, lockfile: lockfilePath(opts.lockDir, distro.name), archs: distro.archs };
  if (previous && isCurrent(previous, digest, distro, archs, releases)) {
    deps.progress(`${distro.name}: every index matches ${base.lockfile}; nothing to resolve`);
    // A snapshot id recorded while the service had not imported the Release yet is looked up again.
    const ids = distro.snapshot ? await snapshotIds(opts, distro, releases, previous, deps) : [];
    const lock = ids.some((id, i) => id !== previous.sources[i]?.snapshot)
      ? { ...previous, sources: previous.sources.map((s, i) => ({ ...s, snapshot: ids[i] ?? s.snapshot })) }
      : previous;
    return {
      update: { ...base, changed: lock !== previous, upToDate: true, diff: diffLockfiles(previous, lock) },
      lock,
      previous,
    };
  }
  const cache = opts.cacheDir === undefined ? undefined : directoryCache(join(opts.cacheDir, 'indices'));
  const requests = imageRequests(opts.config, distro);
  // Arch by arch: each arch's indices are downloaded and checked, then parsed as they are decompressed, then
  // resolved. Only one arch's compact records are in memory at a time, never an index's text
  // (docs/architecture.md, "update in bounded memory").
  const perArch: ArchResult[] = [];
  for (const arch of archs) {
    perArch.push(await updateArch(distro, arch, releases, requests, cache, deps));
    // That arch's records and universe are garbage now: collect them before the next arch's are built.
    collectGarbage();
  }
  const snapshots = await snapshotIds(opts, distro, releases, previous, deps);
  const fresh: Lockfile = {
    lockfileVersion: LOCKFILE_VERSION,
    resolverVersion: RESOLVER_VERSION,
    distro: distro.name,
    configDigest: digest,
    sources: distro.sources.map((s, i) =>
      lockedSource(
        s,
        releases[i] as FetchedRelease,
        snapshots[i] as string,
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
  return { update: { ...base, changed, upToDate: false, diff }, lock, previous };
}

interface ArchResult {
  resolved: ResolvedArch;
  /** Per source, in config order: the indices read and the archs its Release does not list. */
  suites: { indices: IndexOrigin[]; missingArchs: string[] }[];
}

/** Downloads and checks one arch's indices, parses each as it is decompressed, and resolves that arch. */
async function updateArch(
  distro: DistroConfig,
  arch: string,
  releases: readonly FetchedRelease[],
  requests: readonly ImageRequest[],
  cache: IndexCache | undefined,
  deps: Deps,
): Promise<ArchResult> {
  const onArchive = (e: ArchiveProgress): void => deps.progress(describe(e));
  const files = await settleAll(
    distro.sources.map((s, i) =>
      downloadIndices(releases[i] as FetchedRelease, {
        components: s.components,
        archs: [arch],
        http: deps.http,
        ...(cache ? { cache } : {}),
        onProgress: onArchive,
      }),
    ),
  );
  const suites: SuiteIndicesOf<ReadIndex<ParsedIndex>>[] = [];
  for (const [i, suite] of files.entries()) {
    const sink = packagesSink(distro.sources[i] as SourceConfig);
    const indices: ReadIndex<ParsedIndex>[] = [];
    // One file at a time, each compressed file dropped once read.
    while (suite.indices.length > 0) {
      const file = suite.indices.shift() as IndexFile;
      indices.push(await readIndexFile(file, sink(file), 'xz'));
    }
    suites.push({ ...suite, indices });
  }
  // The compressed files and the parsers' working sets are garbage now: collect them before the universe grows.
  collectGarbage();
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
      indices: s.indices.map(({ value: _value, ...origin }) => origin),
      missingArchs: s.missingArchs,
    })),
  };
}

/** The .deb store of the changelog step: `<cacheDir>/debs` (build's), or a temp dir removed afterwards. */
async function changelogStore(
  cacheDir: string | undefined,
  http: HttpClient,
  progress: (message: string) => void,
): Promise<{ store: DebStore; close: () => Promise<void> }> {
  const dir = cacheDir === undefined ? await mkdtemp(join(tmpdir(), 'distroless-debs-')) : join(cacheDir, 'debs');
  const onProgress = (e: PoolProgress): void =>
    progress(
      e.kind === 'deb'
        ? `${e.cached ? 'have' : `fetched ${e.url} (${(e.bytes / 1e6).toFixed(1)} MB)`} for the changelog of ${e.label}`
        : `${e.label}: ${e.url} failed (${e.reason})`,
    );
  return {
    store: debStore({ dir, http, onProgress }),
    close: async () => {
      if (cacheDir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A Release dated before the one the lock recorded for its suite is a replay of an older archive state (the
 * signature stays valid for ever when there is no Valid-Until): refused, naming the suite and both dates.
 */
function refuseRollback(
  lock: Lockfile,
  distro: DistroConfig,
  releases: readonly FetchedRelease[],
  lockDir: string,
): void {
  distro.sources.forEach((source, i) => {
    const release = releases[i];
    const locked = lock.sources.find((s) => s.suite === source.suite);
    if (!release || !locked) return;
    const lockedDate = Date.parse(locked.date);
    if (!Number.isFinite(lockedDate) || release.date.getTime() >= lockedDate) return;
    throw new DistrolessError(
      'RELEASE_INVALID',
      `${distro.name}: suite ${source.suite}: the Release is dated ${isoSeconds(release.date)}, ` +
        `older than ${locked.date} recorded in ${lockfilePath(lockDir, distro.name)} (a rollback); ` +
        `refused unless a downgrade is allowed (--allow-downgrade)`,
    );
  });
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
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
  snapshot: string,
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
    date: isoSeconds(release.date),
    snapshot,
    inRelease: release.inReleaseSha256,
    indices: byArch,
    missingArchs: [...missingArchs].sort(compareCodeUnits),
  };
}

/** snapshot.debian.org timestamp (YYYYMMDDTHHMMSSZ) of the Release date. */
export const snapshotId = snapshotTimestamp;

/**
 * Per source, the snapshot id to record: with a snapshot service configured, the first snapshot that holds
 * this exact InRelease (archive/snapshot.ts); the previous lock's id when it was made from the same InRelease;
 * otherwise (no service, not imported yet, service unreachable) the Release Date, with a warning when a
 * service was configured: build then finds the new .debs on the mirror until the next update records an id.
 */
async function snapshotIds(
  opts: UpdateOptions,
  distro: DistroConfig,
  releases: readonly FetchedRelease[],
  previous: Lockfile | undefined,
  deps: Deps,
): Promise<string[]> {
  return Promise.all(
    distro.sources.map(async (source, i) => {
      const release = releases[i] as FetchedRelease;
      const fallback = snapshotTimestamp(release.date);
      const service = distro.snapshot;
      if (service === undefined) return fallback;
      const old = previous?.sources.find((s) => s.suite === source.suite);
      if (old && old.inRelease === release.inReleaseSha256 && old.snapshot > fallback) return old.snapshot;
      const archive = snapshotArchive(source.originalUrl ?? source.url);
      try {
        const choice = await selectSnapshot({
          service,
          archive,
          suite: source.suite,
          date: release.date,
          inReleaseSha256: release.inReleaseSha256,
          http: opts.snapshotHttp ?? snapshotClient(),
        });
        if (choice.id !== undefined) {
          deps.progress(`${source.suite}: snapshot ${archive}/${choice.id} holds this InRelease`);
          return choice.id;
        }
        deps.progress(`warning: ${source.suite}: ${choice.reason}; recording the Release date ${fallback}`);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        deps.progress(`warning: ${source.suite}: snapshot service: ${why}; recording the Release date ${fallback}`);
      }
      return fallback;
    }),
  );
}

/** The snapshot service is optional for update: one try, a short timeout. */
function snapshotClient(): HttpClient {
  return createHttpClient({
    retry: singleTry(DEFAULT_RETRY, 15_000),
  });
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
