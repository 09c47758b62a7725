import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/errors.ts
var DistrolessError = class extends Error {
  code;
  /** Extra lines (e.g. every bad config field); the message stays one line. */
  details;
  constructor(code, message, options) {
    super(message, options?.cause === void 0 ? void 0 : { cause: options.cause });
    this.name = "DistrolessError";
    this.code = code;
    this.details = options?.details ?? [];
  }
};
function isDistrolessError(e, code) {
  return e instanceof DistrolessError && (code === void 0 || e.code === code);
}
function errorMessage(e) {
  if (e instanceof Error) return e.message.split("\n")[0] ?? e.name;
  return String(e).split("\n")[0] ?? "unknown error";
}

export {
  DistrolessError,
  isDistrolessError,
  errorMessage
};
