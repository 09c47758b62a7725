import { expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarStream } from '../../src/app/build-layers.js';
import { writeLayerBlob } from '../../src/oci/index.js';

it('a fill that fails before the tar has a reader fails that reader, and is no unhandled stream error', async () => {
  // As a .deb that a nearby mirror answers 404 for: the fill fails before writeLayerBlob's pipeline listens.
  // Without a listener of its own, the tar stream's 'error' would be unhandled, and Jest fails the test for it.
  const tar = tarStream(async () => {
    throw new Error('base-files 12.4 (amd64): no source gave the pinned base-files_12.4_all.deb');
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(tar.destroyed).toBe(true);
  const work = await mkdtemp(join(tmpdir(), 'tar-stream-'));
  try {
    const blobs = join(work, 'blobs');
    await expect(writeLayerBlob(tar, blobs)).rejects.toThrow('no source gave the pinned base-files_12.4_all.deb');
    expect(await readdir(join(blobs, 'sha256')).catch(() => [])).toEqual([]); // nothing published
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
