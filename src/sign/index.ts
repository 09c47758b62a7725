/** Key-based signing and cosign's legacy `.sig`/`.att` storage; the storage and verifier seams for bundles. */
export { loadPrivateKey, loadPublicKey, keyFingerprint, publicKeyPem, type KeySource } from './keys.js';
export { KeySigner, verifySignature, type ImageSigner, type Signature, type Signer } from './signer.js';
export {
  DSSE_MEDIA_TYPE,
  INTOTO_PAYLOAD_TYPE,
  SIMPLE_SIGNING_MEDIA_TYPE,
  pae,
  parseEnvelope,
  parseSimpleSigning,
  parseStatement,
  serializeEnvelope,
  simpleSigningPayload,
  statementBytes,
  type DsseEnvelope,
  type InTotoStatement,
  type SimpleSigning,
} from './payload.js';
export {
  SIGNATURE_ANNOTATION,
  PREDICATE_TYPE_ANNOTATION,
  attestationTag,
  parseSignatureManifest,
  signatureConfig,
  signatureManifest,
  signatureTag,
  type LayerDescriptor,
} from './legacy-manifest.js';
export { createLegacyStorage } from './legacy.js';
export { createLegacyVerifier } from './verify-legacy.js';
export {
  DEFAULT_PREDICATE_TYPES,
  SIGNATURE_FORMATS,
  type Check,
  type SignatureFormat,
  type SignatureStorage,
  type SignatureVerifier,
  type SignedImage,
  type StorageFormat,
  type StoreResult,
  type VerifyPolicy,
} from './types.js';

export { SPDX_PREDICATE_TYPE, SLSA_PROVENANCE_PREDICATE_TYPE as SLSA_PREDICATE_TYPE } from '../attest/statement.js';
