/**
 * Sigstore bundles (v0.3, DSSE-wrapped in-toto statements) signed keylessly (Fulcio + Rekor/TSA) or with a key,
 * stored as OCI referrers of the image (referrers API, else the `sha256-<hex>` fallback tag), and verified
 * with @sigstore/verify against a trusted root and an identity policy, or a public key.
 */
export {
  ANNOTATIONS,
  BUNDLE_MEDIA_TYPE,
  COSIGN_SIGN_PREDICATE_TYPE,
  DEFAULT_FULCIO_URL,
  DEFAULT_REKOR_URL,
  EMPTY_MEDIA_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_V1,
  type BundleKeySigner,
  type InTotoStatement,
  type SignedBundle,
  type SignerIdentity,
  type StatementSubject,
} from './types.js';
export { checkStatement, signatureStatement, statementDigests, statementPayload } from './statement.js';
export type { BundleSigner, WitnessOptions } from './builder.js';
export { createKeylessSigner, type KeylessOptions } from './keyless.js';
export { createKeySigner } from './key.js';
export { describeSigner, parseBundle, publicKeyHint, type ParsedBundle } from './bundle.js';
export { fallbackTag, type ReferrerDescriptor, type SubjectDescriptor } from './referrers-index.js';
export {
  attachBundle,
  findEquivalentReferrer,
  listReferrers,
  readReferrerBundle,
  type AttachOptions,
  type AttachResult,
  type BundleEquivalence,
  type ReferrerBundle,
  type ReferrersListing,
  type ReferrersStorage,
} from './referrers.js';
export { signAndAttach, type AttachedStatement, type SignAndAttachOptions } from './attach.js';
export {
  parseTrustedRoot,
  prepareTrust,
  type KeyPolicy,
  type KeylessPolicy,
  type PreparedTrust,
  type TrustPolicy,
} from './trust.js';
export {
  verifyBundle,
  verifyReferrers,
  type BundleCheck,
  type VerifyReferrersOptions,
  type VerifyResult,
} from './verify.js';
