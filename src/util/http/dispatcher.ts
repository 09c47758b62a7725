/**
 * The one undici dispatcher every outgoing request goes through, made on first use from the proxy settings the
 * edge recorded (./environment.ts): a proxy per request from HTTPS_PROXY / HTTP_PROXY, direct for loopback and
 * NO_PROXY hosts. It is also installed as undici's global dispatcher (so Node's own `fetch` uses it once it
 * exists), and `httpFetch` is a fetch bound to it for clients that take one (the GitHub client, the OIDC token
 * request). @sigstore/sign's make-fetch-happen reads the same variables itself.
 */
import type { Dispatcher, RequestInfo, RequestInit } from 'undici';
import { configuredProxy, type ProxySettings } from './environment.js';
import type * as UndiciParts from './undici.js';
import { DEFAULT_RETRY, type RetryPolicy } from './policy.js';

/** Always direct, whatever NO_PROXY says: a proxy cannot reach this machine's loopback for us. */
const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

/**
 * A dispatcher for these settings: a plain keep-alive agent when no proxy is set, else undici's
 * EnvHttpProxyAgent with every value given explicitly (so it never reads process.env itself).
 */
export async function createDispatcher(
  proxy: ProxySettings = {},
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<Dispatcher> {
  const { Agent, EnvHttpProxyAgent } = await loadUndici();
  const agentOptions = { connectTimeout: policy.connectTimeoutMs, keepAliveTimeout: 10_000 };
  if (proxy.httpProxy === undefined && proxy.httpsProxy === undefined) return new Agent(agentOptions);
  return new EnvHttpProxyAgent({
    ...agentOptions,
    httpProxy: proxy.httpProxy ?? '',
    httpsProxy: proxy.httpsProxy ?? proxy.httpProxy ?? '',
    noProxy: [...LOOPBACK, ...(proxy.noProxy ?? '').split(/[,\s]+/).filter((s) => s !== '')].join(','),
  });
}

type Undici = typeof UndiciParts;
let undici: Promise<Undici> | undefined;

/**
 * undici, imported on the first request rather than at start-up: evaluating it takes ~75 ms, which every
 * command paid before, also the ones that make no request (`--version`, a `build` whose .debs are all cached).
 */
export function loadUndici(): Promise<Undici> {
  // Through a module of ours that imports undici statically: bundled, a bare import() of a CommonJS package
  // gives only its default export, where ./undici.js gives the named ones.
  undici ??= import('./undici.js');
  return undici;
}

let installed: Promise<Dispatcher> | undefined;

/** The dispatcher a client uses when it was given none: made once from the edge's settings, and global. */
export function defaultDispatcher(): Promise<Dispatcher> {
  installed ??= (async () => {
    const dispatcher = await createDispatcher(configuredProxy());
    (await loadUndici()).setGlobalDispatcher(dispatcher);
    return dispatcher;
  })();
  return installed;
}

/** `fetch` on the default dispatcher (or the one given), for libraries that take a fetch function. */
export function httpFetch(dispatcher?: Dispatcher): Undici['fetch'] {
  return async (input: RequestInfo, init?: RequestInit) => {
    const { fetch } = await loadUndici();
    return fetch(input, { ...init, dispatcher: dispatcher ?? (await defaultDispatcher()) });
  };
}
