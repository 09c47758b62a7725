/**
 * Verify what others signed: an image signed by plain cosign 2.5 (legacy `.sig` tags only, no bundle) verifies
 * with `verify --public-key` by default, which says the legacy signature passed; requiring both formats fails,
 * and an unsigned image fails whatever the default.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPush } from '../../src/app/push.js';
import { FAST_RETRY } from '../../src/registry/index.js';
import { runCli, EXIT, type CliIo } from '../../src/cli/main.js';
import { cosign } from '../helpers/cosign.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeTestLayout } from '../helpers/test-layout.js';

const FIXTURES = new URL('../fixtures/cosign/', import.meta.url).pathname;
let work: string;
let registry: TestRegistry;
let signedRef: string;
let unsignedRef: string;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { HOME: work },
    cwd: work,
    isTTY: false,
    now: () => new Date(),
    clock: () => 0,
  };
  return { code: await runCli(args, io), stdout, stderr };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'verify-others-'));
  registry = await startRegistry();
  const layout = join(work, 'layout');
  const refs = await makeTestLayout(layout, {
    images: ['static'],
    archs: ['amd64'],
    variants: ['latest', 'nonroot'],
    marker: 'others',
  });
  await runPush({ layoutDir: layout, registry: `${registry.host}/others`, insecure: true, retry: FAST_RETRY });
  const latest = refs.get('static-debian12-latest') ?? refs.get('static-debian12');
  const nonroot = refs.get('static-debian12-nonroot');
  if (latest === undefined || nonroot === undefined) throw new Error(`no index refs in ${[...refs.keys()].join(', ')}`);
  signedRef = `${registry.host}/others/static-debian12@${latest.digest}`;
  unsignedRef = `${registry.host}/others/static-debian12@${nonroot.digest}`;
  // Plain cosign 2.x: legacy signatures of the index and, with --recursive, of each per-arch image.
  const signed = await cosign(
    [
      'sign',
      '--key',
      join(FIXTURES, 'cosign.key'),
      '--tlog-upload=false',
      '--allow-http-registry=true',
      '--recursive',
      '-y',
      signedRef,
    ],
    { COSIGN_PASSWORD: 'distroless-test-pw' },
  );
  if (signed.code !== 0) throw new Error(`cosign sign: ${signed.stderr}`);
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('verify --public-key on an image cosign signed (legacy format only)', () => {
  const pub = (): string => join(FIXTURES, 'cosign.pub');

  it('verifies by default and says the legacy signature passed', async () => {
    const r = await cli(['verify', signedRef, '--public-key', pub(), '--type', 'none', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.ok);
    const summary = JSON.parse(r.stdout) as { ok: boolean; digests: Array<{ ok: boolean; passed: string[] }> };
    expect(summary.ok).toBe(true);
    expect(summary.digests).toHaveLength(2); // the index and its amd64 image
    expect(summary.digests.map((d) => d.passed)).toEqual([['legacy'], ['legacy']]);
    const text = await cli(['verify', signedRef, '--public-key', pub(), '--type', 'none']);
    expect(text.stdout).toMatch(/2 digest\(s\) checked: all verified \(verified by legacy signatures\)/);
  });

  it('fails when both formats are required, and when no signature verifies', async () => {
    const both = await cli([
      'verify',
      signedRef,
      '--public-key',
      pub(),
      '--type',
      'none',
      '--signature-format',
      'both',
    ]);
    expect(both.code).toBe(EXIT.verifyFailed);
    expect(both.stderr).toMatch(/^FAILED .* signature \[bundle\]: /m);
    const none = await cli(['verify', unsignedRef, '--public-key', pub(), '--type', 'none']);
    expect(none.code).toBe(EXIT.verifyFailed);
    expect(none.stderr).toMatch(/^FAILED .* signature \[legacy\]: /m);
    expect(none.stderr).toMatch(/^FAILED .* signature \[bundle\]: /m);
  });
});
