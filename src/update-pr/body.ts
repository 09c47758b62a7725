/**
 * The Markdown body of the update PR: a summary line, then per distro a table of package changes (🔒 and a
 * Debian security tracker link for -security suites), the closure changes per image and the snapshot ids.
 * GitHub refuses bodies over 65,536 characters, so long tables fold into <details> and rows that do not fit
 * are dropped with a note (the full diff is in the commit).
 */
import type { ClosureChange, ImageImpact, LockDiff, PackageChange, SourceChangelog } from '../lock/diff.js';

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

/** True when a package change comes from a -security suite: the `security` output and PR label. */
export function hasSecurityChange(diffs: readonly LockDiff[]): boolean {
  return diffs.some((d) => d.changes.some((c) => c.kind !== 'removed' && isSecuritySuite(c.suite)));
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
  if (diffs.some((d) => d.changelogs !== undefined)) {
    const cves = new Set(diffs.flatMap((d) => (d.changelogs ?? []).flatMap((c) => c.cves)));
    parts.push(`${plural(cves.size, 'CVE')} fixed`);
  }
  return parts.join('; ');
}

/** Renders the whole body, kept under `limit` characters. */
export function renderPrBody(diffs: readonly LockDiff[], opts: BodyOptions = {}): string {
  const limit = opts.limit ?? GITHUB_BODY_LIMIT;
  const foldRows = opts.foldRows ?? FOLD_ROWS;
  const room = limit - 400; // room for the truncation note and closing tags
  // Order of importance: the table rows, then each changelog's heading with its CVE links, then the tables'
  // Images column, then the full changelog entries.
  const headings = diffs.flatMap((d) => d.changelogs ?? []).reduce((n, c) => n + changelogBlock(c, false).length, 0);
  let tables = renderTables(diffs, foldRows, room, true);
  if (tables.dropped > 0 || tables.text.length + headings > room) {
    const narrow = renderTables(diffs, foldRows, room, false);
    if (narrow.dropped <= tables.dropped) tables = narrow;
  }
  const out = new Budget(room);
  out.force(tables.text);
  out.dropped = tables.dropped;
  const droppedLogs = renderChangelogs(out, diffs, room);
  if (out.dropped > 0) {
    out.force(
      `\n> [!NOTE]\n> ${plural(out.dropped, 'more row')} not shown: GitHub limits a PR body to ${GITHUB_BODY_LIMIT} characters. The lockfile diff in this PR has everything.\n`,
    );
  }
  if (droppedLogs > 0) {
    out.force(
      `\n> [!NOTE]\n> The changelogs of ${plural(droppedLogs, 'more source package')} are not shown: GitHub limits a PR body to ${GITHUB_BODY_LIMIT} characters.\n`,
    );
  }
  return out.text();
}

function renderTables(
  diffs: readonly LockDiff[],
  foldRows: number,
  room: number,
  withImages: boolean,
): { text: string; dropped: number } {
  const out = new Budget(room);
  out.add(`${BODY_MARKER}\n**${summaryLine(diffs)}**\n`);
  if (diffs.every((d) => d.changes.length === 0 && d.closures.length === 0)) {
    out.add('\nNo package changed: the lockfiles record new index hashes, snapshot ids or a new config digest.\n');
  }
  for (const diff of diffs) {
    if (diff.changes.length === 0 && diff.closures.length === 0) continue;
    out.add(`\n### ${diff.distro}\n`);
    const header = ['Package', 'Arch', 'Old → New', 'Suite', ...(withImages ? ['Images'] : [])];
    table(
      out,
      `${plural(diff.changes.length, 'package change')}`,
      header,
      diff.changes.map((c) => changeRow(c, withImages)),
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
    if (diff.impact !== undefined) renderImpact(out, diff.impact, foldRows);
    if (diff.snapshots.length > 0) {
      const rows = diff.snapshots.map((s) => [
        code(s.suite),
        s.old === undefined ? '(none)' : code(s.old),
        code(s.new),
      ]);
      table(out, `${plural(rows.length, 'snapshot')}`, ['Suite', 'Old snapshot', 'New snapshot'], rows, foldRows);
    }
  }
  return { text: out.text(), dropped: out.dropped };
}

/** Image × variant × arch: the digest and exact compressed size change; unchanged ones named in one line. */
function renderImpact(out: Budget, impact: readonly ImageImpact[], foldRows: number): void {
  const changed = impact.filter((i) => i.oldDigest !== i.newDigest);
  const same = impact.filter((i) => i.oldDigest === i.newDigest);
  const rows = changed.map((i) => [
    code(i.image),
    i.variant,
    i.arch,
    i.oldDigest === undefined ? '(new)' : code(shortDigest(i.oldDigest)),
    i.newDigest === undefined ? '(gone)' : code(shortDigest(i.newDigest)),
    sizeDelta(i.oldSize, i.newSize),
  ]);
  table(
    out,
    `${plural(changed.length, 'image')} change${changed.length === 1 ? 's' : ''}`,
    ['Image', 'Variant', 'Arch', 'Old digest', 'New digest', 'Compressed size'],
    rows,
    foldRows,
  );
  if (same.length > 0) {
    const names = [...new Set(same.map((i) => `${i.image} (${i.variant})`))];
    out.add(`\n**Unchanged** (same digest, every arch built): ${names.join(', ')}\n`);
  }
}

function shortDigest(digest: string): string {
  return digest.slice(0, 19);
}

/** `+1,234 B (12,345,678 B → 12,346,912 B)`: exact bytes, signed. */
export function sizeDelta(old: number | undefined, cur: number | undefined): string {
  const n = (v: number): string => v.toLocaleString('en-US');
  if (old === undefined && cur === undefined) return '—';
  if (old === undefined) return `${n(cur as number)} B (new)`;
  if (cur === undefined) return `−${n(old)} B (gone)`;
  const d = cur - old;
  return `${d > 0 ? '+' : d < 0 ? '−' : '±'}${n(Math.abs(d))} B (${n(old)} → ${n(cur)})`;
}

/**
 * Per changed source package, folded, its changelog entries with CVE ids linked. What fits is decided in
 * order of importance: first every source's heading with its CVE links (security sources first, then by CVE
 * count), then the full entries in the same order; a source that does not fit even as a heading is counted
 * in the note.
 */
function renderChangelogs(out: Budget, diffs: readonly LockDiff[], room: number): number {
  const all = diffs.flatMap((d) => (d.changelogs ?? []).map((c) => ({ distro: d.distro, c })));
  if (all.length === 0) return 0;
  const ranked = [...all].sort(
    (a, b) =>
      Number(b.c.security) - Number(a.c.security) ||
      b.c.cves.length - a.c.cves.length ||
      (a.c.source < b.c.source ? -1 : a.c.source > b.c.source ? 1 : 0),
  );
  const full = new Map(ranked.map((x) => [x, changelogBlock(x.c, true)]));
  const short = new Map(ranked.map((x) => [x, changelogBlock(x.c, false)]));
  const multi = new Set(all.map((x) => x.distro)).size > 1;
  const heading = (distro: string): string => `\n### Changelogs${multi ? ` (${distro})` : ''}\n`;
  let left = room - out.size - diffs.length * 40 - 200; // headings per distro, the note
  const chosen = new Map<(typeof ranked)[number], string>();
  for (const x of ranked) {
    const text = short.get(x) as string;
    if (text.length > left) continue;
    chosen.set(x, text);
    left -= text.length;
  }
  for (const x of ranked) {
    const cur = chosen.get(x);
    const text = full.get(x) as string;
    if (cur === undefined || text.length - cur.length > left) continue;
    chosen.set(x, text);
    left -= text.length - cur.length;
  }
  let lastDistro: string | undefined;
  for (const x of all) {
    const text = chosen.get(x);
    if (text === undefined) continue;
    if (x.distro !== lastDistro) out.force(heading(x.distro));
    lastDistro = x.distro;
    out.force(text);
  }
  return all.length - chosen.size;
}

/** One source's <details>: the summary line, then (when `full`) every entry; else the CVE links only. */
function changelogBlock(c: SourceChangelog, full: boolean): string {
  const cves = c.cves.length > 0 ? `, ${plural(c.cves.length, 'CVE')}` : '';
  const lock = c.security ? '🔒 ' : '';
  const summary = `${lock}<b>${escapeHtml(c.source)}</b> <code>${escapeHtml(c.old)}</code> → <code>${escapeHtml(c.new)}</code>: ${c.entries.length} ${c.entries.length === 1 ? 'entry' : 'entries'}${cves}`;
  const parts = [`\n<details><summary>${summary}</summary>\n\n`];
  if (c.note !== undefined && c.entries.length === 0) parts.push(`_No changelog: ${escapeMarkdown(c.note)}_\n`);
  if (full) {
    for (const e of c.entries) {
      const meta = [e.distributions, e.urgency ? `urgency=${e.urgency}` : ''].filter(Boolean).join('; ');
      parts.push(`**${escapeMarkdown(e.version)}** (${escapeMarkdown(meta)})\n\n`);
      parts.push(changeLines(e.lines));
      const by = [e.maintainer, e.date].filter(Boolean).join(', ');
      parts.push(by ? `\n<sub>— ${escapeMarkdown(by)}</sub>\n\n` : '\n');
    }
  } else if (c.cves.length > 0) {
    parts.push(
      `${c.cves.map(cveLink).join(', ')}\n\n_Entries left out: GitHub limits a PR body to ${GITHUB_BODY_LIMIT} characters._\n`,
    );
  } else if (c.entries.length > 0) {
    parts.push(`_Entries left out: GitHub limits a PR body to ${GITHUB_BODY_LIMIT} characters._\n`);
  }
  parts.push('\n</details>\n');
  return parts.join('');
}

/**
 * The change lines as a Markdown list: `*` / `-` / `+` bullets become list items (nested by indentation),
 * continuation lines join their item, `[ Name ]` group headers stay as text; CVE ids become tracker links.
 */
function changeLines(lines: readonly string[]): string {
  const items: Array<{ depth: number; text: string }> = [];
  for (const raw of lines) {
    if (raw.trim() === '') continue;
    const indent = raw.length - raw.trimStart().length;
    const body = raw.trim();
    const bullet = /^[*+-]\s+(.*)$/.exec(body);
    if (bullet) items.push({ depth: Math.max(0, Math.floor((indent - 2) / 2)), text: bullet[1] ?? '' });
    else if (/^\[.*\]$/.test(body)) items.push({ depth: -1, text: body });
    else if (items.length > 0 && (items[items.length - 1] as { depth: number }).depth >= 0)
      (items[items.length - 1] as { text: string }).text += ` ${body}`;
    else items.push({ depth: 0, text: body });
  }
  return items
    .map((i) =>
      i.depth < 0
        ? `\n${linkCves(escapeMarkdown(i.text))}\n\n`
        : `${'  '.repeat(Math.min(i.depth, 3))}- ${linkCves(escapeMarkdown(i.text))}\n`,
    )
    .join('');
}

const CVE = /\bCVE-\d{4}-\d{4,}\b/g;

function linkCves(text: string): string {
  return text.replace(CVE, (id) => cveLink(id));
}

function cveLink(id: string): string {
  return `[${id}](${TRACKER_URL}${id})`;
}

/** Changelog text is free text: characters Markdown or HTML would act on are escaped. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|~#]/g, (c) => `\\${c}`).replace(/&/g, '&amp;');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
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

function changeRow(c: PackageChange, withImages: boolean): string[] {
  const version =
    c.kind === 'added'
      ? `(new) → ${code(c.new ?? '')}`
      : c.kind === 'removed'
        ? `${code(c.old ?? '')} → (removed)`
        : `${code(c.old ?? '')} → ${code(c.new ?? '')}`;
  const suite = isSecuritySuite(c.suite)
    ? `🔒 ${code(c.suite)} ([${c.source}](${TRACKER_URL}${encodeURIComponent(c.source)}))`
    : code(c.suite);
  return [code(c.name), c.archs.join(', '), version, suite, ...(withImages ? [c.images.join(', ')] : [])];
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
  size = 0;
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
