import { join } from 'node:path';
import * as z from '../util/zod.js';
import { canonicalJson } from '../util/json.js';
import { readFileIfExists, writeFilesAtomically } from '../util/fs.js';
import { LOCKFILE_VERSION, type Lockfile } from './types.js';

const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex'));
const count = z.int().check(z.nonnegative());
const index = z.strictObject({ path: z.string(), sha256: hex64, size: count });
const source = z.strictObject({
  url: z.string(),
  suite: z.string(),
  components: z.array(z.string()),
  date: z.string(),
  snapshot: z.string(),
  inRelease: hex64,
  indices: z.record(z.string(), z.record(z.string(), index)),
  missingArchs: z.array(z.string()),
});
const pkg = z.strictObject({
  version: z.string(),
  architecture: z.string(),
  suite: z.string(),
  source: z.string(),
  sourceVersion: z.string(),
  filename: z.string(),
  size: count,
  sha256: hex64,
});
const imageArch = z.strictObject({
  packages: z.record(z.string(), z.string()),
  excluded: z.record(z.string(), z.array(z.string())),
});
const lockSchema = z.strictObject({
  lockfileVersion: z.literal(LOCKFILE_VERSION),
  resolverVersion: z.int(),
  distro: z.string(),
  configDigest: z.string(),
  sources: z.array(source),
  packages: z.record(z.string(), z.record(z.string(), pkg)),
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
  const bytes = await readFileIfExists(file);
  if (bytes === undefined) return undefined;
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
