/** How a request that got no response is described: one line, the same for every client. */

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

const TIMEOUTS: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'timed out connecting',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the response headers',
  UND_ERR_BODY_TIMEOUT: 'timed out waiting for the response body',
};

/** The useful line of a failed request: `connect ECONNREFUSED 127.0.0.1:5000`, `other side closed`, … */
export function describeNetworkError(e: unknown): string {
  // Duck-typed: errors may come from another realm (jest's VM modules).
  const err = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as ErrorLike;
  const cause = (typeof err.cause === 'object' && err.cause !== null ? err.cause : undefined) as ErrorLike | undefined;
  const timeout = TIMEOUTS[String(err.code)] ?? TIMEOUTS[String(cause?.code)];
  if (timeout !== undefined) return timeout;
  if (err.name === 'TimeoutError') return 'timed out';
  const detail = String(cause?.message ?? err.message ?? 'error');
  const code = cause?.code ?? err.code;
  const text = typeof code === 'string' && !detail.includes(code) ? `${code} ${detail}` : detail;
  return (text.trim().split('\n')[0] ?? '').trim() || 'network error';
}
