/**
 * The update bot end to end: the real `runUpdate` against signed Debian repositories on 127.0.0.1 writes the
 * lockfile, and the bot drives the real @octokit/rest (retry + throttling plugins) against a stateful fake of
 * the GitHub REST API (test/helpers/fake-github.ts). Each run starts, as a workflow would, from the lockfile
 * committed on the base branch.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FAST_RETRY } from '../../src/archive/index.js';
import { loadConfig } from '../../src/config/index.js';
import { runUpdate } from '../../src/app/update.js';
import { lockfilePath } from '../../src/lock/io.js';
import {
  createGitHubClient,
  FAST_GITHUB_POLICY,
  runUpdateBot,
  TRACKER_URL,
  type UpdateBotResult,
} from '../../src/update-pr/index.js';
import { isDistrolessError } from '../../src/errors.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { makeFixture, NOW, type Fixture, type FixtureOptions } from '../helpers/update-fixture.js';

const LOCK_PATH = 'lockfiles/test12.lock.json';
const BRANCH = 'distroless-action/update';

/** The security suite's libc6, built from source package glibc (so the tracker link names the source). */
function upstream(libc: string): FixtureOptions {
  return {
    security: {
      packages: [
        {
          name: 'libc6',
          version: libc,
          architecture: 'amd64',
          fields: { Depends: 'libgcc-s1', Source: `glibc (${libc})` },
        },
      ],
    },
  };
}

describe('update bot against a fake GitHub API and a local Debian archive', () => {
  let gh: FakeGitHub;
  let committed: Fixture; // the upstream the base branch's lockfile was made from
  let newer: Fixture;
  let newest: Fixture;
  const octokit = (): ReturnType<typeof createGitHubClient> =>
    createGitHubClient({ token: gh.token, baseUrl: gh.url, policy: FAST_GITHUB_POLICY });

  /** A workflow run: check out the base lockfile, `update` against `fx`, hand the result to the bot. */
  async function botRun(fx: Fixture, labels = ['dependencies', 'security']): Promise<UpdateBotResult> {
    const file = lockfilePath(committed.lockDir, 'test12');
    await writeFile(file, gh.readFile(gh.branchSha('main') ?? '', LOCK_PATH) ?? '');
    const config = await loadConfig(committed.configPath, { sourceOverrides: fx.mirrors });
    const result = await runUpdate({
      config,
      lockDir: committed.lockDir,
      now: NOW,
      check: false,
      keyring: committed.keyring,
      retry: FAST_RETRY,
    });
    return runUpdateBot({
      octokit: octokit(),
      owner: gh.owner,
      repo: gh.repo,
      baseBranch: 'main',
      labels,
      files: [{ path: LOCK_PATH, content: await readFile(file, 'utf8') }],
      diffs: result.distros.map((d) => d.diff),
    });
  }

  beforeAll(async () => {
    committed = await makeFixture(upstream('2.36-9+deb12u1'));
    newer = await makeFixture(upstream('2.36-9+deb12u2'), committed.keys);
    newest = await makeFixture(upstream('2.36-9+deb12u3'), committed.keys);
    gh = await startFakeGitHub();
    // The consumer repository: config and a lockfile made from `committed`, on main.
    const config = await loadConfig(committed.configPath, { sourceOverrides: committed.mirrors });
    await mkdir(dirname(lockfilePath(committed.lockDir, 'test12')), { recursive: true });
    await runUpdate({
      config,
      lockDir: committed.lockDir,
      now: NOW,
      check: false,
      keyring: committed.keyring,
      retry: FAST_RETRY,
    });
    const lock = await readFile(lockfilePath(committed.lockDir, 'test12'), 'utf8');
    gh.push(
      'main',
      { 'README.md': '# images\n', 'distroless.yaml': await readFile(committed.configPath, 'utf8'), [LOCK_PATH]: lock },
      'initial',
    );
  });
  afterAll(async () => {
    await gh?.close();
    await Promise.all([committed?.close(), newer?.close(), newest?.close()]);
  });

  it('first run with a newer upstream opens a PR: branch, one commit on main with the lockfile, labels, body', async () => {
    const main = gh.branchSha('main') ?? '';
    const res = await botRun(newer);
    expect(res).toMatchObject({
      action: 'created',
      number: 1,
      url: 'https://github.test/acme/images/pull/1',
      branch: BRANCH,
      committed: true,
    });
    const head = gh.branchSha(BRANCH) ?? '';
    expect(res.commit).toBe(head);
    expect(gh.commit(head).parents).toEqual([main]);
    expect(gh.commit(head).message).toMatch(
      /^Update distroless lockfiles\n\n1 package updated across 1 image; 1 from stable-security\n$/,
    );
    const lock = JSON.parse(gh.readFile(head, LOCK_PATH) ?? '{}') as {
      packages: { amd64: { libc6: { version: string } } };
    };
    expect(lock.packages.amd64.libc6.version).toBe('2.36-9+deb12u2');
    expect(gh.readFile(head, 'README.md')).toBe('# images\n'); // the tree is built on main's tree
    expect(gh.readFile(main, LOCK_PATH)).toContain('2.36-9+deb12u1'); // main untouched

    const [pull] = gh.pulls();
    expect(pull).toMatchObject({
      number: 1,
      state: 'open',
      head: BRANCH,
      base: 'main',
      title: 'Update distroless lockfiles',
      labels: ['dependencies', 'security'],
    });
    const body = pull?.body ?? '';
    expect(body).toContain('**1 package updated across 1 image; 1 from stable-security**');
    expect(body).toContain('### test12');
    expect(body).toContain(
      `| \`libc6\` | amd64 | \`2.36-9+deb12u1\` → \`2.36-9+deb12u2\` | 🔒 \`stable-security\` ([glibc](${TRACKER_URL}glibc)) | base |`,
    );
    expect(body).not.toContain('<details>');
  });

  it('second run with the same upstream makes no commit and no write: the same PR', async () => {
    const head = gh.branchSha(BRANCH);
    gh.resetLog();
    const res = await botRun(newer);
    expect(res).toMatchObject({ action: 'unchanged', number: 1, committed: false, commit: head });
    expect(gh.branchSha(BRANCH)).toBe(head);
    expect(gh.writes()).toEqual([]);
    expect(gh.pulls()).toHaveLength(1);
  });

  it('a newer upstream updates the same PR in place: new commit, new body', async () => {
    const before = gh.branchSha(BRANCH) ?? '';
    const res = await botRun(newest);
    expect(res).toMatchObject({ action: 'updated', number: 1, committed: true });
    const head = gh.branchSha(BRANCH) ?? '';
    expect(head).not.toBe(before);
    expect(gh.commit(head).parents).toEqual([gh.branchSha('main')]); // replaced, not stacked on the old commit
    expect(gh.readFile(head, LOCK_PATH)).toContain('2.36-9+deb12u3');
    const pulls = gh.pulls();
    expect(pulls).toHaveLength(1);
    expect(pulls[0]?.body).toContain('`2.36-9+deb12u1` → `2.36-9+deb12u3`');
    expect(pulls[0]?.body).not.toContain('deb12u2');
    expect(pulls[0]?.labels).toEqual(['dependencies', 'security']);
  });

  it('rebuilds the commit on the new base head when main moved', async () => {
    const moved = gh.push('main', { 'docs/notes.md': 'hello\n' }, 'unrelated change');
    const res = await botRun(newest);
    expect(res).toMatchObject({ action: 'updated', number: 1, committed: true });
    const head = gh.branchSha(BRANCH) ?? '';
    expect(gh.commit(head).parents).toEqual([moved]);
    expect(gh.readFile(head, 'docs/notes.md')).toBe('hello\n');
    expect(gh.readFile(head, LOCK_PATH)).toContain('2.36-9+deb12u3');
    // And again: nothing to do on the moved base.
    gh.resetLog();
    expect(await botRun(newest)).toMatchObject({ action: 'unchanged', committed: false });
    expect(gh.writes()).toEqual([]);
  });

  it('retries 5xx answers and waits out rate limits (retry and throttling plugins)', async () => {
    gh.fail({ method: 'GET', path: /\/pulls$/, status: 502, message: 'Bad Gateway', times: 2 });
    gh.fail({
      method: 'GET',
      path: /\/git\/ref\/heads\/main$/,
      status: 403,
      message: 'API rate limit exceeded',
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) },
    });
    gh.fail({
      method: 'GET',
      path: /\/git\/commits\//,
      status: 403,
      message: 'You have exceeded a secondary rate limit',
      headers: { 'retry-after': '1' },
    });
    gh.resetLog();
    expect(await botRun(newest)).toMatchObject({ action: 'unchanged', number: 1 });
    expect(gh.log.filter((l) => /\/pulls\?/.test(l))).toHaveLength(3);
    expect(gh.log.filter((l) => l.startsWith('GET /repos/acme/images/git/ref/heads/main'))).toHaveLength(2);
    expect(gh.log.filter((l) => l.startsWith('GET /repos/acme/images/git/commits/'))).toHaveLength(3); // base, head, one retry
  });

  it('adds labels it is given later to the existing PR', async () => {
    expect(await botRun(newest, ['dependencies', 'security', 'automerge'])).toMatchObject({
      action: 'unchanged',
      number: 1,
    });
    expect(gh.pulls()[0]?.labels).toEqual(['dependencies', 'security', 'automerge']);
  });

  it('upstream back to the committed state closes the PR and deletes the branch', async () => {
    const res = await botRun(committed);
    expect(res).toMatchObject({ action: 'closed', number: 1, committed: false });
    expect(res.commit).toBeUndefined();
    expect(gh.pulls()[0]?.state).toBe('closed');
    expect(gh.branchSha(BRANCH)).toBeUndefined();
    // Nothing open, nothing to do.
    expect(await botRun(committed)).toMatchObject({ action: 'none' });
  });

  it('opens a new PR when the upstream moves again after a close', async () => {
    const res = await botRun(newer);
    expect(res).toMatchObject({ action: 'created', number: 2 });
    expect(gh.pulls().map((p) => p.state)).toEqual(['closed', 'open']);
  });

  it('reports GitHub failures as one-line GITHUB errors', async () => {
    const bad = createGitHubClient({ token: 'wrong', baseUrl: gh.url, policy: FAST_GITHUB_POLICY });
    const run = runUpdateBot({
      octokit: bad,
      owner: gh.owner,
      repo: gh.repo,
      baseBranch: 'main',
      files: [],
      diffs: [],
    });
    await expect(run).rejects.toMatchObject({
      code: 'GITHUB',
      message: expect.stringMatching(/^GitHub: get branch main failed \(HTTP 401\): Bad credentials/),
    });
    // A primary rate limit that resets in an hour fails fast instead of holding the job.
    gh.fail({
      method: 'GET',
      path: /\/git\/ref\/heads\/main$/,
      status: 403,
      message: 'API rate limit exceeded',
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) },
    });
    const limited = runUpdateBot({
      octokit: octokit(),
      owner: gh.owner,
      repo: gh.repo,
      baseBranch: 'main',
      files: [],
      diffs: [],
    });
    await expect(limited).rejects.toMatchObject({
      code: 'GITHUB',
      message: expect.stringMatching(/HTTP 403\): API rate limit exceeded/),
    });
    const missing = runUpdateBot({
      octokit: octokit(),
      owner: gh.owner,
      repo: gh.repo,
      baseBranch: 'nope',
      files: [],
      diffs: [],
    });
    const error = await missing.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDistrolessError(error, 'GITHUB')).toBe(true);
    expect((error as Error).message).toBe('GitHub: base branch "nope" not found in acme/images');
  });
});
