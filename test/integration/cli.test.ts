import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, EXIT, type CliIo } from '../../src/cli/main.js';
import { makeFixture, NOW, MAIN_URL, SECURITY_URL, type Fixture } from '../helpers/update-fixture.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(fx: Fixture, args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { HOME: fx.dir, ...env },
    cwd: fx.dir,
    isTTY: false,
    now: () => NOW,
    clock: () => 0,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('the CLI, in-process, against a signed repository on 127.0.0.1', () => {
  let fx: Fixture;
  let common: string[];
  beforeAll(async () => {
    fx = await makeFixture();
    const keys = join(fx.dir, 'keys.asc');
    await writeFile(keys, fx.keys.map((k) => k.armoredPublic).join('\n'));
    common = ['--keyring', keys, '--mirror', `${MAIN_URL}=${fx.mainServer.url}`, '--cache-dir', join(fx.dir, 'cache')];
  });
  afterAll(async () => fx.close());

  it('prints help with the commands', async () => {
    const r = await cli(fx, ['--help']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/update \[options\]/);
    expect(r.stdout).toMatch(/list \[options\]/);
  });

  it('update writes the lock and prints the table; mirrors come from flags and the environment', async () => {
    const env = { DISTROLESS_MIRRORS: `${SECURITY_URL}=${fx.securityServer.url}` };
    const r = await cli(fx, [...common, 'update'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/libc6\s+amd64\s+-\s+→\s+2\.36-9\+deb12u1\s+stable-security/);
    expect(r.stdout).toMatch(/wrote .*test12\.lock\.json/);
    const lock = JSON.parse(await readFile(join(fx.dir, 'lockfiles', 'test12.lock.json'), 'utf8'));
    expect(lock.packages.arm64.libc6.version).toBe('2.36-9');

    const again = await cli(fx, [...common, 'update', '--check', '--json'], env);
    expect(again.code).toBe(EXIT.ok);
    const json = JSON.parse(again.stdout);
    expect(json.changed).toBe(false);
    expect(json.distros[0].diff.changes).toEqual([]);
  });

  it('list shows versions and who pulled each package in', async () => {
    const r = await cli(fx, [...common, 'list', '--image', 'base', '--arch', 'arm64']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/^base \(test12, arm64\): 5 packages/);
    expect(r.stdout).toMatch(/libgcc-s1\s+12\.2\.0-14\s+arm64\s+stable\s+\d+\s+libc6/);
    expect(r.stdout).toMatch(/excluded: awk \(wanted by base-files\); debconf \(wanted by tzdata\)/);
    const j = await cli(fx, [...common, 'list', '--image', 'static', '--json']);
    expect(JSON.parse(j.stdout).packages.map((p: { name: string }) => p.name)).toEqual(['base-files', 'tzdata']);
  });

  it('update --check exits 1 when the lock is stale and writes nothing', async () => {
    const newer = await makeFixture({ securityLibc: '2.36-9+deb12u7' }, fx.keys);
    try {
      const before = await readFile(join(fx.dir, 'lockfiles', 'test12.lock.json'), 'utf8');
      const env = { DISTROLESS_MIRRORS: `${SECURITY_URL}=${newer.securityServer.url}` };
      const r = await cli(fx, [...common, 'update', '--check'], env);
      expect(r.code).toBe(EXIT.outOfDate);
      expect(r.stdout).toMatch(/libc6\s+amd64\s+2\.36-9\+deb12u1\s+→\s+2\.36-9\+deb12u7/);
      expect(r.stderr).toMatch(/out of date/);
      expect(await readFile(join(fx.dir, 'lockfiles', 'test12.lock.json'), 'utf8')).toBe(before);
    } finally {
      await newer.close();
    }
  });

  it('bad input: one line naming what is wrong, exit 2', async () => {
    const bad = await cli(fx, [...common, 'update', '--arch', 'ppc64le']);
    expect(bad.code).toBe(EXIT.error);
    expect(bad.stderr).toMatch(/^error: --arch: ppc64le is not an arch of the config/);
    const noKey = await cli(fx, ['--keyring', 'missing.asc', 'update']);
    expect(noKey.stderr).toBe('error: --keyring missing.asc: no such file\n');
    await writeFile(join(fx.dir, 'broken.yaml'), 'distros:\n  x:\n    archs: [arm64/v8]\nimages: {}\nextra: 1\n');
    const cfg = await cli(fx, ['--config', 'broken.yaml', 'update']);
    expect(cfg.code).toBe(EXIT.error);
    const lines = cfg.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^error: .*broken\.yaml: \d+ errors?$/);
    expect(cfg.stderr).toMatch(/broken\.yaml:3:\d+: distros\.x\.archs\[0\]: .*arm64/);
    expect(cfg.stderr).toMatch(/broken\.yaml:5:\d+: extra/);
    const missing = await cli(fx, ['--config', 'nope.yaml', 'list', '--image', 'x']);
    expect(missing.code).toBe(EXIT.error);
    expect(missing.stderr).toMatch(/nope\.yaml not found/);
  });

  it('a filter naming nothing in the config is an error naming the choices, for every command taking one', async () => {
    const runs = [
      ['build', '--image', 'nosuchimage'],
      ['build', '--arch', 'riscv64'],
      ['plan', '--image', 'statik'],
      ['publish', '--registry', '127.0.0.1:9/x', '--image', 'statik'],
      ['assemble', '--registry', '127.0.0.1:9/x', '--results', 'none', '--image', 'statik'],
      ['sign', '--registry', '127.0.0.1:9/x', '--image', 'statik', '--key', 'k.pem'],
    ];
    for (const args of runs) {
      const r = await cli(fx, [...common, ...args], { DISTROLESS_SIGNING_KEY: '' });
      const wrong = args.includes('--arch')
        ? 'error: --arch: riscv64 is not an arch of the config (amd64, arm64)'
        : `error: --image: unknown image "${args[args.length - (args.includes('--key') ? 3 : 1)] ?? ''}" (the config defines: static, base; or <image>-<distro>)`;
      const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect([args.join(' '), r.code, errors]).toEqual([args.join(' '), EXIT.error, [wrong]]);
    }
    // Nothing was built.
    await expect(readFile(join(fx.dir, 'out', 'oci', 'index.json'))).rejects.toThrow(/ENOENT/);
  });

  it('exit codes by class: 2 input, 3 remote, 4 internal (1 is --check and verify, above and in verify-others)', async () => {
    // 3: the archive answers, but not with a Release (HTTP 404 from a server on 127.0.0.1).
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.writeHead(404).end('not here'));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const port = (server.address() as { port: number }).port;
      const keys = common.slice(0, 2);
      const r = await cli(fx, [
        ...keys,
        '--mirror',
        `${MAIN_URL}=http://127.0.0.1:${port}/debian`,
        '--mirror',
        `${SECURITY_URL}=http://127.0.0.1:${port}/security`,
        '--cache-dir',
        join(fx.dir, 'cache-404'),
        'update',
        '--check',
      ]);
      expect([r.code, r.stderr.split('\n').filter((l) => l.startsWith('error:')).length]).toEqual([EXIT.remote, 1]);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
    // 4: anything that is not a DistrolessError is a bug of ours (here: stdout fails while listing).
    let stderr = '';
    const io: CliIo = {
      stdout: () => {
        throw new TypeError('stdout is closed');
      },
      stderr: (s) => (stderr += s),
      env: { HOME: fx.dir },
      cwd: fx.dir,
      isTTY: false,
      now: () => NOW,
      clock: () => 0,
    };
    expect(await runCli([...common, 'list', '--image', 'static'], io)).toBe(EXIT.internal);
    expect(stderr).toBe('error: stdout is closed\n');
  });
});

describe('the bundled CLI (dist/, what npx runs)', () => {
  it('starts as a process and prints its version', async () => {
    const { execFileSync } = await import('node:child_process');
    const { VERSION } = await import('../../src/version.js');
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
    const out = execFileSync(
      process.execPath,
      [new URL('../../bin/distroless-action.js', import.meta.url).pathname, '--version'],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe(VERSION);
  });
});
