/**
 * Streaming tar reader. `readTar(input)` is an async generator of entries; each entry's `body` streams its
 * content straight from the input (chunks are views of the input's chunks, never a copy of the whole file).
 * A body left unread, or read only in part, is skipped when the next entry is requested; reading a body
 * after that is an error. Handles ustar (with prefix), PAX 'x' (path, linkpath, size, uid, gid, mtime) and
 * 'g' (ignored), GNU 'L'/'K' long names. EOF before the end-of-archive marker is an error, so a truncated
 * archive never reads as a shorter valid one. After the marker the rest of the input is drained, so that a
 * decompressor feeding us runs to its end (and checks its own trailer).
 */
import type { Readable } from 'node:stream';
import { DistrolessError } from '../errors.js';
import {
  applyPax,
  BLOCK_SIZE,
  decodeHeader,
  isZeroBlock,
  padLength,
  parsePax,
  TYPE,
  type TarHeader,
} from './header.js';

export interface TarReadEntry {
  /** Decoded header with PAX / GNU long names applied; `size` is the number of content bytes in `body`. */
  header: TarHeader;
  /** The content; must be consumed before the next entry is requested, or it is skipped. */
  body: AsyncIterable<Buffer>;
}

export interface ReadTarOptions {
  /** Named in errors (a file, or `<pkg> data.tar`). */
  source?: string;
  /** Cap on one PAX / GNU long-name body (default 1 MiB). */
  maxMetaBytes?: number;
}

/** Types whose header carries no content blocks, whatever its size field says (as Go's archive/tar). */
const HEADER_ONLY = new Set<string>([
  TYPE.hardlink,
  TYPE.symlink,
  TYPE.charDevice,
  TYPE.blockDevice,
  TYPE.directory,
  TYPE.fifo,
]);

/** Pulls exact byte counts out of an async iterable of chunks without copying when a chunk suffices. */
class ByteSource {
  private readonly it: AsyncIterator<Uint8Array>;
  private pending: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(
    input: AsyncIterable<Uint8Array>,
    private readonly source: string,
  ) {
    this.it = input[Symbol.asyncIterator]();
  }

  truncated(): DistrolessError {
    return new DistrolessError('TAR_INVALID', `${this.source}: truncated tar archive`);
  }

  /** Fills `pending` with at least one byte; false at EOF. */
  private async fill(): Promise<boolean> {
    while (this.pending.length === 0) {
      if (this.done) return false;
      const next = await this.it.next();
      if (next.done === true) {
        this.done = true;
        return false;
      }
      const v = next.value;
      this.pending = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
    return true;
  }

  /** Up to `max` bytes (at least one); throws at EOF. */
  async chunk(max: number): Promise<Buffer> {
    if (!(await this.fill())) throw this.truncated();
    const out = this.pending.length <= max ? this.pending : this.pending.subarray(0, max);
    this.pending = this.pending.subarray(out.length);
    return out;
  }

  /** Exactly `n` bytes, or null at a clean EOF (no byte available); a partial read throws. */
  async exact(n: number): Promise<Buffer | null> {
    if (!(await this.fill())) return null;
    if (this.pending.length >= n) return this.chunk(n);
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const c = await this.chunk(n - got);
      parts.push(c);
      got += c.length;
    }
    return Buffer.concat(parts, n);
  }

  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) left -= (await this.chunk(left)).length;
  }

  async drain(): Promise<void> {
    this.pending = Buffer.alloc(0);
    while (await this.fill()) this.pending = Buffer.alloc(0);
  }

  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.it.return?.();
    }
  }
}

interface LongNames {
  pax?: Map<string, string>;
  path?: string;
  linkname?: string;
}

export async function* readTar(
  input: Readable | AsyncIterable<Uint8Array>,
  opts: ReadTarOptions = {},
): AsyncGenerator<TarReadEntry> {
  const source = opts.source ?? 'tar';
  const maxMeta = opts.maxMetaBytes ?? 1024 * 1024;
  const src = new ByteSource(input as AsyncIterable<Uint8Array>, source);
  let serial = 0;
  let remaining = 0;
  let pending: LongNames = {};
  try {
    for (;;) {
      const block = await src.exact(BLOCK_SIZE);
      if (block === null) throw src.truncated(); // no end-of-archive marker
      if (isZeroBlock(block)) {
        // End of archive. A second zero block should follow; tolerate its absence like GNU tar does.
        await src.drain();
        return;
      }
      let header = decodeWithSource(block, source);
      if (await readMeta(src, header, pending, maxMeta, source)) continue;
      header = applyLongNames(header, pending);
      pending = {};
      if (HEADER_ONLY.has(header.typeflag)) header.size = 0;
      const id = ++serial;
      remaining = header.size;
      const body = bodyOf(
        src,
        () => (serial === id ? remaining : -1),
        (n) => (remaining -= n),
        source,
      );
      yield { header, body };
      await src.skip(remaining + padLength(header.size));
      remaining = 0;
    }
  } finally {
    serial = -1;
    await src.close();
  }
}

function decodeWithSource(block: Buffer, source: string): TarHeader {
  try {
    return decodeHeader(block);
  } catch (e) {
    if (e instanceof DistrolessError) throw new DistrolessError(e.code, `${source}: ${e.message}`, { cause: e });
    throw e;
  }
}

/** Consumes extension headers ('x', 'g', 'L', 'K') into `pending`; true when the header was one of them. */
async function readMeta(
  src: ByteSource,
  h: TarHeader,
  pending: LongNames,
  maxMeta: number,
  source: string,
): Promise<boolean> {
  const kind = h.typeflag;
  if (kind !== TYPE.paxExtended && kind !== TYPE.paxGlobal && kind !== TYPE.gnuLongName && kind !== TYPE.gnuLongLink) {
    return false;
  }
  if (kind === TYPE.paxGlobal) {
    await src.skip(h.size + padLength(h.size));
    return true;
  }
  if (h.size > maxMeta)
    throw new DistrolessError('TAR_INVALID', `${source}: extended header of ${h.size} bytes is too large`);
  const body = h.size === 0 ? Buffer.alloc(0) : await src.exact(h.size);
  if (body === null) throw src.truncated();
  await src.skip(padLength(h.size));
  if (kind === TYPE.paxExtended) pending.pax = parsePax(body);
  else {
    const end = body.indexOf(0);
    const value = body.toString('utf8', 0, end === -1 ? body.length : end);
    if (kind === TYPE.gnuLongName) pending.path = value;
    else pending.linkname = value;
  }
  return true;
}

function applyLongNames(h: TarHeader, pending: LongNames): TarHeader {
  let out = h;
  if (pending.path !== undefined) out = { ...out, path: pending.path };
  if (pending.linkname !== undefined) out = { ...out, linkname: pending.linkname };
  if (pending.pax !== undefined) out = applyPax(out, pending.pax);
  return out;
}

async function* bodyOf(
  src: ByteSource,
  left: () => number,
  consumed: (n: number) => void,
  source: string,
): AsyncGenerator<Buffer> {
  for (;;) {
    const n = left();
    if (n < 0)
      throw new DistrolessError('TAR_INVALID', `${source}: entry body read after the next entry was requested`);
    if (n === 0) return;
    const chunk = await src.chunk(n);
    consumed(chunk.length);
    yield chunk;
  }
}
