import * as core from '@actions/core';
import { mkdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { readKeyringFiles } from '../app/keyring-files.js';
import { runPush } from '../app/push.js';
import type { Keychain } from '../registry/index.js';
import { loadKeychain } from '../app/registry-access.js';
import { createGitHubClient, runUpdateBot } from '../update-pr/index.js';
import { readInputs, type ActionInputs } from './inputs.js';
import type { UpdateResult } from '../app/update.js';
import { ConfigInvalidError, loadConfig, parseMirrorOverrides, type Config } from '../config/index.js';
import { errorMessage, isDistrolessError } from '../errors.js';
import { runBuild } from '../app/build.js';
import { runUpdate } from '../app/update.js';
import { renderDiffText } from '../lock/render.js';
import { runPublish, type PublishOptions, type SignStatus } from '../app/publish.js';
import { planShards } from '../app/plan.js';
import { runShard } from '../app/shard.js';
import { runAssemble } from '../app/assemble.js';
import { readShardResults } from '../app/shard-result.js';
import { writeFilesAtomically } from '../util/fs.js';
import { createAttestFn, createBundleVerifier, createSigning, releaseSigner, type Signing } from '../app/signing.js';
import { githubInvocation } from '../attest/provenance.js';
import type { SignatureVerifier } from '../sign/index.js';
import { renderAssembleSummary, renderPublishSummary, renderUpdateSummary } from '../app/summary.js';

/** Credentials from the inputs, then docker's config.json, then GITHUB_TOKEN (ghcr.io). */
function keychainFor(inputs: ActionInputs): Promise<Keychain> {
  return loadKeychain({
    env: inputs.env,
    registry: inputs.registry,
    username: inputs.registryUsername,
    password: inputs.registryPassword,
  });
}

function needRegistry(inputs: ActionInputs): { host: string; insecure: boolean } {
  if (!inputs.registry)
    throw new Error(`input "registry" is empty: ${inputs.command} needs HOST/PREFIX, e.g. ghcr.io/acme`);
  const host = inputs.registry.split('/')[0] ?? inputs.registry;
  return { host, insecure: isLoopback(host) };
}

/** Plain http only for a registry on this machine. */
function isLoopback(host: string): boolean {
  return /^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$/.test(host);
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
  core.info(
    `${summary.refs.length} reference(s): ${summary.uploadedBlobs} blob(s) uploaded (${summary.uploadedBytes} bytes), ${summary.mountedBlobs} mounted, ${summary.existingBlobs} already there`,
  );
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
    ...(inputs.compression ? { compression: inputs.compression } : {}),
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
  const sign = await signerFor(inputs, config);
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

/** plan: the image × arch shard matrix, for `strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}`. */
async function plan(inputs: ActionInputs, config: Config): Promise<void> {
  const shards = await planShards(config, resolve(inputs.lockfiles), {
    ...(inputs.images.length ? { images: inputs.images } : {}),
    ...(inputs.archs.length ? { archs: inputs.archs } : {}),
    onWarning: (m) => core.warning(m),
  });
  for (const s of shards.shards) core.info(`shard ${s.id}: ${s.image} (${s.distro}) ${s.platform}`);
  core.setOutput('matrix', JSON.stringify(shards.matrix));
}

/** shard: build one image × arch and push it by digest; its result file goes to `shard-results` for upload. */
async function shard(inputs: ActionInputs, config: Config): Promise<void> {
  const { insecure } = needRegistry(inputs);
  if (!inputs.shard) throw new Error('input "shard" is empty: give the shard id from the plan matrix (matrix.id)');
  const epoch = epochFromEnv(inputs.env);
  const run = await runShard({
    config,
    lockDir: resolve(inputs.lockfiles),
    shard: inputs.shard,
    registry: inputs.registry,
    outDir: resolve(inputs.output),
    cacheDir: inputs.cacheDir,
    keychain: await keychainFor(inputs),
    ...(insecure ? { insecure } : {}),
    ...(epoch !== undefined ? { epoch } : {}),
    onProgress: (m) => core.info(m),
    onWarning: (m) => core.warning(m),
  });
  const dir = resolve(inputs.shardResults || 'shard-results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${run.result.shard}.json`);
  await writeFilesAtomically([{ path: file, content: `${JSON.stringify(run.result, null, 2)}\n` }]);
  core.info(
    `shard ${run.result.shard}: ${run.result.manifests.length} manifest(s) pushed by digest; result in ${file}`,
  );
  core.setOutput('shard-result', file);
}

/** assemble: indexes and tags from every shard's result, then signatures. */
async function assemble(inputs: ActionInputs, config: Config): Promise<void> {
  const { insecure } = needRegistry(inputs);
  if (!inputs.shardResults)
    throw new Error('input "shard-results" is empty: give the directory the shard results were downloaded to');
  const results = await readShardResults([resolve(inputs.shardResults)]);
  const keychain = await keychainFor(inputs);
  const assembled = await runAssemble({
    config,
    lockDir: resolve(inputs.lockfiles),
    registry: inputs.registry,
    results,
    keychain,
    ...(insecure ? { insecure } : {}),
    ...(inputs.images.length ? { images: inputs.images } : {}),
    ...(inputs.archs.length ? { archs: inputs.archs } : {}),
    ...(inputs.immutableTag ? { immutableTag: inputs.immutableTag } : {}),
    onProgress: (e) => {
      if (e.kind === 'tag' && e.action === 'put') core.info(`tagged ${e.repository}:${e.tag} ${e.digest}`);
    },
  });
  core.setOutput('refs', JSON.stringify(assembled.refs));
  const signer = await signerFor(inputs, config);
  let signed: SignStatus[] = [];
  if (signer) {
    const targets = assembled.indexes.flatMap((x) => [
      { image: x.image, variant: x.variant, repository: x.repository, digest: x.digest },
      ...x.manifests.map((m) => ({
        image: x.image,
        variant: x.variant,
        arch: m.arch,
        repository: x.repository,
        digest: m.digest,
      })),
    ]);
    signed = await signer(targets);
    core.setOutput('signed', JSON.stringify(signed));
  }
  if (inputs.summary) await core.summary.addRaw(renderAssembleSummary(assembled, signed)).write();
  core.info(
    `${assembled.indexes.length} index(es) from ${results.length} shard(s): ${assembled.stats.tagsPut} tag(s) set`,
  );
}

/** The storages for the `signing` input (a key, or keyless with the runner's OIDC token); undefined for 'none'. */
async function signingFor(inputs: ActionInputs): Promise<Signing | undefined> {
  if (inputs.signing === 'none') return undefined;
  const format = inputs.signatureFormat ? { format: inputs.signatureFormat } : {};
  if (inputs.signing === 'key') {
    if (!inputs.signingKey)
      throw new Error('input "signing-key" is empty: signing "key" needs the PEM private key (e.g. from a secret)');
    const password = inputs.signingKeyPassword ? { password: inputs.signingKeyPassword } : {};
    return createSigning({
      ...format,
      key: { pem: inputs.signingKey, source: 'input "signing-key"', ...password },
      created: new Date().toISOString(),
    });
  }
  if (!inputs.env.ACTIONS_ID_TOKEN_REQUEST_URL && !inputs.env.SIGSTORE_ID_TOKEN) {
    throw new Error('signing "keyless" needs an OIDC token: give the job "permissions: id-token: write"');
  }
  const getIdentityToken = async (): Promise<string> => inputs.env.SIGSTORE_ID_TOKEN || core.getIDToken('sigstore');
  return createSigning({
    ...format,
    keyless: { getIdentityToken, fulcioURL: inputs.fulcioUrl, rekorURL: inputs.rekorUrl },
    created: new Date().toISOString(),
  });
}

/** The `sign` step of publish/assemble: every image × variant of the config just pushed, with SBOM + provenance. */
async function signerFor(inputs: ActionInputs, config: Config): Promise<PublishOptions['sign']> {
  const signing = await signingFor(inputs);
  if (signing === undefined) return undefined;
  const { insecure } = needRegistry(inputs);
  const epoch = epochFromEnv(inputs.env);
  const invocation = githubInvocation(inputs.env);
  const attest = await createAttestFn({
    config,
    lockDir: resolve(inputs.lockfiles),
    cacheDir: inputs.cacheDir,
    ...(epoch === undefined ? {} : { epoch }),
    ...(invocation ? { invocation } : {}),
  });
  core.info(`signing with ${signing.identity} (${signing.format})`);
  return releaseSigner({
    signing,
    attest,
    registry: inputs.registry,
    config,
    keychain: await keychainFor(inputs),
    ...(insecure ? { insecure } : {}),
    ...(inputs.images.length ? { images: inputs.images } : {}),
    ...(inputs.immutableTag ? { tag: inputs.immutableTag } : {}),
    onProgress: (m) => core.info(m),
  });
}

/** sign: every image × variant of the config in the registry (or the given references). */
async function sign(inputs: ActionInputs, config: Config): Promise<void> {
  const signer = await signerFor(inputs, config);
  if (signer === undefined) throw new Error('input "signing" is "none": the sign command needs "key" or "keyless"');
  const signed = await signer([]);
  core.setOutput('signed', JSON.stringify(signed));
  core.info(
    `${signed.length} digest(s): ${signed.filter((s) => s.state === 'signed').length} signed now, ${signed.filter((s) => s.state === 'present').length} already signed`,
  );
}

/** verify: signatures and attestations of the given references (a public key, or identity + issuer + trusted root). */
async function verify(inputs: ActionInputs): Promise<void> {
  if (inputs.references.length === 0) throw new Error('input "references" is empty: verify needs the images to check');
  const [{ runVerify }, legacy] = await Promise.all([import('../app/verify.js'), import('../sign/index.js')]);
  const verifiers: SignatureVerifier[] = [];
  if (inputs.publicKey) {
    const pem = await readFile(resolve(inputs.publicKey), 'utf8');
    const format = inputs.signatureFormat || 'both';
    if (format !== 'bundle')
      verifiers.push(legacy.createLegacyVerifier(legacy.loadPublicKey(pem, `input "public-key" ${inputs.publicKey}`)));
    if (format !== 'legacy') verifiers.push(createBundleVerifier({ kind: 'key', publicKeyPem: pem }));
  } else if (inputs.certificateIdentity) {
    if (!inputs.trustedRoot)
      throw new Error('input "trusted-root" is empty: keyless verification needs the Sigstore trusted_root.json');
    const trustedRoot = JSON.parse(await readFile(resolve(inputs.trustedRoot), 'utf8')) as unknown;
    verifiers.push(
      createBundleVerifier({
        kind: 'keyless',
        trustedRoot,
        identity: inputs.certificateIdentity,
        issuer: inputs.certificateOidcIssuer,
      }),
    );
  } else {
    throw new Error(
      'verify needs input "public-key", or "certificate-identity" (with "certificate-oidc-issuer" and "trusted-root")',
    );
  }
  const host = inputs.references[0]?.split('/')[0] ?? '';
  const summary = await runVerify({
    references: inputs.references,
    verifiers,
    predicateTypes: legacy.DEFAULT_PREDICATE_TYPES,
    keychain: await keychainFor({ ...inputs, registry: inputs.registry || host }),
    ...(isLoopback(host) ? { insecure: true } : {}),
  });
  for (const d of summary.digests)
    for (const c of d.checks)
      core.info(
        `${c.ok ? 'ok    ' : 'FAILED'} ${d.name}@${d.digest} ${d.platform ?? 'index'} ${c.format} ${c.what}: ${c.detail}`,
      );
  core.setOutput('verified', String(summary.ok));
  if (!summary.ok)
    throw new Error(
      `verification failed: ${summary.failures[0] ?? 'see the log'}${summary.failures.length > 1 ? ` (and ${summary.failures.length - 1} more)` : ''}`,
    );
}

/** Opens, updates or closes the one update PR with the lockfiles as `update` left them. */
async function updatePullRequest(
  inputs: ActionInputs,
  result: UpdateResult,
): Promise<{ action: string; url?: string }> {
  const [owner, repo] = inputs.repository.split('/');
  if (!owner || !repo)
    throw new Error('GITHUB_REPOSITORY is not "owner/repo": the pull-request mode runs on GitHub Actions');
  if (!inputs.githubToken)
    throw new Error(
      'input "github-token" is empty: the pull-request mode needs a token with contents and pull-requests write',
    );
  const files = await Promise.all(
    result.distros.map(async (d) => ({
      path: relative(inputs.workspace, d.lockfile),
      content: await readFile(d.lockfile, 'utf8'),
    })),
  );
  const octokit = createGitHubClient({ token: inputs.githubToken, baseUrl: inputs.apiUrl });
  const pr = await runUpdateBot({
    octokit,
    owner,
    repo,
    baseBranch: inputs.baseBranch,
    branch: inputs.branch,
    labels: inputs.labels,
    files,
    diffs: result.distros.map((d) => d.diff),
  });
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
    ...(inputs.keyrings.length
      ? { keyring: await readKeyringFiles(inputs.keyrings, 'input "keyring":', inputs.workspace) }
      : {}),
    onProgress: (m) => core.info(m),
  });
  for (const d of result.distros) core.info(renderDiffText(d.diff, d.archs));
  core.setOutput('changed', String(result.changed));
  core.setOutput('diff', JSON.stringify(result.distros.map((d) => d.diff)));
  if (inputs.check && result.changed) core.setFailed('lockfiles are out of date');
  const pr = !inputs.check && inputs.pullRequest ? await updatePullRequest(inputs, result) : undefined;
  if (inputs.summary)
    await core.summary
      .addRaw(
        renderUpdateSummary(
          result.distros.map((d) => d.diff),
          pr,
        ),
      )
      .write();
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    // A PEM key spans lines, and the runner masks what it is given line by line: register each line too.
    const secrets = [
      inputs.githubToken,
      inputs.registryPassword,
      inputs.signingKey,
      inputs.signingKeyPassword,
      ...inputs.signingKey.split('\n').filter((l) => l.trim().length > 8 && !l.startsWith('-----')),
    ];
    for (const secret of secrets) if (secret) core.setSecret(secret);
    if (inputs.command === 'push') return await push(inputs);
    if (inputs.command === 'verify') return await verify(inputs);
    const config = await loadConfig(resolve(inputs.config), { sourceOverrides: parseMirrorOverrides(inputs.mirrors) });
    if (inputs.command === 'build') return await build(inputs, config);
    if (inputs.command === 'publish') return await publish(inputs, config);
    if (inputs.command === 'update') return await update(inputs, config);
    if (inputs.command === 'plan') return await plan(inputs, config);
    if (inputs.command === 'shard') return await shard(inputs, config);
    if (inputs.command === 'assemble') return await assemble(inputs, config);
    if (inputs.command === 'sign') return await sign(inputs, config);
    throw new Error(`input "command": ${inputs.command} is not available in this build`);
  } catch (e) {
    // Any thrown value fails the step, not only Error instances; config problems become file annotations.
    core.setFailed(errorMessage(e));
    if (e instanceof ConfigInvalidError) {
      for (const p of e.problems)
        core.error(`${p.path}: ${p.message}`, {
          file: relative(process.env.GITHUB_WORKSPACE || process.cwd(), p.file),
          startLine: p.line,
          startColumn: p.col,
        });
    } else if (isDistrolessError(e)) for (const line of e.details) core.error(line);
  }
}
