/**
 * The GitHub client the bot runs on: @octokit/rest with the retry plugin (5xx and network errors) and the
 * throttling plugin (primary and secondary rate limits, and GitHub's advice to space out writes). The policy
 * is data; tests pass FAST_GITHUB_POLICY so that retries and write spacing take milliseconds.
 */
import { Octokit } from '@octokit/rest';
import { retry } from '@octokit/plugin-retry';
import { throttling, type ThrottlingOptions } from '@octokit/plugin-throttling';
import type { Dispatcher } from 'undici';
import { httpFetch } from '../util/http/index.js';

export interface GitHubPolicy {
  /** Retries of a 5xx / network failure (retry plugin). */
  retries: number;
  /** Milliseconds per unit of backoff and per second of Retry-After (both plugins). */
  retryAfterBaseMs: number;
  /** Retries after a primary or secondary rate limit answer. */
  rateLimitRetries: number;
  /** A rate limit that resets later than this (seconds) fails the run instead of stalling the job. */
  maxRateLimitWaitS: number;
  /** Spacing between writes; undefined: the throttling plugin's defaults (1 s, 3 s for notifying writes). */
  writeSpacingMs?: number;
}

export const DEFAULT_GITHUB_POLICY: GitHubPolicy = {
  retries: 3,
  retryAfterBaseMs: 1000,
  rateLimitRetries: 2,
  maxRateLimitWaitS: 120,
};
export const FAST_GITHUB_POLICY: GitHubPolicy = {
  retries: 3,
  retryAfterBaseMs: 1,
  rateLimitRetries: 2,
  maxRateLimitWaitS: 120,
  writeSpacingMs: 0,
};

export interface GitHubClientOptions {
  token: string;
  /** REST API root (the Action passes GITHUB_API_URL; default https://api.github.com). */
  baseUrl?: string;
  userAgent?: string;
  policy?: GitHubPolicy;
  /** Default: the shared one the edge configured (proxies; see src/util/http). */
  dispatcher?: Dispatcher;
}

const RetryingOctokit = Octokit.plugin(retry, throttling);

export function createGitHubClient(opts: GitHubClientOptions): Octokit {
  const policy = opts.policy ?? DEFAULT_GITHUB_POLICY;
  const withinLimit = (afterS: number, _options: unknown, _octokit: unknown, retryCount: number): boolean =>
    retryCount < policy.rateLimitRetries && afterS <= policy.maxRateLimitWaitS;
  const throttle: ThrottlingOptions = {
    onRateLimit: withinLimit,
    onSecondaryRateLimit: withinLimit,
    retryAfterBaseValue: policy.retryAfterBaseMs,
    fallbackSecondaryRateRetryAfter: 60,
    ...spacing(policy.writeSpacingMs),
  };
  return new RetryingOctokit({
    auth: opts.token,
    baseUrl: opts.baseUrl ?? 'https://api.github.com',
    userAgent: opts.userAgent ?? 'distroless-action',
    retry: { retries: policy.retries, retryAfterBaseValue: policy.retryAfterBaseMs },
    throttle,
    request: { fetch: httpFetch(opts.dispatcher) },
    // Libraries never print: octokit's own warnings are dropped (failures reach the caller as errors).
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
}

type Group = NonNullable<Extract<ThrottlingOptions, { onRateLimit: unknown }>['write']>;

/**
 * The throttling plugin spaces writes with process-wide Bottleneck groups (1 s apart; 3 s for PR creation).
 * It only calls `group.key(id).schedule(options, fn, ...args)`, so a custom spacing is this small scheduler.
 */
function spacing(ms: number | undefined): { write?: Group; notifications?: Group } {
  if (ms === undefined) return {};
  let last = Promise.resolve();
  const scheduler = {
    schedule<R>(_options: unknown, fn: (...args: unknown[]) => R | Promise<R>, ...args: unknown[]): Promise<R> {
      const run = last.then(() => fn(...args));
      last = run.then(
        () => delay(ms),
        () => delay(ms),
      );
      return run;
    },
  };
  const group = { key: () => scheduler } as unknown as Group;
  return { write: group, notifications: group };
}

function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
