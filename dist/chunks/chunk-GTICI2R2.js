import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  limiter
} from "./chunk-BDURTKM7.js";
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/archive/http.ts
import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
var DEFAULT_RETRY = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8e3,
  jitter: 0.2,
  maxRetryAfterMs: 6e4,
  retryStatuses: [408, 429, 500, 502, 503, 504]
};
var FAST_RETRY = { ...DEFAULT_RETRY, attempts: 4, baseDelayMs: 1, maxDelayMs: 5, jitter: 0, maxRetryAfterMs: 20 };
var DEFAULT_MAX_BYTES = 256 * 1024 * 1024;
var DEFAULT_TIMEOUT_MS = 5 * 60 * 1e3;
var NOT_FOUND = /* @__PURE__ */ new Set([404, 410]);
function createHttpClient(options = {}) {
  const policy = options.retry ?? DEFAULT_RETRY;
  const perHost = /* @__PURE__ */ new Map();
  const forHost = (url) => {
    const host = new URL(url).host;
    let slot = perHost.get(host);
    if (!slot) perHost.set(host, slot = limiter(options.perHostConcurrency ?? 4));
    return slot;
  };
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  const headers = { "user-agent": options.userAgent ?? "distroless-action" };
  async function run(url, opts, notFoundOk, consume) {
    const maxBytes = opts.maxBytes ?? options.maxBytes ?? DEFAULT_MAX_BYTES;
    for (let attempt = 1; ; attempt++) {
      const res = await forHost(url)(
        () => tryOnce(url, { headers, maxBytes, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, signal: opts.signal }, consume)
      );
      if (res.kind === "ok") return res.body;
      if (res.kind === "status" && NOT_FOUND.has(res.status) && notFoundOk) return void 0;
      const retryable = res.kind === "network" ? !opts.signal?.aborted : policy.retryStatuses.includes(res.status);
      const reason = res.kind === "network" ? describeNetworkError(res.error) : `HTTP ${res.status} ${res.statusText}`.trim();
      if (!retryable || attempt >= policy.attempts) throw finalError(url, res, reason, attempt);
      const delayMs = retryDelay(policy, attempt, res.kind === "network" ? void 0 : res.retryAfterMs);
      options.onRetry?.({ url, attempt, delayMs, reason });
      await sleep(delayMs);
    }
  }
  return {
    get: async (url, opts = {}) => await run(url, opts, false, readCapped),
    getIfExists: (url, opts = {}) => run(url, opts, true, readCapped),
    download: (url, path, opts = {}) => run(url, opts, true, (u, res, max) => writeCapped(u, res, max, path))
  };
}
async function tryOnce(url, o, consume) {
  const timeout = AbortSignal.timeout(o.timeoutMs);
  const signal = o.signal === void 0 ? timeout : AbortSignal.any([o.signal, timeout]);
  try {
    const res = await fetch(url, { headers: o.headers, signal, redirect: "follow" });
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel().catch(() => void 0);
      const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"), res.headers.get("date"));
      return { kind: "status", status: res.status, statusText: res.statusText, retryAfterMs };
    }
    const declared = Number(res.headers.get("content-length") ?? "NaN");
    if (declared > o.maxBytes) {
      await res.body?.cancel().catch(() => void 0);
      throw tooLarge(url, o.maxBytes);
    }
    return { kind: "ok", body: await consume(url, res, o.maxBytes) };
  } catch (e) {
    if (e instanceof DistrolessError) throw e;
    return { kind: "network", error: e };
  }
}
async function readCapped(url, res, maxBytes) {
  if (res.body === null) return Buffer.alloc(0);
  const chunks = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      await res.body.cancel().catch(() => void 0);
      throw tooLarge(url, maxBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
async function writeCapped(url, res, maxBytes, path) {
  const hash = createHash("sha256");
  const file = await open(path, "w", 420);
  let size = 0;
  try {
    for await (const chunk of res.body ?? []) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        await res.body?.cancel().catch(() => void 0);
        throw tooLarge(url, maxBytes);
      }
      hash.update(chunk);
      await file.write(chunk);
    }
  } finally {
    await file.close();
  }
  return { size, sha256: hash.digest("hex") };
}
function tooLarge(url, maxBytes) {
  return new DistrolessError("SIZE_MISMATCH", `GET ${url}: response is larger than ${maxBytes} bytes`);
}
function finalError(url, res, reason, attempts) {
  const tries = attempts > 1 ? ` (after ${attempts} tries)` : "";
  if (res.kind === "network") {
    return new DistrolessError("NETWORK", `GET ${url} failed: ${reason}${tries}`, { cause: res.error });
  }
  return new DistrolessError("HTTP", `GET ${url}: ${reason}${tries}`);
}
function retryDelay(policy, attempt, retryAfterMs) {
  if (retryAfterMs !== void 0) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const base = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.round(base * (1 + policy.jitter * Math.random()));
}
function parseRetryAfter(value, dateHeader) {
  if (value === null) return void 0;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1e3;
  const at = Date.parse(trimmed);
  const served = dateHeader === null ? NaN : Date.parse(dateHeader);
  if (Number.isNaN(at) || Number.isNaN(served)) return void 0;
  return Math.max(0, at - served);
}
function describeNetworkError(e) {
  const err = typeof e === "object" && e !== null ? e : { message: String(e) };
  if (err.name === "TimeoutError") return "timed out";
  const cause = typeof err.cause === "object" && err.cause !== null ? err.cause : void 0;
  const detail = String(cause?.message ?? err.message ?? "error");
  const code = cause?.code ?? err.code;
  const text = typeof code === "string" && !detail.includes(code) ? `${code} ${detail}` : detail;
  return text.split("\n")[0] ?? "error";
}

export {
  DEFAULT_RETRY,
  FAST_RETRY,
  createHttpClient,
  retryDelay,
  parseRetryAfter
};
