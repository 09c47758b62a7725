/**
 * Shapes and names shared by the Sigstore bundle code: media types and annotation keys (as cosign 3 and
 * `gh attestation` use them), in-toto statements, and the interface a plain signing key must offer.
 */

/** Sigstore bundle v0.3: the referrer manifest's `artifactType` and its one layer's media type. */
export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
/** The OCI empty descriptor's media type; its content is `{}`. */
export const EMPTY_MEDIA_TYPE = 'application/vnd.oci.empty.v1+json';
// The in-toto names are src/attest's (it makes the statements); the bundle code uses them under these names.
export { IN_TOTO_PAYLOAD_TYPE, STATEMENT_TYPE as IN_TOTO_STATEMENT_V1 } from '../attest/statement.js';
/** The predicate of cosign 3's image signature (an in-toto statement with an empty predicate). */
export const COSIGN_SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

/** Annotations of a bundle referrer (on the manifest, copied onto its entry in the referrers index). */
export const ANNOTATIONS = {
  /** `dsse-envelope` or `message-signature`. */
  content: 'dev.sigstore.bundle.content',
  predicateType: 'dev.sigstore.bundle.predicateType',
  /** RFC 3339. */
  created: 'org.opencontainers.image.created',
} as const;

export const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';

/** An in-toto v1 resource descriptor (the fields we use). */
export interface StatementSubject {
  name?: string;
  digest: Record<string, string>;
  annotations?: Record<string, unknown>;
}

/** An in-toto v1 statement, as the attest code makes them (SPDX, SLSA) or as we make the signature one. */
export interface InTotoStatement {
  _type: string;
  subject: StatementSubject[];
  predicateType: string;
  predicate: unknown;
}

/**
 * A plain signing key (our ECDSA P-256 key, e.g. cosign's `cosign.key`): its public key as PEM (SPKI) and a
 * signature over bytes, DER-encoded ECDSA with SHA-256, as DSSE and Sigstore bundles carry it: bare, or as
 * @sigstore/sign's `Signature` (`{ signature, key }`, whose key material is ignored here), so that src/sign's
 * KeySigner fits as it is.
 */
export interface BundleKeySigner {
  readonly publicKeyPem: string;
  sign(data: Buffer): Promise<Buffer | { signature: Buffer }>;
}

/** Who signed a bundle: a Fulcio certificate's identity, or a public key named by its hint. */
export type SignerIdentity =
  { kind: 'certificate'; subjectAlternativeName: string; issuer: string | undefined } | { kind: 'key'; hint: string };

/** A bundle ready to store: its JSON bytes and what the referrer's annotations say about it. */
export interface SignedBundle {
  /** The serialized bundle (`mediaType` BUNDLE_MEDIA_TYPE). */
  bytes: Buffer;
  predicateType: string;
  /** The DSSE payload: the statement exactly as signed. */
  payload: Buffer;
  signer: SignerIdentity;
}
