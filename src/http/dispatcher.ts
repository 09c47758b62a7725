/**
 * The one undici dispatcher every outgoing request goes through, built once at the edge from the environment
 * (src/cli and src/action call `useHttpEnvironment(env)`; nothing below them reads the environment):
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY (lower-case forms first, as curl reads them) pick a proxy per request;
 * loopback hosts and NO_PROXY hosts go direct. It is installed as undici's global dispatcher, so Node's
 * `fetch` (the GitHub client, the OIDC token request) uses it too; @sigstore/sign's make-fetch-happen reads the
 * same variables itself.
 */
import { Agent, EnvHttpProxyAgent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';
import { DEFAULT_RETRY, type RetryPolicy } from './policy.js';

export interface ProxySettings {
  /** Proxy for http:// URLs. */
  httpProxy?: string;
  /** Proxy for https:// URLs (defaults to the http one). */
  httpsProxy?: string;
  /** Hosts (`host`, `.domain`, `*.domain`, `host:port`, `*`) that go direct, comma or space separated. */
  noProxy?: string;
}

/** Always direct, whatever NO_PROXY says: a proxy cannot reach this machine's loopback for us. */
const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

/** The proxy variables of an environment (the lower-case form wins, as in curl). */
export function proxySettingsFromEnv(env: Readonly<Record<string, string | undefined>>): ProxySettings {
  const pick = (name: string): string | undefined => {
    const v = env[name.toLowerCase()] ?? env[name.toUpperCase()];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const out: ProxySettings = {};
  const http = pick('http_proxy');
  const https = pick('https_proxy');
  const no = pick('no_proxy');
  if (http !== undefined) out.httpProxy = http;
  if (https !== undefined) out.httpsProxy = https;
  if (no !== undefined) out.noProxy = no;
  return out;
}

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

/**
 * The edge's hook: builds the dispatcher from `env` and installs it as the global one (undici's and, through
 * it, Node's fetch). Returns it, for a caller that wants to pass it explicitly.
 */
export function useHttpEnvironment(env: Readonly<Record<string, string | undefined>>): Dispatcher {
  const dispatcher = createDispatcher(proxySettingsFromEnv(env));
  setGlobalDispatcher(dispatcher);
  return dispatcher;
}

/** The dispatcher a client uses when it was given none: the one the edge installed. */
export function defaultDispatcher(): Dispatcher {
  return getGlobalDispatcher();
}
