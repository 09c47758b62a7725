/**
 * One error class for the whole tool. `code` names the operation that failed; the message is one line that
 * names what is wrong (file, field, package, URL) so that the CLI and the Action can print it as is.
 * Every code belongs to one exit class (EXIT_CLASS below, README "Exit codes").
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'SIGNATURE_INVALID'
  | 'RELEASE_EXPIRED'
  | 'RELEASE_INVALID'
  | 'HASH_MISMATCH'
  | 'SIZE_MISMATCH'
  | 'INDEX_MISSING'
  | 'NETWORK'
  | 'HTTP'
  | 'PARSE'
  | 'UNKNOWN_PACKAGE'
  | 'UNSATISFIABLE'
  | 'LOCK_INVALID'
  | 'LOCK_STALE'
  | 'USAGE'
  | 'LAYOUT_INVALID'
  | 'ARCH_UNSUPPORTED'
  | 'TAR_INVALID'
  | 'DEB_INVALID'
  | 'UNSAFE_ENTRY'
  | 'REGISTRY'
  | 'AUTH'
  | 'GITHUB'
  | 'SIGNING'
  | 'VERIFY'
  | 'INTERNAL';

/** What the process exit code says: 1 a difference was found, 2 the input is wrong, 3 the network or a remote failed, 4 a bug. */
export type ExitClass = 'difference' | 'input' | 'remote' | 'internal';

export const EXIT_CODES: Readonly<Record<ExitClass | 'ok', number>> = {
  ok: 0,
  difference: 1,
  input: 2,
  remote: 3,
  internal: 4,
};

/**
 * The exit class of each code. `input`: what the user gave (config, lockfile, options, keys, files) is wrong or
 * stale; `remote`: a server failed or sent something that does not verify (archive signatures and hashes, .debs,
 * registries, GitHub, Sigstore); `difference`: a check found what it looks for (verify); `internal`: an invariant
 * of this program broke.
 */
export const EXIT_CLASS: Readonly<Record<ErrorCode, ExitClass>> = {
  CONFIG_INVALID: 'input',
  CONFIG_NOT_FOUND: 'input',
  USAGE: 'input',
  AUTH: 'input',
  LOCK_INVALID: 'input',
  LOCK_STALE: 'input',
  UNKNOWN_PACKAGE: 'input',
  UNSATISFIABLE: 'input',
  LAYOUT_INVALID: 'input',
  ARCH_UNSUPPORTED: 'input',
  SIGNATURE_INVALID: 'remote',
  RELEASE_EXPIRED: 'remote',
  RELEASE_INVALID: 'remote',
  HASH_MISMATCH: 'remote',
  SIZE_MISMATCH: 'remote',
  INDEX_MISSING: 'remote',
  NETWORK: 'remote',
  HTTP: 'remote',
  PARSE: 'remote',
  TAR_INVALID: 'remote',
  DEB_INVALID: 'remote',
  UNSAFE_ENTRY: 'remote',
  REGISTRY: 'remote',
  GITHUB: 'remote',
  SIGNING: 'remote',
  VERIFY: 'difference',
  INTERNAL: 'internal',
};

/** The exit code for any thrown value: a DistrolessError by its code's class, anything else is a bug (4). */
export function exitCodeOf(e: unknown): number {
  return e instanceof DistrolessError ? EXIT_CODES[EXIT_CLASS[e.code]] : EXIT_CODES.internal;
}

export class DistrolessError extends Error {
  readonly code: ErrorCode;
  /** Extra lines (e.g. every bad config field); the message stays one line. */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DistrolessError';
    this.code = code;
    this.details = options?.details ?? [];
  }
}

export function isDistrolessError(e: unknown, code?: ErrorCode): e is DistrolessError {
  return e instanceof DistrolessError && (code === undefined || e.code === code);
}

/** Renders any thrown value as one line (non-Error throwables included). */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.name;
  return String(e).split('\n')[0] ?? 'unknown error';
}
