/**
 * The registry's transport: a short chain of small wrappers built in one place (`client.ts`):
 * user agent → retry → auth → the shared HTTP request (src/util/http: undici, the edge's dispatcher, redirects that
 * drop credentials across origins). Each wrapper is a `Transport`, a function from a request to a response;
 * statuses are returned, not thrown, and only a request that got no response at all throws (a
 * `RegistryError` without a status).
 */
import type { Dispatcher } from 'undici';
import {
  header,
  httpRequest,
  reasonPhrase,
  type HttpResponse,
  type Method,
  type RequestBody,
  type RetryPolicy,
} from '../util/http/index.js';
import { networkError } from './errors.js';
import type { Secrets } from './secrets.js';

export type { Method, RequestBody };

export interface RegistryRequest {
  method: Method;
  url: URL;
  headers?: Readonly<Record<string, string>>;
  body?: RequestBody;
  /** Token scopes the request needs, e.g. `repository:prefix/static-debian12:pull,push`. */
  scopes?: readonly string[];
  /** `false`: the transport never retries it (blob data: the uploader restarts the whole upload instead). */
  retry?: boolean;
  /** Completes an upload: waits up to the policy's `commitTimeoutMs` for the answer. */
  commit?: boolean;
}

export interface RegistryResponse {
  status: number;
  statusText: string;
  /** Header lookup, case-insensitive; repeated headers joined with ", ". */
  header(name: string): string | undefined;
  /** The URL that answered (after redirects). */
  url: URL;
  /** Tries it took (set by the retry wrapper). */
  attempts: number;
  /** At most `limit` bytes of the body as UTF-8; the rest is discarded. */
  text(limit: number): Promise<string>;
  discard(): Promise<void>;
}

export type Transport = (req: RegistryRequest) => Promise<RegistryResponse>;

export interface UndiciTransportOptions {
  /** Default: the one the edge installed. */
  dispatcher?: Dispatcher | undefined;
  /** Its timeouts apply to each request. */
  policy: RetryPolicy;
  maxRedirects?: number;
  secrets: Secrets;
}

/** The innermost transport: one request (following redirects), its failure worded as a RegistryError. */
export function undiciTransport(opts: UndiciTransportOptions): Transport {
  return async (req) => {
    const info = { registry: req.url.host, method: req.method, url: req.url };
    let res: HttpResponse;
    try {
      res = await httpRequest(
        {
          method: req.method,
          url: req.url,
          ...(req.headers ? { headers: req.headers } : {}),
          ...(req.body ? { body: req.body } : {}),
        },
        {
          dispatcher: opts.dispatcher,
          policy: req.commit ? { ...opts.policy, headersTimeoutMs: opts.policy.commitTimeoutMs } : opts.policy,
          ...(opts.maxRedirects === undefined ? {} : { maxRedirects: opts.maxRedirects }),
        },
      );
    } catch (e) {
      throw networkError(info, e, opts.secrets);
    }
    return wrapResponse(res, req.method, opts.secrets);
  };
}

function wrapResponse(res: HttpResponse, method: Method, secrets: Secrets): RegistryResponse {
  const url = res.url;
  return {
    status: res.status,
    statusText: reasonPhrase(res.status),
    header: (name) => header(res.headers, name),
    url,
    attempts: 1,
    async text(limit) {
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= limit) break; // leaving the loop destroys the body: the rest is not read
        }
      } catch (e) {
        throw networkError({ registry: url.host, method, url }, e, secrets);
      }
      return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
    },
    async discard() {
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    },
  };
}

/** Adds the User-Agent header. */
export function withUserAgent(next: Transport, userAgent: string): Transport {
  return (req) => next({ ...req, headers: { ...req.headers, 'user-agent': userAgent } });
}
