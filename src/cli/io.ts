import { EXIT_CODES } from '../errors.js';

/** Everything the CLI takes from the process, passed in so tests can run it in-process. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  isTTY: boolean;
  now: () => Date;
  clock: () => number;
}

/**
 * Exit codes (README "Exit codes"): 0 ok; 1 `update --check` found the lock out of date or `verify` found a bad or
 * missing signature; 2 a user or input error; 3 a network or remote failure; 4 an internal error.
 */
export const EXIT = {
  ok: EXIT_CODES.ok,
  outOfDate: EXIT_CODES.difference,
  verifyFailed: EXIT_CODES.difference,
  error: EXIT_CODES.input,
  remote: EXIT_CODES.remote,
  internal: EXIT_CODES.internal,
} as const;
