/**
 * The GitHub operations the bot needs, on an Octokit passed in: refs, trees and commits through the Git Data
 * API (commits made this way are signed by GitHub: no git credentials, no checkout), and pulls and labels.
 * Every failure becomes a DistrolessError('GITHUB') naming the call; a missing branch is `undefined`.
 */
import { createHash } from 'node:crypto';
import type { Octokit } from '@octokit/rest';
import { DistrolessError } from '../errors.js';

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface FileContent {
  /** Path in the repository, `/`-separated, no leading slash. */
  path: string;
  content: string;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
}

export interface PullInfo {
  number: number;
  url: string;
  title: string;
  body: string;
  labels: string[];
}

/** The SHA-1 git gives a blob with this content (what the API returns for it, so it can be compared offline). */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, 'utf8');
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export async function branchHead(octokit: Octokit, r: RepoRef, branch: string): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.git.getRef({ ...r, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (e) {
    if (status(e) === 404) return undefined;
    throw githubError(`get branch ${branch}`, e);
  }
}

export async function getCommit(octokit: Octokit, r: RepoRef, sha: string): Promise<CommitInfo> {
  const { data } = await call(`get commit ${sha}`, () => octokit.rest.git.getCommit({ ...r, commit_sha: sha }));
  return { sha: data.sha, tree: data.tree.sha, parents: data.parents.map((p) => p.sha) };
}

/** Walks trees one directory at a time (no recursive listing: those truncate on large repositories). */
export class TreeReader {
  private readonly trees = new Map<string, Map<string, { type: string; sha: string }>>();
  constructor(
    private readonly octokit: Octokit,
    private readonly r: RepoRef,
  ) {}

  /** The blob SHA at `path` under tree `root`; undefined when there is no file there. */
  async blobSha(root: string, path: string): Promise<string | undefined> {
    const parts = path.split('/');
    let tree = root;
    for (const [i, name] of parts.entries()) {
      const entry = (await this.entries(tree)).get(name);
      if (!entry) return undefined;
      if (i === parts.length - 1) return entry.type === 'blob' ? entry.sha : undefined;
      if (entry.type !== 'tree') return undefined;
      tree = entry.sha;
    }
    return undefined;
  }

  private async entries(sha: string): Promise<Map<string, { type: string; sha: string }>> {
    const cached = this.trees.get(sha);
    if (cached) return cached;
    const { data } = await call(`get tree ${sha}`, () => this.octokit.rest.git.getTree({ ...this.r, tree_sha: sha }));
    const map = new Map(data.tree.map((e) => [e.path ?? '', { type: e.type ?? '', sha: e.sha ?? '' }]));
    this.trees.set(sha, map);
    return map;
  }
}

/** Blobs, a tree on top of `parent`'s tree, and a commit whose only parent is `parent`; returns its SHA. */
export async function commitFiles(
  octokit: Octokit,
  r: RepoRef,
  parent: CommitInfo,
  files: readonly FileContent[],
  message: string,
): Promise<string> {
  const entries: Array<{ path: string; mode: '100644'; type: 'blob'; sha: string }> = [];
  for (const file of files) {
    const { data } = await call(`create blob ${file.path}`, () =>
      octokit.rest.git.createBlob({ ...r, content: file.content, encoding: 'utf-8' }),
    );
    entries.push({ path: file.path, mode: '100644', type: 'blob', sha: data.sha });
  }
  const { data: tree } = await call('create tree', () =>
    octokit.rest.git.createTree({ ...r, base_tree: parent.tree, tree: entries }),
  );
  const { data: commit } = await call('create commit', () =>
    octokit.rest.git.createCommit({ ...r, message, tree: tree.sha, parents: [parent.sha] }),
  );
  return commit.sha;
}

/** Points `branch` at `sha`, creating it or force-moving it. */
export async function setBranch(
  octokit: Octokit,
  r: RepoRef,
  branch: string,
  sha: string,
  exists: boolean,
): Promise<void> {
  if (exists)
    await call(`update branch ${branch}`, () =>
      octokit.rest.git.updateRef({ ...r, ref: `heads/${branch}`, sha, force: true }),
    );
  else
    await call(`create branch ${branch}`, () => octokit.rest.git.createRef({ ...r, ref: `refs/heads/${branch}`, sha }));
}

export async function deleteBranch(octokit: Octokit, r: RepoRef, branch: string): Promise<void> {
  try {
    await octokit.rest.git.deleteRef({ ...r, ref: `heads/${branch}` });
  } catch (e) {
    // Already gone (e.g. "delete branch on merge"): the goal is reached. 422 is GitHub's "Reference does not exist".
    if (status(e) === 404 || status(e) === 422) return;
    throw githubError(`delete branch ${branch}`, e);
  }
}

/** The open PR from `branch` (in this repository) into `base`, if any. */
export async function findOpenPull(
  octokit: Octokit,
  r: RepoRef,
  branch: string,
  base: string,
): Promise<PullInfo | undefined> {
  const { data } = await call(`list pulls of ${branch}`, () =>
    octokit.rest.pulls.list({ ...r, state: 'open', head: `${r.owner}:${branch}`, base, per_page: 10 }),
  );
  const pull = data[0];
  if (!pull) return undefined;
  return {
    number: pull.number,
    url: pull.html_url,
    title: pull.title,
    body: pull.body ?? '',
    labels: pull.labels.map((l) => l.name ?? ''),
  };
}

export async function createPull(
  octokit: Octokit,
  r: RepoRef,
  p: { branch: string; base: string; title: string; body: string },
): Promise<PullInfo> {
  const { data } = await call('create pull request', () =>
    octokit.rest.pulls.create({ ...r, head: p.branch, base: p.base, title: p.title, body: p.body }),
  );
  return {
    number: data.number,
    url: data.html_url,
    title: data.title,
    body: data.body ?? '',
    labels: data.labels.map((l) => l.name),
  };
}

export async function updatePull(
  octokit: Octokit,
  r: RepoRef,
  number: number,
  fields: { title?: string; body?: string; state?: 'open' | 'closed' },
): Promise<void> {
  await call(`update pull request #${number}`, () =>
    octokit.rest.pulls.update({ ...r, pull_number: number, ...fields }),
  );
}

export async function addLabels(
  octokit: Octokit,
  r: RepoRef,
  number: number,
  labels: readonly string[],
): Promise<void> {
  if (labels.length === 0) return;
  await call(`label #${number}`, () =>
    octokit.rest.issues.addLabels({ ...r, issue_number: number, labels: [...labels] }),
  );
}

async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw githubError(what, e);
  }
}

function status(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'status' in e && typeof e.status === 'number' ? e.status : undefined;
}

/** One line: the call, the status and GitHub's message, capped (responses can be long). */
function githubError(what: string, e: unknown): DistrolessError {
  const code = status(e);
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 200) ?? '';
  return new DistrolessError(
    'GITHUB',
    `GitHub: ${what} failed${code === undefined ? '' : ` (HTTP ${code})`}: ${message}`,
    { cause: e },
  );
}
