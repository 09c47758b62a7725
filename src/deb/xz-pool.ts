/**
 * Long-lived `xz -dc` processes that decode one .deb member after another, so a build spawns a handful of
 * decoders instead of two per package (docs/architecture.md, "Where the time goes"). Spawning is the
 * expensive part on a busy machine: Node's spawn blocks the main thread until the child has exec'd, and with
 * every core busy deflating that took ~38 ms per .deb member (1.3 s of a java17 build's main thread).
 *
 * The protocol over one process's stdin/stdout:
 *   stdin:  member₁  FILLER  member₂  FILLER  …      (each member: one or more complete .xz streams)
 *   stdout: data₁    zeros   data₂    zeros   …      (xz decodes concatenated streams as one)
 * A member's decoded size is read beforehand from its own xz index (`xzUncompressedSize`). xz blocks until
 * its input buffer is full (or the input ends) before it decodes, and writes only when its output buffer is full,
 * both IO_BUFFER_SIZE = BUFSIZ = 8 KiB with glibc (XZ Utils' src/xz/file_io.h). So the tail of a member could
 * wait in xz for the next member: after each member we write the FILLER (an .xz stream of FILLER_BYTES zeros,
 * 32 output buffers) and PADDING_BYTES of stream padding (null bytes between streams, 8 input buffers), which
 * lets xz read past the filler and flush the member's tail. A job is finished once its bytes and the first byte of the filler after them have arrived: xz starts the
 * filler only after the member's last stream ended cleanly (block checks, index and footer verified), so a
 * corrupt member still fails its own job — as a decoder that exits non-zero before that byte.
 *
 * A job whose reader stops early, or whose input fails, kills its decoder (its state is mid-stream); an idle
 * decoder is ended after IDLE_MS, and never keeps the process alive.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { FileHandle } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { crc32 } from 'node:zlib';
import { DistrolessError } from '../errors.js';
import { readAt } from './ar.js';

/** Decoded size of FILLER: a 168-byte .xz stream (CRC32 check) of 256 KiB of zeros. */
export const FILLER_BYTES = 256 * 1024;
const FILLER = Buffer.from(
  '/Td6WFoAAAFpIt42AgAhAQwAAACPmEGc4///AGpdAABv/f//o7f/Rz5IFXI5YVG4kijmo4YH+e7kHoLTL8U6PAFLsX7JiopNL6MN2X+m44wj' +
    'EVPgWRjFdYrid/i2lH8MasDedElk4ulcU7IE2PdEDKtfDW1G6eXDdoi3llestk3haR1vq/zrOgAAAAAi6g7iAAGCAYCAEABU9+PrPjANiwIA' +
    'AAAAAVla',
  'base64',
);
/** Stream padding after each filler (a multiple of four, as the format requires). */
const PADDING = Buffer.alloc(64 * 1024);
/** What follows every member on a decoder's stdin. */
const AFTER_MEMBER = Buffer.concat([FILLER, PADDING]);
/** An idle decoder is ended after this long without a job. */
const IDLE_MS = 2000;
/** Idle decoders kept per command; more are ended at once. */
const MAX_IDLE = 4;

type XzChild = ChildProcessByStdio<Writable, Readable, Readable>;

interface Job {
  input: Readable;
  out: PassThrough;
  /** Decoded bytes of the member still to come. */
  left: number;
  source: string;
  /** Output gathered for the next push (see GATHER_BYTES). */
  gathered: Buffer[];
  gatheredBytes: number;
}

/**
 * xz writes 8 KiB at a time, so the pipe mostly gives 8 KiB reads; the reader is handed pieces of at least this
 * size instead (one copy), which cuts the per-piece work of the tar reader, writer and hashing stages by ~8×.
 */
const GATHER_BYTES = 64 * 1024;

class Decoder {
  private job: Job | undefined;
  /** Filler bytes still to discard before the next job's data. */
  private skip = 0;
  /** The job's data is complete; waiting for the filler's first byte. */
  private awaitingFiller = false;
  private stderr = '';
  private idleTimer: NodeJS.Timeout | undefined;
  dead = false;

  constructor(
    private readonly child: XzChild,
    private readonly label: string,
    private readonly onIdle: (d: Decoder) => void,
    private readonly onDead: (d: Decoder) => void,
  ) {
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      if (this.stderr.length < 2000) this.stderr += s;
    });
    child.stdout.on('data', (chunk: Buffer) => this.data(chunk));
    child.stdin.on('error', () => undefined); // EPIPE after the child died: its exit says why
    child.on('error', (e) => {
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      this.die(missing ? `${this.label} not found` : e.message);
    });
    child.on('close', (code, signal) => this.die(`exit ${code ?? signal}`));
  }

  /** Starts decoding `input` (one member); the returned stream gives exactly `size` bytes, then ends. */
  run(input: Readable, size: number, source: string): Readable {
    clearTimeout(this.idleTimer);
    this.ref(true);
    const out = new PassThrough({ readableObjectMode: true, readableHighWaterMark: 16 });
    const job: Job = { input, out, left: size, source, gathered: [], gatheredBytes: 0 };
    this.job = job;
    this.awaitingFiller = size === 0;
    out.on('drain', () => {
      if (this.job === job) this.child.stdout.resume();
    });
    out.on('close', () => {
      if (this.job === job) this.kill(); // the reader stopped early: the decoder is mid-stream
    });
    input.on('error', (e) => {
      if (this.job === job) {
        this.fail(job, e.message);
        this.kill();
      }
    });
    input.on('end', () => {
      if (this.job === job && !this.dead) this.child.stdin.write(AFTER_MEMBER);
    });
    input.pipe(this.child.stdin, { end: false });
    return out;
  }

  private data(chunk: Buffer): void {
    let at = 0;
    if (this.skip > 0) {
      at = Math.min(this.skip, chunk.length);
      this.skip -= at;
    }
    const job = this.job;
    if (job === undefined) {
      if (at < chunk.length) this.die('wrote output nobody asked for');
      return;
    }
    if (job.left > 0 && at < chunk.length) {
      const n = Math.min(job.left, chunk.length - at);
      job.left -= n;
      job.gathered.push(chunk.subarray(at, at + n));
      job.gatheredBytes += n;
      at += n;
      if (job.left === 0) this.awaitingFiller = true;
      if (job.gatheredBytes >= GATHER_BYTES || job.left === 0) {
        const piece = job.gathered.length === 1 ? (job.gathered[0] as Buffer) : Buffer.concat(job.gathered);
        job.gathered = [];
        job.gatheredBytes = 0;
        if (!job.out.write(piece)) this.child.stdout.pause();
      }
    }
    if (this.awaitingFiller && at < chunk.length) {
      // The first filler byte: the member's streams ended cleanly. The rest of the filler is skipped.
      const seen = chunk.length - at;
      if (seen > FILLER_BYTES) {
        this.die('wrote more output than the member and its filler hold');
        return;
      }
      this.skip = FILLER_BYTES - seen;
      this.awaitingFiller = false;
      this.job = undefined;
      this.child.stdout.resume(); // the filler must drain whatever the job's reader does
      job.out.end();
      this.idle();
    }
  }

  private idle(): void {
    if (this.dead) return;
    this.ref(false);
    this.idleTimer = setTimeout(() => this.close(), IDLE_MS);
    this.idleTimer.unref();
    this.onIdle(this);
  }

  /** Ends stdin: xz finishes the filler and exits 0. */
  close(): void {
    clearTimeout(this.idleTimer);
    if (this.job !== undefined || this.dead) return;
    this.dead = true;
    this.onDead(this);
    this.child.stdin.end();
  }

  private kill(): void {
    const job = this.job;
    this.job = undefined;
    if (job) {
      job.input.destroy();
      job.out.destroy();
    }
    if (!this.dead) {
      this.dead = true;
      this.onDead(this);
    }
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }

  private die(why: string): void {
    clearTimeout(this.idleTimer);
    const job = this.job;
    this.job = undefined;
    if (!this.dead) {
      this.dead = true;
      this.onDead(this);
    }
    if (job) {
      job.input.destroy();
      const detail = this.stderr.trim().split('\n')[0] ?? '';
      this.fail(job, `${why}${detail === '' ? '' : `: ${detail}`}`);
    }
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }

  private fail(job: Job, why: string): void {
    job.out.destroy(new DistrolessError('DEB_INVALID', `${job.source}: ${this.label} -dc failed: ${why}`));
  }

  private ref(on: boolean): void {
    const handles: Array<{ ref?: () => void; unref?: () => void }> = [
      this.child,
      this.child.stdin as unknown as { ref?: () => void; unref?: () => void },
      this.child.stdout as unknown as { ref?: () => void; unref?: () => void },
      this.child.stderr as unknown as { ref?: () => void; unref?: () => void },
    ];
    for (const h of handles) (on ? h.ref : h.unref)?.call(h);
  }
}

/** Decoders of one command line, reused job after job. */
export class XzDecoderPool {
  private readonly idle: Decoder[] = [];
  private readonly all = new Set<Decoder>();
  /** Processes started (for tests and benchmarks). */
  spawned = 0;

  constructor(
    private readonly command: string,
    private readonly args: readonly string[] = [],
  ) {}

  /**
   * The decoded bytes of `input`, a member holding complete .xz streams whose decoded size is `size` (from
   * `xzUncompressedSize`). Errors are DistrolessErrors naming `source`.
   */
  decode(input: Readable, size: number, source: string): Readable {
    let decoder = this.idle.pop();
    while (decoder?.dead === true) decoder = this.idle.pop();
    decoder ??= this.start();
    return decoder.run(input, size, source);
  }

  /** Ends every idle decoder (a running job keeps its own until it finishes). */
  close(): void {
    for (const d of [...this.idle]) d.close();
  }

  /** Decoders alive now. */
  get size(): number {
    return this.all.size;
  }

  private start(): Decoder {
    const child = spawn(this.command, [...this.args, '-dc'], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    this.spawned += 1;
    const decoder = new Decoder(
      child,
      this.command,
      (d) => {
        this.idle.push(d);
        while (this.idle.length > MAX_IDLE) this.idle.shift()?.close();
      },
      (d) => {
        this.all.delete(d);
        const at = this.idle.indexOf(d);
        if (at !== -1) this.idle.splice(at, 1);
      },
    );
    this.all.add(decoder);
    return decoder;
  }
}

const pools = new Map<string, XzDecoderPool>();

/** One pool per command line per process. */
export function xzDecoderPool(command: string, args: readonly string[] = []): XzDecoderPool {
  const key = JSON.stringify([command, ...args]);
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = new XzDecoderPool(command, args);
    pools.set(key, pool);
  }
  return pool;
}

/** Ends the idle decoders of every pool (e.g. before a test checks that no child is left). */
export function closeXzDecoderPools(): void {
  for (const pool of pools.values()) pool.close();
}

const XZ_HEADER_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const XZ_FOOTER_MAGIC = 'YZ';
const XZ_HEADER_SIZE = 12;
const XZ_FOOTER_SIZE = 12;

/**
 * The decoded size of the .xz data in bytes [start, start + length) of `file`: the sum over its streams of the
 * uncompressed sizes their indexes record (xz file format 1.1, §2.1.2 stream footer, §4 index), walking from
 * the end over stream padding. Every footer and index CRC32 is checked and every stream's position confirmed by
 * its header magic. Undefined when anything does not add up: the caller then decodes the member on its own,
 * where xz reports what is wrong.
 */
export async function xzUncompressedSize(file: FileHandle, start: number, length: number): Promise<number | undefined> {
  try {
    return await walkStreams(file, start, length);
  } catch (e) {
    if (e instanceof ShortRead) return undefined;
    throw e;
  }
}

class ShortRead extends Error {}

async function walkStreams(file: FileHandle, start: number, length: number): Promise<number | undefined> {
  let end = start + length;
  let total = 0;
  while (end > start) {
    // Stream padding: null bytes in multiples of four.
    while (end - start >= 4) {
      const word = await readExactly(file, end - 4, 4);
      if (word.readUInt32LE(0) !== 0) break;
      end -= 4;
    }
    if (end - start < XZ_HEADER_SIZE + XZ_FOOTER_SIZE) return undefined;
    const footer = await readExactly(file, end - XZ_FOOTER_SIZE, XZ_FOOTER_SIZE);
    if (footer.toString('latin1', 10, 12) !== XZ_FOOTER_MAGIC) return undefined;
    if (crc32(footer.subarray(4, 10)) !== footer.readUInt32LE(0)) return undefined;
    const indexSize = (footer.readUInt32LE(4) + 1) * 4;
    const indexStart = end - XZ_FOOTER_SIZE - indexSize;
    if (indexStart < start + XZ_HEADER_SIZE) return undefined;
    const index = await readExactly(file, indexStart, indexSize);
    const parsed = parseIndex(index);
    if (parsed === undefined) return undefined;
    const streamStart = indexStart - parsed.blockBytes - XZ_HEADER_SIZE;
    if (streamStart < start) return undefined;
    const header = await readExactly(file, streamStart, XZ_HEADER_SIZE);
    if (!header.subarray(0, 6).equals(XZ_HEADER_MAGIC) || !header.subarray(6, 8).equals(footer.subarray(8, 10))) {
      return undefined;
    }
    total += parsed.uncompressed;
    if (!Number.isSafeInteger(total)) return undefined;
    end = streamStart;
  }
  return end === start ? total : undefined;
}

/** An index's total uncompressed size and the bytes its blocks take (each padded to four). */
function parseIndex(index: Buffer): { uncompressed: number; blockBytes: number } | undefined {
  if (index.length < 8 || index[0] !== 0) return undefined;
  if (crc32(index.subarray(0, index.length - 4)) !== index.readUInt32LE(index.length - 4)) return undefined;
  let at = 1;
  const varint = (): number | undefined => {
    let value = 0;
    for (let i = 0; i < 9 && at < index.length - 4; i++) {
      const byte = index[at++] as number;
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return Number.isSafeInteger(value) ? value : undefined;
    }
    return undefined;
  };
  const records = varint();
  if (records === undefined) return undefined;
  let uncompressed = 0;
  let blockBytes = 0;
  for (let i = 0; i < records; i++) {
    const unpadded = varint();
    const size = varint();
    if (unpadded === undefined || size === undefined) return undefined;
    uncompressed += size;
    blockBytes += Math.ceil(unpadded / 4) * 4;
  }
  // Index padding up to a multiple of four, all zero, then the CRC32.
  while (at % 4 !== 0) if (index[at++] !== 0) return undefined;
  if (at !== index.length - 4) return undefined;
  return { uncompressed, blockBytes };
}

/** Exactly `length` bytes at `position`; a short read (the member ends sooner) throws ShortRead. */
async function readExactly(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = await readAt(file, position, length);
  if (buf.length !== length) throw new ShortRead();
  return buf;
}
