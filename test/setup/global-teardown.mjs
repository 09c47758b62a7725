// Fails the run when a test left files in the run's temp directory (see global-setup.mjs), naming each entry
// and its size; then removes the directory, so that a failed run does not leave them either.
import { readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function globalTeardown() {
  const dir = process.env.DISTROLESS_TEST_TMPDIR;
  if (!dir) return;
  const left = readdirSync(dir);
  const sizes = left.map((name) => {
    const kib = execFileSync('du', ['-sk', join(dir, name)])
      .toString()
      .split('\t')[0];
    return `  ${name} (${kib} KiB)`;
  });
  rmSync(dir, { recursive: true, force: true });
  if (left.length > 0)
    throw new Error(`tests left ${left.length} entries in the temp directory (removed now):\n${sizes.join('\n')}`);
}
