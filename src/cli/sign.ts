/**
 * `sign` and `verify`: the CLI edge of src/app/sign.ts and src/app/verify.ts. Keys come from a file (`--key`,
 * `--public-key`) or, for signing, the environment (DISTROLESS_SIGNING_KEY holds the PEM itself); the password
 * of an encrypted key from COSIGN_PASSWORD, as cosign reads it. Neither is ever printed.
 */
import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DistrolessError } from '../errors.js';
import { textTable } from '../lock/render.js';
import type { AttestFn, SignSummary } from '../app/sign.js';
import type { Signing } from '../app/signing.js';
import type { Config } from '../config/index.js';
import { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL } from '../sigstore/types.js';
import type { VerifySummary } from '../app/verify.js';
import type { SignatureFormat, SignatureVerifier } from '../sign/index.js';
import { cliKeychain } from './credentials.js';
import { cacheDir, EXIT, loadFromOpts, sourceDateEpoch, type CliIo, type GlobalOpts } from './main.js';
import { makeProgress } from './progress.js';

interface SignOpts extends SigningOpts {
  registry?: string;
  tag?: string;
  image?: string;
  insecure?: boolean;
  username?: string;
  attestations: boolean;
  json?: boolean;
}

interface VerifyOpts {
  publicKey?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer: string;
  trustedRoot?: string;
  signatureFormat?: SignatureFormat;
  type: string;
  insecure?: boolean;
  username?: string;
  json?: boolean;
}

/** cosign's `--type` names, and ours. */
const PREDICATE_ALIASES: Readonly<Record<string, string>> = {
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  slsa: 'https://slsa.dev/provenance/v1',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  cyclonedx: 'https://cyclonedx.org/bom',
};

function formatOption(): Option {
  return new Option(
    '--signature-format <format>',
    'legacy (cosign .sig/.att tags), bundle (Sigstore bundle v0.3 referrers) or both; default both with a key, bundle keyless',
  ).choices(['legacy', 'bundle', 'both']);
}

/** The signing options `sign` and `publish` share. */
export interface SigningOpts {
  key?: string;
  keyless?: boolean;
  fulcioUrl?: string;
  rekorUrl?: string;
  signatureFormat?: SignatureFormat;
}

export function addSigningOptions(command: Command): Command {
  return command
    .option(
      '--key <file>',
      'ECDSA P-256 private key (cosign.key, PKCS#8 or SEC1 PEM); else the PEM in DISTROLESS_SIGNING_KEY; password from COSIGN_PASSWORD',
    )
    .option(
      '--keyless',
      'sign keyless: the OIDC token in SIGSTORE_ID_TOKEN (on GitHub Actions, requested from the runner) → Fulcio certificate → Rekor',
    )
    .option('--fulcio-url <url>', 'keyless: the Fulcio certificate authority', DEFAULT_FULCIO_URL)
    .option('--rekor-url <url>', 'keyless: the Rekor transparency log', DEFAULT_REKOR_URL)
    .addOption(formatOption());
}

/** The storages for the signing options: a key (file or DISTROLESS_SIGNING_KEY) or keyless. */
export async function cliSigning(opts: SigningOpts, io: CliIo): Promise<Signing> {
  const { createSigning } = await import('../app/signing.js');
  return createSigning({
    ...(opts.signatureFormat ? { format: opts.signatureFormat } : {}),
    ...(opts.keyless
      ? { keyless: { getIdentityToken: () => identityToken(io), fulcioURL: opts.fulcioUrl, rekorURL: opts.rekorUrl } }
      : { key: await signingKey(opts.key, io) }),
    created: io.now().toISOString(),
  });
}

/** SBOM + provenance statements from the config and lockfiles (SOURCE_DATE_EPOCH and the GitHub run from the environment). */
export async function cliAttest(g: GlobalOpts, io: CliIo, config: Config): Promise<AttestFn> {
  const [{ createAttestFn }, { githubInvocation }] = await Promise.all([
    import('../app/signing.js'),
    import('../attest/provenance.js'),
  ]);
  const epoch = sourceDateEpoch(io.env.SOURCE_DATE_EPOCH);
  const invocation = githubInvocation(io.env);
  return createAttestFn({
    config,
    lockDir: resolve(io.cwd, g.lockfiles),
    cacheDir: cacheDir(g, io),
    ...(epoch === undefined ? {} : { epoch }),
    ...(invocation ? { invocation } : {}),
  });
}

export function registerSign(program: Command, io: CliIo, setExit: (code: number) => void): Command {
  return addSigningOptions(program.command('sign'))
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
    .option('--insecure', 'plain http (for a registry on localhost)')
    .option('-u, --username <name>', 'registry user; the password or token comes from DISTROLESS_REGISTRY_PASSWORD')
    .option('--no-attestations', 'sign only: no SBOM or provenance attestations')
    .option('--json', 'print the summary as JSON')
    .action(async (references: string[], opts: SignOpts) => {
      setExit(await signCommand(program.opts<GlobalOpts>(), references, opts, io));
    });
}

export function registerVerify(program: Command, io: CliIo, setExit: (code: number) => void): Command {
  return program
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
    .option(
      '--certificate-oidc-issuer <uri>',
      'keyless: the expected OIDC issuer',
      'https://token.actions.githubusercontent.com',
    )
    .option(
      '--trusted-root <file>',
      'keyless: Sigstore trusted_root.json (Fulcio, Rekor and TSA keys) to verify against',
    )
    .addOption(formatOption())
    .option(
      '--type <list>',
      'attestation predicate types to require (comma-separated): spdxjson, slsaprovenance1, cyclonedx or URIs; "none" for none',
      'spdxjson,slsaprovenance1',
    )
    .option('--insecure', 'plain http (for a registry on localhost)')
    .option('-u, --username <name>', 'registry user; the password or token comes from DISTROLESS_REGISTRY_PASSWORD')
    .option('--json', 'print every check as JSON')
    .action(async (references: string[], opts: VerifyOpts) => {
      setExit(await verifyCommand(references, opts, io));
    });
}

async function signCommand(g: GlobalOpts, references: string[], opts: SignOpts, io: CliIo): Promise<number> {
  const { runSign } = await import('../app/sign.js');
  const needConfig = references.length === 0 || opts.attestations;
  const config = needConfig ? await loadFromOpts(g, io) : undefined;
  const signing = await cliSigning(opts, io);
  const target = opts.registry ?? references[0] ?? '';
  const progress = makeProgress({ enabled: g.progress ?? io.isTTY, write: io.stderr, clock: io.clock });
  const attest = opts.attestations && config !== undefined ? await cliAttest(g, io, config) : undefined;
  const summary = await runSign({
    storages: signing.storages,
    ...(references.length > 0 ? { references } : {}),
    ...(opts.registry ? { registry: opts.registry } : {}),
    ...(config ? { config } : {}),
    ...(opts.image
      ? {
          images: opts.image
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
    ...(opts.tag ? { tag: opts.tag } : {}),
    ...(attest ? { attest } : {}),
    keychain: await cliKeychain(io, target, opts.username),
    ...(opts.insecure ? { insecure: true } : {}),
    onProgress: (e) => {
      if (e.kind === 'resolved') progress(`${e.reference} → ${e.digest} (${e.children} per-arch)`);
      else if (e.kind === 'stored' && e.result.added + e.result.replaced > 0)
        progress(`${e.result.kind} ${e.result.format} ${e.result.location}`);
      else if (e.kind === 'note') io.stderr(`note: ${e.message}\n`);
    },
  });
  io.stdout(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSign(summary, signing.identity));
  return EXIT.ok;
}

/** The OIDC token for keyless signing: SIGSTORE_ID_TOKEN, else the GitHub Actions runner's token service. */
async function identityToken(io: CliIo): Promise<string> {
  const token = io.env.SIGSTORE_ID_TOKEN;
  if (token) return token;
  const url = io.env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = io.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer)
    throw new DistrolessError(
      'USAGE',
      '--keyless: no OIDC token: set SIGSTORE_ID_TOKEN, or run on GitHub Actions with permissions id-token: write',
    );
  const u = new URL(url);
  u.searchParams.set('audience', 'sigstore');
  const res = await fetch(u, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' } });
  if (!res.ok) throw new DistrolessError('SIGNING', `--keyless: the runner's token service answered ${res.status}`);
  const value = ((await res.json()) as { value?: unknown }).value;
  if (typeof value !== 'string' || value === '')
    throw new DistrolessError('SIGNING', "--keyless: the runner's token service gave no token");
  return value;
}

function renderSign(s: SignSummary, identity: string): string {
  const rows = s.digests.flatMap((d) =>
    d.results.map((r) => [
      `${d.name}@${d.digest.slice(0, 19)}…`,
      d.platform ?? 'index',
      `${r.kind} (${r.format})`,
      r.added + r.replaced > 0 ? `added ${r.added}${r.replaced ? `, replaced ${r.replaced}` : ''}` : 'already there',
    ]),
  );
  return `${textTable(['IMAGE', 'PLATFORM', 'WHAT', 'RESULT'], rows)}\n${s.digests.length} digest(s) signed with ${identity}: ${s.added} added, ${s.replaced} replaced, ${s.existing} already there\n`;
}

async function verifyCommand(references: string[], opts: VerifyOpts, io: CliIo): Promise<number> {
  const [{ runVerify }, sign, { createBundleVerifier }] = await Promise.all([
    import('../app/verify.js'),
    import('../sign/index.js'),
    import('../app/signing.js'),
  ]);
  const identity =
    opts.certificateIdentityRegexp !== undefined
      ? new RegExp(opts.certificateIdentityRegexp)
      : opts.certificateIdentity;
  const keyless = identity !== undefined;
  if (keyless === (opts.publicKey !== undefined)) {
    throw new DistrolessError(
      'USAGE',
      'verify: give --public-key <file>, or --certificate-identity (or -regexp) with --trusted-root for keyless signatures',
    );
  }
  const format: SignatureFormat = opts.signatureFormat ?? (keyless ? 'bundle' : 'both');
  const trustedRoot =
    opts.trustedRoot === undefined
      ? undefined
      : (JSON.parse(await readKeyFile(opts.trustedRoot, '--trusted-root', io)) as unknown);
  const verifiers: SignatureVerifier[] = [];
  if (keyless) {
    if (format !== 'bundle')
      throw new DistrolessError(
        'USAGE',
        'verify: keyless signatures are Sigstore bundles: use --signature-format bundle',
      );
    if (trustedRoot === undefined)
      throw new DistrolessError(
        'USAGE',
        'verify: keyless needs --trusted-root <trusted_root.json> (Sigstore public good: from its TUF repository)',
      );
    verifiers.push(
      createBundleVerifier({ kind: 'keyless', trustedRoot, identity, issuer: opts.certificateOidcIssuer }),
    );
  } else {
    const pem = await readKeyFile(opts.publicKey ?? '', '--public-key', io);
    if (format !== 'bundle')
      verifiers.push(sign.createLegacyVerifier(sign.loadPublicKey(pem, `--public-key ${opts.publicKey ?? ''}`)));
    if (format !== 'legacy')
      verifiers.push(
        createBundleVerifier({ kind: 'key', publicKeyPem: pem, ...(trustedRoot === undefined ? {} : { trustedRoot }) }),
      );
  }
  const summary = await runVerify({
    references,
    verifiers,
    predicateTypes: parsePredicateTypes(opts.type),
    keychain: await cliKeychain(io, references[0] ?? '', opts.username),
    ...(opts.insecure ? { insecure: true } : {}),
  });
  io.stdout(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : renderVerify(summary));
  for (const f of summary.failures) io.stderr(`FAILED ${f}\n`);
  return summary.ok ? EXIT.ok : EXIT.verifyFailed;
}

function renderVerify(s: VerifySummary): string {
  const rows = s.digests.flatMap((d) =>
    d.checks.map((c) => [
      `${d.name}@${d.digest.slice(0, 19)}…`,
      d.platform ?? 'index',
      `${c.what} (${c.format})`,
      c.ok ? 'ok' : 'FAILED',
      c.detail,
    ]),
  );
  const failed = s.digests.filter((d) => !d.ok).length;
  return `${textTable(['IMAGE', 'PLATFORM', 'CHECK', 'RESULT', 'DETAIL'], rows)}\n${s.digests.length} digest(s) checked: ${failed === 0 ? 'all verified' : `${failed} failed`}\n`;
}

export function parsePredicateTypes(list: string): string[] {
  if (list.trim() === 'none') return [];
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((t) => {
      const known = PREDICATE_ALIASES[t.toLowerCase()];
      if (known !== undefined) return known;
      if (/^https?:\/\//.test(t)) return t;
      throw new DistrolessError(
        'USAGE',
        `--type: "${t}" is neither ${Object.keys(PREDICATE_ALIASES).join(', ')} nor a predicate type URI`,
      );
    });
}

/** The signing key's PEM: --key FILE, else DISTROLESS_SIGNING_KEY; its password from COSIGN_PASSWORD. */
async function signingKey(
  file: string | undefined,
  io: CliIo,
): Promise<{ pem: string; password?: string; source: string }> {
  const password = io.env.COSIGN_PASSWORD === undefined ? {} : { password: io.env.COSIGN_PASSWORD };
  if (file !== undefined) return { pem: await readKeyFile(file, '--key', io), source: `--key ${file}`, ...password };
  const pem = io.env.DISTROLESS_SIGNING_KEY;
  if (pem !== undefined && pem.trim() !== '') return { pem, source: 'DISTROLESS_SIGNING_KEY', ...password };
  throw new DistrolessError(
    'USAGE',
    'sign: no signing key: give --key <file> or the PEM in DISTROLESS_SIGNING_KEY, or sign --keyless',
  );
}

async function readKeyFile(file: string, option: string, io: CliIo): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, file), 'utf8');
  } catch (e) {
    throw new DistrolessError(
      'USAGE',
      `${option} ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      { cause: e },
    );
  }
}
