import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DistrolessError } from '../errors.js';
import * as z from '../util/zod.js';
import { canonicalJson } from '../util/json.js';
import { writeFilesAtomically } from '../util/fs.js';
import { LOCKFILE_VERSION, type Lockfile } from './types.js';

const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex'));
const count = z.int().check(z.nonnegative());
/**
 * Every field that becomes part of a URL or a file name is checked when the lock is read, whatever a cache
 * holds: a path relative to the archive root (no `..`, `.` or empty segment, no `/` at either end, nothing
 * but the characters Debian's pool and dists paths use), an http(s) URL, Debian names and versions.
 */
const SEGMENT = /^[A-Za-z0-9_+~%-][A-Za-z0-9._+~%-]*$/;
const relativePath = (what: string) =>
  z
    .string()
    .check(
      z.refine(
        (s) => s.split('/').every((seg) => SEGMENT.test(seg) && seg !== '..'),
        `${what}: a path relative to the archive root (no ".." or "." segment, no leading or trailing "/")`,
      ),
    );
const httpUrl = z.string().check(
  z.refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '';
    } catch {
      return false;
    }
  }, 'an http(s) URL without credentials'),
);
const archName = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]*$/, 'a Debian architecture name'));
const packageName = z.string().check(z.regex(/^[a-z0-9][a-z0-9+.-]*$/, 'a Debian package name'));
const version = z.string().check(z.regex(/^(\d+:)?[A-Za-z0-9.+~-]+$/, 'a Debian version'));
const index = z.strictObject({ path: relativePath('an index path'), sha256: hex64, size: count });
const source = z.strictObject({
  url: httpUrl,
  suite: relativePath('a suite'),
  components: z.array(relativePath('a component')),
  date: z.string(),
  snapshot: z.string().check(z.regex(/^(\d{8}T\d{6}Z)?$/, 'a snapshot timestamp like 20261127T081500Z')),
  inRelease: hex64,
  indices: z.record(archName, z.record(relativePath('a component'), index)),
  missingArchs: z.array(archName),
});
const pkg = z.strictObject({
  version,
  architecture: archName,
  suite: z.string(),
  source: packageName,
  sourceVersion: version,
  filename: relativePath('a pool path').check(z.regex(/\.deb$/, 'a .deb file name')),
  size: count,
  sha256: hex64,
});
const imageArch = z.strictObject({
  packages: z.record(packageName, z.string()),
  excluded: z.record(z.string(), z.array(z.string())),
});
const lockSchema = z.strictObject({
  lockfileVersion: z.literal(LOCKFILE_VERSION),
  resolverVersion: z.int(),
  distro: z.string(),
  configDigest: z.string(),
  sources: z.array(source),
  packages: z.record(archName, z.record(packageName, pkg)),
  images: z.record(z.string(), z.record(z.string(), imageArch)),
});

export function lockfilePath(lockDir: string, distro: string): string {
  return join(lockDir, `${distro}.lock.json`);
}

/** Parses and validates lockfile text; `file` names it in errors. */
export function parseLockfile(text: string, file: string): Lockfile {
  return z.parseJsonDocument(
    lockSchema,
    text,
    file,
    'LOCK_INVALID',
    (issues) => `${issues.length} invalid field(s), the first: ${issues[0] ?? ''}`,
  );
}

/** Reads the lockfile of a distro; undefined when there is none yet. */
export async function readLockfile(lockDir: string, distro: string): Promise<Lockfile | undefined> {
  return (await readLockBytes(lockDir, distro))?.lock;
}

/** A lockfile as read: its bytes (hashed for provenance) and what they parse to. */
export interface LockRead {
  bytes: Buffer;
  lock: Lockfile;
}

/** Reads and parses `<lockDir>/<distro>.lock.json`, keeping the bytes; undefined when there is none yet. */
export async function readLockBytes(lockDir: string, distro: string): Promise<LockRead | undefined> {
  const file = lockfilePath(lockDir, distro);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    const why = code === 'EISDIR' ? 'is a directory' : `cannot be read (${(e as Error).message})`;
    throw new DistrolessError('LOCK_INVALID', `lockfile ${file} ${why}`, { cause: e });
  }
  return { bytes, lock: parseLockfile(bytes.toString('utf8'), file) };
}

export function serializeLockfile(lock: Lockfile): string {
  return canonicalJson(lock);
}

/** Writes every lockfile or none (see writeFilesAtomically). */
export async function writeLockfiles(lockDir: string, locks: readonly Lockfile[]): Promise<void> {
  await writeFilesAtomically(
    locks.map((lock) => ({ path: lockfilePath(lockDir, lock.distro), content: serializeLockfile(lock) })),
  );
}
