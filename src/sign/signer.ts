/**
 * Signers. The interface is @sigstore/sign's `Signer` (`sign(bytes) → {signature, key}`), so a keyless
 * `FulcioSigner` and our key signer are interchangeable for bundle builders; `ImageSigner` adds what the
 * legacy storage needs: a name for messages, and whether an existing signature is ours (so that signing again
 * adds nothing).
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { Signature, Signer } from '@sigstore/sign';
import { keyFingerprint, publicKeyPem } from './keys.js';

export type { Signature, Signer } from '@sigstore/sign';

export interface ImageSigner extends Signer {
  /** For messages and summaries, e.g. `key sha256:ab12…`; never key material. */
  readonly identity: string;
  /**
   * Whether `signature` over `data` was made by this signer. A key signer verifies it with its public key; a
   * keyless signer may compare the certificate identity in `annotations`.
   */
  owns(data: Buffer, signature: Buffer, annotations: Readonly<Record<string, string>>): boolean;
  /**
   * Extra layer annotations for the legacy `.sig`/`.att` storage (keyless: `dev.sigstore.cosign/certificate`,
   * `…/chain`, `…/bundle`); none for a key.
   */
  legacyAnnotations?(payload: Buffer, signature: Signature): Promise<Record<string, string>>;
}

/** ECDSA P-256 with SHA-256, DER-encoded signatures: what cosign makes and checks with `--key`. */
export class KeySigner implements ImageSigner {
  readonly identity: string;
  /** SPKI PEM of the public key (with `signDer`, what src/sigstore's `BundleKeySigner` asks for). */
  readonly publicKeyPem: string;
  private readonly publicKey: KeyObject;

  constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    this.publicKeyPem = publicKeyPem(this.publicKey);
    this.identity = `key ${keyFingerprint(this.publicKey)}`;
  }

  async sign(data: Buffer): Promise<Signature> {
    const signature = await this.signDer(data);
    return {
      signature,
      key: {
        $case: 'publicKey',
        publicKey: this.publicKeyPem,
        hint: keyFingerprint(this.publicKey).slice('sha256:'.length),
      },
    };
  }

  /** The bare DER signature over `data`. */
  async signDer(data: Buffer): Promise<Buffer> {
    return sign('sha256', data, { key: this.privateKey, dsaEncoding: 'der' });
  }

  owns(data: Buffer, signature: Buffer): boolean {
    return verifySignature(this.publicKey, data, signature);
  }
}

/** Checks a DER ECDSA signature over `data` (SHA-256); a malformed signature is simply not valid. */
export function verifySignature(publicKey: KeyObject, data: Buffer, signature: Buffer): boolean {
  try {
    return verify('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
