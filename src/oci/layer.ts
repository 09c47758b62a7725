/**
 * Turns an uncompressed layer tar into a compressed blob in one streaming pass:
 *
 *   tar ─ sha256 (diff_id) ─ gzip | zstd ─ sha256 (digest) ─ temp file ─ rename to blobs/sha256/<hex>
 *
 * The tar comes as a stream, or from a producer that writes it into a sink (`LayerProducer`, what the build
 * uses). A producer's gzip layer skips the streams: each piece is copied once, straight into the deflate chunk
 * it belongs to (`GzipChunks`), chunks are hashed whole, and the outputs go to the file as they come. Through
 * streams, each piece passed three more stages, and small ones (headers, padding, small files) one more copy
 * (docs/architecture.md, "Where the time goes").
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
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { PassThrough, Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { DistrolessError } from '../errors.js';
import { drained, type ByteSink } from '../util/stream.js';
import { DigestCounter, publishBlob, tempBlobPath } from './digest.js';
import {
  checkGzipLevel,
  GzipChunks,
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

/** Where a producer writes a layer's tar: each piece is copied before `write` returns (see `ByteSink`). */
export type LayerSink = ByteSink;

/** Writes a whole layer tar into `sink` and resolves after its last byte. */
export interface LayerProducer {
  produce: (sink: LayerSink) => Promise<void>;
}

/** A layer's tar: a stream of its bytes, or a producer that writes them. */
export type LayerSource = Readable | AsyncIterable<Uint8Array> | LayerProducer;

function isProducer(source: LayerSource): source is LayerProducer {
  return typeof (source as Partial<LayerProducer>).produce === 'function';
}

/**
 * Writes `tar` as a layer blob under `blobsDir` (the directory holding `sha256/`). Resolves when the blob is in
 * place under its digest; on any failure the temp file is removed and nothing is published. If the blob
 * already exists (same digest), the new copy is discarded.
 */
export async function writeLayerBlob(
  tar: LayerSource,
  blobsDir: string,
  opts: LayerWriteOptions = {},
): Promise<LayerBlob> {
  if (isProducer(tar)) {
    if ((opts.compression ?? 'gzip') === 'gzip') return writeProducedGzip(tar, blobsDir, opts);
    return writeLayerBlobFrom(async (sink) => tar.produce(streamSink(sink)), blobsDir, opts);
  }
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

/** Files written ahead of the layer's deflate outputs before the writer waits for them. */
const MAX_PENDING_FILE_WRITES = 8;

/**
 * A producer's gzip layer: the tar goes into `GzipChunks` (hashed for the diff_id as it is cut into chunks),
 * and each output is hashed and appended to the temp file, up to MAX_PENDING_FILE_WRITES behind; the temp
 * file is synced before it is renamed into place.
 */
async function writeProducedGzip(tar: LayerProducer, blobsDir: string, opts: LayerWriteOptions): Promise<LayerBlob> {
  const level = opts.level ?? DEFAULT_GZIP_LEVEL;
  checkGzipLevel(level);
  const temp = tempBlobPath(blobsDir);
  await mkdir(blobsDir, { recursive: true });
  const file = await open(temp, 'wx', 0o444);
  const uncompressed = createHash('sha256');
  const compressed = createHash('sha256');
  let size = 0;
  const appender = new FileAppender(file);
  const gzip = new GzipChunks(level, opts.deflatePool ?? sharedDeflatePool(), {
    onInput: (bytes) => uncompressed.update(bytes),
    onOutput: (bytes) => {
      compressed.update(bytes);
      size += bytes.length;
      appender.append(bytes);
    },
  });
  const sink: LayerSink = {
    write: (bytes) => {
      const wait = gzip.write(bytes);
      if (appender.pending > MAX_PENDING_FILE_WRITES)
        return Promise.all([wait, appender.settled()]).then(() => undefined);
      return wait;
    },
  };
  try {
    await tar.produce(sink);
    await gzip.finish();
    await appender.settled();
    await file.sync();
    await file.close();
    const blob: LayerBlob = {
      digest: `sha256:${compressed.digest('hex')}`,
      size,
      diffId: `sha256:${uncompressed.digest('hex')}`,
    };
    await publishBlob(temp, blobsDir, blob.digest, blob.size);
    return blob;
  } catch (e) {
    gzip.abort();
    await appender.settled().catch(() => undefined);
    await file.close().catch(() => undefined); // already closed when publishing failed
    await rm(temp, { force: true });
    throw e;
  }
}

/** Appends buffers to a file in order, each write started when the one before it has finished. */
class FileAppender {
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  pending = 0;

  constructor(private readonly file: FileHandle) {}

  append(bytes: Buffer): void {
    this.pending += 1;
    this.chain = this.chain.then(async () => {
      try {
        if (this.failure === undefined) await writeFully(this.file, bytes);
      } catch (e) {
        this.failure ??= e;
      } finally {
        this.pending -= 1;
      }
    });
  }

  /** Resolves once every write so far is done; rejects with the first write's error. */
  async settled(): Promise<void> {
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }
}

async function writeFully(file: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const { bytesWritten } = await file.write(bytes, at, bytes.length - at);
    at += bytesWritten;
  }
}

/** A LayerSink over a Writable (a producer's layer compressed by a stream: zstd). */
function streamSink(out: Writable): LayerSink {
  return {
    write: (bytes) => {
      // The Writable may hold the bytes past this call, and the producer may reuse them: hand it a copy.
      if (out.write(Buffer.from(bytes))) return undefined;
      return drained(out, () => new Error('layer stream closed before the tar was written'));
    },
  };
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
