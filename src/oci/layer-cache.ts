/**
 * A cache of compressed layers keyed by what produced them (docs/architecture.md#reproducibility-and-caches):
 * the caller's key should cover every input of the layer bytes — e.g. the .deb's sha256, the layer recipe
 * version, the build epoch and `gzipIdentity(level)`. Layout on disk:
 *
 *   <dir>/blobs/sha256/<hex>          content-addressed gzip blobs (read-only; layouts hardlink or copy them)
 *   <dir>/keys/<sha256(key)>.json     {"diffId","digest","key","size","version"}, each written atomically
 *
 * One small file per key (not one shared index) so that concurrent builds never read-modify-write the same
 * file; the worst race is two writers producing the same blob, and the rename makes that harmless.
 *
 * Verification on `get`: by default the blob must exist as a regular file of the recorded size — a stat, no
 * read. Entries and blobs are only ever published by rename after they are complete, so a crash cannot leave a
 * truncated blob behind a good entry; what a size check misses is same-size tampering (a cache restored from
 * `actions/cache` may have been written by another workflow). The build therefore re-hashes every hit as it
 * brings it into a layout (`OciLayoutWriter.importBlob` with `verify`, once per blob a layout lacks, so a
 * rebuild into the same layout reads none of them) and `evict`s a mismatching one, then builds the layer anew.
 * `verify: 'digest'` re-hashes the blob on every `get` instead (one read of the blob: sha256 runs at
 * ~330 MB/s on a 2-core runner, ~0.2 s for a 68 MB JRE layer); a mismatching blob is deleted and the entry
 * reported as a miss. What no hash catches is an entry pointing its key at another well-formed blob: the
 * cache is trusted for which layer a key names.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DistrolessError } from '../errors.js';
import { writeFilesAtomically } from '../util/fs.js';
import { blobExists, blobPath, digestFile, isDigest, isNotFound, sha256Digest } from './digest.js';
import { writeLayerBlob, type LayerSource, type LayerWriteOptions } from './layer.js';
import type { LayerBlob } from './types.js';

const ENTRY_VERSION = 1;

export interface LayerCacheOptions {
  /** How a hit is checked: `size` (stat only, default) or `digest` (re-hash the blob). */
  verify?: 'size' | 'digest';
}

interface CacheEntry extends LayerBlob {
  key: string;
  version: number;
}

export class LayerCache {
  /** The cache's `blobs` directory: pass it to `writeLayerBlob`, or read blobs with `blobPath`. */
  readonly blobsDir: string;
  private readonly keysDir: string;
  private readonly verify: 'size' | 'digest';
  /** Layers being produced by `getOrWrite` in this process, so two images sharing a layer build it once. */
  private readonly inflight = new Map<string, Promise<{ blob: LayerBlob; hit: boolean }>>();

  constructor(
    readonly dir: string,
    opts: LayerCacheOptions = {},
  ) {
    this.blobsDir = join(dir, 'blobs');
    this.keysDir = join(dir, 'keys');
    this.verify = opts.verify ?? 'size';
  }

  /** Path of a cached blob (whether or not it exists). */
  blobPath(digest: string): string {
    return blobPath(this.blobsDir, digest);
  }

  /** The layer recorded under `key`, if its entry is readable and its blob passes the check; else undefined. */
  async get(key: string): Promise<LayerBlob | undefined> {
    let text: string;
    try {
      text = await readFile(this.entryPath(key), 'utf8');
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    const entry = parseEntry(text);
    if (entry === undefined || entry.key !== key) return undefined;
    const blob: LayerBlob = { digest: entry.digest, size: entry.size, diffId: entry.diffId };
    if (!(await blobExists(this.blobsDir, blob.digest, blob.size))) return undefined;
    if (this.verify === 'digest') {
      const actual = await digestFile(this.blobPath(blob.digest));
      if (actual.digest !== blob.digest) {
        await rm(this.blobPath(blob.digest), { force: true });
        return undefined;
      }
    }
    return blob;
  }

  /**
   * Records `blob` under `key`. The blob must already be in `blobsDir` (written there by `writeLayerBlob`)
   * with its size; the entry file is replaced atomically.
   */
  async put(key: string, blob: LayerBlob): Promise<void> {
    if (!(await blobExists(this.blobsDir, blob.digest, blob.size))) {
      throw new DistrolessError(
        'INTERNAL',
        `layer cache: blob ${blob.digest} (${blob.size} bytes) is not in ${this.blobsDir}`,
      );
    }
    const entry: CacheEntry = {
      diffId: blob.diffId,
      digest: blob.digest,
      key,
      size: blob.size,
      version: ENTRY_VERSION,
    };
    await writeFilesAtomically([{ path: this.entryPath(key), content: `${JSON.stringify(entry)}\n` }]);
  }

  /** Forgets `key` and deletes blob `digest` (found not to match its name): the next lookup is a miss. */
  async evict(key: string, digest: string): Promise<void> {
    await rm(this.entryPath(key), { force: true });
    await rm(this.blobPath(digest), { force: true });
  }

  /**
   * The cached layer for `key`, or else a new one written from `tar()` (called only on a miss) and recorded.
   * Concurrent calls with the same key in this process share one write.
   */
  async getOrWrite(
    key: string,
    tar: () => LayerSource,
    opts: LayerWriteOptions = {},
  ): Promise<{ blob: LayerBlob; hit: boolean }> {
    const running = this.inflight.get(key);
    // A second caller shares the first one's work: for it, the layer was not built (a hit), so counts add up.
    if (running !== undefined) return running.then(({ blob }) => ({ blob, hit: true }));
    const work = (async () => {
      const cached = await this.get(key);
      if (cached !== undefined) return { blob: cached, hit: true };
      const blob = await writeLayerBlob(tar(), this.blobsDir, opts);
      await this.put(key, blob);
      return { blob, hit: false };
    })();
    this.inflight.set(key, work);
    try {
      return await work;
    } finally {
      this.inflight.delete(key);
    }
  }

  private entryPath(key: string): string {
    return join(this.keysDir, `${sha256Digest(key).slice('sha256:'.length)}.json`);
  }
}

function parseEntry(text: string): CacheEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Partial<Record<keyof CacheEntry, unknown>>;
  if (e.version !== ENTRY_VERSION || typeof e.key !== 'string') return undefined;
  if (typeof e.digest !== 'string' || !isDigest(e.digest) || typeof e.diffId !== 'string' || !isDigest(e.diffId))
    return undefined;
  if (typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0) return undefined;
  return { key: e.key, version: e.version, digest: e.digest, diffId: e.diffId, size: e.size };
}
