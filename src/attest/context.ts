/**
 * Everything attestations are made from, gathered once per run: the config, each distro's lockfile (and the
 * sha256 of its bytes), config digests, build epochs, where each .deb came from, the GitHub invocation, and
 * the licence lookup. Reading happens here; making documents (subject.ts) is then pure but for licences.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { hashFile } from '../archive/pool.js';
import { lockEpoch } from '../lock/epoch.js';
import { configDigest, loadConfig } from '../config/index.js';
import type { Config } from '../config/types.js';
import type { DebOptions } from '../deb/deb.js';
import { DistrolessError } from '../errors.js';
import { lockfilePath, readLockBytes, type LockRead } from '../lock/io.js';
import type { LockedPackage, Lockfile } from '../lock/types.js';
import type { HttpClient } from '../archive/http.js';
import { debDownloader } from './fetch.js';
import { LicenseCache, licenseLookup, type DebRef, type LicenseLookup } from './license-cache.js';
import type { GitHubInvocation } from './provenance.js';

export interface AttestContextOptions {
  /** The loaded config (as the command loaded it, mirror overrides and all). Its `file` is read for its sha256. */
  config?: Config;
  /** Or the config file to load (no mirror overrides: URLs in SBOMs are the ones the config and lock name). */
  configFile?: string;
  /** Directory of the `<distro>.lock.json` files. Every distro of the config with a lockfile is read. */
  lockDir: string;
  /**
   * The build cache (`--cache-dir`): licence facts are read from `<cacheDir>/licenses` (the build writes them)
   * and, for .debs whose facts are missing, from `<cacheDir>/debs/<sha256>.deb` when it is there (hash checked).
   * Without it (and without `licenses`) every package's licence is NOASSERTION.
   */
  cacheDir?: string;
  /**
   * With `cacheDir`: download the .debs whose licence facts and files are both missing from the cache (snapshot,
   * then mirror, sha256-checked, into `<cacheDir>/debs`), so that documents do not depend on what this
   * machine built. Without it such packages get NOASSERTION.
   */
  download?: HttpClient;
  /** Replaces the cache-based licence lookup altogether. */
  licenses?: LicenseLookup;
  /** Paths in the provenance (config, lockfiles) are relative to this (default: the config file's directory). */
  repoRoot?: string;
  /** Build epoch (SOURCE_DATE_EPOCH) for every distro; default: per distro, the newest Release date in its lock (as `build`). */
  epoch?: number;
  /** The GitHub Actions run, gathered at the edge (`githubInvocation(process.env)`); absent off Actions. */
  invocation?: GitHubInvocation;
  /** Provenance `startedOn` / `finishedOn` (the edge's clock); omitted when absent. */
  startedOn?: Date;
  finishedOn?: Date;
  /** How .debs are decoded when one must be read for its copyright file. */
  deb?: DebOptions;
  /**
   * Reads one distro's lockfile (its bytes and the parsed lock; undefined when there is none); default: from
   * `lockDir`. A build passes the reader it uses itself, so each lockfile is read and parsed once.
   */
  readLock?: (distro: string) => Promise<LockRead | undefined>;
}

export interface LockedDistro {
  lock: Lockfile;
  /** Lockfile path relative to the repository root, `/`-separated. */
  path: string;
  /** sha256 (hex) of the lockfile's bytes. */
  sha256: string;
  /** The config's digest for this distro (`configDigest`), `sha256:…`. */
  configDigest: string;
  epoch: number;
}

export interface AttestContext {
  config: Config;
  /** Config path relative to the repository root and the sha256 (hex) of its bytes. */
  configFile: { path: string; sha256: string };
  /** Per distro name, for every distro that has a lockfile. */
  distros: Record<string, LockedDistro>;
  invocation?: GitHubInvocation;
  startedOn?: Date;
  finishedOn?: Date;
  licenses: LicenseLookup;
}

/** Reads the config and the lockfiles; no network. */
export async function createAttestContext(opts: AttestContextOptions): Promise<AttestContext> {
  const config = opts.config ?? (opts.configFile !== undefined ? await loadConfig(opts.configFile) : undefined);
  if (!config) throw new DistrolessError('INTERNAL', 'attestations need a config (config or configFile)');
  const root = resolve(opts.repoRoot ?? dirname(config.file));
  const distros: Record<string, LockedDistro> = {};
  const readLock = opts.readLock ?? ((distro: string) => readLockBytes(opts.lockDir, distro));
  for (const name of Object.keys(config.distros)) {
    const read = await readLock(name);
    if (read === undefined) continue;
    const { bytes, lock } = read;
    distros[name] = {
      lock,
      path: repoPath(root, lockfilePath(opts.lockDir, name)),
      sha256: sha256(bytes),
      configDigest: configDigest(config, name),
      epoch: opts.epoch ?? lockEpoch(lock),
    };
  }
  return {
    config,
    configFile: { path: repoPath(root, config.file), sha256: sha256(await readFile(config.file)) },
    distros,
    ...(opts.invocation ? { invocation: opts.invocation } : {}),
    ...(opts.startedOn ? { startedOn: opts.startedOn } : {}),
    ...(opts.finishedOn ? { finishedOn: opts.finishedOn } : {}),
    licenses:
      opts.licenses ??
      cacheLicenses(
        opts.cacheDir,
        opts.deb,
        opts.download && opts.cacheDir
          ? debDownloader(config, () => Object.values(distros).map((d) => d.lock), opts.cacheDir, opts.download)
          : undefined,
      ),
  };
}

/**
 * The licence lookup of a cache directory: cached facts, else a cached .deb that still has its pinned hash,
 * else what `download` gives (undefined: nothing more).
 */
export function cacheLicenses(
  cacheDir: string | undefined,
  deb?: DebOptions,
  download?: (deb: DebRef) => Promise<string | undefined>,
): LicenseLookup {
  if (cacheDir === undefined) return async () => undefined;
  return licenseLookup({
    cache: new LicenseCache(join(cacheDir, 'licenses')),
    debPath: async (ref) => {
      const path = join(cacheDir, 'debs', `${ref.sha256}.deb`);
      if ((await stat(path).catch(() => undefined))?.isFile() && (await hashFile(path)) === ref.sha256) return path;
      return download?.(ref);
    },
    ...(deb ? { deb } : {}),
  });
}

/** The pool URL of a pinned .deb: its suite's archive root as the config names it (before mirror overrides). */
export function downloadUrl(lock: Lockfile, pin: LockedPackage): string {
  const source = lock.sources.find((s) => s.suite === pin.suite);
  if (!source)
    throw new DistrolessError(
      'LOCK_INVALID',
      `${lock.distro}: a package comes from suite ${pin.suite}, which the lock does not list`,
    );
  return `${source.url.replace(/\/+$/, '')}/${pin.filename}`;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `path` relative to `root` with `/` separators; the absolute path when it is outside the root. */
function repoPath(root: string, path: string): string {
  const rel = relative(root, resolve(path));
  if (rel === '' || rel.startsWith('..')) return resolve(path).split(sep).join('/');
  return rel.split(sep).join('/');
}
