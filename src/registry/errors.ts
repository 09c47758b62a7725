/**
 * Registry failures as one typed error. The message is one line naming the registry, the request (method and
 * path, never the query: upload URLs carry state tokens) and what went wrong, with the registry's own error
 * codes when its body had them (distribution-spec `{"errors":[{code,message,detail}]}`). The body itself is kept
 * capped and redacted, for `--verbose` style output.
 */
import { DistrolessError } from '../errors.js';
import { describeNetworkError } from '../util/http/index.js';
import { capText, type Secrets } from './secrets.js';

/** How much of an error body we keep and quote. */
export const ERROR_BODY_LIMIT = 4096;
/** How much of it we read, to find the registry's error codes in a longer JSON body. */
export const ERROR_READ_LIMIT = 64 * 1024;

export interface RegistryDiagnostic {
  code: string;
  message: string;
  /** `detail` when the registry gave it as a string (distribution: the digest a manifest names but it lacks). */
  detail?: string;
}

export interface RequestInfo {
  registry: string;
  method: string;
  url: URL;
}

export class RegistryError extends DistrolessError {
  readonly registry: string;
  readonly method: string;
  /** Path of the request, without its query. */
  readonly path: string;
  /** Undefined for network failures (refused, reset, timed out). */
  readonly status: number | undefined;
  readonly diagnostics: readonly RegistryDiagnostic[];
  /** The response body, capped and redacted. */
  readonly body: string;
  /** What went wrong, without the request (e.g. `503 Service Unavailable`, `connect ECONNREFUSED …`). */
  readonly reason: string;
  /** Worth another try under the retry policy (network failure or a retryable status). */
  readonly retryable: boolean;
  /** The registry's Retry-After, when it gave one. */
  readonly retryAfterMs: number | undefined;

  constructor(
    info: RequestInfo,
    problem: {
      status?: number;
      reason: string;
      diagnostics?: readonly RegistryDiagnostic[];
      body?: string;
      retryable: boolean;
      attempts?: number;
      retryAfterMs?: number;
    },
    options?: { cause?: unknown },
  ) {
    const code = problem.status === 401 || problem.status === 403 ? 'AUTH' : 'REGISTRY';
    const tries = (problem.attempts ?? 1) > 1 ? ` (after ${problem.attempts} tries)` : '';
    super(code, `registry ${info.registry}: ${info.method} ${info.url.pathname}: ${problem.reason}${tries}`, {
      cause: options?.cause,
      details: problem.body ? [problem.body] : [],
    });
    this.registry = info.registry;
    this.method = info.method;
    this.path = info.url.pathname;
    this.status = problem.status;
    this.diagnostics = problem.diagnostics ?? [];
    this.body = problem.body ?? '';
    this.reason = problem.reason;
    this.retryable = problem.retryable;
    this.retryAfterMs = problem.retryAfterMs;
  }

  /** The same error, saying it is what the last of `attempts` tries ended with. */
  afterTries(attempts: number): RegistryError {
    const info = { registry: this.registry, method: this.method, url: new URL(this.path, 'http://path.invalid') };
    const problem = {
      ...(this.status === undefined ? {} : { status: this.status }),
      reason: this.reason,
      diagnostics: this.diagnostics,
      body: this.body,
      retryable: this.retryable,
      attempts,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    };
    return new RegistryError(info, problem, { cause: this.cause });
  }
}

export function isRegistryError(e: unknown): e is RegistryError {
  return e instanceof RegistryError;
}

/** An error for a non-2xx response whose body (at most ERROR_READ_LIMIT) is `res.body`. */
export function statusError(
  info: RequestInfo,
  res: { status: number; statusText: string; body: string; attempts: number; retryAfterMs?: number },
  secrets: Secrets,
  retryable: boolean,
): RegistryError {
  const diagnostics = parseDiagnostics(secrets.redact(res.body));
  const body = secrets.redact(capText(res.body, ERROR_BODY_LIMIT));
  const said =
    diagnostics.length > 0
      ? diagnostics
          .slice(0, 2)
          .map((d) => `${d.code} ${d.message}${d.detail === undefined ? '' : ` (${d.detail})`}`.trim())
          .join('; ')
      : firstLine(body);
  const status = `${res.status} ${res.statusText}`.trim();
  const reason = secrets.redact(said === '' ? status : `${status}: ${capText(said, 300)}`);
  return new RegistryError(info, {
    status: res.status,
    reason,
    diagnostics,
    body,
    retryable,
    attempts: res.attempts,
    retryAfterMs: res.retryAfterMs,
  });
}

/** An error for a request that got no response. */
export function networkError(info: RequestInfo, cause: unknown, secrets: Secrets, attempts = 1): RegistryError {
  const reason = secrets.redact(describeNetworkError(cause));
  return new RegistryError(info, { reason, retryable: true, attempts }, { cause });
}

function parseDiagnostics(body: string): RegistryDiagnostic[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return [];
  }
  const errors = (doc as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.map((e: { code?: unknown; message?: unknown; detail?: unknown }) => {
    const detail = typeof e?.detail === 'string' ? firstLine(e.detail) : '';
    return {
      code: typeof e?.code === 'string' ? e.code : 'UNKNOWN',
      message: typeof e?.message === 'string' ? firstLine(e.message) : '',
      // A short one only (a digest, a name): it is quoted in the one-line message.
      ...(detail !== '' && detail.length <= 128 ? { detail } : {}),
    };
  });
}

function firstLine(text: string): string {
  return (text.trim().split('\n')[0] ?? '').trim();
}

/**
 * The children of a manifest (by digest) that a refused manifest PUT says the repository lacks: those the
 * refusal's body names, else all of them. Undefined when the refusal is not of that kind: it must be a 400 or
 * 404 with MANIFEST_BLOB_UNKNOWN or BLOB_UNKNOWN, or with DIGEST_INVALID naming a child (a DIGEST_INVALID alone
 * is about the manifest itself, and final). Distribution 2.8 answers so, wrongly, while another client re-links
 * a child into the repository (docs/architecture.md, "Scale-out").
 */
export function refusedChildDigests(e: unknown, children: readonly string[]): string[] | undefined {
  if (!(e instanceof RegistryError) || (e.status !== 400 && e.status !== 404)) return undefined;
  const codes = new Set(e.diagnostics.map((d) => d.code));
  const unique = [...new Set(children)];
  const named = unique.filter((digest) => e.body.includes(digest));
  const unknown = codes.has('MANIFEST_BLOB_UNKNOWN') || codes.has('BLOB_UNKNOWN');
  if (!unknown && !(codes.has('DIGEST_INVALID') && named.length > 0)) return undefined;
  return named.length > 0 ? named : unique;
}
