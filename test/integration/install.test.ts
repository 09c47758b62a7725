import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FAST_RETRY } from '../../src/archive/index.js';
import { runUpdate } from '../../src/app/update.js';
import { loadConfig } from '../../src/config/index.js';
import { makeFixture, NOW, MAIN_URL, SECURITY_URL, type Fixture } from '../helpers/update-fixture.js';

const exec = promisify(execFile);
const repo = new URL('../..', import.meta.url).pathname;

/**
 * The install the README documents for the CLI: `npm pack` of this repository (what the release workflow
 * attaches to a GitHub release), installed with `npm install --omit=dev <tarball>` into an empty project,
 * then run through the `distroless-action` bin with nothing but `node` on PATH (no `xz`: the bundled
 * WebAssembly decoder reads the .debs).
 */
describe('the packed tarball, installed without devDependencies', () => {
  let dir: string;
  let fx: Fixture;
  let bin: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'install-'));
    // npm keeps its compile cache in TMPDIR: this test's directory, removed with it.
    const npmEnv = { ...process.env, TMPDIR: dir };
    const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repo, env: npmEnv });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
    const project = join(dir, 'project');
    await mkdir(project);
    await writeFile(join(project, 'package.json'), '{ "name": "consumer", "private": true }\n');
    await exec(
      'npm',
      ['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', join(dir, packed?.filename ?? '')],
      { cwd: project, env: npmEnv },
    );
    bin = join(project, 'node_modules', '.bin', 'distroless-action');
    const path = join(dir, 'path');
    await mkdir(path);
    await symlink(process.execPath, join(path, 'node'));
    env = { PATH: path, HOME: dir, TMPDIR: dir };
    fx = await makeFixture();
    const config = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
    await runUpdate({ config, lockDir: fx.lockDir, now: NOW, check: false, keyring: fx.keyring, retry: FAST_RETRY });
  });
  afterAll(async () => {
    await fx?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('holds the bin and the bundle, and installs nothing else', async () => {
    const project = join(dir, 'project', 'node_modules');
    expect((await readdir(project)).filter((n) => !n.startsWith('.'))).toEqual(['distroless-action']);
    const pkg = join(project, 'distroless-action');
    expect((await readdir(pkg)).sort()).toEqual(['README.md', 'action.yml', 'bin', 'dist', 'package.json']);
  });

  it('prints help', async () => {
    const { stdout } = await exec(bin, ['--help'], { env, cwd: dir });
    expect(stdout).toMatch(/^Usage: distroless-action/);
    expect(stdout).toMatch(/build \[options\]/);
  });

  it('builds from a lock with no xz on PATH', async () => {
    const mirrors = [
      '--mirror',
      `${MAIN_URL}=${fx.mainServer.url}`,
      '--mirror',
      `${SECURITY_URL}=${fx.securityServer.url}`,
    ];
    const { stdout } = await exec(bin, [...mirrors, 'build', '--arch', 'amd64', '--output', 'layout', '--json'], {
      env,
      cwd: fx.dir,
    });
    const index = JSON.parse(await readFile(join(fx.dir, 'layout', 'index.json'), 'utf8')) as { manifests: unknown[] };
    expect(index.manifests.length).toBeGreaterThan(0);
    expect(stdout).toMatch(/sha256:[0-9a-f]{64}/);
  });
});
