/**
 * A content-addressed store of index files that were already verified against a signed Release. Keys are
 * sha256 hex digests; the client verifies what it gets back again, so a cache can only save a download,
 * never change a result.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DistrolessError } from '../errors.js';

export interface IndexCache {
  get(sha256: string): Promise<Buffer | undefined>;
  put(sha256: string, bytes: Buffer): Promise<void>;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Files named by their sha256 in `dir`, written atomically (temp file + rename). A file whose content no
 * longer matches its name (a torn or tampered write) is removed and reported as a miss.
 */
export function directoryCache(dir: string): IndexCache {
  const pathOf = (sha256: string): string => {
    if (!SHA256_HEX.test(sha256)) {
      throw new DistrolessError('INTERNAL', `index cache ${dir}: not a sha256 hex digest: ${sha256.slice(0, 80)}`);
    }
    return join(dir, sha256);
  };
  return {
    async get(sha256) {
      const file = pathOf(sha256);
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      if (sha256Hex(bytes) === sha256) return bytes;
      await rm(file, { force: true });
      return undefined;
    },
    async put(sha256, bytes) {
      const file = pathOf(sha256);
      if (sha256Hex(bytes) !== sha256) {
        throw new DistrolessError('HASH_MISMATCH', `index cache ${dir}: content to store does not hash to ${sha256}`);
      }
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, `.tmp-${sha256.slice(0, 16)}-${randomBytes(6).toString('hex')}`);
      try {
        await writeFile(tmp, bytes);
        await rename(tmp, file);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      }
    },
  };
}
