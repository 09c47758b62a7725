/**
 * What a bundle is verified against: a Sigstore trusted root (`trusted_root.json`: Fulcio CAs, Rekor and CT
 * log keys, timestamp authorities; the public-good one or a test one) with an identity policy, or a public key.
 * Turned into @sigstore/verify's trust material once, then used for every bundle.
 */
import { createPublicKey } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial, type TrustMaterial, type VerifierOptions } from '@sigstore/verify';
import { DistrolessError, errorMessage } from '../errors.js';
import { publicKeyHint } from './bundle.js';

const TRUSTED_ROOT_MEDIA_TYPE = /^application\/vnd\.dev\.sigstore\.trustedroot(\.v0\.\d+)?\+json/;

/**
 * Keyless: the bundle's certificate must chain to the root's Fulcio CA and name `identity` (the certificate's
 * SAN: exactly this string, or matching this RegExp, which the caller anchors) issued by `issuer` (exact).
 */
export interface KeylessPolicy {
  kind: 'keyless';
  /** The parsed `trusted_root.json`. */
  trustedRoot: unknown;
  identity: string | RegExp;
  issuer: string;
  /** Defaults: 1 tlog entry, 1 SCT, 1 timestamp (a tlog integrated time or an RFC 3161 one). */
  thresholds?: VerifierOptions;
}

/** A key: the bundle must be signed by it. Logged or timestamped only if a trusted root is given. */
export interface KeyPolicy {
  kind: 'key';
  publicKeyPem: string;
  /** With a root, the bundle's tlog entries and timestamps are checked too (default thresholds 1). */
  trustedRoot?: unknown;
  thresholds?: VerifierOptions;
}

export type TrustPolicy = KeylessPolicy | KeyPolicy;

export interface PreparedTrust {
  policy: TrustPolicy;
  material: TrustMaterial;
  thresholds: VerifierOptions;
  /** The key policy's hint (base64 SHA-256 of its SPKI). */
  keyHint?: string;
}

/** Parses a `trusted_root.json` document; throws PARSE naming what is wrong. */
export function parseTrustedRoot(json: unknown): TrustedRoot {
  const mediaType = (json as { mediaType?: unknown } | null)?.mediaType;
  if (typeof mediaType !== 'string' || !TRUSTED_ROOT_MEDIA_TYPE.test(mediaType)) {
    throw new DistrolessError(
      'PARSE',
      `trusted root: mediaType ${JSON.stringify(mediaType)} is not application/vnd.dev.sigstore.trustedroot+json`,
    );
  }
  try {
    return TrustedRoot.fromJSON(json);
  } catch (e) {
    throw new DistrolessError('PARSE', `trusted root: ${errorMessage(e)}`, { cause: e });
  }
}

const EMPTY_ROOT = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

export function prepareTrust(policy: TrustPolicy): PreparedTrust {
  if (policy.kind === 'keyless') {
    const material = toTrustMaterial(parseTrustedRoot(policy.trustedRoot));
    if (material.certificateAuthorities.length === 0)
      throw new DistrolessError('USAGE', 'trusted root: no certificate authority to verify keyless signatures with');
    const thresholds = { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1, ...policy.thresholds };
    return { policy, material, thresholds };
  }
  let key;
  try {
    key = createPublicKey(policy.publicKeyPem);
  } catch (e) {
    throw new DistrolessError('USAGE', `public key: not a PEM public key (${errorMessage(e)})`, { cause: e });
  }
  const root = parseTrustedRoot(policy.trustedRoot ?? EMPTY_ROOT);
  // Every hint leads to the one key: the signature check decides, the hint only explains a failure.
  const material = toTrustMaterial(root, () => ({ publicKey: key, validFor: () => true }));
  const logged = policy.trustedRoot === undefined ? 0 : 1;
  const thresholds = { tlogThreshold: logged, ctlogThreshold: 0, timestampThreshold: logged, ...policy.thresholds };
  return { policy, material, thresholds, keyHint: publicKeyHint(policy.publicKeyPem) };
}
