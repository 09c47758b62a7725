/**
 * The schema library, configured once: zod/mini (the same checks as zod, with functions instead of methods)
 * with zod's English messages. Full zod took ~50 ms to load, on every run, for the two small schemas we have
 * (lockfile, shard result). Import as a namespace (`import * as z`); only what is re-exported here is bundled.
 */
import { config, type ZodMiniType } from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { DistrolessError, type ErrorCode } from '../errors.js';

config(en());

export {
  array,
  enum,
  int,
  literal,
  minLength,
  nonnegative,
  optional,
  positive,
  record,
  refine,
  regex,
  strictObject,
  string,
} from 'zod/mini';

/**
 * JSON text checked against `schema`. Errors carry `code` and name `file`: bad JSON says so; failed checks give
 * every `path: message` in `details` (each prefixed with the file) and `headline(issues)` the message's rest.
 */
export function parseJsonDocument<T>(
  schema: ZodMiniType<T>,
  text: string,
  file: string,
  code: ErrorCode,
  headline: (issues: string[]) => string,
): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DistrolessError(code, `${file}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new DistrolessError(code, `${file}: ${headline(issues)}`, { details: issues.map((i) => `${file}: ${i}`) });
}
