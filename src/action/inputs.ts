/**
 * The Action's INPUT_* variables → (command, RawOptions), as the runner sets them from action.yml. What was typed
 * is handed over unchanged ('' = not given); defaults and checks are the request builders' (src/app/requests.ts).
 */
import { resolve } from 'node:path';
import {
  COMMANDS,
  makeRequest,
  type CommandName,
  type Edge,
  type OptionName,
  type RawOptions,
} from '../app/requests.js';
import { DEFAULT_BRANCH } from '../update-pr/index.js';
import { DistrolessError } from '../errors.js';

/** Commands the Action runs (`list` is for people at a terminal). */
export const ACTION_COMMANDS = COMMANDS.filter((c) => c !== 'list');

/** The action.yml input each option is read from. */
export const ACTION_INPUTS: Readonly<Record<OptionName, string>> = {
  config: 'config',
  lockfiles: 'lockfiles',
  mirrors: 'mirrors',
  distros: 'distros',
  keyrings: 'keyring',
  cacheDir: 'cache-dir',
  output: 'output',
  images: 'images',
  archs: 'archs',
  check: 'check',
  allowDowngrade: 'allow-downgrade',
  sbom: 'sbom',
  sbomDir: 'sbom-dir',
  compression: 'compression',
  deflateWorkers: 'deflate-workers',
  registry: 'registry',
  username: 'registry-username',
  password: 'registry-password',
  insecure: 'insecure',
  immutableTag: 'immutable-tag',
  signing: 'signing',
  keyFile: 'signing-key',
  keyPem: 'signing-key',
  keyPassword: 'signing-key-password',
  fulcioUrl: 'fulcio-url',
  rekorUrl: 'rekor-url',
  signatureFormat: 'signature-format',
  references: 'references',
  tag: 'immutable-tag',
  attestations: 'attestations',
  publicKey: 'public-key',
  certificateIdentity: 'certificate-identity',
  certificateIdentityRegexp: 'certificate-identity-regexp',
  certificateOidcIssuer: 'certificate-oidc-issuer',
  trustedRoot: 'trusted-root',
  types: 'types',
  shard: 'shard',
  result: 'shard-results',
  resultDir: 'shard-results',
  results: 'shard-results',
  markdown: 'markdown',
  changelogs: 'changelogs',
  impact: 'impact',
};

/** What only the Action does: the update pull request and the job summary. */
export interface ActionExtras {
  pullRequest: boolean;
  githubToken: string;
  baseBranch: string;
  branch: string;
  labels: string[];
  repository: string;
  apiUrl: string;
  workspace: string;
  summary: boolean;
  /** Values the runner must mask. */
  secrets: string[];
}

export interface ActionInvocation {
  command: Exclude<CommandName, 'list'>;
  raw: RawOptions;
  extras: ActionExtras;
}

/** An input as the runner passes it: INPUT_<NAME>, trimmed (as @actions/core reads it). */
export function input(env: NodeJS.ProcessEnv, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

function given(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = input(env, name);
  return value === '' ? undefined : value;
}

/** A boolean input (YAML 1.2 core schema); unset ('' — a local run may not fill action.yml defaults) gives undefined. */
function booleanInput(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = input(env, name);
  if (value === '') return undefined;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  if (['false', 'False', 'FALSE'].includes(value)) return false;
  throw new DistrolessError('USAGE', `input "${name}": expected true or false, got "${value}"`);
}

export function actionEdge(env: NodeJS.ProcessEnv, cwd: string): Edge {
  return {
    cwd,
    env,
    name: (o) => `input "${ACTION_INPUTS[o]}"`,
    defaultCacheDir: resolve(cwd, env.RUNNER_TEMP ?? '.', 'distroless-action-cache'),
  };
}

export function readInvocation(env: NodeJS.ProcessEnv): ActionInvocation {
  const command = given(env, 'command') ?? 'update';
  if (!(ACTION_COMMANDS as readonly string[]).includes(command))
    throw new DistrolessError(
      'USAGE',
      `input "command": unsupported value "${command}" (supported: ${ACTION_COMMANDS.join(', ')})`,
    );
  const one = (name: string): string[] | undefined => {
    const v = given(env, name);
    return v === undefined ? undefined : [v];
  };
  const raw: RawOptions = {
    config: given(env, 'config'),
    lockfiles: given(env, 'lockfiles'),
    mirrors: one('mirrors'),
    distros: one('distros'),
    keyrings: one('keyring'),
    cacheDir: given(env, 'cache-dir'),
    output: given(env, 'output'),
    images: one('images'),
    archs: one('archs'),
    check: booleanInput(env, 'check'),
    allowDowngrade: booleanInput(env, 'allow-downgrade'),
    registry: given(env, 'registry'),
    username: given(env, 'registry-username'),
    password: given(env, 'registry-password'),
    immutableTag: given(env, 'immutable-tag'),
    compression: given(env, 'compression'),
    deflateWorkers: given(env, 'deflate-workers'),
    tag: given(env, 'immutable-tag'),
    signing: given(env, 'signing'),
    keyPem: given(env, 'signing-key'),
    keyPassword: given(env, 'signing-key-password'),
    fulcioUrl: given(env, 'fulcio-url'),
    rekorUrl: given(env, 'rekor-url'),
    signatureFormat: given(env, 'signature-format'),
    references: one('references'),
    publicKey: given(env, 'public-key'),
    certificateIdentity: given(env, 'certificate-identity'),
    certificateOidcIssuer: given(env, 'certificate-oidc-issuer'),
    trustedRoot: given(env, 'trusted-root'),
    shard: given(env, 'shard'),
    markdown: given(env, 'markdown'),
    changelogs: booleanInput(env, 'changelogs'),
    impact: booleanInput(env, 'impact'),
    // shard writes its result into the `shard-results` directory; assemble reads every result from it.
    ...(command === 'shard' ? { resultDir: given(env, 'shard-results') ?? 'shard-results' } : {}),
    ...(command === 'assemble' ? { results: one('shard-results') } : {}),
  };
  const signingKey = input(env, 'signing-key');
  const extras: ActionExtras = {
    pullRequest: booleanInput(env, 'pull-request') ?? false,
    githubToken: input(env, 'github-token'),
    baseBranch: given(env, 'base-branch') ?? (env.GITHUB_REF_NAME || 'main'),
    branch: given(env, 'branch') ?? DEFAULT_BRANCH,
    labels: (given(env, 'labels') ?? '').split(/[,\s]+/).filter(Boolean),
    repository: env.GITHUB_REPOSITORY ?? '',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    summary: booleanInput(env, 'summary') ?? true,
    // A PEM key spans lines, and the runner masks what it is given line by line: register each line too.
    secrets: [
      input(env, 'github-token'),
      input(env, 'registry-password'),
      signingKey,
      input(env, 'signing-key-password'),
      ...signingKey.split('\n').filter((l) => l.trim().length > 8 && !l.startsWith('-----')),
    ].filter(Boolean),
  };
  return {
    command: command as ActionInvocation['command'],
    raw: Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as RawOptions,
    extras,
  };
}

/** INPUT_* → the command's request (what the parity test compares with the CLI's). */
export function actionRequest(env: NodeJS.ProcessEnv, cwd: string) {
  const inv = readInvocation(env);
  return { ...inv, request: makeRequest(inv.command, inv.raw, actionEdge(env, cwd)) };
}
