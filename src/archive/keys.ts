/**
 * Trusted OpenPGP keys. Parsing an armored key (and checking its self-signatures on first use) costs far more
 * than verifying an InRelease, so a keyring is parsed once and the same `Keyring` is passed to every
 * verification; openpgp.js then caches the verified self-signatures on the parsed key objects.
 */
import * as openpgp from 'openpgp';
import { DistrolessError } from '../errors.js';
import { DEBIAN_ARCHIVE_KEYS } from './debian-keys.js';
import type { TrustedKey } from './trusted-key.js';

export type { TrustedKey } from './trusted-key.js';

/** Parsed trusted keys, ready for `verifyClearsigned`. */
export interface Keyring {
  readonly keys: readonly openpgp.PublicKey[];
  /** Primary fingerprints, upper-case hex, in input order. */
  readonly fingerprints: readonly string[];
}

/** Parses armored public keys (or `TrustedKey` records). Throws SIGNATURE_INVALID if one is not a public key. */
export async function loadKeyring(keys: readonly (string | TrustedKey)[]): Promise<Keyring> {
  const parsed: openpgp.PublicKey[] = [];
  for (const [i, k] of keys.entries()) {
    const armored = typeof k === 'string' ? k : k.armored;
    const label = typeof k === 'string' ? `trusted key #${i + 1}` : `trusted key ${k.name}`;
    let key: openpgp.Key;
    try {
      key = await openpgp.readKey({ armoredKey: armored });
    } catch (e) {
      throw new DistrolessError('SIGNATURE_INVALID', `${label} cannot be read: ${(e as Error).message}`, { cause: e });
    }
    if (key.isPrivate())
      throw new DistrolessError('SIGNATURE_INVALID', `${label} is a private key, expected a public key`);
    if (typeof k !== 'string' && key.getFingerprint().toUpperCase() !== k.fingerprint) {
      throw new DistrolessError('SIGNATURE_INVALID', `${label} does not have the fingerprint ${k.fingerprint}`);
    }
    parsed.push(key.toPublic());
  }
  return { keys: parsed, fingerprints: parsed.map((k) => k.getFingerprint().toUpperCase()) };
}

/** Names of the Debian archive keys shipped with the project. */
export function debianKeyNames(): string[] {
  return DEBIAN_ARCHIVE_KEYS.map((k) => k.name);
}

const debianKeyrings = new Map<string, Promise<Keyring>>();

/**
 * The shipped Debian archive keys (all of them by default, or those named), parsed once per process and
 * shared: the same promise is returned for the same selection.
 */
export function debianKeyring(names?: readonly string[]): Promise<Keyring> {
  const selected = names === undefined ? DEBIAN_ARCHIVE_KEYS : names.map(findDebianKey);
  const cacheKey = selected.map((k) => k.name).join(',');
  let ring = debianKeyrings.get(cacheKey);
  if (ring === undefined) {
    ring = loadKeyring(selected);
    ring.catch(() => debianKeyrings.delete(cacheKey));
    debianKeyrings.set(cacheKey, ring);
  }
  return ring;
}

function findDebianKey(name: string): TrustedKey {
  const key = DEBIAN_ARCHIVE_KEYS.find((k) => k.name === name);
  if (key === undefined) {
    throw new DistrolessError(
      'SIGNATURE_INVALID',
      `unknown Debian archive key ${name} (known: ${debianKeyNames().join(', ')})`,
    );
  }
  return key;
}
