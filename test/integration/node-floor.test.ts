import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FAST_RETRY } from '../../src/archive/index.js';
import { runUpdate } from '../../src/app/update.js';
import { loadConfig } from '../../src/config/index.js';
import { makeFixture, NOW, MAIN_URL, SECURITY_URL, type Fixture } from '../helpers/update-fixture.js';

const exec = promisify(execFile);
const repo = new URL('../..', import.meta.url).pathname;
const cli = join(repo, 'bin', 'distroless-action.js');

/** The oldest Node package.json's `engines.node` admits (`>=22` → 22.0.0). */
async function floorVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { engines: { node: string } };
  const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(pkg.engines.node);
  if (!m) throw new Error(`engines.node ${pkg.engines.node} is not of the form >=X[.Y[.Z]]`);
  return `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}`;
}

/**
 * That Node's binary from the npm registry's `node-<os>-<arch>` package (`npm pack`, so npm's cache and
 * integrity check apply), unpacked once into ~/.cache/distroless-action-node/<version> (a rename makes it
 * appear whole); later runs reuse it.
 */
async function floorNode(version: string): Promise<string> {
  const cache = join(homedir(), '.cache', 'distroless-action-node');
  const dir = join(cache, `${process.platform}-${process.arch}-${version}`);
  const node = join(dir, 'package', 'bin', 'node');
  const present = await access(node).then(
    () => true,
    () => false,
  );
  if (present) return node;
  await mkdir(cache, { recursive: true });
  const work = await mkdtemp(join(cache, 'download-'));
  try {
    const spec = `node-${process.platform}-${process.arch}@${version}`;
    const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', work, spec], {
      cwd: work,
      env: { ...process.env, TMPDIR: work }, // npm's compile cache goes there, removed below
    });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
    const unpacked = join(work, 'unpacked');
    await mkdir(unpacked);
    await exec('tar', ['-xzf', join(work, packed?.filename ?? ''), '-C', unpacked]);
    await rename(unpacked, dir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return node;
}

describe('the CLI on the oldest Node that package.json admits', () => {
  let node: string;
  let version: string;
  let fx: Fixture;
  beforeAll(async () => {
    version = await floorVersion();
    node = await floorNode(version);
    fx = await makeFixture();
    const config = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
    await runUpdate({ config, lockDir: fx.lockDir, now: NOW, check: false, keyring: fx.keyring, retry: FAST_RETRY });
  }, 300_000);
  afterAll(async () => fx?.close());

  it('is that Node', async () => {
    expect((await exec(node, ['--version'])).stdout.trim()).toBe(`v${version}`);
  });

  it('prints help', async () => {
    const { stdout } = await exec(node, [cli, '--help'], { cwd: fx.dir, env: { HOME: fx.dir, TMPDIR: fx.dir } });
    expect(stdout).toMatch(/^Usage: distroless-action/);
  });

  it('builds the fixture lock', async () => {
    const mirrors = [
      '--mirror',
      `${MAIN_URL}=${fx.mainServer.url}`,
      '--mirror',
      `${SECURITY_URL}=${fx.securityServer.url}`,
    ];
    const args = [cli, ...mirrors, '--cache-dir', join(fx.dir, 'cache'), 'build', '--arch', 'amd64', '-o', 'layout'];
    const { stdout } = await exec(node, args, {
      cwd: fx.dir,
      env: { HOME: fx.dir, TMPDIR: fx.dir, PATH: process.env.PATH ?? '' },
    });
    expect(stdout).toMatch(/index\(es\), \d+ image\(s\) in /);
    const index = JSON.parse(await readFile(join(fx.dir, 'layout', 'index.json'), 'utf8')) as { manifests: unknown[] };
    expect(index.manifests.length).toBeGreaterThan(0);
  });
});
