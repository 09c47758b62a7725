import type { LockDiff, PackageChange } from './diff.js';
import { isEmptyDiff } from './diff.js';

/** Renders rows as a left-aligned text table with a header row. */
export function textTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Archs of a change, or `all` when it applies to every arch of the lock. */
function archLabel(archs: readonly string[], allArchs: readonly string[]): string {
  return archs.length === allArchs.length && allArchs.length > 1 ? 'all' : archs.join(',');
}

export function summarizeDiff(diff: LockDiff): string {
  const count = (kind: PackageChange['kind']): number => diff.changes.filter((c) => c.kind === kind).length;
  const images = new Set(diff.changes.flatMap((c) => c.images));
  for (const c of diff.closures) images.add(c.image);
  const parts = [`${count('updated')} updated`, `${count('added')} added`, `${count('removed')} removed`];
  return `${diff.distro}: ${diff.changes.length} package change(s) (${parts.join(', ')}) across ${images.size} image(s)`;
}

/** The human-readable diff `update` prints: package, arch, old → new, suite. */
export function renderDiffText(diff: LockDiff, allArchs: readonly string[]): string {
  if (isEmptyDiff(diff)) return `${diff.distro}: lockfile is up to date`;
  const out = [summarizeDiff(diff)];
  if (diff.changes.length > 0) {
    const rows = diff.changes.map((c) => [
      c.name,
      archLabel(c.archs, allArchs),
      c.old ?? '-',
      '→',
      c.new ?? '-',
      c.suite,
    ]);
    out.push(indent(textTable(['PACKAGE', 'ARCH', 'OLD', '', 'NEW', 'SUITE'], rows)));
  }
  for (const c of diff.closures) {
    const what = [...c.added.map((p) => `+${p}`), ...c.removed.map((p) => `-${p}`)].join(' ');
    out.push(`  image ${c.image} (${archLabel(c.archs, allArchs)}): ${what}`);
  }
  for (const s of diff.snapshots) out.push(`  snapshot ${s.suite}: ${s.old ?? '(none)'} → ${s.new}`);
  return out.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
