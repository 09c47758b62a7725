/**
 * in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md): what a DSSE
 * envelope of an attestation carries. Plain data; signing is src/sign's business.
 */
import { DistrolessError } from '../errors.js';

/** This tool, as SPDX creators, SLSA builder ids and our URIs name it. */
export const TOOL_NAME = 'distroless-action';
export const TOOL_URI = 'https://github.com/distroless-action/distroless-action';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** Payload type of a DSSE envelope holding a Statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** cosign's `--type spdxjson` predicate type. */
export const SPDX_PREDICATE_TYPE = 'https://spdx.dev/Document';
export const SLSA_PROVENANCE_PREDICATE_TYPE = 'https://slsa.dev/provenance/v1';

export interface StatementSubject {
  /** The image reference or layout ref name the digest belongs to. */
  name: string;
  /** Algorithm → lower-case hex, e.g. `{ sha256: "…" }`. */
  digest: Record<string, string>;
}

export interface InTotoStatement<P = unknown> {
  _type: typeof STATEMENT_TYPE;
  subject: StatementSubject[];
  predicateType: string;
  predicate: P;
}

const SHA256 = /^sha256:([0-9a-f]{64})$/;

/** The hex of a `sha256:<hex>` digest; a USAGE error for anything else. */
export function sha256Hex(digest: string): string {
  const m = SHA256.exec(digest);
  if (!m?.[1])
    throw new DistrolessError(
      'INTERNAL',
      `attestation subject: expected a sha256:<64 hex> digest, got ${JSON.stringify(digest)}`,
    );
  return m[1];
}

/** A Statement about one artifact (`digest` as `sha256:<hex>`). Key order is fixed, so equal inputs serialise alike. */
export function inTotoStatement<P>(
  subject: { name: string; digest: string },
  predicateType: string,
  predicate: P,
): InTotoStatement<P> {
  if (subject.name === '') throw new DistrolessError('INTERNAL', 'attestation subject: empty name');
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subject.name, digest: { sha256: sha256Hex(subject.digest) } }],
    predicateType,
    predicate,
  };
}
