/**
 * The CLI's argv → (command, RawOptions): commander declares the flags, `toRaw` hands over what was typed
 * (and the CLI's environment variables) unchanged. Defaults and checks are the request builders'
 * (src/app/requests.ts), so `--help` shows DEFAULTS from there.
 */
import { Command, Option } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULTS,
  type CommandName,
  type Edge,
  type OptionName,
  type RawOptions,
  type Requests,
} from '../app/requests.js';
import { VERSION } from '../version.js';
import type { CliIo } from './io.js';

/** How each option is spelled on the command line (or the variable it comes from), for messages. */
export const CLI_NAMES: Readonly<Record<OptionName, string>> = {
  config: '--config',
  lockfiles: '--lockfiles',
  mirrors: '--mirror',
  distros: '--distro',
  keyrings: '--keyring',
  cacheDir: '--cache-dir',
  output: '--output',
  images: '--image',
  archs: '--arch',
  check: '--check',
  allowDowngrade: '--allow-downgrade',
  sbom: '--no-sbom',
  sbomDir: '--sbom-dir',
  compression: '--compression',
  deflateWorkers: '--deflate-workers',
  registry: '--registry',
  username: '--username',
  password: 'DISTROLESS_REGISTRY_PASSWORD',
  insecure: '--insecure',
  immutableTag: '--immutable-tag',
  signing: '--keyless',
  keyFile: '--key <file>',
  keyPem: 'DISTROLESS_SIGNING_KEY',
  keyPassword: 'COSIGN_PASSWORD',
  fulcioUrl: '--fulcio-url',
  rekorUrl: '--rekor-url',
  signatureFormat: '--signature-format',
  references: 'the references',
  tag: '--tag',
  attestations: '--no-attestations',
  publicKey: '--public-key',
  certificateIdentity: '--certificate-identity',
  certificateIdentityRegexp: '--certificate-identity-regexp',
  certificateOidcIssuer: '--certificate-oidc-issuer',
  trustedRoot: '--trusted-root',
  types: '--type',
  shard: '--shard',
  result: '--result',
  resultDir: '--result',
  results: '--results',
  markdown: '--markdown',
  changelogs: '--no-changelogs',
  impact: '--impact',
};

export function cliEdge(io: CliIo): Edge {
  const base = io.env.XDG_CACHE_HOME || join(io.env.HOME || homedir(), '.cache');
  return { cwd: io.cwd, env: io.env, name: (o) => CLI_NAMES[o], defaultCacheDir: join(base, 'distroless-action') };
}

/** What commander parsed: the command and every flag by its commander name. */
export interface ParsedCli {
  command: CommandName;
  opts: CliOpts;
  references: string[];
}

/** A parsed command line: the request, and how to show its result. */
export interface CliInvocation<C extends CommandName = CommandName> {
  command: C;
  request: Requests[C];
  parsed: ParsedCli;
}

/** The flags of every command (commander's camelCase names); each command declares a subset. */
export interface CliOpts {
  config?: string;
  lockfiles?: string;
  mirror: string[];
  distro?: string;
  keyring: string[];
  cacheDir?: string;
  progress?: boolean;
  check?: boolean;
  allowDowngrade?: boolean;
  json?: boolean;
  arch?: string;
  image?: string;
  output?: string;
  sbomDir?: string;
  sbom?: boolean;
  compression?: string;
  deflateWorkers?: string;
  registry?: string;
  immutableTag?: string;
  insecure?: boolean;
  username?: string;
  shard?: string;
  result?: string;
  results?: string[];
  key?: string;
  keyless?: boolean;
  fulcioUrl?: string;
  rekorUrl?: string;
  signatureFormat?: string;
  tag?: string;
  attestations?: boolean;
  publicKey?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  trustedRoot?: string;
  type?: string;
  summary?: string;
  markdown?: string;
  changelogs?: boolean;
  impact?: boolean;
}

/** The RawOptions of a parsed command line, with the CLI's environment variables. */
export function toRaw(p: ParsedCli, io: CliIo): RawOptions {
  const o = p.opts;
  const env = io.env;
  const raw: RawOptions = {
    markdown: o.markdown,
    // commander defaults --no-changelogs to true: only a given flag counts.
    changelogs: o.changelogs === false ? false : undefined,
    impact: o.impact,
    config: o.config,
    lockfiles: o.lockfiles,
    mirrors: [env.DISTROLESS_MIRRORS ?? '', ...o.mirror],
    distros: o.distro === undefined ? undefined : [o.distro],
    keyrings: o.keyring.length > 0 ? o.keyring : undefined,
    cacheDir: o.cacheDir ?? (env.DISTROLESS_CACHE_DIR || undefined),
    output: o.output,
    images: o.image === undefined ? undefined : [o.image],
    archs: o.arch === undefined ? undefined : [o.arch],
    check: o.check,
    allowDowngrade: o.allowDowngrade,
    sbom: o.sbom,
    sbomDir: o.sbomDir,
    compression: o.compression,
    deflateWorkers: o.deflateWorkers,
    registry: o.registry,
    username: o.username,
    password: env.DISTROLESS_REGISTRY_PASSWORD || undefined,
    insecure: o.insecure,
    immutableTag: o.immutableTag,
    signing: o.keyless ? 'keyless' : undefined,
    keyFile: o.key,
    keyPem: env.DISTROLESS_SIGNING_KEY,
    keyPassword: env.COSIGN_PASSWORD,
    fulcioUrl: o.fulcioUrl,
    rekorUrl: o.rekorUrl,
    signatureFormat: o.signatureFormat,
    references: p.references.length > 0 ? p.references : undefined,
    tag: o.tag,
    attestations: o.attestations,
    publicKey: o.publicKey,
    certificateIdentity: o.certificateIdentity,
    certificateIdentityRegexp: o.certificateIdentityRegexp,
    certificateOidcIssuer: o.certificateOidcIssuer,
    trustedRoot: o.trustedRoot,
    types: o.type,
    shard: o.shard,
    result: o.result,
    results: o.results,
  };
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as RawOptions;
}

const d = (text: string, value: string): string => `${text} (default: ${value})`;
const LOOPBACK = 'plain http (a registry on localhost or 127.x gets it without asking)';
const USERNAME = 'registry user; the password or token comes from DISTROLESS_REGISTRY_PASSWORD';

function signing(c: Command): Command {
  return c
    .option(
      '--key <file>',
      'ECDSA P-256 private key (cosign.key, PKCS#8 or SEC1 PEM); else the PEM in DISTROLESS_SIGNING_KEY; password from COSIGN_PASSWORD',
    )
    .option(
      '--keyless',
      'sign keyless: the OIDC token in SIGSTORE_ID_TOKEN (on GitHub Actions, requested from the runner) → Fulcio certificate → Rekor',
    )
    .option('--fulcio-url <url>', d('keyless: the Fulcio certificate authority', DEFAULTS.fulcioUrl))
    .option('--rekor-url <url>', d('keyless: the Rekor transparency log', DEFAULTS.rekorUrl))
    .option(
      '--signature-format <format>',
      'legacy (cosign .sig/.att tags), bundle (Sigstore bundle v0.3 referrers) or both; default both with a key, bundle keyless',
    );
}

/** The commander program; `onParsed` receives the command that ran and its flags. */
export function buildProgram(io: CliIo, onParsed: (p: ParsedCli) => void): Command {
  const program = new Command('distroless-action')
    .description('Build and maintain distroless container images from Debian packages.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .option('-c, --config <file>', d('config file', DEFAULTS.config))
    .option('-l, --lockfiles <dir>', d('lockfile directory', DEFAULTS.lockfiles))
    .addOption(
      new Option('-m, --mirror <orig=new>', 'replace a source URL (repeatable; env DISTROLESS_MIRRORS="A=B,C=D")')
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option(
        '-k, --keyring <file>',
        'trust the armored OpenPGP public keys in this file instead of the shipped Debian archive keys (repeatable)',
      )
        .argParser(collect)
        .default([]),
    )
    .option('-d, --distro <list>', 'only these distros of the config (comma-separated), e.g. debian13')
    .option('--cache-dir <dir>', 'cache for verified indices (env DISTROLESS_CACHE_DIR)')
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress');

  const on =
    (command: CommandName) =>
    (...args: unknown[]): void => {
      // commander passes (…arguments, options, command); the references argument, when declared, comes first.
      const cmd = args[args.length - 1] as Command;
      const references = Array.isArray(args[0]) ? (args[0] as string[]) : [];
      onParsed({ command, opts: { ...program.opts<CliOpts>(), ...cmd.opts<CliOpts>() }, references });
    };

  program
    .command('update')
    .description('resolve every image against the Debian archive, rewrite the lockfiles and print what changed')
    .option('--check', 'write nothing; exit 1 when the committed lockfiles are out of date')
    .option('--json', 'print the diff as JSON on stdout')
    .option(
      '-a, --arch <list>',
      'resolve only these Debian archs (comma-separated); the others keep their locked state',
    )
    .option('--markdown <file>', 'write the update PR body (tables, changelogs, CVEs) to this file')
    .option('--no-changelogs', 'with --markdown: leave out the changelog entries (no .deb is downloaded)')
    .option(
      '--impact',
      'with --markdown: build the previous and the new lock (shared layer cache) and show each image digest and size change',
    )
    .option('--allow-downgrade', 'accept a signed Release older than the one the lockfile records (a rollback)')
    .action(on('update'));

  program
    .command('list')
    .description('list the locked packages of one image and arch (reads the lockfile, no network)')
    .requiredOption('-i, --image <name>', 'image name from the config, e.g. python3')
    .option('-a, --arch <arch>', d('Debian arch (amd64, arm64, armhf, s390x, ppc64el)', DEFAULTS.listArch))
    .option('--json', 'print JSON')
    .action(on('list'));

  program
    .command('build')
    .description('build every image × variant × arch from the lockfiles into an OCI image layout (no registry needed)')
    .option('-o, --output <dir>', d('OCI image layout directory', DEFAULTS.output))
    .option('-i, --image <list>', 'only these images (comma-separated)')
    .option('-a, --arch <list>', 'only these Debian archs (comma-separated)')
    .option('--json', 'print the result as JSON')
    .option(
      '--sbom-dir <dir>',
      'where the SPDX SBOMs of the built images go (default: "sbom" beside the output directory)',
    )
    .option('--no-sbom', 'write no SBOM files')
    .option('--compression <kind>', "layer compression, gzip or zstd (default: the config's, else gzip)")
    .option(
      '--deflate-workers <n>',
      'threads deflating big gzip layers (default: one per core; never changes the bytes)',
    )
    .action(on('build'));

  program
    .command('push')
    .description('push a built OCI layout to a registry: blobs, then manifests and indexes, then tags (tags last)')
    .requiredOption('-r, --registry <host/prefix>', 'target, e.g. ghcr.io/acme or 127.0.0.1:5000/distroless')
    .option('-o, --output <dir>', d('the OCI image layout that build wrote', DEFAULTS.output))
    .option(
      '--immutable-tag <tag>',
      'also tag every index <tag>-suffixed for this release, e.g. the lock date or the commit; never moved once set',
    )
    .option('--insecure', LOOPBACK)
    .option('-u, --username <name>', USERNAME)
    .option('--json', 'print the pushed references as JSON')
    .action(on('push'));

  // Scale-out (docs/architecture.md): plan → one build-shard per matrix entry → assemble.
  program
    .command('plan')
    .description(
      'print the shards (image × locked arch) of a scale-out build; --json prints the GitHub Actions matrix on one line',
    )
    .option('-i, --image <list>', 'only these images (comma-separated)')
    .option('-a, --arch <list>', 'only these Debian archs (comma-separated)')
    .option('--json', 'print {"include":[…]} for strategy.matrix')
    .action(on('plan'));

  program
    .command('build-shard')
    .description(
      'build one shard of the plan (every variant of one image for one arch) and push its manifests by digest, without tags',
    )
    .requiredOption('-s, --shard <id>', 'shard id from "plan", e.g. python3-debian12-amd64')
    .requiredOption('-r, --registry <host/prefix>', 'target, e.g. ghcr.io/acme or 127.0.0.1:5000/distroless')
    .option('-o, --output <dir>', d('OCI image layout directory', DEFAULTS.output))
    .option('--result <file>', 'write the shard result (JSON, the input of "assemble") to this file')
    .option('--insecure', LOOPBACK)
    .option('-u, --username <name>', USERNAME)
    .option('--json', 'print the shard result as JSON')
    .action(on('shard'));

  signing(program.command('assemble'))
    .description(
      'from every shard result: check the shards are complete and pushed, push the indexes, then every tag (tags last); with a key or --keyless, sign them',
    )
    .requiredOption('-r, --registry <host/prefix>', 'the target every shard pushed to')
    .requiredOption('--results <path...>', 'shard result files, or directories of them (*.json)')
    .option('-i, --image <list>', 'the image selection "plan" was given (comma-separated)')
    .option('-a, --arch <list>', 'the arch selection "plan" was given (comma-separated)')
    .option('--immutable-tag <tag>', 'also tag every index <tag>-suffixed for this release; never moved once set')
    .option('--insecure', LOOPBACK)
    .option('-u, --username <name>', USERNAME)
    .option('--json', 'print the references and the indexes (with their per-arch digests) as JSON')
    .action(on('assemble'));

  signing(program.command('publish'))
    .description(
      'build every image from the lockfiles, push them (tags last) and sign what was pushed: a whole release',
    )
    .requiredOption('-r, --registry <host/prefix>', 'target, e.g. ghcr.io/acme or 127.0.0.1:5000/distroless')
    .option('-o, --output <dir>', d('OCI image layout directory to build into', DEFAULTS.output))
    .option('-i, --image <list>', 'only these images (comma-separated)')
    .option('-a, --arch <list>', 'only these Debian archs (comma-separated)')
    .option('--immutable-tag <tag>', 'also tag every index <tag>-suffixed for this release; never moved once set')
    .option('--insecure', LOOPBACK)
    .option('-u, --username <name>', USERNAME)
    .addOption(
      new Option(
        '--summary <file>',
        'write the Markdown report (images, digests, size changes, signatures) to this file',
      ).env('GITHUB_STEP_SUMMARY'),
    )
    .option('--json', 'print the report as JSON')
    .action(on('publish'));

  signing(program.command('sign'))
    .description(
      'sign and attest (SBOM, provenance) every pushed index and per-arch image, cosign-compatible; re-running adds nothing',
    )
    .argument(
      '[references...]',
      'images to sign (HOST/REPO:TAG or HOST/REPO@DIGEST) instead of every image × variant of the config',
    )
    .option('-r, --registry <host/prefix>', 'where push put the images, e.g. ghcr.io/acme or 127.0.0.1:5000/distroless')
    .option(
      '--tag <tag>',
      'sign the tags push --immutable-tag <tag> made (e.g. nonroot-<tag>) instead of the floating ones',
    )
    .option('-i, --image <list>', 'only these images of the config (comma-separated)')
    .option('--insecure', LOOPBACK)
    .option('-u, --username <name>', USERNAME)
    .option('--no-attestations', 'sign only: no SBOM or provenance attestations')
    .option('--json', 'print the summary as JSON')
    .action(on('sign'));

  program
    .command('verify')
    .description(
      'check the signatures and attestations of published images (an index and each of its per-arch images); exit 1 when any check fails',
    )
    .argument('<references...>', 'HOST/REPO:TAG or HOST/REPO@DIGEST')
    .option('--public-key <file>', "the signing key's public half (PEM), e.g. cosign.pub")
    .option(
      '--certificate-identity <uri>',
      'keyless: the expected signer, e.g. https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/heads/main',
    )
    .option('--certificate-identity-regexp <re>', 'keyless: the expected signer as a regular expression (anchor it)')
    .option('--certificate-oidc-issuer <uri>', d('keyless: the expected OIDC issuer', DEFAULTS.certificateOidcIssuer))
    .option(
      '--trusted-root <file>',
      'keyless: Sigstore trusted_root.json (Fulcio, Rekor and TSA keys) to verify against',
    )
    .option(
      '--signature-format <format>',
      'which signatures must verify: any (default with a key: a valid signature in whichever format is present), legacy, bundle (keyless) or both',
    )
    .option(
      '--type <list>',
      d(
        'attestation predicate types to require (comma-separated): spdxjson, slsaprovenance1, cyclonedx or URIs; "none" for none',
        DEFAULTS.types,
      ),
    )
    .option('--insecure', LOOPBACK)
    .option('-u, --username <name>', USERNAME)
    .option('--json', 'print every check as JSON')
    .action(on('verify'));

  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
