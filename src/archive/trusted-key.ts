// Its own file so that the generated key list (debian-keys.ts) and keys.ts, which reads it, do not import each other.

/** A public key shipped as data (see src/archive/debian-keys.ts, made by scripts/gen-keys.mjs). */
export interface TrustedKey {
  /** Short name, e.g. `bookworm-automatic` (the keyring file was `debian-archive-<name>.gpg`). */
  name: string;
  userId: string;
  /** Primary key fingerprint, upper-case hex. */
  fingerprint: string;
  subkeyFingerprints: readonly string[];
  algorithm: string;
  /** ISO date the primary key expires, or null. */
  expires: string | null;
  armored: string;
}
