/**
 * The retry wrapper. The policy is data, shared with the archive client (`archive/http.ts`): which statuses
 * are retried, the backoff table, the Retry-After cap; `FAST_RETRY` is the same rules with millisecond waits,
 * for tests. Connection failures are retried like 5xx. Requests marked `retry: false` pass straight through.
 */
import { DEFAULT_RETRY, FAST_RETRY, parseRetryAfter, retryDelay, type RetryPolicy } from '../archive/http.js';
import { networkError, RegistryError } from './errors.js';
import type { Secrets } from './secrets.js';
import type { RegistryResponse, Transport } from './transport.js';

export { DEFAULT_RETRY, FAST_RETRY, parseRetryAfter, retryDelay, type RetryPolicy };

export interface RetryEvent {
  registry: string;
  method: string;
  /** Path only: upload URLs carry state in their query. */
  path: string;
  /** The try that failed (1-based). */
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface RetryOptions {
  policy: RetryPolicy;
  secrets: Secrets;
  sleep: (ms: number) => Promise<void>;
  onRetry?: (event: RetryEvent) => void;
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function withRetry(next: Transport, o: RetryOptions): Transport {
  return async (req) => {
    for (let attempt = 1; ; attempt++) {
      let res: RegistryResponse | undefined;
      let failure: RegistryError | undefined;
      try {
        res = await next(req);
      } catch (e) {
        if (!(e instanceof RegistryError) || e.status !== undefined || !e.retryable) throw e;
        failure = e;
      }
      if (res !== undefined && !o.policy.retryStatuses.includes(res.status)) return { ...res, attempts: attempt };
      const info = { registry: req.url.host, method: req.method, url: req.url };
      if (req.retry === false || attempt >= o.policy.attempts) {
        if (res !== undefined) return { ...res, attempts: attempt };
        throw networkError(info, failure?.cause, o.secrets, attempt);
      }
      const retryAfterMs =
        res === undefined ? undefined : parseRetryAfter(res.header('retry-after') ?? null, res.header('date') ?? null);
      const reason =
        res === undefined ? (failure?.reason ?? 'no response') : `HTTP ${res.status} ${res.statusText}`.trim();
      await res?.discard();
      const delayMs = retryDelay(o.policy, attempt, retryAfterMs);
      o.onRetry?.({
        registry: info.registry,
        method: req.method,
        path: req.url.pathname,
        attempt,
        delayMs,
        reason: o.secrets.redact(reason),
      });
      await o.sleep(delayMs);
    }
  };
}

/**
 * Runs `task` until it succeeds or fails for good, under the same policy: for multi-request operations (a blob
 * upload: POST, PATCH…, PUT) that must start over as a whole when one of their requests fails.
 */
export async function retryOperation<T>(
  o: RetryOptions,
  describe: { registry: string; method: string; path: string },
  task: (attempt: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (e) {
      if (!(e instanceof RegistryError) || !e.retryable || attempt >= o.policy.attempts) throw e;
      const delayMs = retryDelay(o.policy, attempt, e.retryAfterMs);
      o.onRetry?.({ ...describe, attempt, delayMs, reason: e.message });
      await o.sleep(delayMs);
    }
  }
}
