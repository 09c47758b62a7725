import * as core from '@actions/core';
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { homedir } from 'node:os';
import { readKeyringFiles } from '../app/keyring-files.js';
import { runPush } from '../app/push.js';
import { dockerConfigPath, keychainFromEnvironment } from '../registry/index.js';
import { createGitHubClient, DEFAULT_BRANCH, runUpdateBot } from '../update-pr/index.js';
import type { UpdateResult } from '../app/update.js';
import { loadConfig, parseMirrorOverrides } from '../config/index.js';
import { errorMessage, isDistrolessError } from '../errors.js';
import { runBuild } from '../app/build.js';
import { runUpdate } from '../app/update.js';
import { renderDiffText } from '../lock/render.js';

const COMMANDS = ['update', 'build', 'push'] as const;
type Command = (typeof COMMANDS)[number];

/** The Action's inputs, read once into one typed object. */
export interface ActionInputs {
  command: Command;
  config: string;
  lockfiles: string;
  mirrors: string;
  cacheDir: string;
  check: boolean;
  output: string;
  images: string[];
  archs: string[];
  keyrings: string[];
  pullRequest: boolean;
  githubToken: string;
  baseBranch: string;
  branch: string;
  labels: string[];
  repository: string;
  apiUrl: string;
  workspace: string;
  registry: string;
  registryUsername: string;
  registryPassword: string;
  immutableTag: string;
  env: NodeJS.ProcessEnv;
}

/** A boolean input; unset ('' — the runner fills action.yml defaults, a local run may not) gives `fallback`. */
function booleanInput(name: string, fallback: boolean): boolean {
  return core.getInput(name) === '' ? fallback : core.getBooleanInput(name);
}

function list(value: string): string[] {
  return value
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function readInputs(env: NodeJS.ProcessEnv = process.env): ActionInputs {
  const command = core.getInput('command') || 'update';
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new Error(`input "command": unsupported value "${command}" (supported: ${COMMANDS.join(', ')})`);
  }
  return {
    command: command as Command,
    config: core.getInput('config') || 'distroless.yaml',
    lockfiles: core.getInput('lockfiles') || 'lockfiles',
    mirrors: core.getInput('mirrors'),
    cacheDir: core.getInput('cache-dir') || resolve(env.RUNNER_TEMP ?? '.', 'distroless-action-cache'),
    check: booleanInput('check', false),
    output: core.getInput('output') || 'out/oci',
    images: list(core.getInput('images')),
    archs: list(core.getInput('archs')),
    keyrings: list(core.getInput('keyring')),
    pullRequest: booleanInput('pull-request', false),
    githubToken: core.getInput('github-token'),
    baseBranch: core.getInput('base-branch') || env.GITHUB_REF_NAME || 'main',
    branch: core.getInput('branch') || DEFAULT_BRANCH,
    labels: list(core.getInput('labels')),
    repository: env.GITHUB_REPOSITORY ?? '',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    registry: core.getInput('registry'),
    registryUsername: core.getInput('registry-username'),
    registryPassword: core.getInput('registry-password'),
    immutableTag: core.getInput('immutable-tag'),
    env,
  };
}

/** Pushes the layout `build` wrote; credentials from the inputs, then docker's config.json, then GITHUB_TOKEN. */
async function push(inputs: ActionInputs): Promise<void> {
  if (!inputs.registry) throw new Error('input "registry" is empty: push needs HOST/PREFIX, e.g. ghcr.io/acme');
  const host = inputs.registry.split('/')[0] ?? inputs.registry;
  const explicit = inputs.registryUsername || inputs.registryPassword ? { registry: host, username: inputs.registryUsername, password: inputs.registryPassword } : undefined;
  const dockerConfig = await readFile(dockerConfigPath(inputs.env, inputs.env.HOME || homedir()), 'utf8').catch(() => undefined);
  const keychain = keychainFromEnvironment({ env: inputs.env, ...(dockerConfig ? { dockerConfig } : {}), ...(explicit ? { explicit } : {}) });
  const insecure = /^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$/.test(host);
  const summary = await runPush({
    layoutDir: resolve(inputs.output),
    registry: inputs.registry,
    keychain,
    ...(insecure ? { insecure } : {}),
    ...(inputs.immutableTag ? { immutableTag: inputs.immutableTag } : {}),
    onProgress: (e) => {
      if (e.kind === 'tag' && e.action === 'put') core.info(`tagged ${e.repository}:${e.tag} ${e.digest}`);
    },
  });
  core.info(`${summary.refs.length} reference(s): ${summary.uploadedBlobs} blob(s) uploaded (${summary.uploadedBytes} bytes), ${summary.mountedBlobs} mounted, ${summary.existingBlobs} already there`);
  core.setOutput('refs', JSON.stringify(summary.refs));
}

/** Opens, updates or closes the one update PR with the lockfiles as `update` left them. */
async function updatePullRequest(inputs: ActionInputs, result: UpdateResult): Promise<void> {
  const [owner, repo] = inputs.repository.split('/');
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not "owner/repo": the pull-request mode runs on GitHub Actions');
  if (!inputs.githubToken) throw new Error('input "github-token" is empty: the pull-request mode needs a token with contents and pull-requests write');
  const files = await Promise.all(
    result.distros.map(async (d) => ({ path: relative(inputs.workspace, d.lockfile), content: await readFile(d.lockfile, 'utf8') })),
  );
  const octokit = createGitHubClient({ token: inputs.githubToken, baseUrl: inputs.apiUrl });
  const pr = await runUpdateBot({ octokit, owner, repo, baseBranch: inputs.baseBranch, branch: inputs.branch, labels: inputs.labels, files, diffs: result.distros.map((d) => d.diff) });
  core.info(`pull request: ${pr.action}${pr.url ? ` ${pr.url}` : ''}`);
  core.setOutput('pr-action', pr.action);
  if (pr.number !== undefined) core.setOutput('pr-number', String(pr.number));
  if (pr.url !== undefined) core.setOutput('pr-url', pr.url);
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    for (const secret of [inputs.githubToken, inputs.registryPassword]) if (secret) core.setSecret(secret);
    if (inputs.command === 'push') return await push(inputs);
    const config = await loadConfig(resolve(inputs.config), { sourceOverrides: parseMirrorOverrides(inputs.mirrors) });
    if (inputs.command === 'build') {
      const epoch = process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) : undefined;
      const result = await runBuild({
        config,
        lockDir: resolve(inputs.lockfiles),
        outDir: resolve(inputs.output),
        cacheDir: inputs.cacheDir,
        ...(epoch !== undefined && Number.isInteger(epoch) ? { epoch } : {}),
        ...(inputs.images.length ? { images: inputs.images } : {}),
        ...(inputs.archs.length ? { archs: inputs.archs } : {}),
        onProgress: (m) => core.info(m),
        onWarning: (m) => core.warning(m),
      });
      core.setOutput('layout', result.layout);
      core.setOutput('images', JSON.stringify(result.images));
      return;
    }
    const result = await runUpdate({
      config,
      lockDir: resolve(inputs.lockfiles),
      cacheDir: inputs.cacheDir,
      now: new Date(),
      check: inputs.check,
      ...(inputs.archs.length ? { archs: inputs.archs } : {}),
      ...(inputs.keyrings.length ? { keyring: await readKeyringFiles(inputs.keyrings, 'input "keyring":', inputs.workspace) } : {}),
      onProgress: (m) => core.info(m),
    });
    for (const d of result.distros) core.info(renderDiffText(d.diff, d.archs));
    core.setOutput('changed', String(result.changed));
    core.setOutput('diff', JSON.stringify(result.distros.map((d) => d.diff)));
    if (inputs.check && result.changed) core.setFailed('lockfiles are out of date');
    else if (inputs.pullRequest) await updatePullRequest(inputs, result);
  } catch (e) {
    // Any thrown value fails the step, not only Error instances.
    core.setFailed(errorMessage(e));
    if (isDistrolessError(e)) for (const line of e.details) core.error(line);
  }
}
