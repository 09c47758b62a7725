/**
 * Job summaries (Markdown, for `$GITHUB_STEP_SUMMARY` or a file): `update` shows the change tables of the PR
 * body; `publish` shows every image × variant × arch with its digest, size, size change against the release
 * its tag pointed at before, and whether it is signed. Plain functions of the reports: no I/O.
 */
import { renderPrBody, type BodyOptions } from '../update-pr/index.js';
import type { LockDiff } from '../lock/diff.js';
import type { PublishReport, PublishRow, SignStatus } from './publish.js';
import type { AssembleResult } from './assemble.js';

/** GitHub shows at most 1 MiB of summary per step; stay well under it. */
const SUMMARY_LIMIT = 512 * 1024;

export function renderUpdateSummary(
  diffs: readonly LockDiff[],
  pr?: { action: string; url?: string },
  opts: BodyOptions = {},
): string {
  const head = ['## distroless-action update', ''];
  if (pr) head.push(`Pull request: ${pr.action}${pr.url ? ` — ${pr.url}` : ''}`, '');
  const body = renderPrBody(diffs, { limit: SUMMARY_LIMIT, ...opts }).replace(/^<!--[^>]*-->\n/, '');
  return `${head.join('\n')}${body}`;
}

export function renderPublishSummary(report: PublishReport): string {
  const lines = ['## distroless-action publish', ''];
  const signedRows = report.rows.filter((r) => r.signature !== 'unsigned').length;
  const changed = report.rows.filter((r) => r.previousDigest !== r.digest).length;
  lines.push(
    `${report.indexes.length} index(es), ${report.rows.length} image(s) in ${report.registry}: ${changed} new or changed, ` +
      `${report.push.uploadedBlobs} blob(s) uploaded (${mib(report.push.uploadedBytes)}), ${signedRows}/${report.rows.length} image(s) signed.`,
    '',
    '| Image | Variant | Arch | Digest | Size | Change | Signature |',
    '|---|---|---|---|---:|---:|---|',
  );
  for (const r of report.rows) {
    lines.push(
      `| ${r.image} | ${r.variant} | ${r.arch} | \`${r.digest.slice(0, 19)}…\` | ${mib(r.size)} | ${sizeChange(r)} | ${signature(r.signature)} |`,
    );
  }
  lines.push('', '<details><summary>Indexes</summary>', '', '| Reference | Digest | Signature |', '|---|---|---|');
  for (const x of report.indexes) lines.push(`| \`${x.reference}\` | \`${x.digest}\` | ${signature(x.signature)} |`);
  lines.push('', '</details>', '');
  return lines.join('\n');
}

/** The scale-out's last step: every index with its per-arch digests, and whether each was signed. */
export function renderAssembleSummary(result: AssembleResult, signed: readonly SignStatus[]): string {
  const state = (repository: string, digest: string): PublishRow['signature'] =>
    signed.find((s) => s.repository === repository && s.digest === digest)?.state ?? 'unsigned';
  const lines = [
    '## distroless-action assemble',
    '',
    `${result.indexes.length} index(es) in ${result.registry}: ${result.stats.tagsPut} tag(s) set, ${result.stats.tagsUnchanged} unchanged.`,
    '',
  ];
  lines.push('| Image | Variant | Platform | Digest | Signature |', '|---|---|---|---|---|');
  for (const x of result.indexes) {
    lines.push(
      `| ${x.image} | ${x.variant} | index | \`${x.digest.slice(0, 19)}…\` | ${signature(state(x.repository, x.digest))} |`,
    );
    for (const m of x.manifests)
      lines.push(
        `| ${x.image} | ${x.variant} | ${m.arch} | \`${m.digest.slice(0, 19)}…\` | ${signature(state(x.repository, m.digest))} |`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** "+1.2 MiB (+4.1%)", "unchanged", "new". */
export function sizeChange(r: Pick<PublishRow, 'size' | 'previousSize' | 'previousDigest' | 'digest'>): string {
  if (r.previousSize === undefined) return 'new';
  if (r.previousDigest === r.digest) return 'unchanged';
  const delta = r.size - r.previousSize;
  const pct = r.previousSize > 0 ? ` (${delta >= 0 ? '+' : ''}${((delta / r.previousSize) * 100).toFixed(1)}%)` : '';
  if (Math.abs(delta) < (1024 * 1024) / 100) return `${delta >= 0 ? '+' : '−'}${Math.abs(delta)} B${pct}`;
  return `${delta >= 0 ? '+' : '−'}${mib(Math.abs(delta))}${pct}`;
}

function signature(state: PublishRow['signature']): string {
  return state === 'signed' ? '✅ signed' : state === 'present' ? '✅ already signed' : '— unsigned';
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(2)} MiB`;
}
