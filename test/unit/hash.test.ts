import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hashFile } from '../../src/archive/pool.js';
import { digestFile } from '../../src/oci/digest.js';
import { sha256File } from '../../src/util/hash.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hash-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sha256File', () => {
  it('hashes files of 0 bytes, one piece, exactly one piece and several pieces as the bytes hash', async () => {
    const piece = 1 << 20;
    for (const size of [0, 1, 4096, piece - 1, piece, piece + 1, 3 * piece + 12345]) {
      const bytes = randomBytes(size);
      const path = join(dir, `f${size}`);
      await writeFile(path, bytes);
      const want = createHash('sha256').update(bytes).digest('hex');
      expect(await sha256File(path)).toEqual({ hex: want, size });
      // The two callers: the .deb store's check and the layout's blob digests.
      expect(await hashFile(path)).toBe(want);
      expect(await digestFile(path)).toEqual({ digest: `sha256:${want}`, size });
    }
  });

  it('fails on a file that is not there, naming it', async () => {
    await expect(sha256File(join(dir, 'missing'))).rejects.toThrow(/missing/);
  });
});
