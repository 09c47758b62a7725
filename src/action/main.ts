import * as core from '@actions/core';
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { homedir } from 'node:os';
import { readKeyringFiles } from '../app/keyring-files.js';
import { runPush } from '../app/push.js';
import { dockerConfigPath, keychainFromEnvironment } from '../registry/index.js';
import { createGitHubClient, runUpdateBot } from '../update-pr/index.js';
import { readInputs, type ActionInputs } from './inputs.js';
import type { UpdateResult } from '../app/update.js';
import { ConfigInvalidError, loadConfig, parseMirrorOverrides, type Config } from '../config/index.js';
import { errorMessage, isDistrolessError } from '../errors.js';
import { runBuild } from '../app/build.js';
import { runUpdate } from '../app/update.js';
import { renderDiffText } from '../lock/render.js';
import { runPublish, type PublishOptions } from '../app/publish.js';
import { renderPublishSummary, renderUpdateSummary } from '../app/summary.js';

/** Credentials from the inputs, then docker's config.json, then GITHUB_TOKEN (ghcr.io). */
async function keychainFor(inputs: ActionInputs) {
  const host = inputs.registry.split('/')[0] ?? inputs.registry;
  const explicit = inputs.registryUsername || inputs.registryPassword ? { registry: host, username: inputs.registryUsername, password: inputs.registryPassword } : undefined;
  const dockerConfig = await readFile(dockerConfigPath(inputs.env, inputs.env.HOME || homedir()), 'utf8').catch(() => undefined);
  return keychainFromEnvironment({ env: inputs.env, ...(dockerConfig ? { dockerConfig } : {}), ...(explicit ? { explicit } : {}) });
}

function needRegistry(inputs: ActionInputs): { host: string; insecure: boolean } {
  if (!inputs.registry) throw new Error(`input "registry" is empty: ${inputs.command} needs HOST/PREFIX, e.g. ghcr.io/acme`);
  const host = inputs.registry.split('/')[0] ?? inputs.registry;
  // Plain http only for a registry on this machine.
  return { host, insecure: /^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$/.test(host) };
}

function epochFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const value = env.SOURCE_DATE_EPOCH;
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`SOURCE_DATE_EPOCH: expected whole seconds since 1970, got "${value}"`);
  return Number(value);
}

/** Pushes the layout `build` wrote. */
async function push(inputs: ActionInputs): Promise<void> {
  const { insecure } = needRegistry(inputs);
  const summary = await runPush({
    layoutDir: resolve(inputs.output),
    registry: inputs.registry,
    keychain: await keychainFor(inputs),
    ...(insecure ? { insecure } : {}),
    ...(inputs.immutableTag ? { immutableTag: inputs.immutableTag } : {}),
    onProgress: (e) => {
      if (e.kind === 'tag' && e.action === 'put') core.info(`tagged ${e.repository}:${e.tag} ${e.digest}`);
    },
  });
  core.info(`${summary.refs.length} reference(s): ${summary.uploadedBlobs} blob(s) uploaded (${summary.uploadedBytes} bytes), ${summary.mountedBlobs} mounted, ${summary.existingBlobs} already there`);
  core.setOutput('refs', JSON.stringify(summary.refs));
}

async function build(inputs: ActionInputs, config: Config): Promise<void> {
  const epoch = epochFromEnv(inputs.env);
  const result = await runBuild({
    config,
    lockDir: resolve(inputs.lockfiles),
    outDir: resolve(inputs.output),
    cacheDir: inputs.cacheDir,
    ...(epoch !== undefined ? { epoch } : {}),
    ...(inputs.images.length ? { images: inputs.images } : {}),
    ...(inputs.archs.length ? { archs: inputs.archs } : {}),
    onProgress: (m) => core.info(m),
    onWarning: (m) => core.warning(m),
  });
  core.setOutput('layout', result.layout);
  core.setOutput('images', JSON.stringify(result.images));
}

/** build + push + sign: the release. */
async function publish(inputs: ActionInputs, config: Config): Promise<void> {
  const { insecure } = needRegistry(inputs);
  const epoch = epochFromEnv(inputs.env);
  const sign = await signerFor(inputs);
  const report = await runPublish({
    config,
    lockDir: resolve(inputs.lockfiles),
    outDir: resolve(inputs.output),
    cacheDir: inputs.cacheDir,
    registry: inputs.registry,
    keychain: await keychainFor(inputs),
    ...(insecure ? { insecure } : {}),
    ...(inputs.immutableTag ? { immutableTag: inputs.immutableTag } : {}),
    ...(epoch !== undefined ? { epoch } : {}),
    ...(inputs.images.length ? { images: inputs.images } : {}),
    ...(inputs.archs.length ? { archs: inputs.archs } : {}),
    ...(sign ? { sign } : {}),
    onProgress: (m) => core.info(m),
    onWarning: (m) => core.warning(m),
  });
  core.setOutput('layout', report.build.layout);
  core.setOutput('images', JSON.stringify(report.rows));
  core.setOutput('refs', JSON.stringify(report.push.refs));
  core.setOutput('changed', String(report.rows.some((r) => r.previousDigest !== r.digest)));
  if (inputs.summary) await core.summary.addRaw(renderPublishSummary(report)).write();
}

/** The signer of `publish` for the `signing` input; undefined for 'none'. */
async function signerFor(inputs: ActionInputs): Promise<PublishOptions['sign']> {
  if (inputs.signing === 'none') return undefined;
  throw new Error(`input "signing": ${inputs.signing} signing is not available in this build`);
}

/** Opens, updates or closes the one update PR with the lockfiles as `update` left them. */
async function updatePullRequest(inputs: ActionInputs, result: UpdateResult): Promise<{ action: string; url?: string }> {
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
  return { action: pr.action, ...(pr.url ? { url: pr.url } : {}) };
}

async function update(inputs: ActionInputs, config: Config): Promise<void> {
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
  const pr = !inputs.check && inputs.pullRequest ? await updatePullRequest(inputs, result) : undefined;
  if (inputs.summary) await core.summary.addRaw(renderUpdateSummary(result.distros.map((d) => d.diff), pr)).write();
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    for (const secret of [inputs.githubToken, inputs.registryPassword, inputs.signingKey, inputs.signingKeyPassword]) if (secret) core.setSecret(secret);
    if (inputs.command === 'push') return await push(inputs);
    const config = await loadConfig(resolve(inputs.config), { sourceOverrides: parseMirrorOverrides(inputs.mirrors) });
    if (inputs.command === 'build') return await build(inputs, config);
    if (inputs.command === 'publish') return await publish(inputs, config);
    if (inputs.command === 'update') return await update(inputs, config);
    throw new Error(`input "command": ${inputs.command} is not available in this build`);
  } catch (e) {
    // Any thrown value fails the step, not only Error instances; config problems become file annotations.
    core.setFailed(errorMessage(e));
    if (e instanceof ConfigInvalidError) {
      for (const p of e.problems) core.error(`${p.path}: ${p.message}`, { file: relative(process.env.GITHUB_WORKSPACE || process.cwd(), p.file), startLine: p.line, startColumn: p.col });
    } else if (isDistrolessError(e)) for (const line of e.details) core.error(line);
  }
}
