import * as core from '@actions/core';
import { resolve } from 'node:path';
import { DEFAULT_BRANCH } from '../update-pr/index.js';
import { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL } from '../sigstore/types.js';

export const COMMANDS = ['update', 'publish', 'build', 'push', 'sign', 'verify', 'plan', 'shard', 'assemble'] as const;
export type Command = (typeof COMMANDS)[number];
export const SIGNING_MODES = ['none', 'key', 'keyless'] as const;
export type SigningMode = (typeof SIGNING_MODES)[number];
export const SIGNATURE_FORMATS = ['legacy', 'bundle', 'both'] as const;
export type SignatureFormat = (typeof SIGNATURE_FORMATS)[number];

/** The Action's inputs, read once into one typed object; the commands run on these plain values. */
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
  /** build: layer compression; '' = the config's (else gzip). */
  compression: '' | 'gzip' | 'zstd';
  signing: SigningMode;
  signingKey: string;
  signingKeyPassword: string;
  /** '' = the default for the signer (both with a key, bundle keyless). */
  signatureFormat: SignatureFormat | '';
  fulcioUrl: string;
  rekorUrl: string;
  certificateIdentity: string;
  certificateOidcIssuer: string;
  publicKey: string;
  trustedRoot: string;
  references: string[];
  shard: string;
  shardResults: string;
  summary: boolean;
  env: NodeJS.ProcessEnv;
}

/** A boolean input; unset ('' — the runner fills action.yml defaults, a local run may not) gives `fallback`. */
function booleanInput(name: string, fallback: boolean): boolean {
  return core.getInput(name) === '' ? fallback : core.getBooleanInput(name);
}

function choice<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = core.getInput(name) || fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`input "${name}": unsupported value "${value}" (supported: ${allowed.join(', ')})`);
  return value as T;
}

export function list(value: string): string[] {
  return value
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function readInputs(env: NodeJS.ProcessEnv = process.env): ActionInputs {
  return {
    command: choice('command', COMMANDS, 'update'),
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
    compression: core.getInput('compression') === '' ? '' : choice('compression', ['gzip', 'zstd'] as const, 'gzip'),
    signing: choice('signing', SIGNING_MODES, 'none'),
    signingKey: core.getInput('signing-key'),
    signingKeyPassword: core.getInput('signing-key-password'),
    signatureFormat:
      core.getInput('signature-format') === '' ? '' : choice('signature-format', SIGNATURE_FORMATS, 'both'),
    fulcioUrl: core.getInput('fulcio-url') || DEFAULT_FULCIO_URL,
    rekorUrl: core.getInput('rekor-url') || DEFAULT_REKOR_URL,
    certificateIdentity: core.getInput('certificate-identity'),
    certificateOidcIssuer: core.getInput('certificate-oidc-issuer') || 'https://token.actions.githubusercontent.com',
    publicKey: core.getInput('public-key'),
    trustedRoot: core.getInput('trusted-root'),
    references: list(core.getInput('references')),
    shard: core.getInput('shard'),
    shardResults: core.getInput('shard-results'),
    summary: booleanInput('summary', true),
    env,
  };
}
