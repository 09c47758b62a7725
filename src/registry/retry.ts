/**
 * Registry retries on the one policy and loop of src/util/http: a request is retried on a connection failure or a
 * retryable status (Retry-After honoured); a multi-request operation (a blob upload: POST, PATCH…, PUT) is
 * retried as a whole. The loops do not nest (see src/util/http/retry.ts): the requests inside a retried operation,
 * and the token requests inside a retried request, are tried once each, so a failure is tried
 * `policy.attempts` times in all and the error says how many. Requests marked `retry: false` are tried once.
 */
import {
  DEFAULT_RETRY,
  FAST_RETRY,
  parseRetryAfter,
  retry,
  type Outcome,
  type RetryPolicy,
  type Verdict,
} from '../util/http/index.js';
import { RegistryError } from './errors.js';
import type { Secrets } from './secrets.js';
import type { RegistryResponse, Transport } from './transport.js';

export { DEFAULT_RETRY, FAST_RETRY, type RetryPolicy };

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
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (event: RetryEvent) => void;
}

/** Whether a thrown error is worth another try: no response at all, or a status the policy retries. */
function retryableError(e: unknown, policy: RetryPolicy): e is RegistryError {
  if (!(e instanceof RegistryError)) return false;
  return e.status === undefined ? e.retryable : e.retryable || policy.retryStatuses.includes(e.status);
}

export function withRetry(next: Transport, o: RetryOptions): Transport {
  return async (req) => {
    const policy = req.retry === false ? { ...o.policy, attempts: 1 } : o.policy;
    const judge = async (out: Outcome<RegistryResponse>): Promise<Verdict> => {
      if (!out.ok) {
        return retryableError(out.error, policy)
          ? { retry: true, reason: out.error.reason, retryAfterMs: out.error.retryAfterMs }
          : { retry: false };
      }
      const res = out.value;
      if (!policy.retryStatuses.includes(res.status)) return { retry: false };
      const retryAfterMs = parseRetryAfter(res.header('retry-after'), res.header('date'));
      await res.discard();
      return { retry: true, reason: `HTTP ${res.status} ${res.statusText}`.trim(), retryAfterMs };
    };
    const { outcome, attempts } = await retry(
      {
        policy,
        ...(o.sleep ? { sleep: o.sleep } : {}),
        onRetry: (e) =>
          o.onRetry?.({
            registry: req.url.host,
            method: req.method,
            path: req.url.pathname,
            ...e,
            reason: o.secrets.redact(e.reason),
          }),
      },
      () => next(req),
      judge,
    );
    if (outcome.ok) return { ...outcome.value, attempts };
    const e = outcome.error;
    if (e instanceof RegistryError && attempts > 1) throw e.afterTries(attempts);
    throw e;
  };
}

/**
 * Runs `task` until it succeeds or fails for good, under the same policy: for multi-request operations (a blob
 * upload: POST, PATCH…, PUT) that must start over as a whole when one of their requests fails. `retryIf` adds
 * errors the operation itself knows to be passing (a manifest refused while a blob it names is re-linked).
 */
export async function retryOperation<T>(
  o: RetryOptions,
  describe: { registry: string; method: string; path: string },
  task: (attempt: number) => Promise<T>,
  retryIf: (e: unknown) => boolean = () => false,
): Promise<T> {
  const { outcome, attempts } = await retry(
    { policy: o.policy, ...(o.sleep ? { sleep: o.sleep } : {}), onRetry: (e) => o.onRetry?.({ ...describe, ...e }) },
    task,
    (out) => {
      if (out.ok || !(retryableError(out.error, o.policy) || retryIf(out.error))) return { retry: false };
      const e = out.error;
      if (!(e instanceof RegistryError))
        return { retry: true, reason: o.secrets.redact(e instanceof Error ? e.message : String(e)) };
      // The event names the operation's request; the reason names another one that failed within it.
      const own = e.method === describe.method && e.path === describe.path;
      return { retry: true, reason: own ? e.reason : e.message, retryAfterMs: e.retryAfterMs };
    },
  );
  if (outcome.ok) return outcome.value;
  if (outcome.error instanceof RegistryError && attempts > 1) throw outcome.error.afterTries(attempts);
  throw outcome.error;
}
