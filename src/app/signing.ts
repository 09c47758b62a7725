/**
 * Signing set-up shared by `sign`, `verify`, `publish` and `assemble` (CLI and Action): which storages a run
 * writes (`legacy` cosign `.sig`/`.att` tags, `bundle` Sigstore bundle v0.3 referrers), with which signer (an
 * ECDSA P-256 key, or keyless: an OIDC token → Fulcio → Rekor), and the matching verifiers.
 *
 * Default format: `both` with a key — cosign 2.x reads only the legacy tags, cosign 3 and
 * `gh attestation verify --bundle-from-oci` read bundles, and writing both lets either verify (two small
 * manifests more per digest). Keyless writes bundles: a legacy keyless signature needs the certificate and
 * Rekor's signed entry timestamp in cosign's own annotation format, which this build does not write.
 * Everything here is plain values: the edges read files, environment and OIDC tokens and pass them in.
 */
import { DistrolessError } from '../errors.js';
import type { Config } from '../config/types.js';
import type {
  SignatureFormat,
  SignatureStorage,
  SignatureVerifier,
  SignedImage,
  StoreResult,
  Check,
  InTotoStatement,
} from '../sign/index.js';
import type { BundleSigner, TrustPolicy } from '../sigstore/index.js';
import type { GitHubInvocation } from '../attest/provenance.js';
import type { AttestFn, RegistryAccess, SignSummary } from './sign.js';
import type { SignStatus, SignTarget } from './publish.js';

export interface SigningSetup {
  /** The default (`both` with a key, `bundle` keyless) is chosen by the request (src/app/requests.ts). */
  format: SignatureFormat;
  key?: { pem: string; password?: string; source: string };
  keyless?: { getIdentityToken: () => Promise<string>; fulcioURL?: string; rekorURL?: string; tsaURL?: string };
  /** RFC 3339 time for the bundle referrers' `org.opencontainers.image.created` (the edge's clock). */
  created?: string;
}

export interface Signing {
  storages: SignatureStorage[];
  /** `key sha256:…` or `keyless`, for messages. */
  identity: string;
  format: SignatureFormat;
}

export async function createSigning(setup: SigningSetup): Promise<Signing> {
  if ((setup.key === undefined) === (setup.keyless === undefined)) {
    throw new DistrolessError('INTERNAL', 'signing: give either a key or keyless signing (not both, not neither)');
  }
  const format = setup.format;
  const created = setup.created === undefined ? {} : { created: setup.created };
  if (setup.key) {
    const sign = await import('../sign/index.js');
    const signer = new sign.KeySigner(
      await sign.loadPrivateKey(setup.key.pem, {
        source: setup.key.source,
        ...(setup.key.password === undefined ? {} : { password: setup.key.password }),
      }),
    );
    const storages: SignatureStorage[] = [];
    if (format !== 'bundle') storages.push(sign.createLegacyStorage(signer));
    if (format !== 'legacy')
      storages.push(createBundleStorage((await import('../sigstore/index.js')).createKeySigner(signer), created));
    return { storages, identity: signer.identity, format };
  }
  if (format !== 'bundle') {
    throw new DistrolessError(
      'USAGE',
      `signature format ${format}: keyless signatures are stored as Sigstore bundles only; use the format "bundle"`,
    );
  }
  const keyless = setup.keyless as NonNullable<SigningSetup['keyless']>;
  const { createKeylessSigner } = await import('../sigstore/index.js');
  const signer = createKeylessSigner({
    getIdentityToken: keyless.getIdentityToken,
    ...(keyless.fulcioURL ? { fulcioURL: keyless.fulcioURL } : {}),
    ...(keyless.rekorURL ? { rekorURL: keyless.rekorURL } : {}),
    ...(keyless.tsaURL ? { tsaURL: keyless.tsaURL } : {}),
  });
  return { storages: [createBundleStorage(signer, created)], identity: 'keyless', format };
}

/** Sigstore bundle v0.3 referrers as a `SignatureStorage`: the image signature is cosign 3's sign/v1 statement. */
export function createBundleStorage(signer: BundleSigner, opts: { created?: string } = {}): SignatureStorage {
  const store = async (
    kind: StoreResult['kind'],
    image: SignedImage,
    statements: InTotoStatement[],
  ): Promise<StoreResult> => {
    const { signAndAttach, fallbackTag } = await import('../sigstore/index.js');
    const attached = await signAndAttach(image.client, signer, {
      repository: image.repository,
      subject: image.digest,
      statements,
      ...opts,
    });
    const storage = attached[0]?.storage ?? 'fallback-tag';
    return {
      format: 'bundle',
      kind,
      location:
        storage === 'fallback-tag'
          ? `${image.repository}:${fallbackTag(image.digest)}`
          : `${image.repository} (referrers API)`,
      added: attached.filter((a) => a.added).length,
      existing: attached.filter((a) => !a.added).length,
      replaced: 0,
      manifestDigest: attached.at(-1)?.referrer ?? '',
    };
  };
  return {
    format: 'bundle',
    async sign(image) {
      const { signatureStatement } = await import('../sigstore/index.js');
      return store('signature', image, [
        signatureStatement({ name: image.name, digest: image.digest }) as InTotoStatement,
      ]);
    },
    attest: (image, statements) => store('attestation', image, [...statements]),
  };
}

/** Verifies the bundle referrers of a digest: the cosign signature statement and each required predicate type. */
export function createBundleVerifier(policy: TrustPolicy): SignatureVerifier {
  return {
    format: 'bundle',
    async verify(image, p) {
      const { COSIGN_SIGN_PREDICATE_TYPE, describeSigner, prepareTrust, verifyReferrers } =
        await import('../sigstore/index.js');
      const wanted = [COSIGN_SIGN_PREDICATE_TYPE, ...p.predicateTypes];
      const result = await verifyReferrers(image.client, {
        repository: image.repository,
        subject: image.digest,
        policy: prepareTrust(policy),
        predicateTypes: wanted,
      });
      return wanted.map((type): Check => {
        const what = type === COSIGN_SIGN_PREDICATE_TYPE ? 'signature' : `attestation ${type}`;
        const good = result.bundles.find((b) => b.ok && b.predicateType === type);
        if (good)
          return { format: 'bundle', what, ok: true, detail: good.signer ? describeSigner(good.signer) : 'verified' };
        const reasons = result.bundles.filter((b) => b.predicateType === type && b.reason).map((b) => b.reason);
        const detail =
          reasons.length > 0
            ? reasons.join('; ')
            : `no bundle for ${type} (looked in ${result.storage === 'fallback-tag' ? 'the sha256-… tag' : 'the referrers API'})`;
        return { format: 'bundle', what, ok: false, detail };
      });
    },
  };
}

export interface AttestSetup {
  config: Config;
  lockDir: string;
  cacheDir?: string;
  epoch?: number;
  invocation?: GitHubInvocation;
}

/** SPDX SBOM + SLSA provenance for each digest (src/attest): no clock inside, so re-runs give the same statements. */
export async function createAttestFn(setup: AttestSetup): Promise<AttestFn> {
  const [{ attestationsFor, createAttestContext }, { createHttpClient }] = await Promise.all([
    import('../attest/index.js'),
    import('../archive/http.js'),
  ]);
  const ctx = await createAttestContext({
    config: setup.config,
    lockDir: setup.lockDir,
    // A .deb whose copyright facts are not cached is fetched (hash-checked), so the SBOM is the same on a
    // fresh runner (scale-out's assemble job) as on the one that built the layers.
    download: createHttpClient(),
    ...(setup.cacheDir ? { cacheDir: setup.cacheDir } : {}),
    ...(setup.epoch === undefined ? {} : { epoch: setup.epoch }),
    ...(setup.invocation ? { invocation: setup.invocation } : {}),
  });
  return (subject) => attestationsFor(ctx, subject);
}

export interface ReleaseSignerOptions extends RegistryAccess {
  signing: Signing;
  attest?: AttestFn;
  registry: string;
  config: Config;
  images?: readonly string[];
  /** The release's immutable tag: signs `<variant>-<tag>`, which no later release can move. */
  tag?: string;
  onProgress?: (message: string) => void;
}

/**
 * The `sign` step of `publish` and `assemble`: signs and attests every image × variant of the config just
 * pushed (resolved by tag, so the attestations know image, variant and arch), then checks that every pushed
 * digest got a signature.
 */
export function releaseSigner(o: ReleaseSignerOptions): (targets: readonly SignTarget[]) => Promise<SignStatus[]> {
  return async (targets) => {
    const { runSign } = await import('./sign.js');
    const summary: SignSummary = await runSign({
      storages: o.signing.storages,
      registry: o.registry,
      config: o.config,
      ...(o.images ? { images: o.images } : {}),
      ...(o.tag ? { tag: o.tag } : {}),
      ...(o.attest ? { attest: o.attest } : {}),
      ...(o.keychain ? { keychain: o.keychain } : {}),
      ...(o.insecure ? { insecure: true } : {}),
      ...(o.secrets ? { secrets: o.secrets } : {}),
      onProgress: (e) => {
        if (e.kind === 'stored' && e.result.added + e.result.replaced > 0)
          o.onProgress?.(`${e.result.kind} (${e.result.format}) ${e.result.location}`);
        else if (e.kind === 'note') o.onProgress?.(e.message);
      },
    });
    const statuses = signStatuses(summary, o.registry);
    const missing = targets.filter(
      (t) => !statuses.some((s) => s.repository === t.repository && s.digest === t.digest),
    );
    if (missing.length > 0) {
      throw new DistrolessError(
        'SIGNING',
        `${missing.length} pushed digest(s) were not signed (a tag moved during the release?): ${missing
          .slice(0, 3)
          .map((t) => `${t.repository}@${t.digest}`)
          .join(', ')}`,
      );
    }
    return statuses;
  };
}

/** Each signed digest (repository relative to the registry host) and whether it was signed now or already. */
export function signStatuses(summary: SignSummary, registry: string): SignStatus[] {
  const host = registry.split('/')[0] ?? registry;
  return summary.digests.map((d): SignStatus => ({
    repository: d.name.startsWith(`${host}/`) ? d.name.slice(host.length + 1) : d.name,
    digest: d.digest,
    state: d.results.some((r) => r.added + r.replaced > 0) ? 'signed' : 'present',
  }));
}
