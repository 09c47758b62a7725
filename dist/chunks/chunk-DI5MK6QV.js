import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  compareCodeUnits
} from "./chunk-K4BAZ34O.js";

// src/lock/diff.ts
function isEmptyDiff(diff) {
  return diff.changes.length === 0 && diff.closures.length === 0;
}
function diffLockfiles(before, after) {
  const groups = /* @__PURE__ */ new Map();
  const archs = /* @__PURE__ */ new Set([...Object.keys(before?.packages ?? {}), ...Object.keys(after.packages)]);
  for (const arch of [...archs].sort(compareCodeUnits)) {
    const oldPkgs = before?.packages[arch] ?? {};
    const newPkgs = after.packages[arch] ?? {};
    for (const name of /* @__PURE__ */ new Set([...Object.keys(oldPkgs), ...Object.keys(newPkgs)])) {
      const change = pinChange(name, oldPkgs[name], newPkgs[name]);
      if (!change) continue;
      const key = `${name}\0${change.old ?? ""}\0${change.new ?? ""}\0${change.suite}`;
      const group = groups.get(key) ?? { ...change, archs: [], images: [] };
      group.archs.push(arch);
      groups.set(key, group);
    }
  }
  for (const change of groups.values()) change.images = imagesHolding(change.kind === "removed" ? before : after, change.name);
  const changes = [...groups.values()].sort((a, b) => compareCodeUnits(a.name, b.name) || compareCodeUnits(a.new ?? "", b.new ?? ""));
  return { distro: after.distro, changes, closures: diffClosures(before, after), snapshots: diffSnapshots(before, after) };
}
function pinChange(name, old, cur) {
  if (old && cur) {
    if (old.version === cur.version && old.sha256 === cur.sha256) return void 0;
    return { name, kind: "updated", old: old.version, new: cur.version, suite: cur.suite, source: cur.source };
  }
  if (cur) return { name, kind: "added", new: cur.version, suite: cur.suite, source: cur.source };
  if (old) return { name, kind: "removed", old: old.version, suite: old.suite, source: old.source };
  return void 0;
}
function imagesHolding(lock, name) {
  if (!lock) return [];
  return Object.keys(lock.images).filter((image) => Object.values(lock.images[image] ?? {}).some((entry) => name in entry.packages)).sort(compareCodeUnits);
}
function diffClosures(before, after) {
  if (!before) return [];
  const groups = /* @__PURE__ */ new Map();
  const images = /* @__PURE__ */ new Set([...Object.keys(before?.images ?? {}), ...Object.keys(after.images)]);
  for (const image of [...images].sort(compareCodeUnits)) {
    const oldArchs = before?.images[image] ?? {};
    const newArchs = after.images[image] ?? {};
    for (const arch of [.../* @__PURE__ */ new Set([...Object.keys(oldArchs), ...Object.keys(newArchs)])].sort(compareCodeUnits)) {
      const oldSet = new Set(Object.keys(oldArchs[arch]?.packages ?? {}));
      const newSet = new Set(Object.keys(newArchs[arch]?.packages ?? {}));
      const added = [...newSet].filter((p) => !oldSet.has(p)).sort(compareCodeUnits);
      const removed = [...oldSet].filter((p) => !newSet.has(p)).sort(compareCodeUnits);
      if (added.length === 0 && removed.length === 0) continue;
      const key = `${image}\0${added.join(",")}\0${removed.join(",")}`;
      const group = groups.get(key) ?? { image, archs: [], added, removed };
      group.archs.push(arch);
      groups.set(key, group);
    }
  }
  return [...groups.values()];
}
function diffSnapshots(before, after) {
  const old = new Map((before?.sources ?? []).map((s) => [s.suite, s.snapshot]));
  return after.sources.filter((s) => old.get(s.suite) !== s.snapshot).map((s) => {
    const prev = old.get(s.suite);
    return prev === void 0 ? { suite: s.suite, new: s.snapshot } : { suite: s.suite, old: prev, new: s.snapshot };
  });
}

export {
  isEmptyDiff,
  diffLockfiles
};
