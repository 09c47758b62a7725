/**
 * What gets signed: cosign's simple-signing payload for an image digest (byte-exact: skopeo and podman
 * compare its shape strictly, cosign the digest), and DSSE envelopes of in-toto statements with their
 * pre-authentication encoding (PAE).
 */
import { DistrolessError } from '../errors.js';

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export { IN_TOTO_PAYLOAD_TYPE as INTOTO_PAYLOAD_TYPE } from '../attest/statement.js';

/** An in-toto statement (v1 or v0.1): what the attest module produces. */
export interface InTotoStatement {
  _type: string;
  subject: Array<{ name: string; digest: Record<string, string> }>;
  predicateType: string;
  predicate: unknown;
}

export interface SimpleSigning {
  dockerReference: string;
  digest: string;
}

/**
 * `{"critical":{"identity":{"docker-reference":R},"image":{"docker-manifest-digest":D},"type":"cosign container
 * image signature"},"optional":null}`, exactly, keys in this order. `dockerReference` is the repository
 * without tag or digest (`host/path`).
 */
export function simpleSigningPayload(dockerReference: string, digest: string): Buffer {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new DistrolessError('INTERNAL', `not a sha256 digest: ${JSON.stringify(digest)}`);
  const identity = `{"docker-reference":${JSON.stringify(dockerReference)}}`;
  const image = `{"docker-manifest-digest":${JSON.stringify(digest)}}`;
  return Buffer.from(
    `{"critical":{"identity":${identity},"image":${image},"type":${JSON.stringify(SIMPLE_SIGNING_TYPE)}},"optional":null}`,
    'utf8',
  );
}

/** Reads a simple-signing payload, checking its shape (as cosign does: critical.type, image digest). */
export function parseSimpleSigning(bytes: Buffer): SimpleSigning {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new DistrolessError('SIGNATURE_INVALID', 'the signature payload is not JSON');
  }
  const critical = isObject(doc) ? doc.critical : undefined;
  if (!isObject(critical))
    throw new DistrolessError('SIGNATURE_INVALID', 'the signature payload has no "critical" object');
  if (critical.type !== SIMPLE_SIGNING_TYPE)
    throw new DistrolessError(
      'SIGNATURE_INVALID',
      `the signature payload's type is ${JSON.stringify(critical.type)}, not "${SIMPLE_SIGNING_TYPE}"`,
    );
  const digest = isObject(critical.image) ? critical.image['docker-manifest-digest'] : undefined;
  const ref = isObject(critical.identity) ? critical.identity['docker-reference'] : undefined;
  if (typeof digest !== 'string')
    throw new DistrolessError('SIGNATURE_INVALID', 'the signature payload names no docker-manifest-digest');
  return { digest, dockerReference: typeof ref === 'string' ? ref : '' };
}

/** DSSE pre-authentication encoding: `DSSEv1 <len(type)> <type> <len(body)> <body>` (lengths in bytes). */
export function pae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

export interface DsseEnvelope {
  payloadType: string;
  /** std base64 */
  payload: string;
  signatures: Array<{ keyid: string; sig: string }>;
}

/** The envelope bytes as cosign writes them (payloadType, payload, signatures; keyid "" for a key). */
export function serializeEnvelope(
  payloadType: string,
  body: Buffer,
  signatures: ReadonlyArray<{ keyid?: string; sig: Buffer }>,
): Buffer {
  const envelope: DsseEnvelope = {
    payloadType,
    payload: body.toString('base64'),
    signatures: signatures.map((s) => ({ keyid: s.keyid ?? '', sig: s.sig.toString('base64') })),
  };
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

export function parseEnvelope(bytes: Buffer): {
  payloadType: string;
  body: Buffer;
  signatures: Array<{ keyid: string; sig: Buffer }>;
} {
  const doc = jsonOf(bytes, 'the DSSE envelope');
  if (
    !isObject(doc) ||
    typeof doc.payloadType !== 'string' ||
    typeof doc.payload !== 'string' ||
    !Array.isArray(doc.signatures)
  ) {
    throw new DistrolessError('SIGNATURE_INVALID', 'not a DSSE envelope (payloadType, payload, signatures)');
  }
  const signatures = doc.signatures.filter(isObject).map((s) => ({
    keyid: typeof s.keyid === 'string' ? s.keyid : '',
    sig: Buffer.from(typeof s.sig === 'string' ? s.sig : '', 'base64'),
  }));
  return { payloadType: doc.payloadType, body: Buffer.from(doc.payload, 'base64'), signatures };
}

/** The statement as signed: JSON in the key order it was built with (the attest module builds it stably). */
export function statementBytes(statement: InTotoStatement): Buffer {
  return Buffer.from(JSON.stringify(statement), 'utf8');
}

export function parseStatement(body: Buffer): InTotoStatement {
  const doc = jsonOf(body, 'the attestation payload');
  if (
    !isObject(doc) ||
    typeof doc._type !== 'string' ||
    typeof doc.predicateType !== 'string' ||
    !Array.isArray(doc.subject)
  ) {
    throw new DistrolessError(
      'SIGNATURE_INVALID',
      'the attestation payload is not an in-toto statement (_type, subject, predicateType)',
    );
  }
  return doc as unknown as InTotoStatement;
}

function jsonOf(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new DistrolessError('SIGNATURE_INVALID', `${what} is not JSON`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
