/**
 * HTTP for every client (Debian archive, registry, GitHub, Sigstore): one undici dispatcher built at the edge
 * (proxies), one request function, one retry policy and loop, one description of network failures, one URL
 * redaction. Domain-independent: src/archive and src/registry build on it. See docs/architecture.md.
 */
export { DEFAULT_RETRY, FAST_RETRY, parseRetryAfter, retryDelay, singleTry, type RetryPolicy } from './policy.js';
export {
  defaultSleep,
  insideRetryLoop,
  retry,
  triesSuffix,
  type Outcome,
  type RetryHooks,
  type Verdict,
} from './retry.js';
export { describeNetworkError } from './errors.js';
export { reasonPhrase } from './status.js';
export { hasCredentials, redactUrl, redactUrls, splitCredentials } from './url.js';
export { createDispatcher, defaultDispatcher, httpFetch } from './dispatcher.js';
export { proxySettingsFromEnv, useHttpEnvironment, type ProxySettings } from './environment.js';
export {
  header,
  httpRequest,
  type HttpRequest,
  type HttpRequestOptions,
  type HttpResponse,
  type Method,
  type RequestBody,
} from './request.js';
