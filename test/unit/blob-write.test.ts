import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { blobPath, writeBlobBytes } from '../../src/oci/digest.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'blob-write-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hexOf = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('writeBlobBytes', () => {
  it('makes the missing directories, writes the blob read-only under its digest and leaves no temp', async () => {
    const blobs = join(dir, 'new', 'blobs');
    const bytes = Buffer.from('{"a":1}');
    const out = await writeBlobBytes(blobs, bytes);
    expect(out).toEqual({ digest: `sha256:${hexOf(bytes)}`, size: bytes.length, written: true });
    const path = blobPath(blobs, out.digest);
    expect(path).toBe(join(blobs, 'sha256', hexOf(bytes)));
    expect(await readFile(path)).toEqual(bytes);
    expect((await stat(path)).mode & 0o777).toBe(0o444);
    expect(await readdir(blobs)).toEqual(['sha256']);
  });

  it('makes sha256/ when only the blobs directory is there', async () => {
    const blobs = join(dir, 'half');
    await mkdir(blobs);
    const bytes = Buffer.from('half');
    const { digest, written } = await writeBlobBytes(blobs, bytes, { sync: false });
    expect(written).toBe(true);
    expect(await readFile(blobPath(blobs, digest))).toEqual(bytes);
    expect((await readdir(blobs)).sort()).toEqual(['sha256']);
  });

  it('leaves a blob that is there with its size alone, and replaces a wrong-sized one', async () => {
    const blobs = join(dir, 'again');
    const bytes = Buffer.from('same bytes');
    const first = await writeBlobBytes(blobs, bytes);
    const path = blobPath(blobs, first.digest);
    const before = await stat(path);
    expect(await writeBlobBytes(blobs, bytes)).toEqual({ ...first, written: false });
    expect((await stat(path)).ino).toBe(before.ino);
    // A damaged copy (cut short) under the digest's name is written over.
    await chmod(path, 0o644);
    await writeFile(path, 'same');
    expect((await writeBlobBytes(blobs, bytes)).written).toBe(true);
    expect(await readFile(path)).toEqual(bytes);
    expect(await readdir(blobs)).toEqual(['sha256']);
  });

  it('fails when the blobs directory cannot be made, and leaves nothing behind', async () => {
    const blocker = join(dir, 'blocker');
    await writeFile(blocker, 'a file where a directory should be');
    await expect(writeBlobBytes(join(blocker, 'blobs'), Buffer.from('x'))).rejects.toThrow(/ENOTDIR|EEXIST/);
    expect(await readFile(blocker, 'utf8')).toBe('a file where a directory should be');
  });
});
