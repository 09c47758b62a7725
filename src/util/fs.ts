import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

/**
 * Writes several files so that either all of them get their new content or none does: every file is first
 * written and fsynced to a temporary name beside its target; only when all writes succeeded are they renamed
 * into place (rename within a directory is atomic). On failure the temporaries are removed and the targets
 * are untouched.
 */
export async function writeFilesAtomically(
  files: ReadonlyArray<{ path: string; content: string | Uint8Array }>,
): Promise<void> {
  const temps: Array<{ temp: string; path: string }> = [];
  try {
    for (const { path, content } of files) {
      await mkdir(dirname(path), { recursive: true });
      const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
      temps.push({ temp, path });
      const handle = await open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  } catch (e) {
    await Promise.all(temps.map(({ temp }) => rm(temp, { force: true })));
    throw e;
  }
  for (const { temp, path } of temps) await rename(temp, path);
}

/** The bytes of a file, or undefined when there is no such file; any other failure is thrown. */
export async function readFileIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
