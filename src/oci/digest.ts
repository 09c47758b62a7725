/**
 * sha256 digests in OCI form (`sha256:<64 lowercase hex>`), and a pass-through stream that hashes and counts
 * what flows through it, so a blob's digest and size are known the moment it has been written.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { constants as fsConstants, createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DistrolessError } from '../errors.js';
import { sha256File, sha256Hex } from '../util/hash.js';

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** `sha256:<hex>` of some bytes (a string is hashed as UTF-8). */
export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${sha256Hex(data)}`;
}

export function isDigest(value: string): boolean {
  return DIGEST_RE.test(value);
}

/** The hex part of a `sha256:<hex>` digest; throws `PARSE` on anything else (other algorithms included). */
export function digestHex(digest: string): string {
  if (!isDigest(digest))
    throw new DistrolessError('PARSE', `not a sha256 digest: ${JSON.stringify(digest.slice(0, 80))}`);
  return digest.slice('sha256:'.length);
}

/**
 * A Transform that passes chunks through unchanged while hashing and counting them. `digest` is available
 * once the stream has flushed (after the pipeline that contains it has finished).
 */
export class DigestCounter extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private count = 0;
  private result: string | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.count += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.result = `sha256:${this.hash.digest('hex')}`;
    callback();
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.count;
  }

  /** `sha256:<hex>` of everything that went through; throws if the stream has not finished. */
  get digest(): string {
    if (this.result === undefined) throw new Error('DigestCounter: digest read before the stream finished');
    return this.result;
  }
}

/** A file's sha256 digest and size (`sha256File`: 1 MiB pieces into one buffer). */
export async function digestFile(path: string): Promise<{ digest: string; size: number }> {
  const { hex, size } = await sha256File(path);
  return { digest: `sha256:${hex}`, size };
}

/*
 * Content-addressed blob files: `<blobsDir>/sha256/<hex>`. Every blob is first written under a temporary name
 * in `<blobsDir>` itself (same filesystem, so the final rename is atomic) and only renamed into place once it
 * is complete; a reader never sees a partial blob under a digest name. Blobs are made read-only (0444)
 * because a layout's blobs may be hardlinks of the layer cache's.
 */

const BLOB_MODE = 0o444;

/** Where blob `digest` lives under a `blobs` directory (the one holding `sha256/`). */
export function blobPath(blobsDir: string, digest: string): string {
  return join(blobsDir, 'sha256', digestHex(digest));
}

/**
 * A fresh temporary path in `blobsDir`: `.tmp-<host>-<pid>-<random>`, so that `sweepStaleTemps` can tell the
 * temps of a writer that died (kill -9, power loss) from those of one still writing.
 */
export function tempBlobPath(blobsDir: string): string {
  return join(blobsDir, `.tmp-${TEMP_OWNER}-${randomBytes(8).toString('hex')}`);
}

/** Host and process of this writer, as temp names carry them (the host name reduced to a safe alphabet). */
const TEMP_OWNER = `${hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host'}-${process.pid}`;
const TEMP_NAME = /^\.tmp-([A-Za-z0-9._]+)-(\d+)-[0-9a-f]+$/;

/**
 * Removes the temp files in `blobsDir` left by writers that died: those named for a process of this host that
 * no longer runs. Temps of live writers and of other hosts (a shared volume) are left alone; `gcLayout`, run
 * when no writer works, removes every temp. Returns how many were removed.
 */
export async function sweepStaleTemps(blobsDir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(blobsDir);
  } catch (e) {
    if (isNotFound(e)) return 0;
    throw e;
  }
  const host = TEMP_OWNER.slice(0, TEMP_OWNER.lastIndexOf('-'));
  let removed = 0;
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (m === null || m[1] !== host || processRuns(Number(m[2]))) continue;
    await rm(join(blobsDir, name), { force: true });
    removed++;
  }
  return removed;
}

/** `<host>-<pid>` of this process, as temp and lock files name their writer. */
export function lockOwner(): string {
  return TEMP_OWNER;
}

/** True when `owner` (`<host>-<pid>`, see lockOwner) is a process of this host that no longer runs. */
export function ownerIsDead(owner: string): boolean {
  const at = owner.lastIndexOf('-');
  const host = owner.slice(0, at);
  const pid = Number(owner.slice(at + 1));
  return (
    host === TEMP_OWNER.slice(0, TEMP_OWNER.lastIndexOf('-')) &&
    Number.isSafeInteger(pid) &&
    pid > 0 &&
    !processRuns(pid)
  );
}

/** True when process `pid` exists on this host (signal 0 checks without sending anything). */
function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) !== 'ESRCH'; // EPERM: it runs, as another user
  }
}

/** True when blob `digest` exists as a regular file (of `size` bytes when given). */
export async function blobExists(blobsDir: string, digest: string, size?: number): Promise<boolean> {
  try {
    const st = await stat(blobPath(blobsDir, digest));
    return st.isFile() && (size === undefined || st.size === size);
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/**
 * Moves a complete temp file into place as blob `digest`. A blob already there with the right size is kept
 * (same name, same content) and the temp is dropped; a wrong-sized one (a damaged copy) is replaced.
 */
export async function publishBlob(temp: string, blobsDir: string, digest: string, size: number): Promise<void> {
  const target = blobPath(blobsDir, digest);
  await mkdir(dirname(target), { recursive: true });
  if (await blobExists(blobsDir, digest, size)) {
    await rm(temp, { force: true });
    return;
  }
  await rename(temp, target);
  // rename(2) does nothing when both names are links to one file (two imports of one cached blob at once, as
  // an `Architecture: all` package's layer is for every arch), which left the temp behind: remove it.
  await rm(temp, { force: true });
}

/**
 * Writes bytes as a blob (temp, fsync, rename); returns its digest, size and whether it was written now.
 * `sync: false` leaves the fsync to the caller (see OciLayoutWriter.commit, which syncs them all at once).
 * Five file operations when the blob is new (a look, the temp file's open, write and close, the rename), the
 * directories made only when they turn out to be missing: a build writes ~70 documents at its end, and with the
 * mkdirs, second look and cleanup of `publishBlob` (nine operations each) waiting for them took 45–48 ms of a
 * one-package rebuild, 25–32 ms so. The temp is a file of its own, so it is simply renamed over whatever is
 * there by then (a wrong-sized copy, or the same bytes from another writer).
 */
export async function writeBlobBytes(
  blobsDir: string,
  bytes: Uint8Array,
  opts: { sync?: boolean } = {},
): Promise<{ digest: string; size: number; written: boolean }> {
  const digest = sha256Digest(bytes);
  if (await blobExists(blobsDir, digest, bytes.length)) return { digest, size: bytes.length, written: false };
  const temp = tempBlobPath(blobsDir);
  const target = blobPath(blobsDir, digest);
  try {
    const handle = await makingDir(blobsDir, () => open(temp, 'wx', BLOB_MODE));
    try {
      await handle.writeFile(bytes);
      if (opts.sync !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    await makingDir(dirname(target), () => rename(temp, target));
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  return { digest, size: bytes.length, written: true };
}

/** Runs `op`; if it fails because `dir` is missing, makes `dir` (and its parents) and runs `op` once more. */
async function makingDir<T>(dir: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  await mkdir(dir, { recursive: true });
  return op();
}

/** fsyncs a file that is already written (contents and size). */
export async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Brings an existing blob file (e.g. from the layer cache) into `blobsDir`: a hardlink when both are on the
 * same filesystem, else a copy (through a temp file). The source's size is always checked; with
 * `verify: true` (anything from a cache, which another workflow may have written) its sha256 too — the linked
 * file is read once, a copy is hashed while it is written — and a mismatch is a HASH_MISMATCH error that
 * leaves nothing behind in `blobsDir`.
 */
export async function importBlob(
  source: string,
  blobsDir: string,
  digest: string,
  size: number,
  opts: { verify?: boolean } = {},
): Promise<'present' | 'linked' | 'copied'> {
  // Already in place (a rebuild: most layers are): the source need not even be looked at.
  if (await blobExists(blobsDir, digest, size)) return 'present';
  const st = await stat(source);
  if (!st.isFile() || st.size !== size) {
    throw new DistrolessError('SIZE_MISMATCH', `blob ${digest} at ${source}: expected ${size} bytes, found ${st.size}`);
  }
  const target = blobPath(blobsDir, digest);
  await mkdir(dirname(target), { recursive: true });
  const temp = tempBlobPath(blobsDir);
  const mismatch = (actual: string): DistrolessError =>
    new DistrolessError('HASH_MISMATCH', `blob ${digest} at ${source}: its content hashes to ${actual}`);
  try {
    let how: 'linked' | 'copied' = 'linked';
    try {
      await link(source, temp);
      // The temp is the same file as the source: hashing it checks what the layout will hold.
      if (opts.verify === true) {
        const actual = (await digestFile(temp)).digest;
        if (actual !== digest) throw mismatch(actual);
      }
    } catch (e) {
      if (!isCrossDevice(e)) throw e;
      how = 'copied';
    }
    if (how === 'copied') {
      if (opts.verify === true) {
        const counter = new DigestCounter();
        await pipeline(createReadStream(source), counter, createWriteStream(temp, { flags: 'wx', mode: BLOB_MODE }));
        if (counter.digest !== digest) throw mismatch(counter.digest);
      } else {
        await copyFile(source, temp, fsConstants.COPYFILE_FICLONE);
      }
      await chmod(temp, BLOB_MODE);
    }
    await publishBlob(temp, blobsDir, digest, size);
    return how;
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

export function isNotFound(e: unknown): boolean {
  return errnoCode(e) === 'ENOENT';
}

/** Hardlinks fail across filesystems (EXDEV) and on filesystems or policies that forbid them (EPERM, ENOTSUP). */
function isCrossDevice(e: unknown): boolean {
  const code = errnoCode(e);
  return code === 'EXDEV' || code === 'EPERM' || code === 'ENOTSUP' || code === 'EMLINK';
}
