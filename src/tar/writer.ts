/**
 * Deterministic streaming tar writer.
 *
 * It writes into a Node `Writable` that the caller owns, so it composes with whatever follows: e.g. a hashing
 * pass-through (diff_id) piped into `zlib.createGzip()`, a second hash (the blob digest) and a file, all in
 * one `stream.pipeline`. Or into a `TarSink`, which takes each piece as it comes and copies it before it
 * returns (a layer writer cutting the tar into deflate chunks): then nothing is staged here. Either way every
 * write honours backpressure (`add` waits for 'drain', or for the sink's promise), so a 193 MB data.tar is
 * never held in memory: only the chunk in flight is. `finish()` writes the end-of-archive marker and ends a
 * Writable; the caller awaits its pipeline (or the destination's 'finish') to know the bytes are out.
 *
 * Output depends only on the entries: numeric uid/gid, empty uname/gname, the entry's mtime (never "now"),
 * devmajor/minor 0, ustar magic, no atime/ctime; PAX headers only for values ustar cannot hold.
 * Directories are written with a trailing '/' in the header, as GNU tar, Go and Docker do.
 */
import { Writable, type Readable } from 'node:stream';
import { DistrolessError } from '../errors.js';
import { drained, type ByteSink } from '../util/stream.js';
import { BLOCK_SIZE, encodeEntryHeaders, padLength, TYPE, type TarHeader } from './header.js';
import type { TarEntry, TarEntryType } from './types.js';

export type TarBody = Buffer | Readable | AsyncIterable<Uint8Array>;

const TYPEFLAGS: Record<TarEntryType, string> = {
  file: TYPE.file,
  directory: TYPE.directory,
  symlink: TYPE.symlink,
  hardlink: TYPE.hardlink,
};

/**
 * Headers, padding and small bodies are gathered into chunks of this size before they reach the destination:
 * a package of many small files (tzdata: 1,320 entries in 2.3 MB) otherwise makes ~4,000 stream writes of a
 * few hundred bytes each, each with its stream bookkeeping, which the compression stage then joins again.
 * Larger pieces (a body chunk of at least this size) pass through uncopied.
 */
const STAGING_BYTES = 64 * 1024;

/** A destination that copies each piece before `write` returns (see `ByteSink`). */
export type TarSink = ByteSink;

/** Zeros for block padding and the end-of-archive marker (only ever read). */
const ZEROS = Buffer.alloc(2 * BLOCK_SIZE);

export class TarWriter {
  private written = 0;
  private state: 'open' | 'finished' | 'failed' = 'open';
  /** Small pieces gathered for a Writable (a sink takes every piece as it comes: nothing is staged for it). */
  private staging: Buffer;
  private staged = 0;
  private readonly out: Writable | undefined;
  private readonly sink: TarSink | undefined;

  constructor(destination: Writable | TarSink) {
    if (destination instanceof Writable) {
      this.out = destination;
      this.staging = Buffer.allocUnsafe(STAGING_BYTES);
    } else {
      this.sink = destination;
      this.staging = Buffer.alloc(0);
    }
  }

  /** Bytes of tar written so far (the uncompressed layer size once finished). */
  get bytesWritten(): number {
    return this.written;
  }

  /**
   * Appends one entry. `body` is required for files with `size > 0` and must yield exactly `entry.size`
   * bytes; a mismatch fails the entry and the writer (the archive would be corrupt).
   */
  async add(entry: TarEntry, body?: TarBody): Promise<void> {
    this.assertOpen();
    try {
      validateEntry(entry);
      if (entry.type !== 'file' && body !== undefined) throw invalid(entry, 'only files have a body');
      for (const block of encodeEntryHeaders(headerOf(entry))) {
        const wait = this.write(block);
        if (wait !== undefined) await wait;
      }
      if (entry.type === 'file') await this.writeBody(entry, body);
    } catch (e) {
      this.state = 'failed';
      throw e;
    }
  }

  /** Writes the two zero blocks that end the archive and ends the destination. */
  async finish(): Promise<void> {
    this.assertOpen();
    try {
      await this.write(ZEROS);
      await this.flush();
      this.state = 'finished';
      this.out?.end();
    } catch (e) {
      this.state = 'failed';
      throw e;
    }
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new DistrolessError('TAR_INVALID', `tar writer is ${this.state}`);
  }

  private async writeBody(entry: TarEntry, body: TarBody | undefined): Promise<void> {
    let count = 0;
    if (body === undefined || Buffer.isBuffer(body)) {
      count = body?.length ?? 0;
      if (count !== entry.size) throw sizeMismatch(entry, count);
      if (count > 0) await this.write(body as Buffer);
    } else {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        count += chunk.length;
        if (count > entry.size) throw sizeMismatch(entry, count, 'at least ');
        const wait = this.write(
          Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
        );
        if (wait !== undefined) await wait;
      }
      if (count !== entry.size) throw sizeMismatch(entry, count);
    }
    const pad = padLength(entry.size);
    if (pad > 0) await this.write(ZEROS.subarray(0, pad));
  }

  /** Hands `buf` on; a promise when the destination asks to wait (or a staged chunk has to go out first). */
  private write(buf: Buffer): Promise<void> | undefined {
    if (this.sink !== undefined) {
      this.written += buf.length;
      return this.sink.write(buf);
    }
    return this.writeOut(buf, this.out as Writable);
  }

  private async writeOut(buf: Buffer, out: Writable): Promise<void> {
    if (out.destroyed || out.writableEnded) throw new DistrolessError('TAR_INVALID', 'tar destination is closed');
    this.written += buf.length;
    if (buf.length >= STAGING_BYTES) {
      await this.flush();
      if (!out.write(buf)) await drained(out, closedEarly);
      return;
    }
    let from = 0;
    while (from < buf.length) {
      const n = buf.copy(this.staging, this.staged, from);
      this.staged += n;
      from += n;
      if (this.staged === STAGING_BYTES) await this.flush();
    }
  }

  /** Hands the staged bytes to the destination (a fresh staging buffer takes over: the old one is the chunk). */
  private async flush(): Promise<void> {
    const out = this.out;
    if (this.staged === 0 || out === undefined) return;
    const chunk = this.staging.subarray(0, this.staged);
    this.staging = Buffer.allocUnsafe(STAGING_BYTES);
    this.staged = 0;
    if (!out.write(chunk)) await drained(out, closedEarly);
  }
}

function headerOf(e: TarEntry): TarHeader {
  return {
    path: e.type === 'directory' ? `${e.path}/` : e.path,
    linkname: e.linkname ?? '',
    typeflag: TYPEFLAGS[e.type],
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    size: e.type === 'file' ? e.size : 0,
    mtime: e.mtime,
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
  };
}

const closedEarly = (): Error =>
  new DistrolessError('TAR_INVALID', 'tar destination closed before the archive was written');

function invalid(e: TarEntry, why: string): DistrolessError {
  return new DistrolessError('TAR_INVALID', `tar entry ${JSON.stringify(e.path)}: ${why}`);
}

function sizeMismatch(e: TarEntry, got: number, qualifier = ''): DistrolessError {
  return invalid(e, `body has ${qualifier}${got} bytes, the entry says ${e.size}`);
}

const isCount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

/** An empty, '.' or '..' component: at the start or after a '/', up to two dots, then a '/' or the end. */
const BAD_COMPONENT = /(?:^|\/)\.{0,2}(?:\/|$)/;

/** Paths are relative, '/'-separated, without '.', '..' or empty components (the writer's own safety net). */
function validateEntry(e: TarEntry): void {
  if (e.path === '' || e.path.includes('\0') || BAD_COMPONENT.test(e.path)) {
    throw invalid(e, 'path must be relative and normalised');
  }
  if (!Number.isInteger(e.mode) || e.mode < 0 || e.mode > 0o7777) throw invalid(e, `bad mode ${e.mode}`);
  if (!isCount(e.uid) || !isCount(e.gid)) throw invalid(e, `bad uid/gid ${e.uid}/${e.gid}`);
  if (!isCount(e.mtime)) throw invalid(e, `bad mtime ${e.mtime}`);
  if (!isCount(e.size) || (e.type !== 'file' && e.size !== 0)) throw invalid(e, `bad size ${e.size} for a ${e.type}`);
  const isLink = e.type === 'symlink' || e.type === 'hardlink';
  if (isLink !== (e.linkname !== undefined && e.linkname !== ''))
    throw invalid(e, 'links (and only links) need a linkname');
  if (e.linkname?.includes('\0')) throw invalid(e, 'linkname contains NUL');
}
