import { expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarStream } from '../../src/app/build-layers.js';
import { writeLayerBlob } from '../../src/oci/index.js';

it('a fill that fails before the blob writer reads the tar fails that writer, and is no unhandled stream error', async () => {
  // Synchronous up to writeLayerBlob: Jest reports an unhandled 'error' event only when it comes in the test's
  // own awaits (a plain Node process dies of it), and the wait below is where it would.
  const work = mkdtempSync(join(tmpdir(), 'tar-stream-'));
  try {
    const blobs = join(work, 'blobs');
    // As a .deb that a nearby mirror answers 404 for: the fill fails while writeLayerBlob still awaits its
    // mkdir, before its pipeline listens.
    const tar = tarStream(async () => {
      throw new Error('base-files 12.4 (amd64): no source gave the pinned base-files_12.4_all.deb');
    });
    const writing = writeLayerBlob(tar, blobs);
    writing.catch(() => undefined); // awaited below, after the error has had its chance to go unhandled
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(writing).rejects.toThrow('no source gave the pinned base-files_12.4_all.deb');
    expect(tar.destroyed).toBe(true);
    expect(await readdir(join(blobs, 'sha256')).catch(() => [])).toEqual([]); // nothing published
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
