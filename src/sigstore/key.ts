/**
 * Signing bundles with a plain key (our ECDSA P-256 key, e.g. one loaded from cosign's `cosign.key`): the
 * bundle's verification material is the key's hint, not a certificate. Nothing is logged unless a Rekor URL
 * is given: such bundles are verified offline with the public key.
 */
import type { Signature, Signer } from '@sigstore/sign';
import { bundleSignerFrom, witnesses, type BundleSigner, type WitnessOptions } from './builder.js';
import { publicKeyHint } from './bundle.js';
import type { BundleKeySigner } from './types.js';

export function createKeySigner(key: BundleKeySigner, o: WitnessOptions = {}): BundleSigner {
  const hint = publicKeyHint(key.publicKeyPem);
  const signer: Signer = {
    sign: async (data: Buffer): Promise<Signature> => {
      const signed = await key.sign(data);
      return {
        signature: Buffer.isBuffer(signed) ? signed : signed.signature,
        key: { $case: 'publicKey', publicKey: key.publicKeyPem, hint },
      };
    },
  };
  return bundleSignerFrom(signer, witnesses({ ...o, rekorURL: o.rekorURL ?? false }), 'signing with a key', {
    kind: 'key',
    hint,
  });
}
