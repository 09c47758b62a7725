/**
 * Turns an uncompressed layer tar into a gzip blob in one streaming pass:
 *
 *   tar ─ sha256 (diff_id) ─ gzip ─ header fix ─ sha256 (digest) ─ temp file ─ rename to blobs/sha256/<hex>
 *
 * Memory stays bounded (the layer is never held whole) and the deflate work runs on libuv's thread pool (Node's
 * async zlib streams), so several layers compress in parallel while the main thread only hashes and copies.
 *
 * Determinism of the compressed bytes. zlib's gzip wrapper writes a 10-byte header: 1f 8b, CM 08, FLG 00 (no
 * name, no comment, no extra), MTIME 0, XFL (4 at level 1, 2 at level 9, 0 otherwise — a function of the level)
 * and OS, which is zlib's compile-time OS_CODE: 3 (Unix) on Linux, but 19 on macOS and 10 on Windows. We rewrite
 * OS to 3 so the platform the build runs on does not leak into the digest (the same byte `gzip -n` writes on
 * Linux). The deflate stream itself is a function of (input, level, zlib build): the same Node zlib gives the
 * same bytes however the input is chunked (no flushes are issued), but another zlib build may compress
 * differently — which is why `gzipIdentity()` belongs in layer cache keys. The diff_id never depends on any of it.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { PassThrough, Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import { DistrolessError } from '../errors.js';
import { DigestCounter, publishBlob, tempBlobPath } from './digest.js';
import type { LayerBlob } from './types.js';

/** gzip level used when the caller gives none (what `gzip` and most image builders use). */
export const DEFAULT_GZIP_LEVEL = 6;

/** Offset of the OS byte in a gzip header (RFC 1952 §2.3) and the value we normalise it to (Unix). */
const GZIP_OS_OFFSET = 9;
const GZIP_OS_UNIX = 3;
/** zlib output chunk: larger than the 16 KiB default, so fewer callbacks per layer. */
const ZLIB_CHUNK = 64 * 1024;

export interface LayerWriteOptions {
  /** gzip level 0–9; default `DEFAULT_GZIP_LEVEL`. */
  level?: number;
}

/**
 * What, besides the tar itself, decides the compressed bytes of a layer: the level and the zlib build. Put it
 * in layer cache keys so a Node upgrade that changes zlib does not serve blobs another build would not produce.
 */
export function gzipIdentity(level: number = DEFAULT_GZIP_LEVEL): string {
  return `gzip-${level}/zlib-${process.versions.zlib ?? 'unknown'}`;
}

/**
 * Streams `tar` into a gzip layer blob under `blobsDir` (the directory holding `sha256/`). Resolves when the
 * blob is in place under its digest; on any failure the temp file is removed and nothing is published.
 * If the blob already exists (same digest), the new copy is discarded.
 */
export async function writeLayerBlob(
  tar: Readable | AsyncIterable<Uint8Array>,
  blobsDir: string,
  opts: LayerWriteOptions = {},
): Promise<LayerBlob> {
  const level = opts.level ?? DEFAULT_GZIP_LEVEL;
  const temp = tempBlobPath(blobsDir);
  const uncompressed = new DigestCounter();
  const compressed = new DigestCounter();
  try {
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new DistrolessError('INTERNAL', `gzip level must be an integer from 0 to 9, got ${level}`);
    }
    await mkdir(blobsDir, { recursive: true });
    await pipeline([
      tar instanceof Readable ? tar : Readable.from(tar),
      uncompressed,
      new Coalescer(COALESCE_BYTES),
      createGzip({ level, chunkSize: ZLIB_CHUNK, strategy: zlibConstants.Z_DEFAULT_STRATEGY }),
      gzipOsNormaliser(),
      compressed,
      createWriteStream(temp, { flags: 'wx', mode: 0o444, flush: true }),
    ]);
    const blob: LayerBlob = { digest: compressed.digest, size: compressed.bytes, diffId: uncompressed.digest };
    await publishBlob(temp, blobsDir, blob.digest, blob.size);
    return blob;
  } catch (e) {
    if (tar instanceof Readable) tar.destroy(); // a no-op when the pipeline already did it
    await rm(temp, { force: true });
    throw e;
  }
}

/**
 * For producers that write into a `Writable` they are given (e.g. `TarWriter`): runs `produce(sink)` and the
 * compression pipeline concurrently, with backpressure between them. The sink is ended when `produce`
 * resolves (if it has not ended it itself); if `produce` throws, the blob is abandoned (nothing published) and
 * its error rethrown; if writing the blob fails, that error is thrown without waiting for the producer.
 */
export async function writeLayerBlobFrom(
  produce: (sink: Writable) => Promise<void>,
  blobsDir: string,
  opts: LayerWriteOptions = {},
): Promise<LayerBlob> {
  const sink = new PassThrough();
  // The pipeline attaches its listeners only after an await; until then a producer error must not be unhandled
  // (the pipeline still sees it: the sink is destroyed with that error).
  sink.on('error', () => undefined);
  const blob = writeLayerBlob(sink, blobsDir, opts);
  const produced = (async () => {
    try {
      await produce(sink);
      if (!sink.writableEnded) sink.end();
    } catch (e) {
      sink.destroy(e instanceof Error ? e : new Error(String(e)));
      await blob.catch(() => undefined); // let the pipeline remove its temp file first
      throw e;
    }
  })();
  const [, result] = await Promise.all([produced, blob]);
  return result;
}

/**
 * Gathers small writes into chunks of at least `size` bytes. A tar of many small files arrives as a header, a
 * body and padding per entry; handing each piece to zlib costs a thread-pool round trip, which made gzip of
 * tzdata's 1,320 entries (2.3 MB) take 3× as long as the same bytes in 64 KiB chunks. Deflate's output does
 * not depend on how its input is split, so the blob is the same bytes either way.
 */
export class Coalescer extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly size: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.pendingBytes === 0 && chunk.length >= this.size) {
      callback(null, chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.size) this.release();
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.pendingBytes > 0) this.release();
    callback();
  }

  private release(): void {
    this.push(this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

const COALESCE_BYTES = 64 * 1024;

/** A Transform that sets the gzip header's OS byte to Unix, whatever platform zlib was built for (see above). */
export function gzipOsNormaliser(): Transform {
  return new GzipOsByte();
}

class GzipOsByte extends Transform {
  private offset = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const at = GZIP_OS_OFFSET - this.offset;
    this.offset += chunk.length;
    if (at < 0 || at >= chunk.length || chunk[at] === GZIP_OS_UNIX) {
      callback(null, chunk);
      return;
    }
    const copy = Buffer.from(chunk);
    copy[at] = GZIP_OS_UNIX;
    callback(null, copy);
  }
}
