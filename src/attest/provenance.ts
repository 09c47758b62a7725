/**
 * SLSA provenance v1 predicates (https://slsa.dev/spec/v1.0/provenance) for our images and indexes.
 *
 * The build is a function of the config, the lockfiles and the pinned .debs (plus the build epoch), so those
 * are the resolved dependencies; external parameters say which image, variant and arch were asked for. On
 * GitHub Actions the workflow run is the invocation, and the calling repository at its commit a dependency.
 * Invocation facts come in as plain values: this module reads no environment.
 */
import { VERSION } from '../version.js';
import { TOOL_NAME, TOOL_URI } from './statement.js';

export const BUILD_TYPE = `${TOOL_URI}/buildtypes/debian-image/v1`;
export const BUILDER_ID = TOOL_URI;

/** The GitHub Actions run that built the image (gathered from GITHUB_* at the edge). */
export interface GitHubInvocation {
  /** GITHUB_SERVER_URL, e.g. https://github.com */
  serverUrl: string;
  /** GITHUB_REPOSITORY, `owner/name` */
  repository: string;
  /** GITHUB_RUN_ID */
  runId: string;
  /** GITHUB_RUN_ATTEMPT */
  runAttempt?: string;
  /** GITHUB_WORKFLOW_REF, `owner/name/.github/workflows/build.yml@refs/heads/main` */
  workflowRef?: string;
  /** GITHUB_SHA: the commit the workflow ran on. */
  sha?: string;
}

/**
 * The invocation from an environment-like map (pass `process.env` at the edge); undefined unless the
 * run id, repository and server URL are all set.
 */
export function githubInvocation(env: Readonly<Record<string, string | undefined>>): GitHubInvocation | undefined {
  const { GITHUB_SERVER_URL: serverUrl, GITHUB_REPOSITORY: repository, GITHUB_RUN_ID: runId } = env;
  if (!serverUrl || !repository || !runId) return undefined;
  return {
    serverUrl: serverUrl.replace(/\/+$/, ''),
    repository,
    runId,
    ...(env.GITHUB_RUN_ATTEMPT ? { runAttempt: env.GITHUB_RUN_ATTEMPT } : {}),
    ...(env.GITHUB_WORKFLOW_REF ? { workflowRef: env.GITHUB_WORKFLOW_REF } : {}),
    ...(env.GITHUB_SHA ? { sha: env.GITHUB_SHA } : {}),
  };
}

/** `<server>/<repo>/actions/runs/<id>[/attempts/<n>]` */
export function invocationId(inv: GitHubInvocation): string {
  return `${inv.serverUrl}/${inv.repository}/actions/runs/${inv.runId}${inv.runAttempt ? `/attempts/${inv.runAttempt}` : ''}`;
}

export interface ResourceDescriptor {
  uri: string;
  digest: Record<string, string>;
  name?: string;
  annotations?: Record<string, string>;
}

export interface SlsaProvenance {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    internalParameters: Record<string, unknown>;
    resolvedDependencies: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string; version: Record<string, string> };
    metadata: { invocationId?: string; startedOn?: string; finishedOn?: string };
  };
}

export interface ProvenanceInput {
  /** Config path relative to the repository root, as given to the tool. */
  configPath: string;
  image: string;
  distro: string;
  variant: string;
  /** Debian arch, or `index` for a multi-arch index. */
  arch: string;
  /** For an index: the Debian archs it holds. */
  archs?: readonly string[];
  epoch: number;
  /** Per locked source of the distro: suite, snapshot id and Release date (internal: fixed by the lock). */
  snapshots: ReadonlyArray<{ suite: string; snapshot: string; date: string }>;
  /** Lockfiles (repo paths and sha256 of their bytes), the config file, then every .deb of the subject. */
  lockfiles: ReadonlyArray<{ path: string; sha256: string }>;
  config: { path: string; sha256: string; configDigest: string };
  debs: ReadonlyArray<{ name: string; arch: string; version: string; url: string; sha256: string }>;
  invocation?: GitHubInvocation;
  startedOn?: Date;
  finishedOn?: Date;
}

export function slsaProvenance(input: ProvenanceInput): SlsaProvenance {
  const inv = input.invocation;
  const externalParameters: Record<string, unknown> = {
    config: input.configPath,
    image: input.image,
    distro: input.distro,
    variant: input.variant,
    arch: input.arch,
    ...(input.archs ? { archs: [...input.archs] } : {}),
    ...(inv?.workflowRef ? { workflow: workflowParameters(inv) } : {}),
  };
  const metadata: SlsaProvenance['runDetails']['metadata'] = {
    ...(inv ? { invocationId: invocationId(inv) } : {}),
    ...(input.startedOn ? { startedOn: input.startedOn.toISOString() } : {}),
    ...(input.finishedOn ? { finishedOn: input.finishedOn.toISOString() } : {}),
  };
  return {
    buildDefinition: {
      buildType: BUILD_TYPE,
      externalParameters,
      internalParameters: { buildEpoch: input.epoch, snapshots: input.snapshots.map((s) => ({ ...s })) },
      resolvedDependencies: resolvedDependencies(input),
    },
    runDetails: { builder: { id: BUILDER_ID, version: { [TOOL_NAME]: VERSION } }, metadata },
  };
}

/** `owner/repo/.github/workflows/f.yml@refs/heads/main` → its repository, path and ref (as GitHub's own build type). */
function workflowParameters(inv: GitHubInvocation): { ref: string; repository: string; path: string } {
  const ref = inv.workflowRef ?? '';
  const at = ref.lastIndexOf('@');
  const full = at === -1 ? ref : ref.slice(0, at);
  const path = full.startsWith(`${inv.repository}/`) ? full.slice(inv.repository.length + 1) : full;
  return { ref: at === -1 ? '' : ref.slice(at + 1), repository: `${inv.serverUrl}/${inv.repository}`, path };
}

function resolvedDependencies(input: ProvenanceInput): ResourceDescriptor[] {
  const out: ResourceDescriptor[] = [];
  const inv = input.invocation;
  if (inv?.sha) {
    const ref = inv.workflowRef?.includes('@') ? `@${inv.workflowRef.slice(inv.workflowRef.lastIndexOf('@') + 1)}` : '';
    out.push({ uri: `git+${inv.serverUrl}/${inv.repository}${ref}`, digest: { gitCommit: inv.sha } });
  }
  for (const l of input.lockfiles) out.push({ uri: l.path, digest: { sha256: l.sha256 } });
  out.push({
    uri: input.config.path,
    digest: { sha256: input.config.sha256 },
    annotations: { configDigest: input.config.configDigest },
  });
  for (const d of input.debs) {
    out.push({
      uri: d.url,
      digest: { sha256: d.sha256 },
      name: d.name,
      annotations: { arch: d.arch, version: d.version },
    });
  }
  return out;
}
