/**
 * The one retry policy of everything that speaks HTTP (the Debian archive client, the registry client), as
 * data: which statuses are retried, the backoff table, the number of tries, how Retry-After is honoured, and
 * the timeouts of one try. `FAST_RETRY` is the same rules with millisecond waits, for tests.
 */
export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  /** Delay before retry n (1-based) is min(baseDelayMs * 2^(n-1), maxDelayMs), plus up to `jitter` of it. */
  baseDelayMs: number;
  maxDelayMs: number;
  jitter: number;
  /** A Retry-After longer than this is cut to it. */
  maxRetryAfterMs: number;
  retryStatuses: readonly number[];
  /** A connection not established in this time fails the try (applies to the dispatcher the edge builds). */
  connectTimeoutMs: number;
  /** The response headers must arrive within this time of the request being sent. */
  headersTimeoutMs: number;
  /** The body may not stall longer than this between two chunks. */
  bodyTimeoutMs: number;
  /**
   * The headers timeout of a request that completes an upload: a registry may move or re-hash a large blob
   * in its storage before it answers.
   */
  commitTimeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  jitter: 0.2,
  maxRetryAfterMs: 60_000,
  retryStatuses: [408, 429, 500, 502, 503, 504],
  connectTimeoutMs: 15_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  commitTimeoutMs: 5 * 60_000,
};

/** For tests: same rules, millisecond waits. */
export const FAST_RETRY: RetryPolicy = {
  ...DEFAULT_RETRY,
  attempts: 4,
  baseDelayMs: 1,
  maxDelayMs: 5,
  jitter: 0,
  maxRetryAfterMs: 20,
};

/** One try, nothing retried: for a source with a fallback behind it (the snapshot service before the mirror). */
export function singleTry(policy: RetryPolicy, timeoutMs?: number): RetryPolicy {
  return {
    ...policy,
    attempts: 1,
    retryStatuses: [],
    ...(timeoutMs === undefined ? {} : { headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs }),
  };
}

/** Delay before the next try: Retry-After when the server gave one (capped), else exponential backoff. */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const base = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(base * (1 + policy.jitter * Math.random()));
}

/**
 * Retry-After as delta-seconds, or as an HTTP date measured against the response's own Date header (so that
 * no local clock is read). Undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  dateHeader: string | null | undefined,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  const served = dateHeader === null || dateHeader === undefined ? NaN : Date.parse(dateHeader);
  if (Number.isNaN(at) || Number.isNaN(served)) return undefined;
  return Math.max(0, at - served);
}
