/**
 * A small GET-only HTTP layer for archive files: Node's fetch, a per-host concurrency limit, retries with
 * exponential backoff on network errors and on 408/429/5xx (honouring Retry-After), a size cap, and one-line
 * final errors (NETWORK or HTTP) naming the URL. The retry policy is data; tests pass FAST_RETRY.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { DistrolessError } from '../errors.js';
import { limiter } from '../util/concurrency.js';

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
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  jitter: 0.2,
  maxRetryAfterMs: 60_000,
  retryStatuses: [408, 429, 500, 502, 503, 504],
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

export interface RetryEvent {
  url: string;
  /** The try that failed (1-based). */
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface HttpOptions {
  retry?: RetryPolicy;
  /** Parallel requests per host (default 4). */
  perHostConcurrency?: number;
  /** Per try: abort when the response has not completed in this time (default 5 minutes). */
  timeoutMs?: number;
  /** Default cap on a response body (default 256 MiB); per-request `maxBytes` overrides it. */
  maxBytes?: number;
  userAgent?: string;
  onRetry?: (event: RetryEvent) => void;
  /** Injected for tests; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

export interface GetOptions {
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface HttpClient {
  /** The body of a 2xx response; throws NETWORK or HTTP (404 included). */
  get(url: string, opts?: GetOptions): Promise<Buffer>;
  /**
   * Streams the body of a 2xx response into `path` (created or truncated; never held in memory) and returns
   * its size and sha256; `undefined` for 404/410. A retry starts the file again.
   */
  download(url: string, path: string, opts?: GetOptions): Promise<{ size: number; sha256: string } | undefined>;
  /** Like `get`, but `undefined` for 404/410. */
  getIfExists(url: string, opts?: GetOptions): Promise<Buffer | undefined>;
}

const DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 5 * 60 * 1000;
const NOT_FOUND = new Set([404, 410]);

type Attempt<T = Buffer> =
  | { kind: 'ok'; body: T }
  | { kind: 'status'; status: number; statusText: string; retryAfterMs: number | undefined }
  | { kind: 'network'; error: unknown };
type Failure = Exclude<Attempt<unknown>, { kind: 'ok' }>;
/** Reads a 2xx response body (capped at maxBytes) into whatever the caller wants. */
type Consume<T> = (url: string, res: Response, maxBytes: number) => Promise<T>;

export function createHttpClient(options: HttpOptions = {}): HttpClient {
  const policy = options.retry ?? DEFAULT_RETRY;
  const perHost = new Map<string, ReturnType<typeof limiter>>();
  const forHost = (url: string): ReturnType<typeof limiter> => {
    const host = new URL(url).host;
    let slot = perHost.get(host);
    if (!slot) perHost.set(host, (slot = limiter(options.perHostConcurrency ?? 4)));
    return slot;
  };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const headers: Record<string, string> = { 'user-agent': options.userAgent ?? 'distroless-action' };

  async function run<T>(
    url: string,
    opts: GetOptions,
    notFoundOk: boolean,
    consume: Consume<T>,
  ): Promise<T | undefined> {
    const maxBytes = opts.maxBytes ?? options.maxBytes ?? DEFAULT_MAX_BYTES;
    for (let attempt = 1; ; attempt++) {
      const res = await forHost(url)(() =>
        tryOnce(
          url,
          { headers, maxBytes, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: opts.signal },
          consume,
        ),
      );
      if (res.kind === 'ok') return res.body;
      if (res.kind === 'status' && NOT_FOUND.has(res.status) && notFoundOk) return undefined;
      const retryable = res.kind === 'network' ? !opts.signal?.aborted : policy.retryStatuses.includes(res.status);
      const reason =
        res.kind === 'network' ? describeNetworkError(res.error) : `HTTP ${res.status} ${res.statusText}`.trim();
      if (!retryable || attempt >= policy.attempts) throw finalError(url, res, reason, attempt);
      const delayMs = retryDelay(policy, attempt, res.kind === 'network' ? undefined : res.retryAfterMs);
      options.onRetry?.({ url, attempt, delayMs, reason });
      await sleep(delayMs);
    }
  }

  return {
    get: async (url, opts = {}) => (await run(url, opts, false, readCapped)) as Buffer,
    getIfExists: (url, opts = {}) => run(url, opts, true, readCapped),
    download: (url, path, opts = {}) => run(url, opts, true, (u, res, max) => writeCapped(u, res, max, path)),
  };
}

interface TryOptions {
  headers: Record<string, string>;
  maxBytes: number;
  timeoutMs: number;
  signal: AbortSignal | undefined;
}

async function tryOnce<T>(url: string, o: TryOptions, consume: Consume<T>): Promise<Attempt<T>> {
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal === undefined ? timeout : AbortSignal.any([o.signal, timeout]);
  try {
    const res = await fetch(url, { headers: o.headers, signal, redirect: 'follow' });
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel().catch(() => undefined);
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), res.headers.get('date'));
      return { kind: 'status', status: res.status, statusText: res.statusText, retryAfterMs };
    }
    const declared = Number(res.headers.get('content-length') ?? 'NaN');
    if (declared > o.maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw tooLarge(url, o.maxBytes);
    }
    return { kind: 'ok', body: await consume(url, res, o.maxBytes) };
  } catch (e) {
    if (e instanceof DistrolessError) throw e;
    return { kind: 'network', error: e };
  }
}

async function readCapped(url: string, res: Response, maxBytes: number): Promise<Buffer> {
  if (res.body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw tooLarge(url, maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

async function writeCapped(
  url: string,
  res: Response,
  maxBytes: number,
  path: string,
): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const file = await open(path, 'w', 0o644);
  let size = 0;
  try {
    for await (const chunk of res.body ?? []) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw tooLarge(url, maxBytes);
      }
      hash.update(chunk);
      await file.write(chunk);
    }
  } finally {
    await file.close();
  }
  return { size, sha256: hash.digest('hex') };
}

function tooLarge(url: string, maxBytes: number): DistrolessError {
  return new DistrolessError('SIZE_MISMATCH', `GET ${url}: response is larger than ${maxBytes} bytes`);
}

function finalError(url: string, res: Failure, reason: string, attempts: number): DistrolessError {
  const tries = attempts > 1 ? ` (after ${attempts} tries)` : '';
  if (res.kind === 'network') {
    return new DistrolessError('NETWORK', `GET ${url} failed: ${reason}${tries}`, { cause: res.error });
  }
  return new DistrolessError('HTTP', `GET ${url}: ${reason}${tries}`);
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
export function parseRetryAfter(value: string | null, dateHeader: string | null): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  const served = dateHeader === null ? NaN : Date.parse(dateHeader);
  if (Number.isNaN(at) || Number.isNaN(served)) return undefined;
  return Math.max(0, at - served);
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

/** The useful line of a fetch failure: its cause (`connect ECONNREFUSED …`), not "fetch failed". */
function describeNetworkError(e: unknown): string {
  // Duck-typed: errors thrown by Node's fetch may come from another realm (e.g. under jest's VM modules).
  const err = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as ErrorLike;
  if (err.name === 'TimeoutError') return 'timed out';
  const cause = (typeof err.cause === 'object' && err.cause !== null ? err.cause : undefined) as ErrorLike | undefined;
  const detail = String(cause?.message ?? err.message ?? 'error');
  const code = cause?.code ?? err.code;
  const text = typeof code === 'string' && !detail.includes(code) ? `${code} ${detail}` : detail;
  return text.split('\n')[0] ?? 'error';
}
