// Every test run gets its own temp directory (TMPDIR, which os.tmpdir() and the tools the tests spawn read):
// test/setup/global-teardown.mjs checks that the tests left nothing in it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup() {
  const dir = mkdtempSync(join(tmpdir(), 'distroless-test-run-'));
  process.env.DISTROLESS_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
}
