import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  isEmptyDiff
} from "./chunk-DI5MK6QV.js";

// src/lock/render.ts
function textTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells) => cells.map((c, i) => i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
function archLabel(archs, allArchs) {
  return archs.length === allArchs.length && allArchs.length > 1 ? "all" : archs.join(",");
}
function summarizeDiff(diff) {
  const count = (kind) => diff.changes.filter((c) => c.kind === kind).length;
  const images = new Set(diff.changes.flatMap((c) => c.images));
  for (const c of diff.closures) images.add(c.image);
  const parts = [`${count("updated")} updated`, `${count("added")} added`, `${count("removed")} removed`];
  return `${diff.distro}: ${diff.changes.length} package change(s) (${parts.join(", ")}) across ${images.size} image(s)`;
}
function renderDiffText(diff, allArchs) {
  if (isEmptyDiff(diff)) return `${diff.distro}: lockfile is up to date`;
  const out = [summarizeDiff(diff)];
  if (diff.changes.length > 0) {
    const rows = diff.changes.map((c) => [c.name, archLabel(c.archs, allArchs), c.old ?? "-", "\u2192", c.new ?? "-", c.suite]);
    out.push(indent(textTable(["PACKAGE", "ARCH", "OLD", "", "NEW", "SUITE"], rows)));
  }
  for (const c of diff.closures) {
    const what = [...c.added.map((p) => `+${p}`), ...c.removed.map((p) => `-${p}`)].join(" ");
    out.push(`  image ${c.image} (${archLabel(c.archs, allArchs)}): ${what}`);
  }
  for (const s of diff.snapshots) out.push(`  snapshot ${s.suite}: ${s.old ?? "(none)"} \u2192 ${s.new}`);
  return out.join("\n");
}
function indent(text) {
  return text.split("\n").map((l) => `  ${l}`).join("\n");
}

export {
  textTable,
  renderDiffText
};
