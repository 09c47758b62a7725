/**
 * The seams of signing: where signatures are stored (`SignatureStorage`: legacy `.sig`/`.att` tags here,
 * Sigstore bundles as referrers in src/sigstore/) and how they are checked (`SignatureVerifier`). The app
 * layer drives a list of them, so `--signature-format legacy|bundle|both` is a choice of storages.
 */
import type { RegistryClient } from '../registry/index.js';
import type { InTotoStatement } from './payload.js';
import { SLSA_PROVENANCE_PREDICATE_TYPE, SPDX_PREDICATE_TYPE } from '../attest/statement.js';

export type StorageFormat = 'legacy' | 'bundle';
export type SignatureFormat = StorageFormat | 'both';
export const SIGNATURE_FORMATS: readonly SignatureFormat[] = ['legacy', 'bundle', 'both'];

/** Predicate types `verify` requires by default: an SPDX SBOM and SLSA v1 provenance. */
export const DEFAULT_PREDICATE_TYPES: readonly string[] = [SPDX_PREDICATE_TYPE, SLSA_PROVENANCE_PREDICATE_TYPE];

/** An image (manifest or index) in a registry, by digest. */
export interface SignedImage {
  client: RegistryClient;
  /** Repository path on the registry, e.g. `distroless/static-debian12`. */
  repository: string;
  /** `host/repository`: the simple-signing docker-reference and the in-toto subject name. */
  name: string;
  /** `sha256:<hex>` */
  digest: string;
  mediaType: string;
}

export interface StoreResult {
  format: StorageFormat;
  kind: 'signature' | 'attestation';
  /** Where it is stored, e.g. `distroless/static-debian12:sha256-….sig`. */
  location: string;
  /** Signatures or attestations this run added (0: all were there already). */
  added: number;
  /** Ours that were there already (not signed again). */
  existing: number;
  /** Ours that were replaced (an attestation of the same predicate type whose statement changed). */
  replaced: number;
  /** Digest of the manifest that now holds them. */
  manifestDigest: string;
}

export interface SignatureStorage {
  readonly format: StorageFormat;
  /** Signs the image digest and stores the signature, unless this signer's signature is already there. */
  sign(image: SignedImage): Promise<StoreResult>;
  /** Signs and stores each statement (a DSSE envelope), unless this signer's identical one is already there. */
  attest(image: SignedImage, statements: readonly InTotoStatement[]): Promise<StoreResult>;
}

/** One verification step and its outcome; `detail` says what was found (or what is wrong). */
export interface Check {
  format: StorageFormat;
  /** `signature`, `attestation https://spdx.dev/Document`, … */
  what: string;
  ok: boolean;
  detail: string;
}

export interface VerifyPolicy {
  /** Attestation predicate types that must be present and valid (cosign matches them exactly). */
  predicateTypes: readonly string[];
}

export interface SignatureVerifier {
  readonly format: StorageFormat;
  /** Every check for one digest; never throws for a bad signature (that is a failed check). */
  verify(image: SignedImage, policy: VerifyPolicy): Promise<Check[]>;
}
