/**
 * Runs the requests of src/app/requests.ts: loads the config, checks the filters, connects to registries,
 * sets up signing and verification, and calls the command's module. The adapters (src/cli, src/action) only
 * render what these return. Each command loads its modules when it runs: a build never pays for openpgp.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkSelection, loadConfig, onlyDistros, type Config } from '../config/index.js';
import { DistrolessError } from '../errors.js';
import type { PushEvent } from '../registry/index.js';
import type { SignatureVerifier } from '../sign/index.js';
import type { BuildResult } from './build.js';
import type { ListResult } from './list.js';
import type { PublishReport, SignStatus } from './publish.js';
import type { PushSummary } from './push.js';
import type { ShardPlan } from './plan.js';
import type { ShardRun } from './shard.js';
import type { AssembleResult } from './assemble.js';
import type { AttestFn, SignEvent, SignSummary } from './sign.js';
import type { Signing } from './signing.js';
import type { UpdateResult } from './update.js';
import { leanHeap, roomyHeap } from '../util/memory.js';
import type { VerifySummary } from './verify.js';
import type {
  AssembleRequest,
  BuildRequest,
  ConfigSource,
  ListRequest,
  OptionName,
  PlanRequest,
  PublishRequest,
  PushRequest,
  RegistryRequest,
  ShardRequest,
  SignRequest,
  SigningRequest,
  UpdateRequest,
  VerifyRequest,
} from './requests.js';

/** What the adapter lends a run: its environment and clock, where messages go, and how it gets an OIDC token. */
export interface Runtime {
  env: Record<string, string | undefined>;
  now: () => Date;
  /** How the user spells an option (for messages), as in the request's Edge. */
  name: (option: OptionName) => string;
  progress: (message: string) => void;
  warn: (message: string) => void;
  onPushEvent?: (event: PushEvent) => void;
  onSignEvent?: (event: SignEvent) => void;
  /** Keyless signing: the OIDC token (SIGSTORE_ID_TOKEN, or the GitHub runner's). */
  identityToken: () => Promise<string>;
}

export async function loadRequestConfig(source: ConfigSource, rt?: Pick<Runtime, 'name'>): Promise<Config> {
  const config = await loadConfig(source.file, { sourceOverrides: source.mirrors });
  return onlyDistros(config, source.distros, rt?.name('distros'));
}

async function configFor(
  req: { config: ConfigSource; images?: readonly string[]; archs?: readonly string[] },
  rt: Runtime,
): Promise<Config> {
  const config = await loadRequestConfig(req.config, rt);
  checkSelection(config, req, { images: rt.name('images'), archs: rt.name('archs') });
  return config;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

async function access(req: RegistryRequest, rt: Runtime) {
  const { loadKeychain } = await import('./registry-access.js');
  const keychain = await loadKeychain({
    env: rt.env,
    registry: req.registry,
    ...optional('username', req.username),
    ...optional('password', req.password),
  });
  return { keychain, ...(req.insecure ? { insecure: true } : {}) };
}

/**
 * `update`; with `markdown` (or `body`: the Action's pull-request mode) the PR body is wanted, so the changelog
 * and image-impact steps run as the request asks, and the body is written to `markdown`.
 */
export async function runUpdateRequest(
  req: UpdateRequest,
  rt: Runtime,
  opts: { body?: boolean } = {},
): Promise<UpdateResult> {
  // First, before loading anything grows V8's young generation (docs/architecture.md, "update in bounded memory").
  leanHeap();
  const [{ runUpdate }, { readKeyringFiles }] = await Promise.all([
    import('./update.js'),
    import('./keyring-files.js'),
  ]);
  const config = await configFor(req, rt);
  const body = req.markdown !== undefined || opts.body === true;
  const result = await runUpdate({
    config,
    lockDir: req.lockDir,
    cacheDir: req.cacheDir,
    now: rt.now(),
    check: req.check,
    ...(req.allowDowngrade ? { allowDowngrade: true } : {}),
    ...optional('archs', req.archs),
    ...(req.keyrings.files.length > 0
      ? { keyring: await readKeyringFiles(req.keyrings.files, rt.name('keyrings'), req.keyrings.cwd) }
      : {}),
    onProgress: rt.progress,
    changelogs: body && req.changelogs,
    impact: body && req.impact,
  });
  if (req.markdown !== undefined) {
    const [{ renderPrBody }, { writeFilesAtomically }] = await Promise.all([
      import('../update-pr/body.js'),
      import('../util/fs.js'),
    ]);
    const text = renderPrBody(result.distros.map((d) => d.diff));
    await writeFilesAtomically([{ path: req.markdown, content: text }]);
  }
  return result;
}

export async function runListRequest(req: ListRequest): Promise<ListResult> {
  const { listImage } = await import('./list.js');
  const config = await loadRequestConfig(req.config);
  return listImage(config, req.lockDir, req.image, req.arch);
}

export async function runBuildRequest(req: BuildRequest, rt: Runtime): Promise<BuildResult> {
  roomyHeap();
  const { runBuild } = await import('./build.js');
  const config = await configFor(req, rt);
  return runBuild({
    config,
    lockDir: req.lockDir,
    outDir: req.outDir,
    cacheDir: req.cacheDir,
    ...optional('epoch', req.epoch),
    ...optional('images', req.images),
    ...optional('archs', req.archs),
    ...optional('sbomDir', req.sbomDir),
    ...optional('compression', req.compression),
    ...optional('deflateWorkers', req.deflateWorkers),
    onProgress: rt.progress,
    onWarning: rt.warn,
  });
}

export async function runPushRequest(req: PushRequest, rt: Runtime): Promise<PushSummary> {
  const { runPush } = await import('./push.js');
  return runPush({
    layoutDir: req.layoutDir,
    registry: req.registry,
    ...(await access(req, rt)),
    ...optional('immutableTag', req.immutableTag),
    ...optional('onProgress', rt.onPushEvent),
  });
}

/** The signer's storages: a key (file or PEM) or keyless; `created` from the adapter's clock. */
export async function createRequestSigning(signing: SigningRequest, rt: Runtime): Promise<Signing> {
  const { createSigning } = await import('./signing.js');
  if (signing.keyless)
    return createSigning({
      format: signing.format,
      keyless: {
        getIdentityToken: rt.identityToken,
        fulcioURL: signing.keyless.fulcioUrl,
        rekorURL: signing.keyless.rekorUrl,
      },
      created: rt.now().toISOString(),
    });
  const key = signing.key ?? {};
  const pem = key.file === undefined ? (key.pem ?? '') : await readInputFile(key.file, rt.name('keyFile'));
  const source = key.file === undefined ? rt.name('keyPem') : `${rt.name('keyFile')} ${key.file}`;
  return createSigning({
    format: signing.format,
    key: { pem, source, ...optional('password', key.password) },
    created: rt.now().toISOString(),
  });
}

/** SBOM + provenance statements from the config and lockfiles (the GitHub run from the environment). */
async function attestFor(
  req: { lockDir: string; cacheDir: string; epoch?: number },
  config: Config,
  rt: Runtime,
): Promise<AttestFn> {
  const [{ createAttestFn }, { githubInvocation }] = await Promise.all([
    import('./signing.js'),
    import('../attest/provenance.js'),
  ]);
  return createAttestFn({
    config,
    lockDir: req.lockDir,
    cacheDir: req.cacheDir,
    ...optional('epoch', req.epoch),
    ...optional('invocation', githubInvocation(rt.env)),
  });
}

/** The sign step of publish and assemble: every image × variant of the config just pushed. */
async function releaseSignerFor(
  req: (PublishRequest | AssembleRequest) & { signing: SigningRequest },
  config: Config,
  rt: Runtime,
) {
  const { releaseSigner } = await import('./signing.js');
  const signing = await createRequestSigning(req.signing, rt);
  rt.progress(`signing with ${signing.identity} (${signing.format})`);
  const signer = releaseSigner({
    signing,
    attest: await attestFor(req, config, rt),
    registry: req.registry,
    config,
    ...(await access(req, rt)),
    ...optional('images', req.images),
    ...optional('tag', req.immutableTag),
    onProgress: rt.progress,
  });
  const signed: SignStatus[] = [];
  const sign = async (targets: Parameters<typeof signer>[0]): Promise<SignStatus[]> => {
    const statuses = await signer(targets);
    signed.push(...statuses);
    return statuses;
  };
  return { sign, signed };
}

export interface PublishOutcome {
  report: PublishReport;
  /** Undefined: published unsigned. */
  signed?: SignStatus[];
}

export async function runPublishRequest(req: PublishRequest, rt: Runtime): Promise<PublishOutcome> {
  roomyHeap();
  const { runPublish } = await import('./publish.js');
  const config = await configFor(req, rt);
  const signer = req.signing ? await releaseSignerFor({ ...req, signing: req.signing }, config, rt) : undefined;
  const report = await runPublish({
    config,
    lockDir: req.lockDir,
    outDir: req.outDir,
    cacheDir: req.cacheDir,
    registry: req.registry,
    ...(await access(req, rt)),
    ...optional('immutableTag', req.immutableTag),
    ...optional('epoch', req.epoch),
    ...optional('images', req.images),
    ...optional('archs', req.archs),
    ...optional('sbomDir', req.sbomDir),
    ...optional('sign', signer?.sign),
    onProgress: rt.progress,
    onWarning: rt.warn,
  });
  return { report, ...optional('signed', signer?.signed) };
}

export interface SignOutcome {
  summary: SignSummary;
  /** Each digest and whether it was signed now or already. */
  signed: SignStatus[];
  identity: string;
}

export async function runSignRequest(req: SignRequest, rt: Runtime): Promise<SignOutcome> {
  const [{ runSign }, { signStatuses }] = await Promise.all([import('./sign.js'), import('./signing.js')]);
  const needConfig = req.references.length === 0 || req.attestations;
  const config = needConfig ? await configFor(req, rt) : undefined;
  const signing = await createRequestSigning(req.signing, rt);
  const attest = req.attestations && config !== undefined ? await attestFor(req, config, rt) : undefined;
  const summary = await runSign({
    storages: signing.storages,
    ...(req.references.length > 0 ? { references: req.references } : {}),
    ...optional('registry', req.target),
    ...optional('config', config),
    ...optional('images', req.images),
    ...optional('tag', req.tag),
    ...optional('attest', attest),
    ...(await access(req, rt)),
    ...optional('onProgress', rt.onSignEvent),
  });
  return { summary, signed: signStatuses(summary, req.registry), identity: signing.identity };
}

export async function runVerifyRequest(req: VerifyRequest, rt: Runtime): Promise<VerifySummary> {
  const [{ runVerify }, { createBundleVerifier }, sign] = await Promise.all([
    import('./verify.js'),
    import('./signing.js'),
    import('../sign/index.js'),
  ]);
  const policy = req.policy;
  const trustedRoot =
    policy.trustedRoot === undefined
      ? undefined
      : parseJsonFile(await readInputFile(policy.trustedRoot, rt.name('trustedRoot')), policy.trustedRoot);
  const verifiers: SignatureVerifier[] = [];
  if (policy.kind === 'keyless') {
    const identity = 'regexp' in policy.identity ? new RegExp(policy.identity.regexp) : policy.identity.exact;
    verifiers.push(createBundleVerifier({ kind: 'keyless', trustedRoot, identity, issuer: policy.issuer }));
  } else {
    const pem = await readInputFile(policy.publicKey, rt.name('publicKey'));
    if (policy.format !== 'bundle')
      verifiers.push(sign.createLegacyVerifier(sign.loadPublicKey(pem, `${rt.name('publicKey')} ${policy.publicKey}`)));
    if (policy.format !== 'legacy')
      verifiers.push(createBundleVerifier({ kind: 'key', publicKeyPem: pem, ...optional('trustedRoot', trustedRoot) }));
  }
  return runVerify({
    references: req.references,
    verifiers,
    accept: policy.format === 'any' ? 'any' : 'all',
    predicateTypes: req.predicateTypes,
    ...(await access(req, rt)),
  });
}

export async function runPlanRequest(req: PlanRequest, rt: Runtime): Promise<ShardPlan> {
  const { planShards } = await import('./plan.js');
  const config = await configFor(req, rt);
  return planShards(config, req.lockDir, {
    ...optional('images', req.images),
    ...optional('archs', req.archs),
    onWarning: rt.warn,
  });
}

export async function runShardRequest(req: ShardRequest, rt: Runtime): Promise<ShardRun> {
  roomyHeap();
  const [{ runShard }, { writeFilesAtomically }] = await Promise.all([import('./shard.js'), import('../util/fs.js')]);
  const config = await configFor(req, rt);
  const run = await runShard({
    config,
    lockDir: req.lockDir,
    shard: req.shard,
    registry: req.registry,
    outDir: req.outDir,
    cacheDir: req.cacheDir,
    ...(await access(req, rt)),
    ...optional('epoch', req.epoch),
    onProgress: rt.progress,
    onWarning: rt.warn,
  });
  if (req.resultFile !== undefined) {
    await mkdir(dirname(req.resultFile), { recursive: true });
    await writeFilesAtomically([{ path: req.resultFile, content: `${JSON.stringify(run.result, null, 2)}\n` }]);
  }
  return run;
}

export interface AssembleOutcome {
  assembled: AssembleResult;
  shards: number;
  /** Undefined: assembled unsigned. */
  signed?: SignStatus[];
}

export async function runAssembleRequest(req: AssembleRequest, rt: Runtime): Promise<AssembleOutcome> {
  const [{ runAssemble }, { readShardResults }] = await Promise.all([
    import('./assemble.js'),
    import('./shard-result.js'),
  ]);
  const config = await configFor(req, rt);
  const results = await readShardResults(req.results);
  const assembled = await runAssemble({
    config,
    lockDir: req.lockDir,
    registry: req.registry,
    results,
    ...(await access(req, rt)),
    ...optional('images', req.images),
    ...optional('archs', req.archs),
    ...optional('immutableTag', req.immutableTag),
    ...optional('onProgress', rt.onPushEvent),
  });
  if (!req.signing) return { assembled, shards: results.length };
  const { sign } = await releaseSignerFor({ ...req, signing: req.signing }, config, rt);
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
  return { assembled, shards: results.length, signed: await sign(targets) };
}

async function readInputFile(file: string, option: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new DistrolessError(
      'USAGE',
      `${option} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      { cause: e },
    );
  }
}

function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new DistrolessError('USAGE', `${file}: not JSON (${(e as Error).message})`, { cause: e });
  }
}
