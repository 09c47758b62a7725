/**
 * One error class for the whole tool. `code` says what kind of failure it is; the message is one line that
 * names what is wrong (file, field, package, URL) so that the CLI and the Action can print it as is.
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
  | 'SIGNING';

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
