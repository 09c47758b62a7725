/**
 * One typed request per command. The CLI (from argv) and the Action (from INPUT_*) each turn what the user
 * typed into RawOptions and call the builder here: every default and every check of a value the user gave
 * lives here once, so both adapters make the same request from the same input. A request is plain data
 * (paths absolute, lists split, SOURCE_DATE_EPOCH parsed, signature formats chosen); src/app/requests-run.ts
 * runs it (docs/architecture.md).
 *
 * Adding an option: a field in RawOptions (the compiler then asks for its name in CLI_NAMES, src/cli/program.ts,
 * and ACTION_INPUTS, src/action/inputs.ts); its default and checks in the command's builder below, its value in
 * the request type; the flag in src/cli/program.ts (`toRaw`) and the input in src/action/inputs.ts and action.yml;
 * a case in test/unit/requests.test.ts. Nothing else decides its value.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { parseMirrorOverrides } from '../config/index.js';
import { DistrolessError } from '../errors.js';
// The leaf module, not the barrel: the barrel's registry code would load undici on every command's start.
import { DEFAULT_PREDICATE_TYPES, type SignatureFormat } from '../sign/types.js';
import { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL } from '../sigstore/types.js';

export const COMMANDS = [
  'update',
  'list',
  'publish',
  'build',
  'push',
  'sign',
  'verify',
  'plan',
  'shard',
  'assemble',
] as const;
export type CommandName = (typeof COMMANDS)[number];

export const SIGNING_MODES = ['none', 'key', 'keyless'] as const;
export type SigningMode = (typeof SIGNING_MODES)[number];
export const SIGNATURE_FORMATS = ['legacy', 'bundle', 'both'] as const;
/** verify only: `any` accepts a digest when the checks of one format (legacy or bundle) all pass. */
export const VERIFY_FORMATS = ['any', ...SIGNATURE_FORMATS] as const;
export type VerifyFormat = (typeof VERIFY_FORMATS)[number];

/** The defaults both adapters show (CLI help, action.yml) and the builders apply. */
export const DEFAULTS = {
  config: 'distroless.yaml',
  lockfiles: 'lockfiles',
  output: 'out/oci',
  listArch: 'amd64',
  certificateOidcIssuer: 'https://token.actions.githubusercontent.com',
  types: 'spdxjson,slsaprovenance1',
  fulcioUrl: DEFAULT_FULCIO_URL,
  rekorUrl: DEFAULT_REKOR_URL,
} as const;

/**
 * What an adapter read, as the user typed it; undefined = not given. Lists hold what was typed (each item may
 * itself be comma or whitespace separated: `--image a,b` or an input "a, b").
 */
export interface RawOptions {
  config?: string;
  lockfiles?: string;
  /** ORIG=NEW entries, each possibly several comma-separated. */
  mirrors?: string[];
  /** Only these distros of the config (the others' images and lockfiles are left alone). */
  distros?: string[];
  keyrings?: string[];
  cacheDir?: string;
  output?: string;
  images?: string[];
  archs?: string[];
  check?: boolean;
  allowDowngrade?: boolean;
  sbom?: boolean;
  sbomDir?: string;
  /** Layer compression: gzip or zstd. */
  compression?: string;
  /** Threads deflating big gzip layers (a whole number). */
  deflateWorkers?: string;
  registry?: string;
  username?: string;
  password?: string;
  insecure?: boolean;
  immutableTag?: string;
  signing?: string;
  keyFile?: string;
  keyPem?: string;
  keyPassword?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  signatureFormat?: string;
  references?: string[];
  tag?: string;
  attestations?: boolean;
  publicKey?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  trustedRoot?: string;
  types?: string;
  shard?: string;
  /** shard: the result file. */
  result?: string;
  /** shard: the directory the result file `<shard>.json` goes to. */
  resultDir?: string;
  /** assemble: shard result files or directories of them. */
  results?: string[];
  /** update: write the PR body to this file. */
  markdown?: string;
  /** update: read changelogs for the PR body (default true). */
  changelogs?: boolean;
  /** update: build the previous and the new lock for the image impact (default false). */
  impact?: boolean;
}
export type OptionName = keyof RawOptions;

/** Where a request is made: the working directory, the environment, and how the user spells each option there. */
export interface Edge {
  cwd: string;
  env: Record<string, string | undefined>;
  /** `--key` or `input "signing-key"`: for messages. */
  name: (option: OptionName) => string;
  /** The cache directory when none is given (the CLI's is per user, the Action's per job). */
  defaultCacheDir: string;
}

export interface ConfigSource {
  file: string;
  /** Source URL replacements (mirrors). */
  mirrors: Record<string, string>;
  /** The distros to keep (onlyDistros, src/config); undefined = all of them. */
  distros?: string[];
}

interface Workspace {
  config: ConfigSource;
  lockDir: string;
  cacheDir: string;
}

interface Selection {
  images?: string[];
  archs?: string[];
}

export interface RegistryRequest {
  /** HOST[/PREFIX] for push-like commands; the credentials' host for sign/verify. */
  registry: string;
  /** Plain http: asked for, or a registry on this machine. */
  insecure: boolean;
  username?: string;
  password?: string;
}

export interface SigningRequest {
  format: SignatureFormat;
  /** A key from a file or the PEM itself; `password` for an encrypted cosign.key. */
  key?: { file?: string; pem?: string; password?: string };
  keyless?: { fulcioUrl: string; rekorUrl: string };
}

export type VerifyPolicyRequest =
  | { kind: 'key'; publicKey: string; trustedRoot?: string; format: VerifyFormat }
  | {
      kind: 'keyless';
      identity: { exact: string } | { regexp: string };
      issuer: string;
      trustedRoot: string;
      format: 'bundle';
    };

export interface UpdateRequest extends Workspace {
  check: boolean;
  /** Accept a signed Release older than the lock's (a rollback); refused by default. */
  allowDowngrade: boolean;
  archs?: string[];
  /** Armored OpenPGP key files as given (quoted so in messages), relative to `cwd`. */
  keyrings: { cwd: string; files: string[] };
  /** Write the PR body here (absolute). */
  markdown?: string;
  /** When a PR body is made: the changelog entries of each changed source package (read from its new .debs). */
  changelogs: boolean;
  /** When a PR body is made: build the previous and the new lock, for each image's digest and size change. */
  impact: boolean;
}
export interface ListRequest {
  config: ConfigSource;
  lockDir: string;
  image: string;
  arch: string;
}
export interface BuildRequest extends Workspace, Selection {
  outDir: string;
  epoch?: number;
  /** false: no SBOM files; undefined: beside the layout. */
  sbomDir?: string | false;
  /** Default: the config's, else gzip. */
  compression?: 'gzip' | 'zstd';
  deflateWorkers?: number;
}
export interface PushRequest extends RegistryRequest {
  layoutDir: string;
  immutableTag?: string;
}
export interface PublishRequest extends BuildRequest, RegistryRequest {
  immutableTag?: string;
  /** Undefined: publish unsigned. */
  signing?: SigningRequest;
}
export interface SignRequest extends Workspace, RegistryRequest {
  /** Explicit references; [] signs every image × variant of the config under `registry`. */
  references: string[];
  /** Given: every image of the config under this HOST/PREFIX. */
  target?: string;
  images?: string[];
  tag?: string;
  attestations: boolean;
  epoch?: number;
  signing: SigningRequest;
}
export interface VerifyRequest extends RegistryRequest {
  references: string[];
  policy: VerifyPolicyRequest;
  predicateTypes: string[];
}
export interface PlanRequest extends Selection {
  config: ConfigSource;
  lockDir: string;
}
export interface ShardRequest extends Workspace, RegistryRequest {
  shard: string;
  outDir: string;
  epoch?: number;
  resultFile?: string;
}
export interface AssembleRequest extends Workspace, RegistryRequest, Selection {
  results: string[];
  immutableTag?: string;
  epoch?: number;
  signing?: SigningRequest;
}

export interface Requests {
  update: UpdateRequest;
  list: ListRequest;
  build: BuildRequest;
  push: PushRequest;
  sign: SignRequest;
  verify: VerifyRequest;
  publish: PublishRequest;
  plan: PlanRequest;
  shard: ShardRequest;
  assemble: AssembleRequest;
}

/** The request for `command` from what an adapter read. */
export function makeRequest<C extends CommandName>(command: C, raw: RawOptions, edge: Edge): Requests[C] {
  return BUILDERS[command](raw, edge) as Requests[C];
}

const BUILDERS: { [C in CommandName]: (raw: RawOptions, edge: Edge) => Requests[C] } = {
  update: (raw, edge) => ({
    ...workspace(raw, edge),
    check: raw.check ?? false,
    allowDowngrade: raw.allowDowngrade ?? false,
    ...optional('archs', list(raw, 'archs', edge)),
    keyrings: { cwd: edge.cwd, files: list(raw, 'keyrings', edge) ?? [] },
    ...optional('markdown', raw.markdown === undefined ? undefined : path(edge, raw.markdown)),
    changelogs: raw.changelogs ?? true,
    impact: raw.impact ?? false,
  }),
  list: (raw, edge) => ({
    config: configSource(raw, edge),
    lockDir: path(edge, raw.lockfiles ?? DEFAULTS.lockfiles),
    image: required(raw.images?.join(',').trim(), 'images', edge),
    arch: raw.archs?.join(',').trim() || DEFAULTS.listArch,
  }),
  build: (raw, edge) => buildRequest(raw, edge),
  push: (raw, edge) => ({
    ...registryRequest(raw, edge),
    layoutDir: path(edge, raw.output ?? DEFAULTS.output),
    ...optional('immutableTag', raw.immutableTag),
  }),
  publish: (raw, edge) => ({
    ...buildRequest(raw, edge),
    ...registryRequest(raw, edge),
    ...optional('immutableTag', raw.immutableTag),
    ...optional('signing', signingRequest(raw, edge, false)),
  }),
  sign: (raw, edge) => {
    const references = list(raw, 'references', edge) ?? [];
    const target = raw.registry;
    if (references.length === 0 && target === undefined)
      throw new DistrolessError(
        'USAGE',
        `sign: give image references (${edge.name('references')}), or ${edge.name('registry')} to sign every image of the config pushed there`,
      );
    return {
      ...workspace(raw, edge),
      ...registryRequest({ ...raw, registry: target ?? references[0] }, edge),
      references,
      ...optional('target', target),
      ...optional('images', list(raw, 'images', edge)),
      ...optional('tag', raw.tag),
      attestations: raw.attestations ?? true,
      ...optional('epoch', sourceDateEpoch(edge)),
      signing: signingRequest(raw, edge, true) as SigningRequest,
    };
  },
  verify: (raw, edge) => {
    const references = list(raw, 'references', edge) ?? [];
    if (references.length === 0)
      throw new DistrolessError('USAGE', `verify: ${edge.name('references')} is empty: give the images to check`);
    return {
      ...registryRequest({ ...raw, registry: raw.registry ?? references[0] }, edge),
      references,
      policy: verifyPolicy(raw, edge),
      predicateTypes: parsePredicateTypes(raw.types ?? DEFAULTS.types, edge.name('types')),
    };
  },
  plan: (raw, edge) => ({
    config: configSource(raw, edge),
    lockDir: path(edge, raw.lockfiles ?? DEFAULTS.lockfiles),
    ...selection(raw, edge),
  }),
  shard: (raw, edge) => {
    const shard = required(raw.shard, 'shard', edge, 'give the shard id from the plan matrix (matrix.id)');
    const resultFile =
      raw.result !== undefined
        ? path(edge, raw.result)
        : raw.resultDir !== undefined
          ? join(path(edge, raw.resultDir), `${shard}.json`)
          : undefined;
    return {
      ...workspace(raw, edge),
      ...registryRequest(raw, edge),
      shard,
      outDir: path(edge, raw.output ?? DEFAULTS.output),
      ...optional('epoch', sourceDateEpoch(edge)),
      ...optional('resultFile', resultFile),
    };
  },
  assemble: (raw, edge) => {
    const results = list(raw, 'results', edge) ?? [];
    if (results.length === 0)
      throw new DistrolessError(
        'USAGE',
        `${edge.name('results')} is empty: give the shard result files or the directory they were downloaded to`,
      );
    return {
      ...workspace(raw, edge),
      ...registryRequest(raw, edge),
      ...selection(raw, edge),
      results: results.map((r) => path(edge, r)),
      ...optional('immutableTag', raw.immutableTag),
      ...optional('epoch', sourceDateEpoch(edge)),
      ...optional('signing', signingRequest(raw, edge, false)),
    };
  },
};

function buildRequest(raw: RawOptions, edge: Edge): BuildRequest {
  const sbomDir = raw.sbom === false ? false : raw.sbomDir === undefined ? undefined : path(edge, raw.sbomDir);
  return {
    ...workspace(raw, edge),
    ...selection(raw, edge),
    outDir: path(edge, raw.output ?? DEFAULTS.output),
    ...optional('epoch', sourceDateEpoch(edge)),
    ...optional('sbomDir', sbomDir),
    ...optional(
      'compression',
      raw.compression === undefined
        ? undefined
        : choice(raw.compression, ['gzip', 'zstd'] as const, 'compression', edge),
    ),
    ...optional(
      'deflateWorkers',
      raw.deflateWorkers === undefined ? undefined : wholeNumber(raw.deflateWorkers, 'deflateWorkers', edge),
    ),
  };
}

function wholeNumber(value: string, option: OptionName, edge: Edge): number {
  if (!/^[1-9]\d{0,2}$/.test(value.trim()))
    throw new DistrolessError('USAGE', `${edge.name(option)}: expected a whole number from 1 to 999, got "${value}"`);
  return Number(value);
}

function workspace(raw: RawOptions, edge: Edge): Workspace {
  return {
    config: configSource(raw, edge),
    lockDir: path(edge, raw.lockfiles ?? DEFAULTS.lockfiles),
    cacheDir: path(edge, raw.cacheDir ?? edge.defaultCacheDir),
  };
}

function configSource(raw: RawOptions, edge: Edge): ConfigSource {
  const mirrors: Record<string, string> = {};
  for (const entry of raw.mirrors ?? []) Object.assign(mirrors, parseMirrorOverrides(entry, edge.name('mirrors')));
  return {
    file: path(edge, raw.config ?? DEFAULTS.config),
    mirrors,
    ...optional('distros', list(raw, 'distros', edge)),
  };
}

function selection(raw: RawOptions, edge: Edge): Selection {
  return { ...optional('images', list(raw, 'images', edge)), ...optional('archs', list(raw, 'archs', edge)) };
}

function registryRequest(raw: RawOptions, edge: Edge): RegistryRequest {
  const registry = required(raw.registry, 'registry', edge, 'give HOST/PREFIX, e.g. ghcr.io/acme');
  const host = registry.split('/')[0] ?? registry;
  return {
    registry,
    insecure: raw.insecure === true || isLoopback(host),
    ...optional('username', raw.username),
    ...optional('password', raw.password),
  };
}

/** Plain http for a registry on this machine (as docker does), or when asked for. */
export function isLoopback(host: string): boolean {
  return /^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$/.test(host);
}

/**
 * The signing of sign, publish and assemble: `signing` (none, key, keyless) or, when not given, a key if one was
 * given. Default format: `both` with a key (cosign 2.x reads the legacy tags, cosign 3 the bundles), `bundle`
 * keyless (src/app/signing.ts).
 */
function signingRequest(raw: RawOptions, edge: Edge, needed: boolean): SigningRequest | undefined {
  const keyGiven = raw.keyFile !== undefined || (raw.keyPem ?? '').trim() !== '';
  const mode = choice(raw.signing ?? (keyGiven ? 'key' : 'none'), SIGNING_MODES, 'signing', edge);
  if (mode === 'none') {
    if (!needed) return undefined;
    throw new DistrolessError(
      'USAGE',
      `sign: no signing key: give ${edge.name('keyFile')} or ${edge.name('keyPem')}, or keyless signing (${edge.name('signing')})`,
    );
  }
  const format = choice(
    raw.signatureFormat ?? (mode === 'keyless' ? 'bundle' : 'both'),
    SIGNATURE_FORMATS,
    'signatureFormat',
    edge,
  );
  if (mode === 'keyless') {
    if (format !== 'bundle')
      throw new DistrolessError(
        'USAGE',
        `${edge.name('signatureFormat')} ${format}: keyless signatures are stored as Sigstore bundles only; use "bundle"`,
      );
    const env = edge.env;
    if (!env.SIGSTORE_ID_TOKEN && !(env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN))
      throw new DistrolessError(
        'USAGE',
        'keyless signing needs an OIDC token: set SIGSTORE_ID_TOKEN, or on GitHub Actions give the job "permissions: id-token: write"',
      );
    return {
      format,
      keyless: { fulcioUrl: raw.fulcioUrl ?? DEFAULTS.fulcioUrl, rekorUrl: raw.rekorUrl ?? DEFAULTS.rekorUrl },
    };
  }
  if (!keyGiven)
    throw new DistrolessError(
      'USAGE',
      `signing "key": no key: give ${edge.name('keyFile')} or the PEM private key in ${edge.name('keyPem')}`,
    );
  const key =
    raw.keyFile !== undefined
      ? { file: path(edge, raw.keyFile) }
      : { pem: raw.keyPem ?? '' /* keyGiven: one of the two is there */ };
  return { format, key: { ...key, ...optional('password', raw.keyPassword) } };
}

/**
 * Which signatures verify accepts: a public key (by default a valid signature in whichever format is present,
 * legacy or bundle), or keyless (bundles, with the expected identity and issuer and a trusted root).
 */
function verifyPolicy(raw: RawOptions, edge: Edge): VerifyPolicyRequest {
  const identity =
    raw.certificateIdentityRegexp !== undefined
      ? { regexp: raw.certificateIdentityRegexp }
      : raw.certificateIdentity !== undefined
        ? { exact: raw.certificateIdentity }
        : undefined;
  if ((identity === undefined) === (raw.publicKey === undefined))
    throw new DistrolessError(
      'USAGE',
      `verify: give ${edge.name('publicKey')}, or ${edge.name('certificateIdentity')} (or ${edge.name('certificateIdentityRegexp')}) with ${edge.name('trustedRoot')} for keyless signatures`,
    );
  if (identity?.regexp !== undefined) checkRegexp(identity.regexp, edge);
  const trustedRoot = raw.trustedRoot === undefined ? undefined : path(edge, raw.trustedRoot);
  if (identity === undefined) {
    const format = choice(raw.signatureFormat ?? 'any', VERIFY_FORMATS, 'signatureFormat', edge);
    return {
      kind: 'key',
      publicKey: path(edge, raw.publicKey ?? ''),
      ...optional('trustedRoot', trustedRoot),
      format,
    };
  }
  const format = choice(raw.signatureFormat ?? 'bundle', VERIFY_FORMATS, 'signatureFormat', edge);
  if (format !== 'bundle')
    throw new DistrolessError(
      'USAGE',
      `verify: keyless signatures are Sigstore bundles: use ${edge.name('signatureFormat')} bundle`,
    );
  if (trustedRoot === undefined)
    throw new DistrolessError(
      'USAGE',
      `verify: keyless needs ${edge.name('trustedRoot')} <trusted_root.json> (Sigstore public good: from its TUF repository)`,
    );
  return {
    kind: 'keyless',
    identity,
    issuer: raw.certificateOidcIssuer ?? DEFAULTS.certificateOidcIssuer,
    trustedRoot,
    format,
  };
}

function checkRegexp(text: string, edge: Edge): void {
  try {
    new RegExp(text);
  } catch (e) {
    throw new DistrolessError('USAGE', `${edge.name('certificateIdentityRegexp')}: ${(e as Error).message}`);
  }
}

/** cosign's `--type` names, and ours. */
const PREDICATE_ALIASES: Readonly<Record<string, string>> = {
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  slsa: 'https://slsa.dev/provenance/v1',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  cyclonedx: 'https://cyclonedx.org/bom',
};

export function parsePredicateTypes(text: string, option = '--type'): string[] {
  if (text.trim() === 'none') return [];
  const types = splitList([text]).map((t) => {
    const known = PREDICATE_ALIASES[t.toLowerCase()];
    if (known !== undefined) return known;
    if (/^https?:\/\//.test(t)) return t;
    throw new DistrolessError(
      'USAGE',
      `${option}: "${t}" is neither ${Object.keys(PREDICATE_ALIASES).join(', ')} nor a predicate type URI`,
    );
  });
  return types.length === 0 ? [...DEFAULT_PREDICATE_TYPES] : types;
}

/** SOURCE_DATE_EPOCH, when set, must be whole seconds. */
export function sourceDateEpoch(edge: Pick<Edge, 'env'>): number | undefined {
  const value = edge.env.SOURCE_DATE_EPOCH;
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value))
    throw new DistrolessError('USAGE', `SOURCE_DATE_EPOCH: expected whole seconds since 1970, got "${value}"`);
  return Number(value);
}

/** Items split on commas and whitespace, empty ones dropped. */
export function splitList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(/[,\s]+/)).filter(Boolean);
}

/** A list option: undefined when not given; given but empty is an error. */
function list(
  raw: RawOptions,
  option: 'images' | 'archs' | 'distros' | 'keyrings' | 'references' | 'results',
  edge: Edge,
) {
  const values = raw[option];
  if (values === undefined) return undefined;
  const items = splitList(values);
  if (items.length === 0) throw new DistrolessError('USAGE', `${edge.name(option)}: empty list`);
  return items;
}

function required(value: string | undefined, option: OptionName, edge: Edge, hint = ''): string {
  if (value === undefined || value.trim() === '')
    throw new DistrolessError('USAGE', `${edge.name(option)} is empty${hint ? `: ${hint}` : ''}`);
  return value;
}

function choice<T extends string>(value: string, allowed: readonly T[], option: OptionName, edge: Edge): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new DistrolessError(
      'USAGE',
      `${edge.name(option)}: unsupported value "${value}" (supported: ${allowed.join(', ')})`,
    );
  return value as T;
}

function path(edge: Edge, p: string): string {
  return isAbsolute(p) ? p : resolve(edge.cwd, p);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
