// Every test run gets its own temp directory (TMPDIR, which os.tmpdir() and the tools the tests spawn read):
// test/setup/global-teardown.mjs checks that the tests left nothing in it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function globalSetup() {
  const dir = mkdtempSync(join(tmpdir(), 'distroless-test-run-'));
  // Node's compile cache (bin/distroless-action.js and npm enable it) is a cache shared between runs, where it
  // would be without this directory: not something a test made.
  process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), 'node-compile-cache');
  process.env.DISTROLESS_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
}
