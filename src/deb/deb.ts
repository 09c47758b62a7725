/**
 * Opens a .deb on disk (its sha256 was checked by the caller): reads the ar headers, checks
 * `debian-binary`, reads `control` and `md5sums` out of control.tar, and gives the decompressed data.tar as a
 * stream (the member's byte range through a decompressor; nothing is buffered whole).
 *
 * xz decoding is the second biggest cost of a cold build (docs/architecture.md#where-the-time-goes). Two decoders:
 * the `xz` binary (a streaming filter in a process of its own, so on another core than our tar work; the
 * processes are pooled and reused member after member, xz-pool.ts) and, where
 * no `xz` is on PATH (Windows and some macOS runners), xz-decompress (xz-embedded compiled to WebAssembly,
 * streaming, bundled into dist/ so the Action needs no node_modules). `bench/xz-decoders.mjs` measured both
 * on data.tar.xz of real .debs (Node 24, XZ Utils 5.4.1, 2-core machine shared with other jobs, 3 runs
 * each, median wall time, peak RSS of node plus the xz child):
 *   package (data.tar.xz)              `xz -dc`          xz-decompress      (@napi-rs/lzma, removed)
 *   tzdata 2026f (0.2 MiB)             0.16 s,  58 MiB   0.15 s,  67 MiB    0.21 s,  58 MiB
 *   libpython3.11-stdlib (1.7 MiB)     0.50 s,  69 MiB   0.77 s,  82 MiB    0.93 s,  73 MiB
 *   openjdk-17-jre-headless (41.9 MiB) 8.4 s,   94 MiB   24.2 s, 112 MiB    23.5 s, 346 MiB
 * So `xz` stays first where it exists (3x faster on big packages) and the WebAssembly decoder is the fallback
 * everywhere else (as fast as the native module was, at a third of its memory). xz-decompress decodes one
 * stream at a time (a lock inside it): a second xz member waits until the first is read to its end.
 * `xzDecoder: 'command'` / `'wasm'` forces one; `xzThreads` passes `-T<n>` to the binary (little gain on
 * 2 cores, more memory).
 */
import { spawn } from 'node:child_process';
import { constants, createReadStream } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import { Duplex, PassThrough, pipeline, Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { DistrolessError } from '../errors.js';
import { readTar } from '../tar/reader.js';
import { readArMembers, readMember, type ArMember } from './ar.js';
import { xzDecoderPool, xzUncompressedSize } from './xz-pool.js';

export type DebCompression = 'none' | 'gz' | 'xz' | 'zst' | 'bz2';

export interface DebOptions {
  /**
   * 'auto' (default): the `xzCommand` binary when it is on PATH, else the WebAssembly decoder; 'command': the
   * binary only (an error when it is missing); 'wasm': the WebAssembly decoder only.
   */
  xzDecoder?: 'auto' | 'command' | 'wasm';
  /** Default `xz`. */
  xzCommand?: string;
  /** Pass `-T<n>` to the xz binary (XZ Utils ≥ 5.4 decodes multi-block streams in parallel); default: not passed. */
  xzThreads?: number;
  /** Default `bzip2`. */
  bzip2Command?: string;
  /** Cap on the `control` and `md5sums` files (default 16 MiB each). */
  maxControlFileBytes?: number;
}

export interface Deb {
  path: string;
  /** Named in errors (the package name, or the file's base name). */
  name: string;
  /** The `control` file's text. */
  control: string;
  /** The `md5sums` file's text, when the package has one. */
  md5sums?: string;
  controlCompression: DebCompression;
  dataCompression: DebCompression;
  /** The data.tar member as stored (compressed). */
  dataMember: ArMember;
  /** A fresh stream of the decompressed data.tar; errors are DistrolessErrors naming the package. */
  dataTar(): Readable;
}

const SUFFIXES: Record<string, DebCompression> = { '': 'none', '.gz': 'gz', '.xz': 'xz', '.zst': 'zst', '.bz2': 'bz2' };

export async function openDeb(path: string, name = basename(path), opts: DebOptions = {}): Promise<Deb> {
  const m = await openMembers(path, name, opts);
  const files = await readControl(m.control(), name, opts);
  return {
    path,
    name,
    ...files,
    controlCompression: m.controlCompression,
    dataCompression: m.dataCompression,
    dataMember: m.dataMember,
    dataTar: m.data,
  };
}

/** A .deb opened for one pass over its data.tar, with control.tar read after it. */
export interface DebStream {
  /** The data.tar member as stored (compressed). */
  dataMember: ArMember;
  /** The decompressed data.tar; errors are DistrolessErrors naming the package. */
  data: Readable;
  /**
   * `control` and `md5sums` out of control.tar, read when called: call it once `data` has been read. Rejects as
   * `openDeb` would; when the caller stops early, destroy `data` and do not call it.
   */
  control(): Promise<{ control: string; md5sums?: string }>;
}

/**
 * `openDeb` for a caller that reads the data anyway and needs the control files only afterwards (a layer
 * build: the status.d entry comes last): the data starts decoding at once, and control.tar (a few KiB) only
 * when asked for, after it. For an xz .deb the pooled decoder that has just read the data then reads the
 * control member too (xz-pool.ts), where reading both side by side needed a second `xz` process, spawned
 * whenever the pool had no other idle one: ~15–20 ms of blocked main thread in a one-package rebuild.
 */
export async function streamDeb(path: string, name = basename(path), opts: DebOptions = {}): Promise<DebStream> {
  const m = await openMembers(path, name, opts);
  return { dataMember: m.dataMember, data: m.data(), control: () => readControl(m.control(), name, opts) };
}

/** The members of a .deb, checked, each with a function that starts a fresh decompressed stream of it. */
async function openMembers(path: string, name: string, opts: DebOptions) {
  const members = await readArMembers(path, name);
  const { control: controlMember, data: dataMember } = await findMembers(path, members, name);
  const controlCompression = compressionOf(controlMember, 'control.tar', name);
  const dataCompression = compressionOf(dataMember, 'data.tar', name);
  if (controlCompression === 'bz2') throw bad(name, `unsupported control member ${controlMember.name}`);
  const stream = (m: ArMember, kind: DebCompression): Readable =>
    decompress(rangeStream(path, m), kind, opts, `${name}: ${m.name}`, { path, member: m });
  return {
    dataMember,
    controlCompression,
    dataCompression,
    control: () => stream(controlMember, controlCompression),
    data: () => stream(dataMember, dataCompression),
  };
}

/** `control` (required) and `md5sums` (when there) out of a control.tar stream. */
async function readControl(
  tar: Readable,
  name: string,
  opts: DebOptions,
): Promise<{ control: string; md5sums?: string }> {
  const files = await readControlFiles(tar, name, opts);
  if (files.control === undefined) throw bad(name, 'control.tar has no control file');
  return { control: files.control, ...(files.md5sums === undefined ? {} : { md5sums: files.md5sums }) };
}

/** deb(5): debian-binary, control.tar*, data.tar* in this order; `_`-prefixed members anywhere between are ignored. */
async function findMembers(
  path: string,
  members: ArMember[],
  name: string,
): Promise<{ control: ArMember; data: ArMember }> {
  const [first, ...rest] = members;
  if (first?.name !== 'debian-binary') throw bad(name, 'first ar member is not debian-binary');
  const version = (await readMember(path, first)).toString('latin1');
  if (version !== '2.0\n') throw bad(name, `unsupported deb format ${JSON.stringify(version)}`);
  const required = rest.filter((m) => !m.name.startsWith('_'));
  const [control, data] = required;
  if (control === undefined || !control.name.startsWith('control.tar'))
    throw bad(name, 'second member is not control.tar');
  if (data === undefined || !data.name.startsWith('data.tar')) throw bad(name, 'third member is not data.tar');
  return { control, data };
}

function compressionOf(m: ArMember, base: string, name: string): DebCompression {
  const kind = SUFFIXES[m.name.slice(base.length)];
  if (kind === undefined) throw bad(name, `unsupported member ${m.name}`);
  return kind;
}

/** The member's bytes, streamed from disk (`end` is inclusive). */
function rangeStream(path: string, m: ArMember): Readable {
  if (m.size === 0) return Readable.from([]);
  return createReadStream(path, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: 1 << 20 });
}

async function readControlFiles(
  tar: Readable,
  name: string,
  opts: DebOptions,
): Promise<{ control?: string; md5sums?: string }> {
  const max = opts.maxControlFileBytes ?? 16 * 1024 * 1024;
  const out: { control?: string; md5sums?: string } = {};
  try {
    for await (const { header, body } of readTar(tar, { source: `${name}: control.tar` })) {
      const file = header.path.replace(/^(\.\/)+/, '');
      if (file !== 'control' && file !== 'md5sums') continue;
      if (header.typeflag !== '0' && header.typeflag !== '\0')
        throw bad(name, `control.tar: ${file} is not a regular file`);
      if (header.size > max) throw bad(name, `control.tar: ${file} is larger than ${max} bytes`);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk);
      out[file] = Buffer.concat(chunks).toString('utf8');
    }
  } catch (e) {
    if (e instanceof DistrolessError) throw e;
    throw bad(name, `control.tar: ${(e as Error).message}`);
  }
  return out;
}

function decompress(
  input: Readable,
  kind: DebCompression,
  opts: DebOptions,
  source: string,
  at?: { path: string; member: ArMember },
): Readable {
  switch (kind) {
    case 'none':
      return guard(input, input, source);
    case 'gz':
      return guard(input, zlib.createGunzip(), source);
    case 'zst':
      // Looked up when a zstd member is met, not at load: Node < 22.15 / 23.8 has no zstd in zlib.
      if (typeof zlib.createZstdDecompress !== 'function') {
        input.destroy();
        return Readable.from(
          (async function* () {
            yield* [];
            throw bad(source, `zstd needs Node >= 22.15 (this is ${process.version})`);
          })(),
        );
      }
      return guard(input, zlib.createZstdDecompress(), source);
    case 'xz': {
      const command = opts.xzCommand ?? 'xz';
      const args = opts.xzThreads === undefined ? [] : [`-T${opts.xzThreads}`];
      // A member whose decoded size its xz index gives goes to a pooled decoder (xz-pool.ts); anything else to
      // an xz of its own, which also names what is wrong with a member the index walk did not accept.
      const binary = async (): Promise<Readable> => {
        const size = at === undefined ? undefined : await decodedSize(at.path, at.member);
        if (size === undefined) return spawnFilter(command, args, input, source);
        return xzDecoderPool(command, args).decode(input, size, source);
      };
      const wasm = (): Readable => guard(input, wasmXz(input), source);
      if (opts.xzDecoder === 'wasm') return wasm();
      if (opts.xzDecoder === 'command') return deferred(binary, input);
      return deferred(async () => ((await hasCommand(command)) ? binary() : wasm()), input);
    }
    case 'bz2':
      return spawnFilter(opts.bzip2Command ?? 'bzip2', [], input, source);
  }
}

/**
 * Where a decoder's output waits for the tar reader: up to 16 chunks (1 MiB of the xz pipe's 64 KiB reads),
 * handed on one chunk per read. A byte-mode stream joins everything buffered into one new Buffer on each read:
 * copies (and garbage) the tar reader, which takes views of the chunks, does not need.
 */
function decodedStream(): PassThrough {
  return new PassThrough({ readableObjectMode: true, readableHighWaterMark: 16 });
}

/** `last` (a transform fed from `input`, or a stream that reads `input` itself), any failure made a DistrolessError. */
function guard(input: Readable, last: Readable, source: string): Readable {
  if (last instanceof Duplex) pipeline(input, last, () => undefined);
  const out = decodedStream();
  last.on('error', (e) => out.destroy(new DistrolessError('DEB_INVALID', `${source}: ${e.message}`, { cause: e })));
  last.pipe(out);
  out.on('close', () => {
    last.destroy();
    input.destroy();
  });
  return out;
}

/**
 * Runs `<command> -dc` as a streaming filter: input → stdin, stdout → the returned stream, with
 * backpressure both ways. The stream ends only after the child exited 0, so a bad trailer (xz's CRC64 over
 * the last block) fails the read rather than passing silently; destroying the stream kills the child.
 */
function spawnFilter(command: string, extraArgs: readonly string[], input: Readable, source: string): Readable {
  const out = decodedStream();
  const child = spawn(command, [...extraArgs, '-dc'], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
  let stderr = '';
  const fail = (why: string, cause?: unknown): void => {
    out.destroy(new DistrolessError('DEB_INVALID', `${source}: ${command} -dc failed: ${why}`, { cause }));
  };
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 2000) stderr += s;
  });
  pipeline(input, child.stdin, (err) => {
    // EPIPE: the child stopped reading (it failed, or was killed); its exit status says why.
    if (err && (err as NodeJS.ErrnoException).code !== 'EPIPE') fail(err.message, err);
  });
  child.stdout.pipe(out, { end: false });
  child.on('error', (e) => {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    fail(missing ? `${command} not found` : e.message, e);
  });
  child.on('close', (code, signal) => {
    if (code === 0) out.end();
    else fail(`exit ${code ?? signal}${stderr === '' ? '' : `: ${stderr.trim().split('\n')[0]}`}`);
  });
  out.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    input.destroy();
  });
  return out;
}

/**
 * xz-decompress over `input`. Its decoder runs one stream at a time and frees its lock only when a stream ends
 * or fails, so a reader that stops early does not cancel it: `input` is destroyed and the decoder is read until
 * it fails on that (never a second release of its lock, never a lock held forever).
 */
function wasmXz(input: Readable): Readable {
  return Readable.from(
    (async function* () {
      const { XzReadableStream } = (await import('xz-decompress')).default;
      const reader = new XzReadableStream(Readable.toWeb(input) as ReadableStream<Uint8Array>).getReader();
      let ended = false;
      try {
        for (;;) {
          const next = await reader.read();
          if (next.done) break;
          yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
        }
        ended = true;
      } finally {
        if (!ended) {
          input.destroy();
          for (;;) {
            const next = await reader.read().catch(() => ({ done: true }) as const);
            if (next.done) break;
          }
        }
      }
    })(),
    { objectMode: false },
  );
}

/** The decoded size of an .xz member, from its index (undefined when that cannot be read). */
async function decodedSize(path: string, member: ArMember): Promise<number | undefined> {
  const fh = await open(path, 'r');
  try {
    return await xzUncompressedSize(fh, member.offset, member.size);
  } finally {
    await fh.close();
  }
}

/**
 * Whether `command` is an executable file: a path as given, else the first match on PATH, as a shell looks it
 * up (asked once per command). A lookup, not a trial run: spawning `xz --version` blocked the main thread
 * ~10 ms of every build that decodes a .deb (docs/architecture.md, "Where the time goes"). An executable
 * that then fails to run fails the member's decoding with its own message. The decoders are spawned with the
 * same `process.env`, so the PATH searched here is the one they are found on.
 */
const commands = new Map<string, Promise<boolean>>();
function hasCommand(command: string): Promise<boolean> {
  let known = commands.get(command);
  if (known === undefined) {
    const candidates = command.includes('/')
      ? [command]
      : (process.env.PATH ?? '')
          .split(delimiter)
          .filter((dir) => dir !== '')
          .map((dir) => join(dir, command));
    known = (async () => {
      for (const candidate of candidates) if (await isExecutableFile(candidate)) return true;
      return false;
    })();
    commands.set(command, known);
  }
  return known;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** A stream of what `make` gives once it resolves; destroying it early destroys that stream (or `input`). */
function deferred(make: () => Promise<Readable>, input: Readable): Readable {
  const out = decodedStream();
  make().then(
    (inner) => {
      if (out.destroyed) {
        inner.destroy();
        return;
      }
      inner.on('error', (e) => out.destroy(e));
      inner.pipe(out);
      out.on('close', () => inner.destroy());
    },
    (e: Error) => {
      input.destroy();
      out.destroy(e);
    },
  );
  return out;
}

function bad(name: string, why: string): DistrolessError {
  return new DistrolessError('DEB_INVALID', `${name}: ${why}`);
}
