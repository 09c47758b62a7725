import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { FAST_RETRY, createHttpClient } from '../../src/archive/index.js';
import { runBuild, type BuildResult } from '../../src/app/build.js';
import { runUpdate } from '../../src/app/update.js';
import { runCli, EXIT, type CliIo } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/index.js';
import { makeFixture, NOW, type Fixture } from '../helpers/update-fixture.js';
import { skopeoInspectRaw, startRegistry, type TestRegistry } from '../helpers/registry.js';

/** update → build → `distroless-action push` (in-process CLI) into the real docker-registry on 127.0.0.1. */
describe('the push command', () => {
  let fx: Fixture;
  let registry: TestRegistry;
  let built: BuildResult;
  beforeAll(async () => {
    fx = await makeFixture();
    const config = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
    await runUpdate({ config, lockDir: fx.lockDir, now: NOW, check: false, keyring: fx.keyring, retry: FAST_RETRY });
    built = await runBuild({
      config,
      lockDir: fx.lockDir,
      outDir: join(fx.dir, 'out/oci'),
      cacheDir: join(fx.dir, 'cache'),
      http: createHttpClient({ retry: FAST_RETRY }),
    });
    registry = await startRegistry({ kind: 'htpasswd', users: { alice: 's3cret-pw' } });
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
    await fx?.close();
  });

  async function push(
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number; stdout: string; stderr: string }> {
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
    const code = await runCli(['push', '--registry', `${registry.host}/distroless`, '--insecure', ...args], io);
    return { code, stdout, stderr };
  }

  it('pushes every ref (tags last) with credentials from the environment; a re-push uploads nothing', async () => {
    const env = { DISTROLESS_REGISTRY_PASSWORD: 's3cret-pw' };
    const first = await push(['--username', 'alice', '--json'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(EXIT.ok);
    const summary = JSON.parse(first.stdout);
    expect(summary.uploadedBlobs).toBeGreaterThan(0);
    const byRef = new Map<string, string>(
      summary.refs.map((r: { reference: string; digest: string }) => [r.reference, r.digest]),
    );
    const nonroot = built.indexes.find((i) => i.image === 'static' && i.variant === 'nonroot');
    expect(byRef.get(`${registry.host}/distroless/static-test12:nonroot`)).toBe(nonroot?.digest);
    const raw = JSON.parse(
      await skopeoInspectRaw(`${registry.host}/distroless/static-test12:nonroot`, 'alice:s3cret-pw'),
    );
    expect(raw.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual([
      'amd64',
      'arm64',
    ]);

    const again = await push(['--username', 'alice'], env);
    expect(again.code).toBe(EXIT.ok);
    expect(again.stdout).toMatch(/ 0 blob\(s\) uploaded \(0\.0 MiB\), 0 mounted, \d+ already there\n$/);
  });

  it('a wrong password: a one-line error (then the registry diagnostics), the password nowhere, exit 2', async () => {
    const r = await push(['--username', 'alice'], { DISTROLESS_REGISTRY_PASSWORD: 'wrong-pw-123' });
    expect(r.code).toBe(EXIT.error);
    const [first, ...rest] = r.stderr.split('\n').filter(Boolean);
    expect(first).toMatch(/^error: registry 127\.0\.0\.1:\d+: GET \/v2\/: 401 Unauthorized/);
    expect(rest.every((l) => l.startsWith('  '))).toBe(true);
    expect(r.stderr).not.toContain('wrong-pw-123');
  });
});
