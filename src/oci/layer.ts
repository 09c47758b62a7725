/**
 * Turns an uncompressed layer tar into a compressed blob in one streaming pass:
 *
 *   tar ─ sha256 (diff_id) ─ gzip | zstd ─ sha256 (digest) ─ temp file ─ rename to blobs/sha256/<hex>
 *
 * Memory stays bounded (the layer is never held whole) and the compression runs off the main thread, so the
 * main thread only reads the .deb, writes the tar and hashes.
 *
 * gzip (the default, media type tar+gzip) is `parallelGzip` (parallel-gzip.ts): a layer of 1 MiB or more is
 * deflated in 512 KiB chunks, several at once on Node's thread pool, joined into one gzip member; a smaller one is one
 * ordinary gzip stream. Determinism: the gzip header is fixed (no name, mtime 0, XFL from the level, OS 3 —
 * zlib's compile-time OS code would otherwise leak the build platform: 19 on macOS, 10 on Windows), chunk
 * boundaries are fixed offsets, so the bytes are a function of (input, level, zlib build) and never of the
 * number of threads or of how the input arrives. Another zlib build may compress differently — which is why
 * `layerCompressionIdentity()` belongs in layer cache keys. The diff_id never depends on any of it.
 *
 * zstd (media type tar+zstd, opt-in) is Node's zstd (Node >= 22.15), single-threaded, fed in fixed 512 KiB
 * pieces: zstd's streaming output changes with how its input is split into small writes, and fixed pieces make
 * that split a function of the input alone.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { PassThrough, Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { DistrolessError } from '../errors.js';
import { DigestCounter, publishBlob, tempBlobPath } from './digest.js';
import {
  checkGzipLevel,
  parallelGzip,
  parallelGzipIdentity,
  PARALLEL_CHUNK_BYTES,
  sharedDeflatePool,
  type DeflatePool,
} from './parallel-gzip.js';
import { MEDIA_TYPES, type LayerBlob } from './types.js';

/** gzip level used when the caller gives none (what `gzip` and most image builders use). */
export const DEFAULT_GZIP_LEVEL = 6;

/** zstd level used for `compression: zstd` (zstd's own default). */
export const DEFAULT_ZSTD_LEVEL = 3;

/** How layers are compressed: `gzip` (default, what every runtime pulls) or `zstd` (smaller, faster). */
export type LayerCompression = 'gzip' | 'zstd';
export const LAYER_COMPRESSIONS: readonly LayerCompression[] = ['gzip', 'zstd'];

export interface LayerWriteOptions {
  /** Default gzip. */
  compression?: LayerCompression;
  /** gzip level 0–9 (default `DEFAULT_GZIP_LEVEL`) or zstd level 1–19 (default `DEFAULT_ZSTD_LEVEL`). */
  level?: number;
  /** How many chunks of big gzip layers deflate at once; default one pool per process, sized to the machine. */
  deflatePool?: DeflatePool;
}

/** The OCI media type of a layer compressed so. */
export function layerMediaType(compression: LayerCompression = 'gzip'): string {
  return compression === 'zstd' ? MEDIA_TYPES.layerZstd : MEDIA_TYPES.layerGzip;
}

/**
 * What, besides the tar itself, decides the compressed bytes of a layer: the method, its level and chunking,
 * and the zlib or zstd build. Put it in layer cache keys so a Node upgrade that changes zlib does not serve
 * blobs another build would not produce, and a zstd build never finds a gzip layer.
 */
export function layerCompressionIdentity(compression: LayerCompression = 'gzip', level?: number): string {
  if (compression === 'zstd') {
    return `zstd-${level ?? DEFAULT_ZSTD_LEVEL}-p${PARALLEL_CHUNK_BYTES}/zstd-${process.versions.zstd ?? 'unknown'}`;
  }
  return parallelGzipIdentity(level ?? DEFAULT_GZIP_LEVEL);
}

/** `layerCompressionIdentity('gzip', level)`. */
export function gzipIdentity(level: number = DEFAULT_GZIP_LEVEL): string {
  return layerCompressionIdentity('gzip', level);
}

/** The compression stage for `opts` (checked: a bad level or a Node without zstd is a USAGE error). */
function compressor(opts: LayerWriteOptions): Transform[] {
  const compression = opts.compression ?? 'gzip';
  if (compression === 'gzip') {
    const level = opts.level ?? DEFAULT_GZIP_LEVEL;
    checkGzipLevel(level);
    return [parallelGzip(level, opts.deflatePool ?? sharedDeflatePool())];
  }
  if (compression !== 'zstd') {
    throw new DistrolessError('USAGE', `layer compression must be gzip or zstd, got ${String(compression)}`);
  }
  const level = opts.level ?? DEFAULT_ZSTD_LEVEL;
  if (!Number.isInteger(level) || level < 1 || level > 19) {
    throw new DistrolessError('INTERNAL', `zstd level must be an integer from 1 to 19, got ${level}`);
  }
  if (typeof zlib.createZstdCompress !== 'function') {
    throw new DistrolessError(
      'USAGE',
      `zstd layers need Node 22.15 or later (node:zlib zstd); this is Node ${process.versions.node}`,
    );
  }
  return [
    new FixedChunker(PARALLEL_CHUNK_BYTES),
    zlib.createZstdCompress({
      chunkSize: 64 * 1024,
      params: { [zlib.constants.ZSTD_c_compressionLevel]: level, [zlib.constants.ZSTD_c_checksumFlag]: 1 },
    }),
  ];
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
  const temp = tempBlobPath(blobsDir);
  const uncompressed = new DigestCounter();
  const compressed = new DigestCounter();
  // The pipeline attaches its listeners only after the awaits below; a producer that fails before then (a .deb
  // the mirror answers 404 for, from nearby, is that quick) must not make an unhandled 'error' event. The
  // pipeline still sees the error: the stream is destroyed with it.
  if (tar instanceof Readable) tar.on('error', () => undefined);
  try {
    const compress = compressor(opts);
    await mkdir(blobsDir, { recursive: true });
    await pipeline([
      tar instanceof Readable ? tar : Readable.from(tar),
      uncompressed,
      ...compress,
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
  const blob = writeLayerBlob(sink, blobsDir, opts); // listens to the sink's errors from here (see there)
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
 * Cuts the stream into chunks of exactly `size` bytes (the last may be shorter), so that what follows sees the
 * same writes whatever sizes the input arrived in.
 */
export class FixedChunker extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly size: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.size) {
      const all = Buffer.concat(this.pending, this.pendingBytes);
      let at = 0;
      for (; all.length - at >= this.size; at += this.size) this.push(all.subarray(at, at + this.size));
      this.pending = at < all.length ? [all.subarray(at)] : [];
      this.pendingBytes = all.length - at;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.pendingBytes > 0) this.push(Buffer.concat(this.pending, this.pendingBytes));
    callback();
  }
}
