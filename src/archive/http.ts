/**
 * A small GET-only HTTP layer for archive files on the shared transport (src/util/http: undici, the edge's
 * dispatcher, the one retry policy and loop): a per-host concurrency limit, a size cap, and one-line final
 * errors (NETWORK or HTTP) naming the URL with any credentials blanked. Tests pass FAST_RETRY.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Dispatcher } from 'undici';
import { DistrolessError } from '../errors.js';
import {
  DEFAULT_RETRY,
  describeNetworkError,
  header,
  httpRequest,
  parseRetryAfter,
  reasonPhrase,
  redactUrl,
  retry,
  triesSuffix,
  type HttpResponse,
  type Outcome,
  type RetryPolicy,
  type Verdict,
} from '../util/http/index.js';
import { limiter } from '../util/concurrency.js';

export { DEFAULT_RETRY, FAST_RETRY, type RetryPolicy } from '../util/http/index.js';

export interface RetryEvent {
  /** Credentials blanked. */
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
  /** Default cap on a response body (default 256 MiB); per-request `maxBytes` overrides it. */
  maxBytes?: number;
  userAgent?: string;
  onRetry?: (event: RetryEvent) => void;
  /** Injected for tests; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Default: the one the edge installed (see src/util/http/dispatcher.ts). */
  dispatcher?: Dispatcher;
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
const NOT_FOUND = new Set([404, 410]);

/** The result of one try: a body, or a status the caller may retry or report. */
type Answer<T> = { kind: 'ok'; body: T } | { kind: 'status'; status: number; retryAfterMs: number | undefined };
/** Reads a 2xx response body (capped at maxBytes) into whatever the caller wants. */
type Consume<T> = (url: string, res: HttpResponse, maxBytes: number) => Promise<T>;

export function createHttpClient(options: HttpOptions = {}): HttpClient {
  const policy = options.retry ?? DEFAULT_RETRY;
  const perHost = new Map<string, ReturnType<typeof limiter>>();
  const forHost = (url: URL): ReturnType<typeof limiter> => {
    let slot = perHost.get(url.host);
    if (!slot) perHost.set(url.host, (slot = limiter(options.perHostConcurrency ?? 4)));
    return slot;
  };
  const headers: Record<string, string> = { 'user-agent': options.userAgent ?? 'distroless-action' };

  async function run<T>(
    url: string,
    opts: GetOptions,
    notFoundOk: boolean,
    consume: Consume<T>,
  ): Promise<T | undefined> {
    const maxBytes = opts.maxBytes ?? options.maxBytes ?? DEFAULT_MAX_BYTES;
    const shown = redactUrl(url);
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new DistrolessError('USAGE', `not a URL: ${shown}`);
    }
    const judge = (o: Outcome<Answer<T>>): Verdict => {
      if (!o.ok) {
        if (o.error instanceof DistrolessError || opts.signal?.aborted) return { retry: false };
        return { retry: true, reason: describeNetworkError(o.error) };
      }
      if (o.value.kind === 'ok' || !policy.retryStatuses.includes(o.value.status)) return { retry: false };
      return { retry: true, reason: statusLine(o.value.status), retryAfterMs: o.value.retryAfterMs };
    };
    const { outcome, attempts } = await retry(
      {
        policy,
        ...(options.sleep ? { sleep: options.sleep } : {}),
        onRetry: (e) => options.onRetry?.({ url: shown, ...e }),
      },
      () => forHost(target)(() => tryOnce(target, shown, headers, maxBytes, policy, options.dispatcher, opts, consume)),
      judge,
    );
    if (!outcome.ok) {
      if (outcome.error instanceof DistrolessError) throw outcome.error;
      const reason = describeNetworkError(outcome.error);
      throw new DistrolessError('NETWORK', `GET ${shown} failed: ${reason}${triesSuffix(attempts)}`, {
        cause: outcome.error,
      });
    }
    const answer = outcome.value;
    if (answer.kind === 'ok') return answer.body;
    if (NOT_FOUND.has(answer.status) && notFoundOk) return undefined;
    throw new DistrolessError('HTTP', `GET ${shown}: ${statusLine(answer.status)}${triesSuffix(attempts)}`);
  }

  return {
    get: async (url, opts = {}) => (await run(url, opts, false, readCapped)) as Buffer,
    getIfExists: (url, opts = {}) => run(url, opts, true, readCapped),
    download: (url, path, opts = {}) => run(url, opts, true, (u, res, max) => writeCapped(u, res, max, path)),
  };
}

function statusLine(status: number): string {
  return `HTTP ${status} ${reasonPhrase(status)}`.trim();
}

async function tryOnce<T>(
  url: URL,
  shown: string,
  headers: Record<string, string>,
  maxBytes: number,
  policy: RetryPolicy,
  dispatcher: Dispatcher | undefined,
  opts: GetOptions,
  consume: Consume<T>,
): Promise<Answer<T>> {
  const res = await httpRequest({ method: 'GET', url, headers }, { dispatcher, policy, signal: opts.signal });
  if (res.status < 200 || res.status > 299) {
    await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    const retryAfterMs = parseRetryAfter(header(res.headers, 'retry-after'), header(res.headers, 'date'));
    return { kind: 'status', status: res.status, retryAfterMs };
  }
  const declared = Number(header(res.headers, 'content-length') ?? 'NaN');
  if (declared > maxBytes) {
    abandon(res);
    throw tooLarge(shown, maxBytes);
  }
  return { kind: 'ok', body: await consume(shown, res, maxBytes) };
}

async function readCapped(url: string, res: HttpResponse, maxBytes: number): Promise<Buffer> {
  const declared = Number(header(res.headers, 'content-length') ?? 'NaN');
  if (Number.isSafeInteger(declared) && declared >= 0 && declared <= maxBytes) return readDeclared(url, res, declared);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      abandon(res);
      throw tooLarge(url, maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * A body of a declared length, copied into one buffer of that length as it arrives: the chunks are not kept and
 * joined, which would hold a 14 MB index twice (docs/architecture.md, "update in bounded memory").
 */
async function readDeclared(url: string, res: HttpResponse, declared: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(declared);
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    if (total + chunk.byteLength > declared) {
      abandon(res);
      throw new DistrolessError(
        'SIZE_MISMATCH',
        `GET ${url}: the body is longer than its Content-Length (${declared})`,
      );
    }
    chunk.copy(out, total);
    total += chunk.byteLength;
  }
  // Shorter than declared: undici reports that as an error first; never hand out the uninitialised rest.
  return total === declared ? out : out.subarray(0, total);
}

async function writeCapped(
  url: string,
  res: HttpResponse,
  maxBytes: number,
  path: string,
): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const file = await open(path, 'w', 0o644);
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        abandon(res);
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

/** Stops reading a body we will not use (its abort error is expected, not a failure). */
function abandon(res: HttpResponse): void {
  res.body.on('error', () => undefined);
  res.body.destroy();
}
