/**
 * Verifying the Sigstore bundles attached to an image: each bundle with @sigstore/verify against the trust
 * policy (certificate chain, SCT, transparency log, timestamps, signature; or the public key), then the signer
 * against the policy's identity and issuer, then the signed statement against the image: its subject must be
 * this digest (a bundle copied onto another image verifies as a signature but is not about that image).
 * Returns a structured result; prints nothing.
 */
import { toSignedEntity, Verifier } from '@sigstore/verify';
import type { RegistryClient } from '../registry/index.js';
import { bundleSigner, describeSigner, parseBundle, type ParsedBundle } from './bundle.js';
import { listReferrers, readReferrerBundle, type ReferrersStorage } from './referrers.js';
import { parseStatement, statementCovers, statementDigests } from './statement.js';
import { prepareTrust, type PreparedTrust, type TrustPolicy } from './trust.js';
import {
  ANNOTATIONS,
  BUNDLE_MEDIA_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  type InTotoStatement,
  type SignerIdentity,
} from './types.js';

export interface BundleCheck {
  /** The referrer manifest's digest (empty for a bundle verified from bytes). */
  referrer: string;
  ok: boolean;
  /** Why it failed, one line. */
  reason?: string;
  /** From the verified statement; else what the referrer's annotation claims. */
  predicateType?: string;
  /** Verified when `ok`; otherwise what the bundle claims (when it could be read). */
  signer?: SignerIdentity;
  statement?: InTotoStatement;
}

export interface VerifyResult {
  subject: string;
  /** At least one verified bundle for each required predicate type (or for any, when none is required). */
  ok: boolean;
  storage: ReferrersStorage;
  bundles: BundleCheck[];
  /** One line per failed bundle and per required predicate type that no verified bundle has. */
  failures: string[];
}

export interface VerifyReferrersOptions {
  repository: string;
  /** The image digest. */
  subject: string;
  policy: TrustPolicy | PreparedTrust;
  /** Predicate types that must each have a verified bundle (e.g. the cosign signature, SPDX, SLSA). */
  predicateTypes?: readonly string[];
}

/** Fetches the bundle referrers of `subject` and verifies each. */
export async function verifyReferrers(client: RegistryClient, o: VerifyReferrersOptions): Promise<VerifyResult> {
  const trust = 'material' in o.policy ? o.policy : prepareTrust(o.policy);
  const listing = await listReferrers(client, o.repository, o.subject, { artifactType: BUNDLE_MEDIA_TYPE });
  const bundles: BundleCheck[] = [];
  for (const referrer of listing.referrers) {
    const stored = await readReferrerBundle(client, o.repository, o.subject, referrer);
    const claimed = referrer.annotations?.[ANNOTATIONS.predicateType];
    const check =
      'problem' in stored
        ? { referrer: referrer.digest, ok: false, reason: stored.problem }
        : checkParsed(stored.parsed, o.subject, trust, referrer.digest);
    bundles.push({ ...(claimed === undefined ? {} : { predicateType: claimed }), ...check });
  }
  return summarize(o.subject, listing.storage, bundles, o.predicateTypes ?? []);
}

/** Verifies one bundle (its bytes, e.g. from a file) as being about `subject`. */
export function verifyBundle(bytes: Buffer, subject: string, policy: TrustPolicy | PreparedTrust): BundleCheck {
  const trust = 'material' in policy ? policy : prepareTrust(policy);
  const parsed = parseBundle(bytes);
  if ('problem' in parsed) return { referrer: '', ok: false, reason: parsed.problem };
  return checkParsed(parsed, subject, trust, '');
}

function checkParsed(parsed: ParsedBundle, subject: string, trust: PreparedTrust, referrer: string): BundleCheck {
  const claimed = bundleSigner(parsed.bundle);
  const fail = (reason: string): BundleCheck => ({ referrer, ok: false, reason, signer: claimed });
  if (parsed.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    return fail(`the DSSE payload type is ${parsed.payloadType}, not ${IN_TOTO_PAYLOAD_TYPE}`);
  const mismatch = materialMismatch(claimed, trust);
  if (mismatch !== undefined) return fail(mismatch);
  try {
    new Verifier(trust.material, trust.thresholds).verify(toSignedEntity(parsed.bundle));
  } catch (e) {
    return fail(verificationReason(e, claimed, trust));
  }
  const identity = identityProblem(claimed, trust.policy);
  if (identity !== undefined) return fail(identity);
  const statement = parseStatement(parsed.payload);
  if ('problem' in statement) return fail(statement.problem);
  const s = statement.statement;
  if (!statementCovers(s, subject)) {
    return {
      ...fail(`statement is for ${statementDigests(s).join(', ') || 'no sha256 digest'}, image is ${subject}`),
      predicateType: s.predicateType,
    };
  }
  return { referrer, ok: true, predicateType: s.predicateType, signer: claimed, statement: s };
}

/** A certificate where a key is expected, or the other way round. */
function materialMismatch(claimed: SignerIdentity, trust: PreparedTrust): string | undefined {
  if (trust.policy.kind === 'key' && claimed.kind === 'certificate')
    return `signed keylessly by ${describeSigner(claimed)}, not with the given key`;
  if (trust.policy.kind === 'keyless' && claimed.kind === 'key')
    return `signed with ${describeSigner(claimed)}, not keylessly (no certificate)`;
  return undefined;
}

function verificationReason(e: unknown, claimed: SignerIdentity, trust: PreparedTrust): string {
  const err = e as { code?: unknown; message?: unknown };
  const message = typeof err.message === 'string' ? err.message : String(e);
  if (
    err.code === 'SIGNATURE_ERROR' &&
    trust.keyHint !== undefined &&
    claimed.kind === 'key' &&
    claimed.hint !== trust.keyHint
  ) {
    return `signature does not verify with the given key: the bundle names key ${claimed.hint}, the given key is ${trust.keyHint}`;
  }
  return typeof err.code === 'string' ? `${message} (${err.code})` : message;
}

function identityProblem(claimed: SignerIdentity, policy: TrustPolicy): string | undefined {
  if (policy.kind !== 'keyless' || claimed.kind !== 'certificate') return undefined;
  const san = claimed.subjectAlternativeName;
  const matches = typeof policy.identity === 'string' ? san === policy.identity : policy.identity.test(san);
  if (!matches)
    return `certificate identity is ${san}, expected ${typeof policy.identity === 'string' ? policy.identity : `a match of ${policy.identity.toString()}`}`;
  if (claimed.issuer !== policy.issuer)
    return `certificate issuer is ${claimed.issuer ?? '(none)'}, expected ${policy.issuer}`;
  return undefined;
}

function summarize(
  subject: string,
  storage: ReferrersStorage,
  bundles: BundleCheck[],
  required: readonly string[],
): VerifyResult {
  const failures = bundles
    .filter((b) => !b.ok)
    .map(
      (b) =>
        `bundle ${b.referrer}${b.predicateType === undefined ? '' : ` (${b.predicateType})`}: ${b.reason ?? 'failed'}`,
    );
  const verified = bundles.filter((b) => b.ok);
  if (bundles.length === 0) failures.push(`no Sigstore bundle is attached to ${subject}`);
  else if (required.length === 0 && verified.length === 0) failures.push(`no bundle attached to ${subject} verifies`);
  for (const type of required) {
    if (!verified.some((b) => b.predicateType === type)) failures.push(`no verified ${type} bundle for ${subject}`);
  }
  const ok =
    required.length === 0 ? verified.length > 0 : required.every((t) => verified.some((b) => b.predicateType === t));
  return { subject, ok, storage, bundles, failures };
}
