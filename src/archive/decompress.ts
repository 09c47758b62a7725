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
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip as zlibGunzip } from 'node:zlib';
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

const gunzipAsync = promisify(zlibGunzip);

/** The compression a Debian index path implies by its suffix. */
export function compressionOf(path: string): Compression {
  if (path.endsWith('.gz')) return 'gz';
  if (path.endsWith('.xz')) return 'xz';
  return 'none';
}

export async function decompress(bytes: Buffer, kind: Compression, opts: DecompressOptions): Promise<Buffer> {
  switch (kind) {
    case 'gz':
      return gunzip(bytes, opts);
    case 'xz':
      return unxz(bytes, opts);
    case 'none':
      return bytes;
  }
}

/** zlib on the libuv thread pool, so that several indices decode in parallel off the main thread. */
export async function gunzip(bytes: Buffer, opts: DecompressOptions): Promise<Buffer> {
  try {
    return await gunzipAsync(bytes, opts.maxOutputBytes === undefined ? {} : { maxOutputLength: opts.maxOutputBytes });
  } catch (e) {
    throw new DistrolessError('PARSE', `${opts.source}: cannot gunzip (${(e as Error).message})`, { cause: e });
  }
}

export async function unxz(bytes: Buffer, opts: DecompressOptions): Promise<Buffer> {
  try {
    if (opts.xzCommand !== undefined) {
      try {
        return await runXz(opts.xzCommand, bytes);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    return await wasmUnxz(bytes, opts.maxOutputBytes);
  } catch (e) {
    throw new DistrolessError('PARSE', `${opts.source}: cannot unxz (${(e as Error).message})`, { cause: e });
  }
}

async function wasmUnxz(bytes: Buffer, max = Infinity): Promise<Buffer> {
  const { XzReadableStream } = (await import('xz-decompress')).default;
  const input = Readable.from([bytes]);
  const reader = new XzReadableStream(Readable.toWeb(input) as ReadableStream<Uint8Array>).getReader();
  const out: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const next = await reader.read();
    if (next.done) return Buffer.concat(out);
    total += next.value.byteLength;
    out.push(next.value);
    if (total > max) {
      // The decoder frees its lock only when its stream ends or fails (see src/deb/deb.ts): fail it.
      input.destroy();
      while (!(await reader.read().catch(() => ({ done: true }) as const)).done);
      throw new Error(`more than ${max} bytes`);
    }
  }
}

function runXz(command: string, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // EPIPE when xz exits early: the exit status reports it
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${command} -dc exited with ${code}: ${err.trim().split('\n')[0] ?? ''}`));
    });
    child.stdin.end(input);
  });
}
