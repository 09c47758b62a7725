/**
 * The Action: INPUT_* → request (src/action/inputs.ts, src/app/requests.ts) → run (src/app/requests-run.ts) →
 * outputs, log and job summary. The runner's side (outputs, masking, annotations, OIDC token) comes in as an
 * ActionKit, so tests drive the Action in-process; index.ts passes @actions/core.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Runtime } from '../app/requests-run.js';
import { makeRequest, type Requests } from '../app/requests.js';
import type { UpdateResult } from '../app/update.js';
import { ConfigInvalidError } from '../config/index.js';
import { DistrolessError, errorMessage, isDistrolessError } from '../errors.js';
import { renderDiffText } from '../lock/render.js';
import { actionEdge, readInvocation, ACTION_INPUTS, type ActionExtras, type ActionInvocation } from './inputs.js';

/** What the Action needs from the runner (@actions/core in production). */
export interface ActionKit {
  setOutput: (name: string, value: string) => void;
  setSecret: (secret: string) => void;
  setFailed: (message: string) => void;
  info: (message: string) => void;
  warning: (message: string) => void;
  error: (message: string, annotation?: { file: string; startLine?: number; startColumn?: number }) => void;
  /** Appends Markdown to the job summary. */
  summary: (markdown: string) => Promise<void>;
  getIDToken: (audience: string) => Promise<string>;
}

export async function runAction(env: NodeJS.ProcessEnv, cwd: string, kit: ActionKit): Promise<void> {
  try {
    const inv = readInvocation(env);
    for (const secret of inv.extras.secrets) kit.setSecret(secret);
    const rt = actionRuntime(env, kit);
    await COMMAND_RUNNERS[inv.command](makeRequest(inv.command, inv.raw, actionEdge(env, cwd)) as never, {
      rt,
      kit,
      inv,
    });
  } catch (e) {
    // Any thrown value fails the step, not only Error instances; config problems become file annotations.
    kit.setFailed(errorMessage(e));
    if (e instanceof ConfigInvalidError) {
      for (const p of e.problems)
        kit.error(`${p.path}: ${p.message}`, {
          file: relative(env.GITHUB_WORKSPACE || cwd, p.file),
          startLine: p.line,
          startColumn: p.col,
        });
    } else if (isDistrolessError(e)) for (const line of e.details) kit.error(line);
  }
}

function actionRuntime(env: NodeJS.ProcessEnv, kit: ActionKit): Runtime {
  return {
    env,
    now: () => new Date(),
    name: (o) => `input "${ACTION_INPUTS[o]}"`,
    progress: kit.info,
    warn: kit.warning,
    onPushEvent: (e) => {
      if (e.kind === 'tag' && e.action === 'put') kit.info(`tagged ${e.repository}:${e.tag} ${e.digest}`);
    },
    identityToken: async () => env.SIGSTORE_ID_TOKEN || kit.getIDToken('sigstore'),
  };
}

interface Ctx {
  rt: Runtime;
  kit: ActionKit;
  inv: ActionInvocation;
}

type Runners = { [C in ActionInvocation['command']]: (req: Requests[C], ctx: Ctx) => Promise<void> };

const COMMAND_RUNNERS: Runners = {
  async update(req, { rt, kit, inv }) {
    const { runUpdateRequest } = await import('../app/requests-run.js');
    const result = await runUpdateRequest(req, rt);
    for (const d of result.distros) kit.info(renderDiffText(d.diff, d.archs));
    kit.setOutput('changed', String(result.changed));
    kit.setOutput('diff', JSON.stringify(result.distros.map((d) => d.diff)));
    if (req.check && result.changed) kit.setFailed('lockfiles are out of date');
    const pr = !req.check && inv.extras.pullRequest ? await updatePullRequest(inv.extras, result, kit) : undefined;
    if (inv.extras.summary) {
      const { renderUpdateSummary } = await import('../app/summary.js');
      await kit.summary(
        renderUpdateSummary(
          result.distros.map((d) => d.diff),
          pr,
        ),
      );
    }
  },

  async build(req, { rt, kit }) {
    const { runBuildRequest } = await import('../app/requests-run.js');
    const result = await runBuildRequest(req, rt);
    kit.setOutput('layout', result.layout);
    kit.setOutput('images', JSON.stringify(result.images));
  },

  async push(req, { rt, kit }) {
    const { runPushRequest } = await import('../app/requests-run.js');
    const summary = await runPushRequest(req, rt);
    kit.info(
      `${summary.refs.length} reference(s): ${summary.uploadedBlobs} blob(s) uploaded (${summary.uploadedBytes} bytes), ${summary.mountedBlobs} mounted, ${summary.existingBlobs} already there`,
    );
    kit.setOutput('refs', JSON.stringify(summary.refs));
  },

  async publish(req, { rt, kit, inv }) {
    const { runPublishRequest } = await import('../app/requests-run.js');
    const { report, signed } = await runPublishRequest(req, rt);
    kit.setOutput('layout', report.build.layout);
    kit.setOutput('images', JSON.stringify(report.rows));
    kit.setOutput('refs', JSON.stringify(report.push.refs));
    kit.setOutput('changed', String(report.rows.some((r) => r.previousDigest !== r.digest)));
    kit.setOutput('signed', JSON.stringify(signed ?? []));
    if (inv.extras.summary) {
      const { renderPublishSummary } = await import('../app/summary.js');
      await kit.summary(renderPublishSummary(report));
    }
  },

  async sign(req, { rt, kit }) {
    const { runSignRequest } = await import('../app/requests-run.js');
    rt.progress(`signing (${req.signing.format})`);
    const { signed } = await runSignRequest(req, rt);
    kit.setOutput('signed', JSON.stringify(signed));
    kit.info(
      `${signed.length} digest(s): ${signed.filter((s) => s.state === 'signed').length} signed now, ${signed.filter((s) => s.state === 'present').length} already signed`,
    );
  },

  async verify(req, { rt, kit }) {
    const { runVerifyRequest } = await import('../app/requests-run.js');
    const summary = await runVerifyRequest(req, rt);
    for (const d of summary.digests) {
      for (const c of d.checks)
        kit.info(
          `${c.ok ? 'ok    ' : 'FAILED'} ${d.name}@${d.digest} ${d.platform ?? 'index'} ${c.format} ${c.what}: ${c.detail}`,
        );
      if (d.ok) kit.info(`verified ${d.name}@${d.digest} by its ${d.passed.join(' and ')} signature`);
    }
    kit.setOutput('verified', String(summary.ok));
    if (!summary.ok)
      throw new DistrolessError(
        'VERIFY',
        `verification failed: ${summary.failures[0] ?? 'see the log'}${summary.failures.length > 1 ? ` (and ${summary.failures.length - 1} more)` : ''}`,
      );
  },

  async plan(req, { rt, kit }) {
    const { runPlanRequest } = await import('../app/requests-run.js');
    const shards = await runPlanRequest(req, rt);
    for (const s of shards.shards) kit.info(`shard ${s.id}: ${s.image} (${s.distro}) ${s.platform}`);
    kit.setOutput('matrix', JSON.stringify(shards.matrix));
  },

  async shard(req, { rt, kit }) {
    const { runShardRequest } = await import('../app/requests-run.js');
    const run = await runShardRequest(req, rt);
    kit.info(
      `shard ${run.result.shard}: ${run.result.manifests.length} manifest(s) pushed by digest; result in ${req.resultFile ?? ''}`,
    );
    kit.setOutput('shard-result', req.resultFile ?? '');
  },

  async assemble(req, { rt, kit, inv }) {
    const { runAssembleRequest } = await import('../app/requests-run.js');
    const { assembled, shards, signed } = await runAssembleRequest(req, rt);
    kit.setOutput('refs', JSON.stringify(assembled.refs));
    kit.setOutput('signed', JSON.stringify(signed ?? []));
    if (inv.extras.summary) {
      const { renderAssembleSummary } = await import('../app/summary.js');
      await kit.summary(renderAssembleSummary(assembled, signed ?? []));
    }
    kit.info(`${assembled.indexes.length} index(es) from ${shards} shard(s): ${assembled.stats.tagsPut} tag(s) set`);
  },
};

/** Opens, updates or closes the one update PR with the lockfiles as `update` left them. */
async function updatePullRequest(
  extras: ActionExtras,
  result: UpdateResult,
  kit: ActionKit,
): Promise<{ action: string; url?: string }> {
  const [owner, repo] = extras.repository.split('/');
  if (!owner || !repo)
    throw new DistrolessError(
      'USAGE',
      'GITHUB_REPOSITORY is not "owner/repo": the pull-request mode runs on GitHub Actions',
    );
  if (!extras.githubToken)
    throw new DistrolessError(
      'USAGE',
      'input "github-token" is empty: the pull-request mode needs a token with contents and pull-requests write',
    );
  const files = await Promise.all(
    result.distros.map(async (d) => ({
      path: relative(extras.workspace, d.lockfile),
      content: await readFile(d.lockfile, 'utf8'),
    })),
  );
  const { createGitHubClient, runUpdateBot } = await import('../update-pr/index.js');
  const octokit = createGitHubClient({ token: extras.githubToken, baseUrl: extras.apiUrl });
  const pr = await runUpdateBot({
    octokit,
    owner,
    repo,
    baseBranch: extras.baseBranch,
    branch: extras.branch,
    labels: extras.labels,
    files,
    diffs: result.distros.map((d) => d.diff),
  });
  kit.info(`pull request: ${pr.action}${pr.url ? ` ${pr.url}` : ''}`);
  kit.setOutput('pr-action', pr.action);
  if (pr.number !== undefined) kit.setOutput('pr-number', String(pr.number));
  if (pr.url !== undefined) kit.setOutput('pr-url', pr.url);
  return { action: pr.action, ...(pr.url ? { url: pr.url } : {}) };
}
