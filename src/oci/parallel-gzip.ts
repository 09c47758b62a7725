/**
 * pigz-style parallel gzip: one gzip member whose deflate stream is made of fixed-size chunks of the input,
 * each deflated on its own (several at once on Node's thread pool) with the 32 KiB of input before it as its preset
 * dictionary. Every chunk but the last ends with a sync flush (an empty stored block: byte-aligned, not final),
 * the last with Z_FINISH, so the raw outputs concatenate into one valid deflate stream; the gzip header and
 * trailer (CRC-32 and ISIZE of the whole input) are written here.
 *
 * The bytes depend only on the input, the level, the chunk size and the zlib build — never on the number of
 * threads or on how the input arrives — because chunk boundaries are fixed offsets and each chunk's deflate is
 * a pure function of (chunk, previous 32 KiB, level, last?). `parallelGzipIdentity()` names what decides them.
 *
 * Input shorter than `PARALLEL_MIN_BYTES` (two chunks) is compressed as one ordinary gzip stream on libuv's
 * thread pool (the same bytes `createGzip` gives for it): below two chunks there is nothing to run in
 * parallel, and the chunking would only cost a round trip per chunk and a little ratio. Most package layers are
 * below it (their digests did not change with this scheme); the few big ones (a JRE, libpython, tzdata's
 * neighbours in size) are where the time goes. Chunk size: on openjdk-17's 193 MB data.tar at level 6,
 * 128 KiB, 256 KiB, 512 KiB and 1 MiB chunks give 67.92, 67.92, 67.91 and 67.92 MB against 67.92 MB for one
 * stream, so the ratio does not decide it; 512 KiB keeps the jobs few (~370) and the in-flight memory small.
 * The user-facing note (digests changed once) is in the README's release notes.
 */
import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { constants, crc32, deflateRaw, gzip as zlibGzip, type ZlibOptions } from 'node:zlib';
import { DistrolessError } from '../errors.js';

/** Input bytes per deflate job. Part of the output's identity: changing it changes every big layer's digest. */
export const PARALLEL_CHUNK_BYTES = 512 * 1024;
/** Below this many input bytes the layer is one ordinary gzip stream (see the module comment). */
export const PARALLEL_MIN_BYTES = 2 * PARALLEL_CHUNK_BYTES;
/** Deflate's window: each chunk is primed with this much of the input before it. */
const DICTIONARY_BYTES = 32 * 1024;
const GZIP_OS_UNIX = 3;

const gzipAsync = promisify(zlibGzip);

/** What, with the input and level, decides the bytes of `parallelGzip` (for layer cache keys). */
export function parallelGzipIdentity(level: number): string {
  return `gzip-${level}/chunks-${PARALLEL_CHUNK_BYTES}-min-${PARALLEL_MIN_BYTES}/zlib-${process.versions.zlib ?? 'unknown'}`;
}

interface Job {
  input: Uint8Array<ArrayBuffer>;
  dictionary: Uint8Array | undefined;
  last: boolean;
  level: number;
  resolve: (out: Buffer) => void;
  reject: (e: Error) => void;
}

/** Output buffer of one deflate call: one buffer holds a typical chunk's output (~35% of 512 KiB). */
const OUTPUT_CHUNK_BYTES = 256 * 1024;

/**
 * At most `size` chunks deflating at once on Node's thread pool (zlib's asynchronous calls), and a FIFO of the
 * rest. Worker threads did this before; the thread pool needs no thread start-up, no message passing and no
 * second V8 heap, and a java17 build spent ~0.7 CPU-s less (docs/architecture.md, "Where the time goes"). The
 * thread pool has 4 threads unless UV_THREADPOOL_SIZE says otherwise; the entry points raise it to the number
 * of cores (`sizeThreadPool`), so `size` up to that runs truly in parallel.
 */
export class DeflatePool {
  readonly size: number;
  private active = 0;
  private readonly queue: Job[] = [];
  private readonly free: Array<Uint8Array<ArrayBuffer>> = [];
  private closed = false;

  /** At most `size` chunks at once (default: the machine's available parallelism). */
  constructor(size: number = availableParallelism()) {
    if (!Number.isSafeInteger(size) || size < 1 || size > 256) {
      throw new DistrolessError('USAGE', `deflate workers must be an integer from 1 to 256, got ${size}`);
    }
    this.size = size;
  }

  deflateChunk(
    input: Uint8Array<ArrayBuffer>,
    dictionary: Uint8Array | undefined,
    last: boolean,
    level: number,
  ): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('deflate pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ input, dictionary, last, level, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * A buffer of `size` bytes for a job's input: a returned one when it fits, so that a layer's chunks reuse a
   * few buffers instead of leaving hundreds of 512 KiB ArrayBuffers for the garbage collector (which let the
   * RSS of a JRE build grow by ~150 MiB).
   */
  inputBuffer(size: number): Uint8Array<ArrayBuffer> {
    const free = size === PARALLEL_CHUNK_BYTES ? this.free.pop() : undefined;
    return free ?? new Uint8Array(size);
  }

  /** Gives back a buffer from `inputBuffer` that was not handed to `deflateChunk` (which recycles its own). */
  release(input: Uint8Array<ArrayBuffer>): void {
    if (input.byteOffset === 0 && input.byteLength === PARALLEL_CHUNK_BYTES && this.free.length < 4 * this.size + 4) {
      this.free.push(input);
    }
  }

  /** Refuses new chunks and fails the queued ones; chunks already deflating finish on their own. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('deflate pool closed'));
  }

  private dispatch(): void {
    while (this.active < this.size && this.queue.length > 0) {
      const job = this.queue.shift() as Job;
      this.active += 1;
      const { input, dictionary, last, level } = job;
      // A chunk that is not the last is deflated and sync-flushed by its one write (the end's second flush then
      // adds nothing): the same bytes as flushing after the data, but one output buffer to hand back, not two
      // joined by a copy (test/unit/parallel-gzip.test.ts checks the bytes against zlib's own stream).
      const flush = last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH;
      const opts: ZlibOptions = { level, finishFlush: flush, chunkSize: OUTPUT_CHUNK_BYTES };
      if (!last) opts.flush = flush;
      if (dictionary !== undefined) opts.dictionary = dictionary;
      deflateRaw(input, opts, (e, out) => {
        this.active -= 1;
        this.release(input); // zlib holds no reference once it has called back
        if (e) job.reject(new Error(`deflate failed: ${e.message}`));
        else job.resolve(out);
        this.dispatch();
      });
    }
  }
}

let shared: DeflatePool | undefined;

/** One pool per process for callers that pass none (sized to the machine). */
export function sharedDeflatePool(): DeflatePool {
  shared ??= new DeflatePool();
  return shared;
}

/** The 10-byte gzip header zlib writes for `level`, with no name, mtime 0 and OS Unix (RFC 1952 §2.3). */
export function gzipHeader(level: number): Buffer {
  const xfl = level === 9 ? 2 : level < 2 ? 4 : 0;
  return Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, GZIP_OS_UNIX]);
}

/** A Transform from raw bytes to one gzip member, deflated in chunks on `pool` (see the module comment). */
export function parallelGzip(level: number, pool: DeflatePool): Transform {
  return new ParallelGzip(level, pool);
}

class ParallelGzip extends Transform {
  private readonly gzip: GzipChunks;

  constructor(level: number, pool: DeflatePool) {
    super();
    this.gzip = new GzipChunks(level, pool, { onOutput: (out) => void this.push(out) });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const wait = this.gzip.write(chunk);
    if (wait === undefined) callback();
    else wait.then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.gzip.finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.gzip.abort();
    callback(error);
  }
}

export interface GzipChunksHooks {
  /** Every input byte, in order, once (in whole chunks where the input allows: for hashing it on the way). */
  onInput?: (bytes: Uint8Array) => void;
  /** The gzip member's bytes, in order. */
  onOutput: (bytes: Buffer) => void;
}

/**
 * One gzip member of bytes written piece by piece: each piece is copied once, straight into the 512 KiB chunk
 * it belongs to, and a chunk is handed to the pool once more input shows it is not the last. Below
 * PARALLEL_MIN_BYTES in all, the input is one ordinary gzip stream instead (see the module comment). `write`
 * returns a promise only when too many chunks are in flight (wait for it before writing more); the caller may
 * reuse its piece as soon as `write` returns. Used by `parallelGzip`, and by `writeLayerBlob` for a producer's
 * tar, which so skips the tar writer's staging copies and three stream stages per piece.
 */
export class GzipChunks {
  /** Full chunks kept until the input reaches PARALLEL_MIN_BYTES (only the first, in practice). */
  private held: Array<Uint8Array<ArrayBuffer>> = [];
  /** The chunk being filled (a pool buffer) and how much of it is. */
  private current: Uint8Array<ArrayBuffer> | undefined;
  private filled = 0;
  /** The last DICTIONARY_BYTES of the chunk submitted last. */
  private tail: Uint8Array | undefined;
  /** Outputs in input order: the header, then the jobs in flight. */
  private readonly outputs: Array<Promise<Buffer> | Buffer> = [];
  private crc = 0;
  private total = 0;
  private started = false;
  private done = false;
  private aborted = false;
  private readonly maxInFlight: number;

  constructor(
    private readonly level: number,
    private readonly pool: DeflatePool,
    private readonly hooks: GzipChunksHooks,
  ) {
    this.maxInFlight = 2 * pool.size + 2;
  }

  write(bytes: Uint8Array): Promise<void> | undefined {
    if (this.done) throw new Error('gzip chunks: write after finish');
    for (let at = 0; at < bytes.length;) {
      if (this.current === undefined || this.filled === PARALLEL_CHUNK_BYTES) {
        if (this.current !== undefined) this.complete(this.current);
        this.current = this.pool.inputBuffer(PARALLEL_CHUNK_BYTES);
        this.filled = 0;
      }
      const n = Math.min(bytes.length - at, PARALLEL_CHUNK_BYTES - this.filled);
      this.current.set(n === bytes.length ? bytes : bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
    }
    return this.outputs.length > this.maxInFlight ? this.emitDone(this.maxInFlight) : undefined;
  }

  /** Ends the member: the last chunk (or the whole small input) is compressed and every output handed on. */
  async finish(): Promise<void> {
    if (this.done) throw new Error('gzip chunks: finished twice');
    this.done = true;
    const buffer = this.current;
    this.current = undefined;
    const last = buffer?.subarray(0, this.filled);
    if (last !== undefined) this.input(last);
    if (!this.started && this.total < PARALLEL_MIN_BYTES) {
      // Small input: one ordinary gzip stream (the bytes createGzip gives), OS byte set to Unix.
      // The buffers are this call's now (abort leaves them alone): zlib reads them until it calls back.
      const owned = this.held.splice(0);
      const parts = last === undefined ? owned : [...owned, last];
      const out = await gzipAsync(parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts, this.total), {
        level: this.level,
      });
      for (const held of owned) this.pool.release(held);
      if (buffer !== undefined) this.pool.release(buffer);
      if (this.aborted) return;
      out[9] = GZIP_OS_UNIX;
      this.hooks.onOutput(out);
      return;
    }
    this.start();
    // Started: at least PARALLEL_MIN_BYTES came in, so the last chunk holds at least one byte.
    const final = last as Uint8Array<ArrayBuffer>;
    if (final.length === PARALLEL_CHUNK_BYTES) this.submit(final, true);
    else {
      this.submit(compact(final), true);
      this.pool.release(buffer as Uint8Array<ArrayBuffer>);
    }
    await this.emitDone(0);
    if (this.aborted) return;
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.total % 2 ** 32, 4);
    this.hooks.onOutput(trailer);
  }

  /** Stops: nothing more is handed on; chunks already deflating finish on their own and return to the pool. */
  abort(): void {
    this.done = true;
    this.aborted = true;
    this.outputs.length = 0;
    for (const held of this.held) this.pool.release(held);
    this.held = [];
    if (this.current !== undefined) this.pool.release(this.current);
    this.current = undefined;
  }

  /** A full chunk that more input follows. */
  private complete(chunk: Uint8Array<ArrayBuffer>): void {
    this.input(chunk);
    if (this.started) this.submit(chunk, false);
    else {
      this.held.push(chunk);
      if (this.total >= PARALLEL_MIN_BYTES) this.start();
    }
  }

  private input(bytes: Uint8Array): void {
    this.crc = crc32(bytes, this.crc);
    this.total += bytes.length;
    this.hooks.onInput?.(bytes);
  }

  /** From here on the member is chunked: the header goes out, and the chunks held so far (none is the last). */
  private start(): void {
    if (this.started) return;
    this.started = true;
    this.outputs.push(gzipHeader(this.level));
    for (const held of this.held.splice(0)) this.submit(held, false);
  }

  /** Hands `input` (a pool buffer: it is recycled once deflated) to the pool with the dictionary. */
  private submit(input: Uint8Array<ArrayBuffer>, last: boolean): void {
    const dictionary = this.tail;
    // Every chunk but the last is PARALLEL_CHUNK_BYTES long, more than a window: its end is the next dictionary.
    this.tail = last ? undefined : compact(input.subarray(input.length - DICTIONARY_BYTES));
    const job = this.pool.deflateChunk(input, dictionary, last, this.level);
    job.catch(() => undefined); // awaited in order by emitDone; an early failure must not be unhandled meanwhile
    this.outputs.push(job);
  }

  /** Hands on finished outputs in order until at most `limit` remain in flight. */
  private async emitDone(limit: number): Promise<void> {
    while (this.outputs.length > limit) {
      const out = await (this.outputs.shift() as Promise<Buffer> | Buffer);
      if (this.aborted) return;
      this.hooks.onOutput(out);
    }
  }
}

/** A copy of `bytes` that owns its whole ArrayBuffer (never a slice of Node's shared pool). */
function compact(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}

/** Level check shared by the gzip paths. */
export function checkGzipLevel(level: number): void {
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new DistrolessError('INTERNAL', `gzip level must be an integer from 0 to 9, got ${level}`);
  }
}
