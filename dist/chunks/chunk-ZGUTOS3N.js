import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  VARIANTS,
  childDescriptors,
  listRefs,
  reachableBlobs,
  readBlob
} from "./chunk-EC4REFKJ.js";
import {
  MEDIA_TYPES,
  blobPath
} from "./chunk-FLWSX5ME.js";
import {
  RegistryClient,
  checkTag,
  parseRegistryTarget,
  pushTargets,
  repositoryName
} from "./chunk-XZB375P5.js";
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/app/push.ts
import { createReadStream } from "node:fs";
import { join } from "node:path";
var INDEX_TYPES = /* @__PURE__ */ new Set([MEDIA_TYPES.index, "application/vnd.docker.distribution.manifest.list.v2+json"]);
var VARIANT_SUFFIXES = [...VARIANTS].sort((a, b) => b.length - a.length);
function defaultRepoName(ref, descriptor) {
  const variantOf = (name) => {
    const v = VARIANT_SUFFIXES.find((s) => name.endsWith(`-${s}`) && name.length > s.length + 1);
    return v === void 0 ? void 0 : { repo: name.slice(0, -(v.length + 1)), variant: v };
  };
  if (!INDEX_TYPES.has(descriptor.mediaType)) {
    const dash = ref.lastIndexOf("-");
    const found2 = dash > 0 ? variantOf(ref.slice(0, dash)) : void 0;
    if (found2 !== void 0) return { repo: found2.repo, tag: `${found2.variant}-${ref.slice(dash + 1)}` };
  }
  const found = variantOf(ref);
  return found === void 0 ? { repo: ref, tag: "latest" } : { repo: found.repo, tag: found.variant };
}
async function runPush(opts) {
  const target = parseRegistryTarget(opts.registry);
  if (opts.immutableTag !== void 0) checkTag(opts.immutableTag);
  const all = await listRefs(opts.layoutDir);
  const chosen = opts.refs ?? [...all.keys()];
  const byRepoDigest = /* @__PURE__ */ new Map();
  for (const ref of chosen) {
    const descriptor = all.get(ref);
    if (descriptor === void 0) throw new DistrolessError("USAGE", `${opts.layoutDir} has no ref ${JSON.stringify(ref)}`);
    const named = (opts.repoName ?? defaultRepoName)(ref, descriptor);
    if (named === void 0) continue;
    const repository = repositoryName(target, named.repo);
    const key = `${repository}@${descriptor.digest}`;
    const t = byRepoDigest.get(key) ?? { repository, descriptor: stripRefName(descriptor), tags: [], immutableTags: [] };
    if (opts.byDigest) checkTag(named.tag);
    else t.tags.push(checkTag(named.tag));
    if (opts.immutableTag !== void 0 && !opts.byDigest && INDEX_TYPES.has(descriptor.mediaType)) t.immutableTags.push(checkTag(`${named.tag}-${opts.immutableTag}`));
    byRepoDigest.set(key, t);
  }
  const targets = [...byRepoDigest.values()];
  await reachableBlobs(opts.layoutDir, targets.map((t) => t.descriptor));
  const client = new RegistryClient({
    registry: target.host,
    insecure: opts.insecure,
    keychain: opts.keychain,
    retry: opts.retry,
    secrets: opts.secrets,
    userAgent: opts.userAgent,
    chunkThreshold: opts.chunkThreshold,
    chunkSize: opts.chunkSize,
    onRetry: (e) => opts.onProgress?.({ kind: "retry", ...e })
  });
  try {
    await client.ping();
    const { tags, stats } = await pushTargets(client, layoutSource(opts.layoutDir), targets, { concurrency: opts.concurrency, onProgress: opts.onProgress });
    const refs = tags.map((t) => ({ reference: `${target.host}/${t.repository}:${t.tag}`, digest: t.digest, mediaType: t.mediaType })).sort((a, b) => a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0);
    return { registry: target.host, refs, ...stats };
  } finally {
    await client.close();
  }
}
function layoutSource(dir) {
  const blobsDir = join(dir, "blobs");
  return {
    children: (d) => childDescriptors(dir, d),
    document: (d) => readBlob(dir, d),
    open: (d, range) => createReadStream(blobPath(blobsDir, d.digest), { highWaterMark: 1024 * 1024, ...range })
  };
}
function stripRefName(d) {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

export {
  defaultRepoName,
  runPush
};
