import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAST_RETRY, createHttpClient } from '../../src/archive/index.js';
import { runBuild, type BuildResult } from '../../src/app/build.js';
import { runPush, type PushSummary } from '../../src/app/push.js';
import type { AssembleResult } from '../../src/app/assemble.js';
import type { Shard } from '../../src/app/plan.js';
import type { ShardResult } from '../../src/app/shard-result.js';
import { runUpdate } from '../../src/app/update.js';
import { runCli, EXIT, type CliIo } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/index.js';
import { listRefs } from '../../src/oci/index.js';
import { RegistryClient, staticKeychain } from '../../src/registry/index.js';
import { makeFixture, MAIN_URL, NOW, SECURITY_URL, type Fixture } from '../helpers/update-fixture.js';
import { skopeoInspectRaw, startRegistry, type TestRegistry } from '../helpers/registry.js';

const USER = 'alice';
const PASSWORD = 'sc4le-out-pw';
const CREDS = `${USER}:${PASSWORD}`;
const RELEASE = '20261120';

/**
 * plan → one build-shard per shard, each in its own layout and cache (as separate runners) → assemble, through
 * the in-process CLI against the real docker-registry (htpasswd) on 127.0.0.1; compared with a single-runner
 * build + push of the same lock. Fixture: static and base (base `from: static`), amd64 + arm64.
 */
describe('scale-out: plan, build-shard (by digest), assemble', () => {
  let fx: Fixture;
  let registry: TestRegistry;
  let client: RegistryClient;
  let shards: Shard[];
  let results: ShardResult[];
  let single: { build: BuildResult; push: PushSummary };
  const resultsDir = (): string => join(fx.dir, 'results');
  const target = (): string => `${registry.host}/distroless`;

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env: { HOME: fx.dir, DISTROLESS_REGISTRY_PASSWORD: PASSWORD },
      cwd: fx.dir,
      isTTY: false,
      now: () => NOW,
      clock: () => 0,
    };
    const mirrors = [
      '--mirror',
      `${MAIN_URL}=${fx.mainServer.url}`,
      '--mirror',
      `${SECURITY_URL}=${fx.securityServer.url}`,
    ];
    const code = await runCli([...mirrors, ...args], io);
    return { code, stdout, stderr };
  }
  const assemble = (results: string[], ...extra: string[]) =>
    cli([
      'assemble',
      '--registry',
      target(),
      '--insecure',
      '-u',
      USER,
      '--immutable-tag',
      RELEASE,
      '--results',
      ...results,
      ...extra,
    ]);
  const repos = (): string[] => [...new Set(shards.map((s) => `distroless/${s.image}-${s.distro}`))];
  const allTags = async (): Promise<string[]> =>
    (await Promise.all(repos().map(async (r) => (await client.listTags(r)).map((t) => `${r}:${t}`)))).flat().sort();

  beforeAll(async () => {
    fx = await makeFixture();
    const config = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
    await runUpdate({ config, lockDir: fx.lockDir, now: NOW, check: false, keyring: fx.keyring, retry: FAST_RETRY });
    registry = await startRegistry({ kind: 'htpasswd', users: { [USER]: PASSWORD } });
    client = new RegistryClient({
      registry: registry.host,
      insecure: true,
      keychain: staticKeychain({ [registry.host]: { kind: 'basic', username: USER, password: PASSWORD } }),
      retry: FAST_RETRY,
    });

    const plan = await cli(['plan', '--json']);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(EXIT.ok);
    expect(plan.stdout.trim().split('\n')).toHaveLength(1); // one line, for $GITHUB_OUTPUT
    shards = JSON.parse(plan.stdout).include;
    // Each shard on its own "runner": its own layout and cache; the result is the artifact it uploads.
    for (const [i, s] of shards.entries()) {
      const runner = join(fx.dir, `runner-${i}`);
      const r = await cli([
        '--cache-dir',
        join(runner, 'cache'),
        'build-shard',
        '--shard',
        s.id,
        '--registry',
        target(),
        '--insecure',
        '-u',
        USER,
        '--output',
        join(runner, 'oci'),
        '--result',
        join(resultsDir(), `${s.id}.json`),
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(EXIT.ok);
      expect(r.stdout).toContain(`shard ${s.id}: 4 manifest(s) pushed by digest (no tags)`);
    }
    results = await Promise.all(
      shards.map(async (s) => JSON.parse(await readFile(join(resultsDir(), `${s.id}.json`), 'utf8')) as ShardResult),
    );

    // The single runner: build everything, push with the same release tag, to another prefix.
    const build = await runBuild({
      config,
      lockDir: fx.lockDir,
      outDir: join(fx.dir, 'single/oci'),
      cacheDir: join(fx.dir, 'single/cache'),
      http: createHttpClient({ retry: FAST_RETRY }),
    });
    const push = await runPush({
      layoutDir: join(fx.dir, 'single/oci'),
      registry: `${registry.host}/single`,
      insecure: true,
      keychain: staticKeychain({ [registry.host]: { kind: 'basic', username: USER, password: PASSWORD } }),
      immutableTag: RELEASE,
      retry: FAST_RETRY,
    });
    single = { build, push };
  }, 180_000);
  afterAll(async () => {
    await client?.close();
    await registry?.stop();
    await fx?.close();
  });

  it('plans one shard per image × arch; each shard pushes its per-arch manifests by digest and sets no tag', async () => {
    expect(shards.map((s) => s.id)).toEqual([
      'static-test12-amd64',
      'static-test12-arm64',
      'base-test12-amd64',
      'base-test12-arm64',
    ]);
    expect(shards[3]).toEqual({
      id: 'base-test12-arm64',
      image: 'base',
      distro: 'test12',
      arch: 'arm64',
      platform: 'linux/arm64/v8',
    });
    const table = await cli(['plan']);
    expect(table.stdout).toMatch(/^SHARD\s+IMAGE\s+DISTRO\s+ARCH\s+PLATFORM\n/);
    expect(table.stdout).toContain('4 shard(s)');

    for (const [i, r] of results.entries()) {
      expect(r).toMatchObject({ version: 1, shard: shards[i]?.id, registry: target(), epoch: single.build.epoch });
      expect(r.manifests.map((m) => m.variant)).toEqual(['latest', 'nonroot', 'debug', 'debug-nonroot']);
      for (const m of r.manifests) {
        expect(m.repository).toBe(`distroless/${m.image}-test12`);
        // On the registry by digest, with the exact bytes the digest names.
        const raw = await skopeoInspectRaw(`${registry.host}/${m.repository}@${m.digest}`, CREDS);
        expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(m.digest);
        expect(Buffer.byteLength(raw)).toBe(m.size);
        // The same image the single runner built (a child's base annotation names its parent's digest).
        expect(
          single.build.images.find((b) => b.image === m.image && b.variant === m.variant && b.arch === m.arch)?.digest,
        ).toBe(m.digest);
      }
    }
    // A base shard's layout has only base refs: static was built there only for the base annotations.
    const refs = [
      ...(
        await listRefs(join(fx.dir, `runner-${shards.findIndex((s) => s.id === 'base-test12-amd64')}`, 'oci'))
      ).keys(),
    ];
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.every((r) => r.startsWith('base-test12'))).toBe(true);
    expect(await allTags()).toEqual([]);
  });

  it('assemble with a shard missing, or with a manifest not on the registry, fails clearly and moves no tag', async () => {
    const files = (await readdir(resultsDir())).map((f) => join(resultsDir(), f));
    const missing = await assemble(files.filter((f) => !f.endsWith('base-test12-arm64.json')));
    expect(missing.code).toBe(EXIT.error);
    expect(missing.stderr.split('\n')[0]).toBe(
      'error: assemble: the shard results do not match the plan (nothing was pushed): missing shard(s): base-test12-arm64',
    );
    expect(await allTags()).toEqual([]);

    const forged = structuredClone(results[0]) as ShardResult;
    const victim = forged.manifests[1];
    if (!victim) throw new Error('no manifest');
    victim.digest = `sha256:${'0'.repeat(64)}`;
    const forgedDir = join(fx.dir, 'forged');
    await mkdir(forgedDir, { recursive: true });
    await writeFile(join(forgedDir, `${forged.shard}.json`), JSON.stringify(forged));
    const notThere = await assemble([forgedDir, ...files.filter((f) => !f.endsWith(`${forged.shard}.json`))]);
    expect(notThere.code).toBe(EXIT.remote); // the registry lacks what the shards pushed
    expect(notThere.stderr).toContain(
      `error: registry ${registry.host}: 1 manifest(s) of the shards are missing (no tag was moved): distroless/static-test12@${victim.digest} (static-test12 nonroot amd64, shard static-test12-amd64) is not on the registry`,
    );

    // The same shard's result in two files (not the same file named twice) is a duplicate.
    await writeFile(join(forgedDir, `${forged.shard}.json`), JSON.stringify(results[0]));
    const duplicate = await assemble([resultsDir(), forgedDir]);
    expect(duplicate.code).toBe(EXIT.error);
    expect(duplicate.stderr).toContain(
      '  static-test12 latest amd64 comes twice (shards static-test12-amd64 and static-test12-amd64)',
    );
    expect(await allTags()).toEqual([]);
  });

  it('assemble gives the indexes and tags of a single-runner build + push; a second run changes nothing', async () => {
    // A file named again (here inside its directory, and by itself) is read once.
    const first = await assemble([resultsDir(), join(resultsDir(), `${shards[0]?.id}.json`), '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(EXIT.ok);
    const out = JSON.parse(first.stdout) as AssembleResult;
    expect(out.stats.tagsPut).toBe(out.refs.length);
    expect(out.stats.manifestsPut).toBe(out.indexes.length);
    // Every index digest equals the single runner's, with the same entries.
    expect(out.indexes).toHaveLength(single.build.indexes.length);
    for (const ix of out.indexes) {
      const same = single.build.indexes.find((b) => b.image === ix.image && b.variant === ix.variant);
      expect(ix.digest).toBe(same?.digest);
      expect(ix.repository).toBe(`distroless/${ix.image}-test12`);
      expect(ix.manifests.map((m) => m.arch)).toEqual(['amd64', 'arm64']);
      const raw = JSON.parse(await skopeoInspectRaw(`${registry.host}/${ix.repository}:${ix.variant}`, CREDS));
      expect(raw.manifests.map((m: { digest: string }) => m.digest)).toEqual(ix.manifests.map((m) => m.digest));
    }
    // The same tags, naming the same digests, as `push` gave the single runner's layout (prefix aside).
    const norm = (refs: ReadonlyArray<{ reference: string; digest: string }>, prefix: string) =>
      refs.map((r) => `${r.reference.replace(`/${prefix}/`, '/')} ${r.digest}`);
    expect(norm(out.refs, 'distroless')).toEqual(norm(single.push.refs, 'single'));
    expect(out.refs.map((r) => r.reference)).toEqual(
      expect.arrayContaining([
        `${target()}/base-test12:latest`,
        `${target()}/base-test12:debug-nonroot-arm64`,
        `${target()}/static-test12:nonroot-${RELEASE}`,
      ]),
    );
    const latest = await skopeoInspectRaw(`${target()}/base-test12:latest`, CREDS);
    expect(`sha256:${createHash('sha256').update(latest).digest('hex')}`).toBe(
      out.indexes.find((i) => i.image === 'base' && i.variant === 'latest')?.digest,
    );

    const tagsBefore = await allTags();
    const again = await assemble([resultsDir(), '--json']);
    expect(again.code).toBe(EXIT.ok);
    const second = JSON.parse(again.stdout) as AssembleResult;
    expect(second.refs).toEqual(out.refs);
    expect(second.indexes).toEqual(out.indexes);
    expect(second.stats).toMatchObject({ tagsPut: 0, manifestsPut: 0, uploadedBlobs: 0 });
    expect(second.stats.tagsUnchanged).toBe(out.refs.length);
    expect(await allTags()).toEqual(tagsBefore);
  });
});
