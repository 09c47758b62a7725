/**
 * The proxy variables, read at the edge: src/cli and src/action call `useHttpEnvironment(process.env)` once at
 * start-up (cheap: undici is loaded only when a request is made, see ./dispatcher.ts). Nothing below the
 * adapters reads the environment. HTTPS_PROXY / HTTP_PROXY / NO_PROXY, the lower-case form winning as in curl.
 */
export interface ProxySettings {
  /** Proxy for http:// URLs. */
  httpProxy?: string;
  /** Proxy for https:// URLs (defaults to the http one). */
  httpsProxy?: string;
  /** Hosts (`host`, `.domain`, `*.domain`, `host:port`, `*`) that go direct, comma or space separated. */
  noProxy?: string;
}

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

let configured: ProxySettings = {};

/** The edge's hook: records the proxy settings of `env` for the dispatcher made on the first request. */
export function useHttpEnvironment(env: Readonly<Record<string, string | undefined>>): void {
  configured = proxySettingsFromEnv(env);
}

export function configuredProxy(): ProxySettings {
  return configured;
}
