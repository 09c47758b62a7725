/**
 * Opens a .deb on disk (its sha256 was checked by the caller): reads the ar headers, checks
 * `debian-binary`, reads `control` and `md5sums` out of control.tar, and gives the decompressed data.tar as a
 * stream (the member's byte range through a decompressor; nothing is buffered whole).
 *
 * xz decoding is the second biggest cost of a cold build (docs/architecture.md#where-the-time-goes). Measured on
 * openjdk-17-jre-headless 17.0.21.1+2-1~deb12u1 amd64 (data.tar.xz 44 MB, 8 xz blocks → 193 MB tar), the
 * whole package layer written to /dev/null (writePackageLayer), 3 runs each on a 2-core machine that other
 * jobs kept at load 7–9 (so wall times are noisy; CPU is node + child), Node 24, XZ Utils 5.4.1, 2026-11-27:
 *   decoder                        wall (median)  CPU      peak RSS
 *   `xz -dc` (default)             4.9–9.4 s (5.0) ~5.5 s   node ~90–115 MB, xz 10 MB
 *   `xz -T2 -dc` (xzThreads: 2)    4.4–5.1 s (4.8) ~5.3 s   ~130 MB (threaded xz holds blocks)
 *   `xz -T0 -dc` (xzThreads: 0)    4.6–6.0 s (6.0) ~5.6 s   ~130 MB
 *   @napi-rs/lzma (xzDecoder napi) 9.8–12.2 s (10.6) ~7.2 s ~360–370 MB (no streaming API: whole member)
 *   no decompression (plain tar)   0.6–0.7 s       ~0.75 s  ~133 MB (also 133 MB for a 1 GB data.tar)
 * For reference `xz -dc` alone took 3.9–4.9 s wall (2.9–3.4 s CPU) and `dpkg-deb --fsys-tarfile` 3.5–5.1 s.
 * So the default is the single-threaded `xz` binary (present on Debian and GitHub's runners): xz runs on
 * one core while our tar work runs on the other; threads gain little on 2 cores and the cores are better
 * spent on other layers. `xzDecoder: 'napi'` is a fallback for hosts without xz and buffers the member.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Duplex, PassThrough, pipeline, Readable } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { DistrolessError } from '../errors.js';
import { readTar } from '../tar/reader.js';
import { readArMembers, readMember, type ArMember } from './ar.js';

export type DebCompression = 'none' | 'gz' | 'xz' | 'zst' | 'bz2';

export interface DebOptions {
  /** 'command' (default): run `xzCommand -dc` as a streaming filter; 'napi': @napi-rs/lzma, whole member in memory. */
  xzDecoder?: 'command' | 'napi';
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

/** A .deb opened for one pass over its data.tar, with control.tar read beside it. */
export interface DebStream {
  /** The data.tar member as stored (compressed). */
  dataMember: ArMember;
  /** The decompressed data.tar; errors are DistrolessErrors naming the package. */
  data: Readable;
  /**
   * `control` and `md5sums` out of control.tar, read while `data` is consumed (for an xz .deb, two `xz`
   * processes run side by side). Rejects as `openDeb` would; when the caller stops early, destroy `data`.
   */
  control: Promise<{ control: string; md5sums?: string }>;
}

/**
 * `openDeb` for a caller that reads the data anyway and needs the control files only afterwards (a layer
 * build: the status.d entry comes last): both members start decoding at once, so the control part costs no
 * wait before the first data entry.
 */
export async function streamDeb(path: string, name = basename(path), opts: DebOptions = {}): Promise<DebStream> {
  const m = await openMembers(path, name, opts);
  const data = m.data();
  const control = readControl(m.control(), name, opts);
  control.catch(() => undefined); // the caller awaits it after the data; not unhandled meanwhile
  return { dataMember: m.dataMember, data, control };
}

/** The members of a .deb, checked, each with a function that starts a fresh decompressed stream of it. */
async function openMembers(path: string, name: string, opts: DebOptions) {
  const members = await readArMembers(path, name);
  const { control: controlMember, data: dataMember } = await findMembers(path, members, name);
  const controlCompression = compressionOf(controlMember, 'control.tar', name);
  const dataCompression = compressionOf(dataMember, 'data.tar', name);
  if (controlCompression === 'bz2') throw bad(name, `unsupported control member ${controlMember.name}`);
  const stream = (m: ArMember, kind: DebCompression): Readable =>
    decompress(rangeStream(path, m), kind, opts, `${name}: ${m.name}`);
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

function decompress(input: Readable, kind: DebCompression, opts: DebOptions, source: string): Readable {
  switch (kind) {
    case 'none':
      return guard(input, input, source);
    case 'gz':
      return guard(input, createGunzip(), source);
    case 'zst':
      return guard(input, createZstdDecompress(), source);
    case 'xz':
      if (opts.xzDecoder === 'napi') return guard(input, napiXz(input), source);
      return spawnFilter(
        opts.xzCommand ?? 'xz',
        opts.xzThreads === undefined ? [] : [`-T${opts.xzThreads}`],
        input,
        source,
      );
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
  const child = spawn(command, [...extraArgs, '-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
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
    fail(missing ? `${command} not found (install it, or use xzDecoder: 'napi' for xz)` : e.message, e);
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

/** @napi-rs/lzma has no streaming decoder: the whole member is read, decoded, then handed on in 1 MiB slices. */
function napiXz(input: Readable): Readable {
  return Readable.from(
    (async function* () {
      const chunks: Buffer[] = [];
      for await (const chunk of input) chunks.push(chunk as Buffer);
      const { xz } = await import('@napi-rs/lzma');
      const data = await xz.decompress(Buffer.concat(chunks));
      chunks.length = 0;
      for (let pos = 0; pos < data.length; pos += 1 << 20) yield data.subarray(pos, pos + (1 << 20));
    })(),
    { objectMode: false },
  );
}

function bad(name: string, why: string): DistrolessError {
  return new DistrolessError('DEB_INVALID', `${name}: ${why}`);
}
