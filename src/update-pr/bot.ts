/**
 * The update bot: keeps one branch and one PR per config in step with freshly written lockfiles.
 *
 * - lockfiles on the base branch already equal `files` → close the open PR and delete the branch;
 * - the branch is one commit on top of the current base head holding exactly `files` → no new commit;
 * - otherwise (first run, newer upstream, or the base moved) → a new commit on the base head, branch
 *   force-moved to it; then the PR is created, or its title/body updated in place, and labelled.
 * Everything goes through the Octokit passed in; nothing reads the environment or prints.
 */
import type { Octokit } from '@octokit/rest';
import { DistrolessError } from '../errors.js';
import type { LockDiff } from '../lock/diff.js';
import { renderPrBody, summaryLine } from './body.js';
import {
  addLabels,
  branchHead,
  commitFiles,
  createPull,
  deleteBranch,
  findOpenPull,
  getCommit,
  gitBlobSha,
  setBranch,
  TreeReader,
  updatePull,
  type CommitInfo,
  type FileContent,
  type RepoRef,
} from './github.js';

export const DEFAULT_BRANCH = 'distroless-action/update';
export const DEFAULT_TITLE = 'Update distroless lockfiles';

export interface UpdateBotOptions {
  octokit: Octokit;
  owner: string;
  repo: string;
  /** The branch the PR merges into (the one whose lockfiles are "committed"). */
  baseBranch: string;
  /** The bot's branch, one per config (default `distroless-action/update`). */
  branch?: string;
  labels?: readonly string[];
  /** The lockfiles as `update` wrote them, with their paths in the repository. */
  files: readonly FileContent[];
  /** What changed against the committed lockfiles (for the PR body). */
  diffs: readonly LockDiff[];
  title?: string;
  /** PR body size limit (default GitHub's). */
  bodyLimit?: number;
}

export type BotAction = 'created' | 'updated' | 'unchanged' | 'closed' | 'none';

export interface UpdateBotResult {
  action: BotAction;
  branch: string;
  number?: number;
  url?: string;
  /** The branch head after this run (absent when the branch is gone). */
  commit?: string;
  /** True when this run made a new commit. */
  committed: boolean;
}

export async function runUpdateBot(opts: UpdateBotOptions): Promise<UpdateBotResult> {
  const { octokit } = opts;
  const r: RepoRef = { owner: opts.owner, repo: opts.repo };
  const branch = opts.branch ?? DEFAULT_BRANCH;
  if (branch === opts.baseBranch)
    throw new DistrolessError('USAGE', `the update branch must differ from the base branch "${branch}"`);
  const baseSha = await branchHead(octokit, r, opts.baseBranch);
  if (baseSha === undefined)
    throw new DistrolessError('GITHUB', `GitHub: base branch "${opts.baseBranch}" not found in ${r.owner}/${r.repo}`);
  const base = await getCommit(octokit, r, baseSha);
  const trees = new TreeReader(octokit, r);
  const pull = await findOpenPull(octokit, r, branch, opts.baseBranch);
  const headSha = await branchHead(octokit, r, branch);

  if (await holdsFiles(trees, base, opts.files)) {
    // The base branch is current (the PR was merged, or upstream went back): nothing to propose.
    if (pull) await updatePull(octokit, r, pull.number, { state: 'closed' });
    if (headSha !== undefined) await deleteBranch(octokit, r, branch);
    return pull
      ? { action: 'closed', branch, number: pull.number, url: pull.url, committed: false }
      : { action: 'none', branch, committed: false };
  }
  const title = opts.title ?? DEFAULT_TITLE;
  const { commit, committed } = await syncBranch(opts, r, trees, { branch, base, headSha, title });
  const body = renderPrBody(opts.diffs, opts.bodyLimit === undefined ? {} : { limit: opts.bodyLimit });
  const labels = opts.labels ?? [];
  if (!pull) {
    const created = await createPull(octokit, r, { branch, base: opts.baseBranch, title, body });
    await addLabels(octokit, r, created.number, labels);
    return { action: 'created', branch, number: created.number, url: created.url, commit, committed };
  }
  const edited = pull.title !== title || pull.body !== body;
  if (edited) await updatePull(octokit, r, pull.number, { title, body });
  await addLabels(
    octokit,
    r,
    pull.number,
    labels.filter((l) => !pull.labels.includes(l)),
  );
  return {
    action: committed || edited ? 'updated' : 'unchanged',
    branch,
    number: pull.number,
    url: pull.url,
    commit,
    committed,
  };
}

/**
 * Leaves the branch alone when it is one commit on top of the base head that holds exactly `files`;
 * otherwise commits `files` on the base head (a rebase, when the base moved) and force-moves the branch.
 */
async function syncBranch(
  opts: UpdateBotOptions,
  r: RepoRef,
  trees: TreeReader,
  at: { branch: string; base: CommitInfo; headSha: string | undefined; title: string },
): Promise<{ commit: string; committed: boolean }> {
  if (at.headSha !== undefined) {
    const head = await getCommit(opts.octokit, r, at.headSha);
    const onBase = head.parents.length === 1 && head.parents[0] === at.base.sha;
    if (onBase && (await holdsFiles(trees, head, opts.files))) return { commit: head.sha, committed: false };
  }
  const commit = await commitFiles(opts.octokit, r, at.base, opts.files, `${at.title}\n\n${summaryLine(opts.diffs)}\n`);
  await setBranch(opts.octokit, r, at.branch, commit, at.headSha !== undefined);
  return { commit, committed: true };
}

/** True when every file under the commit's tree has exactly this content (compared by git blob SHA). */
async function holdsFiles(trees: TreeReader, commit: CommitInfo, files: readonly FileContent[]): Promise<boolean> {
  for (const file of files) {
    if ((await trees.blobSha(commit.tree, file.path)) !== gitBlobSha(file.content)) return false;
  }
  return true;
}
