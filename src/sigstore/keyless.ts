/**
 * Keyless signing: each statement is signed by a fresh ephemeral P-256 key that Fulcio certifies for the
 * identity in an OIDC token (on GitHub Actions the workflow: SAN
 * `https://github.com/OWNER/REPO/.github/workflows/F.yml@REF`, issuer
 * `https://token.actions.githubusercontent.com`), then logged in Rekor and/or timestamped. The token comes
 * from a function: the Action edge calls `@actions/core` `getIDToken('sigstore')`.
 */
import { FulcioSigner } from '@sigstore/sign';
import { DistrolessError } from '../errors.js';
import { bundleSignerFrom, fetchOptions, witnesses, type BundleSigner, type WitnessOptions } from './builder.js';
import { DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL } from './types.js';

export interface KeylessOptions extends WitnessOptions {
  /** Returns an OIDC identity token whose audience is `sigstore`. */
  getIdentityToken: () => Promise<string>;
  /** Default https://fulcio.sigstore.dev. */
  fulcioURL?: string;
  /** Default https://rekor.sigstore.dev; `false` only together with a `tsaURL`. */
  rekorURL?: string | false;
}

export function createKeylessSigner(o: KeylessOptions): BundleSigner {
  const rekorURL = o.rekorURL ?? DEFAULT_REKOR_URL;
  if (rekorURL === false && o.tsaURL === undefined) {
    throw new DistrolessError(
      'USAGE',
      'keyless signing needs a transparency log or a timestamp authority: a Fulcio certificate is valid for 10 minutes only',
    );
  }
  const signer = new FulcioSigner({
    identityProvider: { getToken: () => o.getIdentityToken() },
    fulcioBaseURL: o.fulcioURL ?? DEFAULT_FULCIO_URL,
    ...fetchOptions(o),
  });
  return bundleSignerFrom(signer, witnesses({ ...o, rekorURL }), 'keyless signing');
}
