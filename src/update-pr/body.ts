/**
 * The Markdown body of the update PR: a summary line, then per distro a table of package changes (🔒 and a
 * Debian security tracker link for -security suites), the closure changes per image and the snapshot ids.
 * GitHub refuses bodies over 65,536 characters, so long tables fold into <details> and rows that do not fit
 * are dropped with a note (the full diff is in the commit).
 */
import type { ClosureChange, LockDiff, PackageChange } from '../lock/diff.js';

/** GitHub's limit on an issue or PR body. */
export const GITHUB_BODY_LIMIT = 65_536;
/** Tables longer than this fold into <details>. */
export const FOLD_ROWS = 25;
export const TRACKER_URL = 'https://security-tracker.debian.org/tracker/';
/** Marks bodies written by the bot. */
export const BODY_MARKER = '<!-- distroless-action:update -->';

export interface BodyOptions {
  /** Characters the body may take (default GITHUB_BODY_LIMIT). */
  limit?: number;
  foldRows?: number;
}

export function isSecuritySuite(suite: string): boolean {
  return /-security$/.test(suite);
}

/** "N packages updated across M images; K from bookworm-security" (plus added/removed when there are any). */
export function summaryLine(diffs: readonly LockDiff[]): string {
  const changes = diffs.flatMap((d) => d.changes);
  const count = (kind: PackageChange['kind']): number => changes.filter((c) => c.kind === kind).length;
  const images = new Set(
    diffs.flatMap((d) => [
      ...d.changes.flatMap((c) => c.images.map((i) => `${d.distro}/${i}`)),
      ...d.closures.map((c) => `${d.distro}/${c.image}`),
    ]),
  );
  let head = `${plural(count('updated'), 'package')} updated`;
  const extra = [
    count('added') > 0 ? `${count('added')} added` : '',
    count('removed') > 0 ? `${count('removed')} removed` : '',
  ].filter(Boolean);
  if (extra.length > 0) head += ` (${extra.join(', ')})`;
  const parts = [`${head} across ${plural(images.size, 'image')}`];
  const bySuite = new Map<string, number>();
  for (const c of changes)
    if (isSecuritySuite(c.suite) && c.kind !== 'removed') bySuite.set(c.suite, (bySuite.get(c.suite) ?? 0) + 1);
  for (const [suite, n] of [...bySuite].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    parts.push(`${n} from ${suite}`);
  return parts.join('; ');
}

/** Renders the whole body, kept under `limit` characters. */
export function renderPrBody(diffs: readonly LockDiff[], opts: BodyOptions = {}): string {
  const limit = opts.limit ?? GITHUB_BODY_LIMIT;
  const foldRows = opts.foldRows ?? FOLD_ROWS;
  const out = new Budget(limit - 400); // room for the truncation note and closing tags
  out.add(`${BODY_MARKER}\n**${summaryLine(diffs)}**\n`);
  if (diffs.every((d) => d.changes.length === 0 && d.closures.length === 0)) {
    out.add('\nNo package changed: the lockfiles record new index hashes or a new config digest.\n');
  }
  for (const diff of diffs) {
    if (diff.changes.length === 0 && diff.closures.length === 0) continue;
    out.add(`\n### ${diff.distro}\n`);
    table(
      out,
      `${plural(diff.changes.length, 'package change')}`,
      ['Package', 'Arch', 'Old → New', 'Suite', 'Images'],
      diff.changes.map(changeRow),
      foldRows,
    );
    if (diff.closures.length > 0) {
      table(
        out,
        `${plural(diff.closures.length, 'closure change')}`,
        ['Image', 'Arch', 'Added', 'Removed'],
        diff.closures.map(closureRow),
        foldRows,
      );
    }
    if (diff.snapshots.length > 0) {
      const rows = diff.snapshots.map((s) => [
        code(s.suite),
        s.old === undefined ? '(none)' : code(s.old),
        code(s.new),
      ]);
      table(out, `${plural(rows.length, 'snapshot')}`, ['Suite', 'Old snapshot', 'New snapshot'], rows, foldRows);
    }
  }
  if (out.dropped > 0) {
    out.force(
      `\n> [!NOTE]\n> ${plural(out.dropped, 'more row')} not shown: GitHub limits a PR body to ${GITHUB_BODY_LIMIT} characters. The lockfile diff in this PR has everything.\n`,
    );
  }
  return out.text();
}

function table(
  out: Budget,
  title: string,
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  foldRows: number,
): void {
  if (rows.length === 0) return;
  const fold = rows.length > foldRows;
  const close = fold ? '\n</details>\n' : '';
  const head = `${fold ? `\n<details><summary>${title}</summary>\n\n` : `\n**${title}**\n\n`}${line(header)}\n${line(header.map(() => '---'))}\n`;
  if (!out.add(head, close.length)) {
    out.dropped += rows.length;
    return;
  }
  let shown = 0;
  for (const row of rows) {
    if (!out.add(`${line(row)}\n`, close.length)) break;
    shown++;
  }
  out.dropped += rows.length - shown;
  out.force(close);
}

function changeRow(c: PackageChange): string[] {
  const version =
    c.kind === 'added'
      ? `(new) → ${code(c.new ?? '')}`
      : c.kind === 'removed'
        ? `${code(c.old ?? '')} → (removed)`
        : `${code(c.old ?? '')} → ${code(c.new ?? '')}`;
  const suite = isSecuritySuite(c.suite)
    ? `🔒 ${code(c.suite)} ([${c.source}](${TRACKER_URL}${encodeURIComponent(c.source)}))`
    : code(c.suite);
  return [code(c.name), c.archs.join(', '), version, suite, c.images.join(', ')];
}

function closureRow(c: ClosureChange): string[] {
  const list = (names: readonly string[]): string => (names.length === 0 ? '—' : names.map(code).join(', '));
  return [code(c.image), c.archs.join(', '), list(c.added), list(c.removed)];
}

function line(cells: readonly string[]): string {
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

/** Pipes end a table cell; a backslash keeps them (inside code spans too, in GFM tables). */
function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Debian versions hold `~` and `+`: code spans keep Markdown from reading them as strikethrough. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Appends chunks while they fit; `reserve` keeps room for what must still follow (closing tags). */
class Budget {
  private readonly parts: string[] = [];
  private size = 0;
  dropped = 0;
  constructor(private readonly limit: number) {}

  add(chunk: string, reserve = 0): boolean {
    if (this.size + chunk.length + reserve > this.limit) return false;
    this.force(chunk);
    return true;
  }

  force(chunk: string): void {
    this.parts.push(chunk);
    this.size += chunk.length;
  }

  text(): string {
    return this.parts.join('');
  }
}
