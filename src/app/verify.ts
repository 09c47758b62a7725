/**
 * `verify`: for each reference (tag or digest), the digest it names and, for an index, every child manifest:
 * the signature and the required attestations, by every verifier chosen (legacy `.sig`/`.att` with a public
 * key; bundles). The result lists each check; `ok` only when every check of every digest passed.
 */
import { DistrolessError } from '../errors.js';
import {
  DEFAULT_PREDICATE_TYPES,
  type Check,
  type SignatureVerifier,
  type SignedImage,
  type StorageFormat,
} from '../sign/index.js';
import { mapLimit } from '../util/concurrency.js';
import { RegistryClients, type RegistryAccess } from './sign.js';
import { formatReference, parseImageReference, resolveImage } from './sign-targets.js';
import type { RetryEvent } from '../registry/index.js';

export interface VerifyCommandOptions extends RegistryAccess {
  references: readonly string[];
  verifiers: readonly SignatureVerifier[];
  /**
   * `all` (default): every check of every verifier must pass. `any`: a digest is verified when every check of
   * one format (legacy or bundle) passes, so an image signed in either format verifies.
   */
  accept?: 'all' | 'any';
  /** Attestation predicate types each digest must carry (default: SPDX and SLSA provenance v1); [] for none. */
  predicateTypes?: readonly string[];
  /** Digests checked at once (default 4). */
  concurrency?: number;
  onProgress?: (event: VerifyEvent) => void;
}

export type VerifyEvent =
  { kind: 'verified'; name: string; digest: string; platform?: string; ok: boolean } | ({ kind: 'retry' } & RetryEvent);

export interface VerifiedDigest {
  /** The reference as given (the index's, for a child). */
  reference: string;
  name: string;
  digest: string;
  mediaType: string;
  platform?: string;
  ok: boolean;
  /** The formats whose checks all passed. */
  passed: StorageFormat[];
  checks: Check[];
}

export interface VerifySummary {
  ok: boolean;
  digests: VerifiedDigest[];
  /** One line per failed check: `name@digest (platform) what [format]: why`. */
  failures: string[];
}

interface Item {
  reference: string;
  image: SignedImage;
  platform?: string;
}

export async function runVerify(opts: VerifyCommandOptions): Promise<VerifySummary> {
  if (opts.references.length === 0) throw new DistrolessError('USAGE', 'verify: give at least one image reference');
  if (opts.verifiers.length === 0) throw new DistrolessError('INTERNAL', 'verify: no verifier chosen');
  const accept = opts.accept ?? 'all';
  const refs = opts.references.map(parseImageReference);
  const policy = { predicateTypes: opts.predicateTypes ?? DEFAULT_PREDICATE_TYPES };
  const clients = new RegistryClients(opts);
  try {
    const items: Item[] = [];
    for (const ref of refs) {
      const client = clients.for(ref.host);
      const r = await resolveImage(client, ref);
      const reference = formatReference(ref);
      const base = { client, repository: ref.repository, name: r.name };
      items.push({ reference, image: { ...base, digest: r.digest, mediaType: r.mediaType } });
      for (const c of r.children)
        items.push({
          reference,
          image: { ...base, digest: c.digest, mediaType: c.mediaType },
          ...(c.platform === undefined ? {} : { platform: c.platform }),
        });
    }
    const digests = await mapLimit(items, Math.max(1, opts.concurrency ?? 4), async (item): Promise<VerifiedDigest> => {
      const checks = (await Promise.all(opts.verifiers.map((v) => v.verify(item.image, policy)))).flat();
      const formats = [...new Set(checks.map((c) => c.format))];
      const passed = formats.filter((f) => checks.every((c) => c.format !== f || c.ok));
      const ok = accept === 'any' ? passed.length > 0 : checks.every((c) => c.ok);
      const platform = item.platform === undefined ? {} : { platform: item.platform };
      opts.onProgress?.({ kind: 'verified', name: item.image.name, digest: item.image.digest, ...platform, ok });
      return {
        reference: item.reference,
        name: item.image.name,
        digest: item.image.digest,
        mediaType: item.image.mediaType,
        ...platform,
        ok,
        passed,
        checks,
      };
    });
    const failures = digests.flatMap((d) =>
      (d.ok ? [] : d.checks)
        .filter((c) => !c.ok)
        .map(
          (c) =>
            `${d.name}@${d.digest}${d.platform === undefined ? '' : ` (${d.platform})`} ${c.what} [${c.format}]: ${c.detail}`,
        ),
    );
    return { ok: failures.length === 0, digests, failures };
  } finally {
    await clients.close();
  }
}
