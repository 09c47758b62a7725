/**
 * Verification of clear-signed files (InRelease) with openpgp.js, as apt does it:
 * - at least one good signature from a trusted key is required;
 * - a signature from a trusted key that does not verify (bad digest, key expired or revoked when it signed,
 *   weak hash) is fatal, even when another signature is good;
 * - signatures from keys we do not trust are ignored, but reported.
 * Only the signed text is returned, and nothing may stand before or after the signed block.
 */
import * as openpgp from 'openpgp';
import { DistrolessError } from '../errors.js';
import type { Keyring } from './keys.js';

/** A good signature. Fingerprints are upper-case hex. */
export interface Signer {
  /** Primary key fingerprint (as listed in the keyring). */
  fingerprint: string;
  /** The key that made the signature: the primary key or one of its signing subkeys. */
  signingKeyFingerprint: string;
  userId: string;
}

export interface VerifiedText {
  /** The signed text, dash-escaping removed, `\n` line ends. */
  text: string;
  signers: Signer[];
  /** Key IDs (16 hex digits) of signatures made by keys not in the keyring: ignored. */
  unknownKeyIds: string[];
}

export interface VerifyOptions {
  /** Where the file came from: named in errors. */
  source: string;
  /** Signatures made after `now + maxClockSkewMs` are rejected (as are keys expired when they signed). */
  now: Date;
  maxClockSkewMs?: number;
}

const DEFAULT_SKEW_MS = 5 * 60 * 1000;
const BEGIN = '-----BEGIN PGP SIGNED MESSAGE-----';
const END = '-----END PGP SIGNATURE-----';

/** Verifies a clear-signed file against `keyring`; throws SIGNATURE_INVALID naming `source`. */
export async function verifyClearsigned(armored: string, keyring: Keyring, opts: VerifyOptions): Promise<VerifiedText> {
  const fail = (why: string, cause?: unknown): DistrolessError =>
    new DistrolessError('SIGNATURE_INVALID', `${opts.source}: ${why}`, { cause });
  checkFraming(armored, fail);
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: armored });
  } catch (e) {
    throw fail(`not a valid clear-signed message (${oneLine(e)})`, e);
  }
  const date = new Date(opts.now.getTime() + (opts.maxClockSkewMs ?? DEFAULT_SKEW_MS));
  const result = await openpgp.verify({ message, verificationKeys: [...keyring.keys], date });
  const signers: Signer[] = [];
  const unknownKeyIds: string[] = [];
  for (const sig of result.signatures) {
    const keyId = sig.keyID.toHex().toUpperCase();
    const owner = keyring.keys.find((k) => k.getKeys(sig.keyID).length > 0);
    if (owner === undefined) {
      unknownKeyIds.push(keyId);
      continue;
    }
    try {
      await sig.verified;
    } catch (e) {
      throw fail(`bad signature from trusted key ${keyId} (${oneLine(e)})`, e);
    }
    signers.push(await describeSigner(owner, sig.keyID, opts.now));
  }
  if (signers.length === 0) {
    const seen =
      unknownKeyIds.length === 0 ? 'no signatures' : `only signatures by untrusted keys ${unknownKeyIds.join(', ')}`;
    throw fail(`no good signature from a trusted key (${seen})`);
  }
  return { text: message.getText(), signers, unknownKeyIds };
}

/** Rejects text outside the signed block (apt does too): only what is signed may ever be read. */
function checkFraming(armored: string, fail: (why: string) => DistrolessError): void {
  const trimmed = armored.replace(/^\uFEFF/, '').trim();
  if (!trimmed.startsWith(BEGIN)) throw fail(`does not start with "${BEGIN}"`);
  if (!trimmed.endsWith(END)) throw fail(`does not end with "${END}"`);
  if (trimmed.indexOf(BEGIN, BEGIN.length) !== -1) throw fail('holds more than one signed message');
  if (trimmed.indexOf(END) !== trimmed.length - END.length) throw fail('holds more than one signature block');
}

async function describeSigner(owner: openpgp.PublicKey, keyId: openpgp.KeyID, now: Date): Promise<Signer> {
  const signing = owner.getKeys(keyId)[0] ?? owner;
  let userId = '';
  try {
    userId = (await owner.getPrimaryUser(now)).user.userID?.userID ?? '';
  } catch {
    // A key without a valid user ID still verified the signature: the name is only informative.
  }
  return {
    fingerprint: owner.getFingerprint().toUpperCase(),
    signingKeyFingerprint: signing.getFingerprint().toUpperCase(),
    userId,
  };
}

function oneLine(e: unknown): string {
  const message = typeof e === 'object' && e !== null ? (e as { message?: unknown }).message : undefined;
  const text = typeof message === 'string' ? message : String(e);
  return (text.split('\n')[0] ?? '').slice(0, 200);
}
