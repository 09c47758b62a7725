/**
 * The one retry loop. A caller runs a try, judges its outcome (retry, with a reason and maybe a Retry-After,
 * or stop) and gets back the last outcome with the number of tries it took, to word its own error.
 *
 * Only one loop retries at a time: a loop started while another is running in the same async context (a
 * token request inside a retried registry request, a HEAD inside a retried blob upload) makes one try and
 * leaves retrying to the outer one. So a failure is tried `policy.attempts` times in all, never that number
 * squared, and the count an error reports is the real one.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { retryDelay, type RetryPolicy } from './policy.js';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export type Verdict = { retry: false } | { retry: true; reason: string; retryAfterMs?: number | undefined };

export interface RetryHooks {
  policy: RetryPolicy;
  /** Injected for tests; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Told before each wait. */
  onRetry?: (event: { attempt: number; delayMs: number; reason: string }) => void;
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const retrying = new AsyncLocalStorage<true>();

/** True inside a running retry loop (a nested one makes a single try). */
export function insideRetryLoop(): boolean {
  return retrying.getStore() === true;
}

/**
 * Runs `attempt` until `judge` says stop or the policy's tries are spent. `judge` may release what a
 * retried outcome holds (e.g. drain a response body) before it answers `retry: true`.
 */
export async function retry<T>(
  hooks: RetryHooks,
  attempt: (n: number) => Promise<T>,
  judge: (outcome: Outcome<T>) => Verdict | Promise<Verdict>,
): Promise<{ outcome: Outcome<T>; attempts: number }> {
  const limit = insideRetryLoop() ? 1 : Math.max(1, hooks.policy.attempts);
  const sleep = hooks.sleep ?? defaultSleep;
  return retrying.run(true, async () => {
    for (let n = 1; ; n++) {
      const outcome: Outcome<T> = await attempt(n).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      if (n >= limit) return { outcome, attempts: n };
      const verdict = await judge(outcome);
      if (!verdict.retry) return { outcome, attempts: n };
      const delayMs = retryDelay(hooks.policy, n, verdict.retryAfterMs);
      hooks.onRetry?.({ attempt: n, delayMs, reason: verdict.reason });
      await sleep(delayMs);
    }
  });
}

/** ` (after N tries)` when there was more than one. */
export function triesSuffix(attempts: number): string {
  return attempts > 1 ? ` (after ${attempts} tries)` : '';
}
