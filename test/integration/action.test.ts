import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FAST_RETRY } from '../../src/archive/index.js';
import { runUpdate } from '../../src/app/update.js';
import { loadConfig } from '../../src/config/index.js';
import { makeFixture, NOW, MAIN_URL, SECURITY_URL, type Fixture } from '../helpers/update-fixture.js';
import { startFakeGitHub } from '../helpers/fake-github.js';
import { startRegistry } from '../helpers/registry.js';
import { cosignVerify, cosignVerifyAttestation } from '../helpers/cosign.js';

const COSIGN_FIXTURES = new URL('../fixtures/cosign/', import.meta.url).pathname;
/** The password of the fixture key made with the real cosign (test/fixtures/cosign/README.md). */
const COSIGN_PASSWORD = 'distroless-test-pw';

const exec = promisify(execFile);
const entry = new URL('../../dist/index.js', import.meta.url).pathname;

/** Runs the bundled Action entry (what `uses:` runs) with INPUT_* variables, as the runner would. */
async function runAction(
  fx: Fixture,
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stdout: string; outputs: string }> {
  const outputFile = join(fx.dir, `github-output-${Math.random().toString(36).slice(2)}`);
  await writeFile(outputFile, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_OUTPUT: outputFile,
    RUNNER_TEMP: fx.dir,
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  let code = 0;
  let stdout: string;
  try {
    stdout = (await exec(process.execPath, [entry], { cwd: fx.dir, env })).stdout;
  } catch (e) {
    const err = e as { code: number; stdout: string };
    code = err.code;
    stdout = err.stdout;
  }
  return { code, stdout, outputs: await readFile(outputFile, 'utf8') };
}

describe('the bundled Action (dist/index.js) with INPUT_* variables', () => {
  let fx: Fixture;
  const defaults = { check: 'false', config: 'distroless.yaml', lockfiles: 'lockfiles' };
  beforeAll(async () => {
    fx = await makeFixture();
    const config = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
    await runUpdate({ config, lockDir: fx.lockDir, now: NOW, check: false, keyring: fx.keyring, retry: FAST_RETRY });
  });
  afterAll(async () => fx.close());

  it('build writes the layout and sets its outputs', async () => {
    const mirrors = `${MAIN_URL}=${fx.mainServer.url},${SECURITY_URL}=${fx.securityServer.url}`;
    const r = await runAction(fx, { ...defaults, command: 'build', mirrors, output: 'layout', archs: 'amd64' });
    expect(r.code).toBe(0);
    expect(r.outputs).toMatch(new RegExp(`^layout<<.*\\n${join(fx.dir, 'layout')}\\n`, 'm'));
    const images = JSON.parse(/^images<<(\S+)\n([\s\S]*?)\n\1$/m.exec(r.outputs)?.[2] ?? '[]');
    expect(images).toHaveLength(2 * 4);
    expect(
      images.every(
        (i: { arch: string; digest: string }) => i.arch === 'amd64' && /^sha256:[0-9a-f]{64}$/.test(i.digest),
      ),
    ).toBe(true);
  });

  it('push sends the built layout to the real docker-registry and lists the refs', async () => {
    const registry = await startRegistry({ kind: 'htpasswd', users: { bot: 'registry-pw-42' } });
    try {
      const inputs = {
        ...defaults,
        command: 'push',
        output: 'layout',
        registry: `${registry.host}/distroless`,
        'registry-username': 'bot',
        'registry-password': 'registry-pw-42',
      };
      const r = await runAction(fx, inputs);
      expect(r.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toEqual([]);
      expect(r.code).toBe(0);
      const refs = JSON.parse(/^refs<<(\S+)\n([\s\S]*?)\n\1$/m.exec(r.outputs)?.[2] ?? '[]') as Array<{
        reference: string;
      }>;
      expect(refs.map((x) => x.reference)).toEqual(
        expect.arrayContaining([
          `${registry.host}/distroless/static-test12:nonroot`,
          `${registry.host}/distroless/base-test12:latest-amd64`,
        ]),
      );
      expect(r.stdout.replace('::add-mask::registry-pw-42', '')).not.toContain('registry-pw-42');
    } finally {
      await registry.stop();
    }
  });

  it('publish builds, pushes, signs with a key and writes the job summary; cosign 2.5 verifies; a second run changes nothing', async () => {
    const registry = await startRegistry();
    try {
      const mirrors = `${MAIN_URL}=${fx.mainServer.url},${SECURITY_URL}=${fx.securityServer.url}`;
      const key = await readFile(join(COSIGN_FIXTURES, 'cosign.key'), 'utf8');
      const inputs = {
        ...defaults,
        command: 'publish',
        mirrors,
        output: 'publish-layout',
        archs: 'amd64',
        registry: `${registry.host}/rel`,
        signing: 'key',
        'signing-key': key,
        'signing-key-password': COSIGN_PASSWORD,
        'immutable-tag': 'r1',
      };
      const summaries = [join(fx.dir, 'publish-1.md'), join(fx.dir, 'publish-2.md')];
      const runs = [];
      for (const file of summaries) {
        await writeFile(file, '');
        const r = await runAction(fx, inputs, { GITHUB_STEP_SUMMARY: file });
        expect(r.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toEqual([]);
        expect(r.code).toBe(0);
        // The key and its password are masked, and printed nowhere else.
        expect(r.stdout).toContain(`::add-mask::${COSIGN_PASSWORD}`);
        expect(r.stdout.replace(`::add-mask::${COSIGN_PASSWORD}`, '')).not.toContain(COSIGN_PASSWORD);
        const keyLine = key.split('\n')[1] ?? 'no key line';
        expect(r.stdout).toContain(`::add-mask::${keyLine}`);
        expect(
          r.stdout
            .split('\n')
            .filter((l) => !l.startsWith('::add-mask::'))
            .join('\n'),
        ).not.toContain(keyLine);
        runs.push({ r, summary: await readFile(file, 'utf8') });
      }
      const [first, second] = runs;
      const rows = JSON.parse(/^images<<(\S+)\n([\s\S]*?)\n\1$/m.exec(first?.r.outputs ?? '')?.[2] ?? '[]') as Array<{
        image: string;
        variant: string;
        arch: string;
        digest: string;
        reference: string;
      }>;
      expect(rows).toHaveLength(2 * 4);
      expect(rows.map((r) => r.reference)).toContain(`${registry.host}/rel/static-test12:nonroot-amd64`);
      expect(first?.r.outputs).toMatch(/^changed<<\S+\ntrue\n/m);
      expect(second?.r.outputs).toMatch(/^changed<<\S+\nfalse\n/m);
      // One summary row per image × variant × arch with its digest: new and signed first, then unchanged and already signed.
      for (const row of rows) {
        const line = new RegExp(
          `^\\| ${row.image} \\| ${row.variant} \\| ${row.arch} \\| \`${row.digest.slice(0, 19)}…\` \\| [0-9.]+ MiB \\| (\\w+) \\| (.*) \\|$`,
          'm',
        );
        expect(line.exec(first?.summary ?? '')?.slice(1)).toEqual(['new', '✅ signed']);
        expect(line.exec(second?.summary ?? '')?.slice(1)).toEqual(['unchanged', '✅ already signed']);
      }
      expect(second?.summary).toMatch(
        /: 0 new or changed, 0 blob\(s\) uploaded \(0\.00 MiB\), 8\/8 image\(s\) signed\./,
      );
      // The real cosign checks the signatures and the SBOM attestations of every per-arch image and index.
      const indexRefs = ['latest', 'nonroot', 'debug', 'debug-nonroot'].map(
        (t) => `${registry.host}/rel/static-test12:${t}-r1`,
      );
      const refs = [...rows.map((r) => `${registry.host}/rel/${r.image}-test12@${r.digest}`), ...indexRefs];
      const pub = join(COSIGN_FIXTURES, 'cosign.pub');
      expect((await cosignVerify(pub, refs)).code).toBe(0);
      expect((await cosignVerifyAttestation(pub, 'spdxjson', refs)).code).toBe(0);
      // And the Action's own verify command, on one index and its per-arch images.
      const verified = await runAction(fx, {
        ...defaults,
        command: 'verify',
        references: indexRefs[1] ?? '',
        'public-key': pub,
      });
      expect(verified.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toEqual([]);
      expect(verified.outputs).toMatch(/^verified<<\S+\ntrue\n/m);
      expect(verified.stdout.match(/^ok {4} /gm)?.length).toBe(2 * 2 * 3); // index + amd64, legacy + bundle, signature + SPDX + SLSA
    } finally {
      await registry.stop();
    }
  }, 240_000);

  it('plan → shard (one per matrix entry, own layout and cache) → assemble signs; the digests equal publish on one runner', async () => {
    const registry = await startRegistry();
    try {
      const mirrors = `${MAIN_URL}=${fx.mainServer.url},${SECURITY_URL}=${fx.securityServer.url}`;
      const key = await readFile(join(COSIGN_FIXTURES, 'cosign.key'), 'utf8');
      const planned = await runAction(fx, { ...defaults, command: 'plan' });
      expect(planned.code).toBe(0);
      const matrix = JSON.parse(/^matrix<<(\S+)\n([\s\S]*?)\n\1$/m.exec(planned.outputs)?.[2] ?? '{}') as {
        include: Array<{ id: string; image: string; arch: string }>;
      };
      expect(matrix.include.map((e) => e.id)).toEqual([
        'static-test12-amd64',
        'static-test12-arm64',
        'base-test12-amd64',
        'base-test12-arm64',
      ]);
      const resultsDir = join(fx.dir, 'matrix-results');
      for (const entry of matrix.include) {
        // Each shard as its own runner: its own layout, cache and RUNNER_TEMP.
        const r = await runAction(fx, {
          ...defaults,
          command: 'shard',
          mirrors,
          shard: entry.id,
          registry: `${registry.host}/mx`,
          output: `shard-${entry.id}/oci`,
          'cache-dir': join(fx.dir, `shard-${entry.id}/cache`),
          'shard-results': resultsDir,
        });
        expect(r.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toEqual([]);
        expect(r.outputs).toContain(join(resultsDir, `${entry.id}.json`));
      }
      expect((await readdir(resultsDir)).sort()).toEqual(matrix.include.map((e) => `${e.id}.json`).sort());
      const summaryFile = join(fx.dir, 'assemble-summary.md');
      await writeFile(summaryFile, '');
      const assembleInputs = {
        ...defaults,
        command: 'assemble',
        mirrors,
        registry: `${registry.host}/mx`,
        'shard-results': resultsDir,
        signing: 'key',
        'signing-key': key,
        'signing-key-password': COSIGN_PASSWORD,
        'cache-dir': join(fx.dir, 'assemble-cache'),
      };
      const assembled = await runAction(fx, assembleInputs, { GITHUB_STEP_SUMMARY: summaryFile });
      expect(assembled.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toEqual([]);
      expect(assembled.code).toBe(0);
      const refs = JSON.parse(/^refs<<(\S+)\n([\s\S]*?)\n\1$/m.exec(assembled.outputs)?.[2] ?? '[]') as Array<{
        reference: string;
        digest: string;
      }>;
      const signed = JSON.parse(/^signed<<(\S+)\n([\s\S]*?)\n\1$/m.exec(assembled.outputs)?.[2] ?? '[]') as Array<{
        digest: string;
        state: string;
      }>;
      // 2 images × 4 variants: an index each, and 2 per-arch images each.
      expect(signed).toHaveLength(2 * 4 * 3);
      expect(signed.every((x) => x.state === 'signed')).toBe(true);
      // The job summary: a row per index and per-arch image, each with its digest and signature.
      const summary = await readFile(summaryFile, 'utf8');
      expect(summary).toContain('## distroless-action assemble');
      const rows = summary.split('\n').filter((l) => /^\| (static|base) \|/.test(l));
      expect(rows).toHaveLength(2 * 4 * 3);
      for (const x of signed)
        expect(
          rows.filter((r) => r.includes(`\`${x.digest.slice(0, 19)}…\``) && r.endsWith('| ✅ signed |')).length,
        ).toBeGreaterThan(0);
      // One runner (publish) gives the same index digests.
      const one = await runAction(fx, {
        ...defaults,
        command: 'publish',
        mirrors,
        registry: `${registry.host}/one`,
        output: 'one-runner/oci',
        summary: 'false',
      });
      expect(one.code).toBe(0);
      const oneRefs = JSON.parse(/^refs<<(\S+)\n([\s\S]*?)\n\1$/m.exec(one.outputs)?.[2] ?? '[]') as Array<{
        reference: string;
        digest: string;
      }>;
      const byTag = (list: Array<{ reference: string; digest: string }>, prefix: string) =>
        Object.fromEntries(list.map((r) => [r.reference.slice(prefix.length), r.digest]));
      expect(byTag(refs, `${registry.host}/mx/`)).toEqual(byTag(oneRefs, `${registry.host}/one/`));
      // cosign checks what assemble signed.
      const pub = join(COSIGN_FIXTURES, 'cosign.pub');
      const index = refs.find((r) => r.reference.endsWith('/base-test12:nonroot'));
      expect(index).toBeDefined();
      expect((await cosignVerify(pub, [`${registry.host}/mx/base-test12@${index?.digest ?? ''}`])).code).toBe(0);
      expect(
        (
          await cosignVerifyAttestation(pub, 'slsaprovenance1', [
            `${registry.host}/mx/base-test12@${index?.digest ?? ''}`,
          ])
        ).code,
      ).toBe(0);
    } finally {
      await registry.stop();
    }
  }, 240_000);

  it('update with pull-request opens the PR through the GitHub API (a stateful fake on 127.0.0.1)', async () => {
    const gh = await startFakeGitHub();
    // The Action reads the real clock: this archive is published an hour ago and valid for a week from now.
    const published = new Date(Date.now() - 3600_000);
    const validUntil = new Date(Date.now() + 7 * 86400_000);
    const newer = await makeFixture(
      { securityLibc: '2.36-9+deb12u5', main: { date: published }, security: { date: published, validUntil } },
      fx.keys,
    );
    try {
      const lockPath = 'lockfiles/test12.lock.json';
      const committed = await readFile(join(fx.dir, lockPath), 'utf8');
      gh.push('main', { 'distroless.yaml': await readFile(fx.configPath, 'utf8'), [lockPath]: committed }, 'initial');
      await writeFile(join(fx.dir, 'keys.asc'), fx.keys.map((k) => k.armoredPublic).join('\n'));
      const mirrors = `${MAIN_URL}=${newer.mainServer.url},${SECURITY_URL}=${newer.securityServer.url}`;
      const inputs = {
        ...defaults,
        command: 'update',
        mirrors,
        keyring: 'keys.asc',
        'pull-request': 'true',
        'github-token': gh.token,
        labels: 'dependencies,distroless',
      };
      const summaryFile = join(fx.dir, 'update-summary.md');
      await writeFile(summaryFile, '');
      const env = {
        GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}`,
        GITHUB_API_URL: gh.url,
        GITHUB_WORKSPACE: fx.dir,
        GITHUB_REF_NAME: 'main',
        GITHUB_STEP_SUMMARY: summaryFile,
      };
      const r = await runAction(fx, inputs, env);
      expect(r.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toEqual([]);
      expect(r.code).toBe(0);
      expect(r.outputs).toMatch(/^pr-action<<\S+\ncreated\n/m);
      expect(r.outputs).toMatch(/^pr-number<<\S+\n1\n/m);
      // The token is registered with the runner's masking (::add-mask::) and printed nowhere else.
      expect(r.stdout).toContain(`::add-mask::${gh.token}`);
      expect(r.stdout.replace(`::add-mask::${gh.token}`, '')).not.toContain(gh.token);
      const [pull] = gh.pulls();
      expect(pull?.labels).toEqual(['dependencies', 'distroless']);
      expect(pull?.body).toMatch(/libc6.*2\.36-9\+deb12u1.*→.*2\.36-9\+deb12u5/);
      const branch = gh.branchSha('distroless-action/update') ?? '';
      expect(gh.readFile(branch, lockPath)).toBe(await readFile(join(fx.dir, lockPath), 'utf8'));
      expect(gh.readFile(branch, lockPath)).not.toBe(committed);
      // The job summary: the PR's change table, and where the PR is.
      const summary = await readFile(summaryFile, 'utf8');
      expect(summary).toContain('## distroless-action update');
      expect(summary).toContain(
        `Pull request: created — https://github.test/${gh.owner}/${gh.repo}/pull/${pull?.number ?? 0}`,
      );
      expect(summary).toMatch(/\| `?libc6`? \|.*2\.36-9\+deb12u1.*→.*2\.36-9\+deb12u5.*🔒/);
    } finally {
      await newer.close();
      await gh.close();
    }
  });

  it('any bad input fails the step with one line', async () => {
    const r = await runAction(fx, { ...defaults, command: 'deploy' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^::error::input "command": unsupported value "deploy" \(supported: update, publish, build, push, sign, verify, plan, shard, assemble\)$/m,
    );
    const missing = await runAction(fx, { ...defaults, command: 'build', config: 'nope.yaml' });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^::error::config file .*nope\.yaml not found$/m);
  });
});
