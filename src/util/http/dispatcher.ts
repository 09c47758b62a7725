/**
 * The one undici dispatcher every outgoing request goes through, made on first use from the proxy settings the
 * edge recorded (./environment.ts): a proxy per request from HTTPS_PROXY / HTTP_PROXY, direct for loopback and
 * NO_PROXY hosts. It is also installed as undici's global dispatcher (so Node's own `fetch` uses it once it
 * exists), and `httpFetch` is a fetch bound to it for clients that take one (the GitHub client, the OIDC token
 * request). @sigstore/sign's make-fetch-happen reads the same variables itself.
 */
import {
  Agent,
  EnvHttpProxyAgent,
  fetch as undiciFetch,
  setGlobalDispatcher,
  type Dispatcher,
  type RequestInfo,
  type RequestInit,
} from 'undici';
import { configuredProxy, type ProxySettings } from './environment.js';
import { DEFAULT_RETRY, type RetryPolicy } from './policy.js';

/** Always direct, whatever NO_PROXY says: a proxy cannot reach this machine's loopback for us. */
const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

/**
 * A dispatcher for these settings: a plain keep-alive agent when no proxy is set, else undici's
 * EnvHttpProxyAgent with every value given explicitly (so it never reads process.env itself).
 */
export function createDispatcher(proxy: ProxySettings = {}, policy: RetryPolicy = DEFAULT_RETRY): Dispatcher {
  const agentOptions = { connectTimeout: policy.connectTimeoutMs, keepAliveTimeout: 10_000 };
  if (proxy.httpProxy === undefined && proxy.httpsProxy === undefined) return new Agent(agentOptions);
  return new EnvHttpProxyAgent({
    ...agentOptions,
    httpProxy: proxy.httpProxy ?? '',
    httpsProxy: proxy.httpsProxy ?? proxy.httpProxy ?? '',
    noProxy: [...LOOPBACK, ...(proxy.noProxy ?? '').split(/[,\s]+/).filter((s) => s !== '')].join(','),
  });
}

let installed: Dispatcher | undefined;

/** The dispatcher a client uses when it was given none: made once from the edge's settings, and global. */
export function defaultDispatcher(): Dispatcher {
  if (installed === undefined) {
    installed = createDispatcher(configuredProxy());
    setGlobalDispatcher(installed);
  }
  return installed;
}

/** `fetch` on the default dispatcher (or the one given), for libraries that take a fetch function. */
export function httpFetch(dispatcher?: Dispatcher): typeof undiciFetch {
  return (input: RequestInfo, init?: RequestInit) =>
    undiciFetch(input, { ...init, dispatcher: dispatcher ?? defaultDispatcher() });
}
