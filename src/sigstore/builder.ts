/**
 * The common part of signing in-toto statements into Sigstore bundles v0.3 (a DSSE envelope plus its
 * verification material), keyless or with a key: @sigstore/sign's DSSEBundleBuilder with the witnesses the
 * options ask for. Nothing here reads the environment or the clock.
 */
import { DSSEBundleBuilder, RekorWitness, TSAWitness, type Signer, type Witness } from '@sigstore/sign';
import { DistrolessError, errorMessage } from '../errors.js';
import { bundleSigner, serializeBundle } from './bundle.js';
import { checkStatement, statementPayload } from './statement.js';
import { IN_TOTO_PAYLOAD_TYPE, type InTotoStatement, type SignedBundle, type SignerIdentity } from './types.js';

/** Where the signature is witnessed: a transparency log (Rekor v1) and/or an RFC 3161 timestamp authority. */
export interface WitnessOptions {
  /** Rekor base URL; `false` logs nothing. */
  rekorURL?: string | false;
  /**
   * The Rekor entry kind for a DSSE envelope. `dsse` (default) is what sigstore-js and the public Rekor use;
   * `intoto` is what @sigstore/mock's Rekor can answer (it logs the proposed entry as is, and only an
   * `intoto` 0.0.2 proposal is already in the canonical form a verifier compares against).
   */
  rekorEntryType?: 'dsse' | 'intoto';
  /** A timestamp authority's base URL (e.g. https://timestamp.sigstore.dev); none by default. */
  tsaURL?: string;
  /** Per-request timeout for Fulcio/Rekor/TSA, in milliseconds. */
  timeoutMs?: number;
  /** Retries per request (on network errors, 408, 429, 5xx); default 2. */
  retries?: number;
}

/** Turns statements into bundles ready to store. */
export interface BundleSigner {
  /** Who signs, when known before signing (a key; keyless identities are known once Fulcio answers). */
  readonly identity?: SignerIdentity;
  signStatement(statement: InTotoStatement): Promise<SignedBundle>;
}

export function bundleSignerFrom(
  signer: Signer,
  witnessList: Witness[],
  what: string,
  identity?: SignerIdentity,
): BundleSigner {
  const builder = new DSSEBundleBuilder({ signer, witnesses: witnessList });
  return {
    ...(identity === undefined ? {} : { identity }),
    async signStatement(statement: InTotoStatement): Promise<SignedBundle> {
      checkStatement(statement);
      const payload = statementPayload(statement);
      let bundle;
      try {
        bundle = await builder.create({ data: payload, type: IN_TOTO_PAYLOAD_TYPE });
      } catch (e) {
        // A token that does not parse is quoted in @sigstore/sign's message: keep it out of ours and of `cause`.
        const tokenError = (e as { code?: unknown }).code === 'IDENTITY_TOKEN_PARSE_ERROR';
        throw new DistrolessError('SIGNING', `${what} (${statement.predicateType}): ${describeSigstoreError(e)}`, {
          cause: tokenError ? undefined : e,
        });
      }
      return {
        bytes: serializeBundle(bundle),
        predicateType: statement.predicateType,
        payload,
        signer: bundleSigner(bundle),
      };
    },
  };
}

export function witnesses(o: WitnessOptions): Witness[] {
  const fetch = fetchOptions(o);
  const list: Witness[] = [];
  if (o.rekorURL !== false && o.rekorURL !== undefined) {
    list.push(
      new RekorWitness({
        rekorBaseURL: o.rekorURL,
        entryType: o.rekorEntryType ?? 'dsse',
        fetchOnConflict: true,
        ...fetch,
      }),
    );
  }
  if (o.tsaURL !== undefined) list.push(new TSAWitness({ tsaBaseURL: o.tsaURL, ...fetch }));
  return list;
}

export function fetchOptions(o: WitnessOptions): { timeout?: number; retry: { retries: number } } {
  return { ...(o.timeoutMs === undefined ? {} : { timeout: o.timeoutMs }), retry: { retries: o.retries ?? 2 } };
}

/**
 * @sigstore/sign's errors say what step failed (`error creating signing certificate`) and keep the service's
 * answer in `cause`: one line with both.
 */
function describeSigstoreError(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown; cause?: unknown };
  if (err.code === 'IDENTITY_TOKEN_PARSE_ERROR') return 'the identity token is not a JWT';
  const message = typeof err.message === 'string' ? err.message : errorMessage(e);
  const cause = err.cause === undefined ? '' : errorMessage(err.cause);
  return cause === '' || message.includes(cause) ? message : `${message}: ${cause}`;
}
