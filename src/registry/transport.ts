/**
 * The HTTP transport: a short chain of small wrappers built in one place (`client.ts`):
 * user agent → retry → auth → undici (which follows redirects itself, see below). Each wrapper is a
 * `Transport`, a function from a request to a response; statuses are returned, not thrown, and only a
 * request that got no response at all throws (a `RegistryError` without a status).
 */
import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { networkError } from './errors.js';
import type { Secrets } from './secrets.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A body that can be sent again (a retry, a 307): bytes, or a stream opened anew each time. */
export type RequestBody = Buffer | { size: number; open: () => Readable };

export interface RegistryRequest {
  method: Method;
  url: URL;
  headers?: Readonly<Record<string, string>>;
  body?: RequestBody;
  /** Token scopes the request needs, e.g. `repository:prefix/static-debian12:pull,push`. */
  scopes?: readonly string[];
  /** `false`: the transport never retries it (blob data: the uploader restarts the whole upload instead). */
  retry?: boolean;
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

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Never carried across origins: a redirect to blob storage must not receive the registry's credentials. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

export interface UndiciTransportOptions {
  dispatcher?: Dispatcher;
  maxRedirects?: number;
  secrets: Secrets;
}

/** A keep-alive agent with timeouts that fit blob uploads (a slow registry may verify a large blob for a while). */
export function createAgent(opts: { connections?: number } = {}): Agent {
  return new Agent({
    connections: opts.connections ?? 16,
    connectTimeout: 30_000,
    headersTimeout: 5 * 60_000,
    bodyTimeout: 5 * 60_000,
    keepAliveTimeout: 10_000,
  });
}

/**
 * The innermost transport. Follows redirects itself (undici's `request` does not) so that it can drop the
 * credential headers as soon as a hop leaves the origin of the original request; they are not restored if a
 * later hop comes back.
 */
export function undiciTransport(opts: UndiciTransportOptions): Transport {
  const maxRedirects = opts.maxRedirects ?? 5;
  return async (req) => {
    let { method, url, body } = req;
    let headers: Record<string, string> = { ...req.headers };
    for (let hop = 0; ; hop++) {
      const res = await send(method, url, headers, body, opts, req.url);
      const location = res.header('location');
      if (!REDIRECTS.has(res.status) || location === undefined || hop >= maxRedirects) return res;
      await res.discard();
      const next = new URL(location, url);
      if (next.origin !== req.url.origin) headers = withoutHeaders(headers, CREDENTIAL_HEADERS);
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method !== 'GET' && method !== 'HEAD')) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
        headers = withoutHeaders(headers, ['content-length', 'content-type', 'content-range']);
      }
      url = next;
    }
  };
}

async function send(
  method: Method,
  url: URL,
  headers: Record<string, string>,
  body: RequestBody | undefined,
  opts: UndiciTransportOptions,
  original: URL,
): Promise<RegistryResponse> {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : body.open();
  const sized =
    body === undefined
      ? headers
      : { ...headers, 'content-length': String(Buffer.isBuffer(body) ? body.length : body.size) };
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, { method, headers: sized, body: payload, dispatcher: opts.dispatcher });
  } catch (e) {
    if (payload !== undefined && !Buffer.isBuffer(payload)) payload.destroy();
    throw networkError({ registry: original.host, method, url }, e, opts.secrets);
  }
  // A server may answer before reading the whole body (a 401, a redirect): do not leave the file open.
  if (payload !== undefined && !Buffer.isBuffer(payload) && !payload.readableEnded) payload.destroy();
  return wrapResponse(res, url, method, opts.secrets);
}

function wrapResponse(res: Dispatcher.ResponseData, url: URL, method: Method, secrets: Secrets): RegistryResponse {
  const header = (name: string): string | undefined => {
    const v = res.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  return {
    status: res.statusCode,
    statusText: STATUS_CODES[res.statusCode] ?? '',
    header,
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

function withoutHeaders(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k.toLowerCase())));
}

/** Adds the User-Agent header. */
export function withUserAgent(next: Transport, userAgent: string): Transport {
  return (req) => next({ ...req, headers: { ...req.headers, 'user-agent': userAgent } });
}
