/**
 * Sigstore bundles as bytes: serialising what @sigstore/sign built, parsing what a registry returned (v0.3 with
 * a DSSE envelope only, as cosign 3 stores them), and reading who signed one (a Fulcio certificate's SAN and
 * issuer, or a public key's hint) for reports and for recognising a bundle we stored before.
 */
import { createHash, createPublicKey } from 'node:crypto';
import {
  assertBundle,
  bundleFromJSON,
  bundleToJSON,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  type Bundle,
  type BundleWithDsseEnvelope,
} from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { BUNDLE_MEDIA_TYPE, type SignerIdentity } from './types.js';

/** Fulcio's OIDC issuer extensions: v2 (DER UTF8String) and the older v1 (raw bytes). */
const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';

/** A parsed bundle with its DSSE envelope. */
export interface ParsedBundle {
  bundle: BundleWithDsseEnvelope;
  payloadType: string;
  payload: Buffer;
}

export function serializeBundle(bundle: Bundle): Buffer {
  return Buffer.from(JSON.stringify(bundleToJSON(bundle)), 'utf8');
}

/** Parses bundle bytes; a reason instead when they are not a v0.3 bundle holding a DSSE envelope. */
export function parseBundle(bytes: Buffer): ParsedBundle | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { problem: 'the bundle is not JSON' };
  }
  const mediaType = (json as { mediaType?: unknown } | null)?.mediaType;
  if (mediaType !== BUNDLE_MEDIA_TYPE && mediaType !== BUNDLE_V03_LEGACY_MEDIA_TYPE) {
    return { problem: `the bundle's mediaType is ${JSON.stringify(mediaType)}, not ${BUNDLE_MEDIA_TYPE}` };
  }
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
    assertBundle(bundle);
  } catch (e) {
    const fields = (e as { fields?: unknown }).fields;
    return {
      problem: `the bundle is malformed${Array.isArray(fields) ? ` (${fields.join(', ')})` : ''}: ${(e as Error).message}`,
    };
  }
  if (bundle.content.$case !== 'dsseEnvelope')
    return { problem: `the bundle holds a ${bundle.content.$case}, not a DSSE envelope` };
  const envelope = bundle.content.dsseEnvelope;
  return { bundle: bundle as BundleWithDsseEnvelope, payloadType: envelope.payloadType, payload: envelope.payload };
}

/** Who signed a bundle, as its verification material says (not yet verified). */
export function bundleSigner(bundle: Bundle): SignerIdentity {
  const material = bundle.verificationMaterial.content;
  switch (material.$case) {
    case 'publicKey':
      return { kind: 'key', hint: material.publicKey.hint };
    case 'certificate':
      return certificateIdentity(material.certificate.rawBytes);
    case 'x509CertificateChain': {
      const leaf = material.x509CertificateChain.certificates[0];
      return leaf === undefined ? { kind: 'key', hint: '' } : certificateIdentity(leaf.rawBytes);
    }
  }
}

function certificateIdentity(der: Buffer): SignerIdentity {
  const cert = X509Certificate.parse(Buffer.from(der));
  return { kind: 'certificate', subjectAlternativeName: cert.subjectAltName ?? '', issuer: certificateIssuer(cert) };
}

function certificateIssuer(cert: X509Certificate): string | undefined {
  const v2 = cert.extension(OID_ISSUER_V2);
  if (v2 !== undefined) return v2.valueObj.subs[0]?.value.toString('utf8');
  return cert.extension(OID_ISSUER_V1)?.value.toString('utf8');
}

/**
 * The hint that names a public key in a bundle: base64 of the SHA-256 of its DER SubjectPublicKeyInfo
 * (as sigstore-go and cosign name keys).
 */
export function publicKeyHint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/** One line naming a signer, for reports. */
export function describeSigner(signer: SignerIdentity): string {
  return signer.kind === 'key'
    ? `key ${signer.hint}`
    : `${signer.subjectAlternativeName} (issuer ${signer.issuer ?? 'unknown'})`;
}

export function sameSigner(a: SignerIdentity, b: SignerIdentity): boolean {
  if (a.kind === 'key') return b.kind === 'key' && a.hint === b.hint;
  return b.kind === 'certificate' && a.subjectAlternativeName === b.subjectAlternativeName && a.issuer === b.issuer;
}
