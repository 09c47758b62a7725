/**
 * Decompression of archive index files held in memory.
 *
 * Measured on the real bookworm main amd64 Packages (50 MB, as .gz 11.7 MB / .xz 8.9 MB; 2-core machine,
 * Node 24, 2026-11-27): zlib gunzip 0.34–0.5 s (median 0.47); @napi-rs/lzma `xz.decompress` (lzma-rs)
 * 1.3–2.2 s (median 1.35); the `xz -dc` binary through a pipe 0.85–1.1 s (median 0.95).
 * So the client prefers `.gz` when the Release lists it, and the app asks for the `xz` binary (faster, and
 * present on Debian and on GitHub's Linux runners); where it is missing, xz-decompress (WebAssembly, bundled
 * into dist/, see src/deb/deb.ts for its measurements) decodes it.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DistrolessError } from '../errors.js';

export type Compression = 'gz' | 'xz' | 'none';

export interface DecompressOptions {
  /** Named in errors (a URL or file). */
  source: string;
  /** Refuse output larger than this. */
  maxOutputBytes?: number;
  /** Run this xz-compatible command (e.g. `xz`) with `-dc` instead of the bundled decoder. */
  xzCommand?: string;
}

/** The compression a Debian index path implies by its suffix. */
export function compressionOf(path: string): Compression {
  if (path.endsWith('.gz')) return 'gz';
  if (path.endsWith('.xz')) return 'xz';
  return 'none';
}

/** The whole output of `decompressChunks`, joined. */
export async function decompress(bytes: Buffer, kind: Compression, opts: DecompressOptions): Promise<Buffer> {
  if (kind === 'none') return bytes;
  const out: Buffer[] = [];
  for await (const chunk of decompressChunks(bytes, kind, opts)) out.push(chunk);
  return Buffer.concat(out);
}

/**
 * Decompresses `bytes`, handing the output on piece by piece as the decoder produces it, so that a caller
 * parsing as it goes never holds the whole text (see src/debian/packages.ts, PackagesReader). Stopping early
 * (break, or an error in the caller's loop) stops the decoder and reaps its process.
 */
export async function* decompressChunks(
  bytes: Buffer,
  kind: Compression,
  opts: DecompressOptions,
): AsyncGenerator<Buffer, void, undefined> {
  const max = opts.maxOutputBytes ?? Infinity;
  let total = 0;
  const pieces = kind === 'gz' ? gunzipChunks(bytes) : kind === 'xz' ? unxzChunks(bytes, opts.xzCommand) : whole(bytes);
  const iterator = pieces[Symbol.asyncIterator]();
  try {
    for (;;) {
      let chunk: Buffer;
      try {
        const next = await iterator.next();
        if (next.done === true) return;
        chunk = next.value;
      } catch (e) {
        throw new DistrolessError('PARSE', `${opts.source}: cannot ${VERB[kind]} (${(e as Error).message})`, {
          cause: e,
        });
      }
      total += chunk.length;
      if (total > max)
        throw new DistrolessError('PARSE', `${opts.source}: cannot ${VERB[kind]} (more than ${max} bytes)`);
      yield chunk;
    }
  } finally {
    await iterator.return?.();
  }
}

async function* whole(bytes: Buffer): AsyncGenerator<Buffer, void, undefined> {
  yield bytes;
}

const VERB: Record<Compression, string> = { gz: 'gunzip', xz: 'unxz', none: 'read' };

/** zlib in 64 KiB pieces (its default 16 KiB pieces cost more in a parser's per-piece work). */
function gunzipChunks(bytes: Buffer): AsyncIterable<Buffer> {
  const z = createGunzip({ chunkSize: 64 * 1024 });
  z.end(bytes);
  return z;
}

async function* unxzChunks(bytes: Buffer, command: string | undefined): AsyncGenerator<Buffer, void, undefined> {
  const child = command === undefined ? undefined : await startXz(command);
  if (child !== undefined) yield* xzProcessChunks(child, bytes, command as string);
  else yield* wasmUnxzChunks(bytes);
}

/** `command -dc`, started; undefined when the command does not exist (ENOENT). */
async function startXz(command: string): Promise<ChildProcessWithoutNullStreams | undefined> {
  const child = spawn(command, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    await once(child, 'spawn');
    return child;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function* xzProcessChunks(
  child: ChildProcessWithoutNullStreams,
  input: Buffer,
  command: string,
): AsyncGenerator<Buffer, void, undefined> {
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.on('error', () => undefined); // EPIPE when xz exits early: the exit status reports it
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  child.stdin.end(input);
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    const [code] = await closed;
    if (code !== 0) throw new Error(`${command} -dc exited with ${code}: ${err.trim().split('\n')[0] ?? ''}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill();
      await closed.catch(() => undefined);
    }
  }
}

async function* wasmUnxzChunks(bytes: Buffer): AsyncGenerator<Buffer, void, undefined> {
  const { XzReadableStream } = (await import('xz-decompress')).default;
  const input = Readable.from([bytes]);
  const reader = new XzReadableStream(Readable.toWeb(input) as ReadableStream<Uint8Array>).getReader();
  let finished = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        finished = true;
        return;
      }
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  } catch (e) {
    finished = true;
    throw e;
  } finally {
    if (!finished) {
      // The decoder frees its lock only when its stream ends or fails (see src/deb/deb.ts): fail it.
      input.destroy();
      while (!(await reader.read().catch(() => ({ done: true }) as const)).done);
    }
  }
}
