import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/util/fs.ts
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname, join, basename } from "node:path";
async function writeFilesAtomically(files) {
  const temps = [];
  try {
    for (const { path, content } of files) {
      await mkdir(dirname(path), { recursive: true });
      const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
      temps.push({ temp, path });
      const handle = await open(temp, "wx", 420);
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

export {
  writeFilesAtomically
};
