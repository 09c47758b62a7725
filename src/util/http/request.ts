/**
 * One HTTP request over undici, the transport of every client: the dispatcher the edge built (proxies), the
 * policy's header and body timeouts, redirects followed here so that credentials never cross origins, and
 * credentials written into the URL moved into an Authorization header for that origin. It returns any
 * status; only a request that got no response at all throws (undici's error, for the caller to word with
 * `describeNetworkError`). Retrying is the caller's, through `retry` (./retry.ts).
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { defaultDispatcher, loadUndici } from './dispatcher.js';
import { DEFAULT_RETRY, type RetryPolicy } from './policy.js';
import { splitCredentials } from './url.js';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A body that can be sent again (a retry, a 307): bytes, or a stream opened anew each time. */
export type RequestBody = Buffer | { size: number; open: () => Readable };

export interface HttpRequest {
  method: Method;
  url: URL;
  headers?: Readonly<Record<string, string>>;
  body?: RequestBody;
}

export interface HttpRequestOptions {
  dispatcher?: Dispatcher | undefined;
  /** Its header and body timeouts apply to every hop. */
  policy?: RetryPolicy;
  maxRedirects?: number;
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body'];
  /** The URL that answered (after redirects), without credentials. */
  url: URL;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Never carried across origins: a redirect to blob storage or a CDN must not receive our credentials. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

/**
 * Sends `req`, following redirects (up to 5 by default). Credential headers are dropped as soon as a hop
 * leaves the origin of the original request and are not restored if a later hop comes back.
 */
export async function httpRequest(req: HttpRequest, o: HttpRequestOptions = {}): Promise<HttpResponse> {
  const maxRedirects = o.maxRedirects ?? 5;
  const split = splitCredentials(req.url);
  const origin = split.url.origin;
  let { method, body } = req;
  let url = split.url;
  let headers: Record<string, string> = { ...req.headers };
  if (split.authorization !== undefined && !hasHeader(headers, 'authorization'))
    headers.authorization = split.authorization;
  for (let hop = 0; ; hop++) {
    const res = await send(method, url, headers, body, o);
    const location = header(res.headers, 'location');
    if (!REDIRECTS.has(res.statusCode) || location === undefined || hop >= maxRedirects) {
      return { status: res.statusCode, headers: res.headers, body: res.body, url };
    }
    await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    const next = splitCredentials(new URL(location, url)).url;
    if (next.origin !== origin) headers = withoutHeaders(headers, CREDENTIAL_HEADERS);
    const status = res.statusCode;
    if (status === 303 || ((status === 301 || status === 302) && method !== 'GET' && method !== 'HEAD')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      headers = withoutHeaders(headers, ['content-length', 'content-type', 'content-range']);
    }
    url = next;
  }
}

async function send(
  method: Method,
  url: URL,
  headers: Record<string, string>,
  body: RequestBody | undefined,
  o: HttpRequestOptions,
): Promise<Dispatcher.ResponseData> {
  const policy = o.policy ?? DEFAULT_RETRY;
  const { request } = await loadUndici();
  const dispatcher = o.dispatcher ?? (await defaultDispatcher());
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : body.open();
  const sized =
    body === undefined
      ? headers
      : { ...headers, 'content-length': String(Buffer.isBuffer(body) ? body.length : body.size) };
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      method,
      headers: sized,
      body: payload,
      dispatcher,
      headersTimeout: policy.headersTimeoutMs,
      bodyTimeout: policy.bodyTimeoutMs,
      ...(o.signal === undefined ? {} : { signal: o.signal }),
    });
  } catch (e) {
    if (payload !== undefined && !Buffer.isBuffer(payload)) payload.destroy();
    throw e;
  }
  // A server may answer before reading the whole body (a 401, a redirect): do not leave the file open.
  if (payload !== undefined && !Buffer.isBuffer(payload) && !payload.readableEnded) payload.destroy();
  return res;
}

/** A response header, case-insensitive; repeated headers joined with ", ". */
export function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function withoutHeaders(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k.toLowerCase())));
}
