/**
 * Reading the config file: YAML → value → schema checks → normalised `Config`, with every problem mapped back to
 * a line and column of the file. Source URL overrides (mirrors) are applied last, so the URLs as written stay
 * available (`SourceConfig.originalUrl`) for the lock and its digest.
 */
import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { DistrolessError } from '../errors.js';
import { redactUrls } from '../util/http/url.js';
import { formatPath, isHttpUrl, stripSlashes, validateConfig } from './schema.js';
import type { SchemaIssue } from './schema.js';
import type { Config } from './types.js';

export const DEFAULT_CONFIG_FILE = 'distroless.yaml';

export interface LoadOptions {
  /** Original source URL → replacement (e.g. a local mirror), applied after validation. */
  sourceOverrides?: Readonly<Record<string, string>>;
}

/** One problem in a config file, positioned for editors and GitHub annotations (1-based line and column). */
export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  /** Dotted path of the field, e.g. `images.python3.packages[2]`; `(top level)` for the whole file. */
  path: string;
  message: string;
}

/** CONFIG_INVALID with every problem found; `details` holds one `file:line:col: path: message` line each. */
export class ConfigInvalidError extends DistrolessError {
  readonly problems: readonly ConfigProblem[];

  constructor(file: string, problems: readonly ConfigProblem[]) {
    const n = problems.length;
    super('CONFIG_INVALID', `${file}: ${n} error${n === 1 ? '' : 's'}`, { details: problems.map(formatProblem) });
    this.problems = problems;
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.path}: ${p.message}`;
}

/** Reads, validates and normalises the config file at `path`. */
export async function loadConfig(path: string, opts: LoadOptions = {}): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'not found'
        : code === 'EISDIR'
          ? 'is a directory'
          : `cannot be read (${code ?? String(e)})`;
    throw new DistrolessError('CONFIG_NOT_FOUND', `config file ${path} ${why}`, { cause: e });
  }
  return parseConfigText(text, path, opts);
}

/** Validates and normalises config text; `file` is only used in messages and `Config.file`. */
export function parseConfigText(text: string, file: string, opts: LoadOptions = {}): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigInvalidError(
      file,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
        const message = (e.message.split('\n')[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, '');
        return { file, line: pos.line, col: pos.col, path: '(yaml)', message };
      }),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // yaml's only failure here: aliases that expand past maxAliasCount (a "billion laughs" document).
    const message = `refused: its aliases expand too far (${(e as Error).message})`;
    throw new ConfigInvalidError(file, [{ file, line: 1, col: 1, path: '(yaml)', message }]);
  }
  const result = validateConfig(raw);
  if (!result.ok) {
    const problems = result.issues.map((issue) => ({
      file,
      ...locate(doc, lineCounter, issue),
      path: formatPath(issue.path),
      message: issue.message,
    }));
    problems.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new ConfigInvalidError(file, problems);
  }
  const config: Config = { file, ...result.config };
  return opts.sourceOverrides ? applySourceOverrides(config, opts.sourceOverrides) : config;
}

/**
 * Where an issue's field is in the file: its value (or its key, for `atKey`). A field that is not in the file
 * (a missing key) is placed at the key of the deepest mapping entry that holds it, e.g. the image's name.
 */
function locate(doc: Document, lines: LineCounter, issue: SchemaIssue): { line: number; col: number } {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  let holder: number | undefined;
  for (const [i, seg] of issue.path.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    let keyStart: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      next = pair?.value;
      keyStart = pair ? rangeStart(pair.key) : undefined;
      if (pair && issue.atKey && i === issue.path.length - 1 && keyStart !== undefined)
        return position(lines, keyStart);
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    }
    const start = (isScalar(next) && next.value === null ? undefined : rangeStart(next)) ?? keyStart;
    if (start === undefined) return position(lines, holder ?? offset);
    [node, offset, holder] = [next, start, keyStart];
  }
  return position(lines, offset);
}

function position(lines: LineCounter, offset: number): { line: number; col: number } {
  const pos = lines.linePos(offset);
  return { line: pos.line, col: pos.col };
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0];
}

/**
 * Replaces source URLs (compared without trailing slashes) and keeps the one written in the file as
 * `originalUrl`. Overrides that match no source are ignored: one mirror list can serve several configs.
 */
export function applySourceOverrides(config: Config, overrides: Readonly<Record<string, string>>): Config {
  const map = new Map(Object.entries(overrides).map(([from, to]) => [stripSlashes(from), stripSlashes(to)]));
  const distros = Object.fromEntries(
    Object.entries(config.distros).map(([name, d]) => [
      name,
      {
        ...d,
        sources: d.sources.map((s) => {
          const originalUrl = s.originalUrl ?? s.url;
          const url = map.get(originalUrl);
          return url === undefined || url === s.url ? s : { ...s, url, originalUrl };
        }),
      },
    ]),
  );
  return { ...config, distros };
}

/**
 * Parses `ORIG=NEW` pairs separated by commas, whitespace or newlines (the `--mirror` flag, the
 * `DISTROLESS_MIRRORS` variable, the Action's `mirrors` input). Both sides must be http(s) URLs.
 * `origin` names where the text came from, for the error message.
 */
export function parseMirrorOverrides(text: string, origin = 'mirror overrides'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of text.split(/[\s,]+/).filter((s) => s !== '')) {
    const eq = entry.indexOf('=');
    const from = stripSlashes(entry.slice(0, eq));
    const to = stripSlashes(entry.slice(eq + 1));
    if (eq < 0 || !isHttpUrl(from) || !isHttpUrl(to)) {
      throw new DistrolessError(
        'USAGE',
        `${origin}: bad entry "${redactUrls(entry)}": expected ORIG=NEW with http(s) URLs, e.g. https://deb.debian.org/debian=http://127.0.0.1:8080/debian`,
      );
    }
    if (out[from] !== undefined && out[from] !== to) {
      throw new DistrolessError('USAGE', redactUrls(`${origin}: ${from} is mapped twice (to ${out[from]} and ${to})`));
    }
    out[from] = to;
  }
  return out;
}
