import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  runBuild
} from "./chunk-QXRPB7CZ.js";
import {
  defaultRepoName,
  runPush
} from "./chunk-ZGUTOS3N.js";
import {
  external_exports,
  lockfilePath,
  readLockfile
} from "./chunk-ZTTND34Q.js";
import {
  configDigest
} from "./chunk-EO4ONWKL.js";
import {
  VARIANTS,
  listRefs,
  planBuild,
  refNames
} from "./chunk-EC4REFKJ.js";
import {
  MEDIA_TYPES,
  buildIndex,
  debianPlatform,
  formatPlatform,
  platformTagSuffix
} from "./chunk-FLWSX5ME.js";
import {
  RegistryClient,
  checkTag,
  parseRegistryTarget,
  pushTargets,
  repositoryName
} from "./chunk-XZB375P5.js";
import {
  mapLimit
} from "./chunk-BDURTKM7.js";
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/app/plan.ts
async function planShards(config, lockDir, opts = {}) {
  const warn = opts.onWarning ?? (() => void 0);
  const unknown = (opts.images ?? []).filter((n) => config.images[n] === void 0);
  if (unknown.length > 0) throw new DistrolessError("USAGE", `--image: unknown image(s) ${unknown.join(", ")} (the config defines: ${Object.keys(config.images).join(", ")})`);
  const shards = [];
  for (const distro of Object.values(config.distros)) {
    const names = Object.keys(config.images).filter((n) => config.images[n]?.distro === distro.name && (!opts.images || opts.images.includes(n)));
    if (names.length === 0) continue;
    const lock = await readFreshLock(config, lockDir, distro);
    const plans = planBuild(config, distro, lock, { images: names, ...opts.archs ? { archs: opts.archs } : {} }, warn);
    for (const plan of plans) {
      if (plan.ancestorOnly) continue;
      for (const arch of plan.archs) {
        const image = plan.image.name;
        shards.push({ id: shardId(image, distro.name, arch), image, distro: distro.name, arch, platform: formatPlatform(debianPlatform(arch)) });
      }
    }
  }
  const seen = /* @__PURE__ */ new Set();
  for (const s of shards) {
    if (seen.has(s.id)) throw new DistrolessError("CONFIG_INVALID", `${config.file}: two shards would be called ${s.id}; rename an image or a distro`);
    seen.add(s.id);
  }
  return { shards, matrix: { include: shards.map((s) => ({ ...s })) } };
}
function shardId(image, distro, arch) {
  return `${image}-${distro}-${arch}`;
}
function findShard(plan, id) {
  const shard = plan.shards.find((s) => s.id === id);
  if (shard === void 0) {
    const ids = plan.shards.map((s) => s.id);
    const shown = ids.length > 12 ? `${ids.slice(0, 12).join(", ")}, \u2026 (${ids.length} in all; see "distroless-action plan")` : ids.join(", ");
    throw new DistrolessError("USAGE", `--shard: no shard ${JSON.stringify(id)} in the plan (shards: ${shown || "none"})`);
  }
  return shard;
}
async function readFreshLock(config, lockDir, distro) {
  const file = lockfilePath(lockDir, distro.name);
  const lock = await readLockfile(lockDir, distro.name);
  if (!lock) throw new DistrolessError("LOCK_INVALID", `${file}: no lockfile; run "distroless-action update" first`);
  if (lock.configDigest !== configDigest(config, distro.name)) {
    throw new DistrolessError("LOCK_STALE", `${file} was made for another version of ${config.file}; run "distroless-action update"`);
  }
  return lock;
}

// src/app/shard-result.ts
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
var SHARD_RESULT_VERSION = 1;
var digest = external_exports.string().regex(/^sha256:[0-9a-f]{64}$/, "a sha256 digest");
var schema = external_exports.strictObject({
  version: external_exports.literal(SHARD_RESULT_VERSION),
  shard: external_exports.string().min(1),
  registry: external_exports.string().min(1),
  epoch: external_exports.number().int().nonnegative(),
  manifests: external_exports.array(
    external_exports.strictObject({
      image: external_exports.string().min(1),
      distro: external_exports.string().min(1),
      variant: external_exports.enum(VARIANTS),
      arch: external_exports.string().min(1),
      platform: external_exports.strictObject({ os: external_exports.string(), architecture: external_exports.string(), variant: external_exports.string().optional() }),
      repository: external_exports.string().min(1),
      digest,
      size: external_exports.number().int().positive(),
      mediaType: external_exports.string().min(1)
    })
  )
});
function parseShardResult(text, file) {
  let raw;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DistrolessError("PARSE", `${file}: not valid JSON (${e.message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${file}: ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new DistrolessError("PARSE", `${file}: not a shard result: ${details[0] ?? ""}`, { details });
  }
  const manifests = parsed.data.manifests.map((m) => {
    const { variant, ...p } = m.platform;
    return { ...m, platform: variant === void 0 ? p : { ...p, variant } };
  });
  return { ...parsed.data, manifests };
}
async function readShardResults(paths) {
  const files = [];
  for (const path of paths) {
    const info = await stat(path).catch((e) => {
      throw new DistrolessError("USAGE", `--results: ${path}: ${e.code === "ENOENT" ? "no such file or directory" : e.message}`);
    });
    if (!info.isDirectory()) files.push(path);
    else for (const name of (await readdir(path)).filter((n) => n.endsWith(".json")).sort()) files.push(join(path, name));
  }
  const unique = [...new Set(files)];
  if (unique.length === 0) throw new DistrolessError("USAGE", `--results: no shard result (*.json) in ${paths.join(", ") || "(nothing given)"}`);
  return Promise.all(unique.map(async (f) => parseShardResult(await readFile(f, "utf8"), f)));
}

// src/app/shard.ts
async function runShard(opts) {
  const target = parseRegistryTarget(opts.registry);
  const shard = findShard(await planShards(opts.config, opts.lockDir, { onWarning: () => void 0 }), opts.shard);
  const built = await runBuild({
    config: opts.config,
    lockDir: opts.lockDir,
    outDir: opts.outDir,
    cacheDir: opts.cacheDir,
    images: [shard.image],
    archs: [shard.arch],
    ...opts.epoch === void 0 ? {} : { epoch: opts.epoch },
    ...opts.http ? { http: opts.http } : {},
    ...opts.concurrency === void 0 ? {} : { concurrency: opts.concurrency },
    ...opts.onProgress ? { onProgress: opts.onProgress } : {},
    ...opts.onWarning ? { onWarning: opts.onWarning } : {}
  });
  const images = built.images.filter((i) => i.image === shard.image && i.arch === shard.arch);
  const missing = VARIANTS.filter((v) => !images.some((i) => i.variant === v));
  if (missing.length > 0) throw new DistrolessError("LOCK_INVALID", `shard ${shard.id}: the build made no ${missing.join(", ")} image`);
  const refs = await listRefs(opts.outDir);
  const manifests = images.map((i) => {
    const descriptor = refs.get(i.ref);
    if (descriptor === void 0 || descriptor.digest !== i.digest) throw new DistrolessError("LAYOUT_INVALID", `${opts.outDir}: ref ${i.ref} does not name ${i.digest}`);
    const repository = repositoryName(target, defaultRepoName(i.ref, descriptor).repo);
    return { image: i.image, distro: shard.distro, variant: i.variant, arch: i.arch, platform: i.platform, repository, digest: i.digest, size: descriptor.size, mediaType: descriptor.mediaType };
  });
  const push = await runPush({
    layoutDir: opts.outDir,
    registry: opts.registry,
    refs: images.map((i) => i.ref),
    byDigest: true,
    ...opts.keychain ? { keychain: opts.keychain } : {},
    ...opts.insecure ? { insecure: true } : {},
    ...opts.retry ? { retry: opts.retry } : {},
    ...opts.secrets ? { secrets: opts.secrets } : {},
    ...opts.userAgent ? { userAgent: opts.userAgent } : {},
    ...opts.onPushProgress ? { onProgress: opts.onPushProgress } : {}
  });
  const result = { version: SHARD_RESULT_VERSION, shard: shard.id, registry: targetName(opts.registry), epoch: built.epoch, manifests: manifests.sort(byVariant) };
  return { result, push, layers: built.layers };
}
function targetName(registry) {
  const t = parseRegistryTarget(registry);
  return t.prefix === "" ? t.host : `${t.host}/${t.prefix}`;
}
function byVariant(a, b) {
  return VARIANTS.indexOf(a.variant) - VARIANTS.indexOf(b.variant);
}

// src/app/assemble.ts
async function runAssemble(opts) {
  const target = parseRegistryTarget(opts.registry);
  if (opts.immutableTag !== void 0) checkTag(opts.immutableTag);
  const plan = await planShards(opts.config, opts.lockDir, { ...opts.images ? { images: opts.images } : {}, ...opts.archs ? { archs: opts.archs } : {} });
  const byKey = checkResults(plan.shards, opts.results, targetName(opts.registry));
  const indexes = assembleIndexes(plan.shards, byKey, opts.results, target);
  const client = new RegistryClient({
    registry: target.host,
    insecure: opts.insecure,
    keychain: opts.keychain,
    retry: opts.retry,
    secrets: opts.secrets,
    userAgent: opts.userAgent,
    onRetry: (e) => opts.onProgress?.({ kind: "retry", ...e })
  });
  try {
    await client.ping();
    await checkPushed(client, [...byKey.values()], opts.concurrency ?? 4);
    const source = registrySource(client, indexes);
    const { tags, stats } = await pushTargets(client, source, pushTargetsOf(indexes, opts.immutableTag), { concurrency: opts.concurrency, onProgress: opts.onProgress });
    const refs = tags.map((t) => ({ reference: `${target.host}/${t.repository}:${t.tag}`, digest: t.digest, mediaType: t.mediaType })).sort((a, b) => a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0);
    return { registry: target.host, refs, indexes: indexes.map(({ bytes: _b, ...rest }) => rest), stats };
  } finally {
    await client.close();
  }
}
var key = (m) => `${m.image}-${m.distro} ${m.variant} ${m.arch}`;
function checkResults(shards, results, registry) {
  const problems = [];
  const planned = new Map(shards.map((s) => [s.id, s]));
  const epochs = /* @__PURE__ */ new Map();
  const byKey = /* @__PURE__ */ new Map();
  for (const r of results) {
    if (r.registry !== registry) problems.push(`shard ${r.shard} was pushed to ${r.registry}, not ${registry}`);
    const shard = planned.get(r.shard);
    if (shard === void 0) problems.push(`shard ${r.shard} is not in the plan`);
    for (const m of r.manifests) {
      const e = epochs.get(m.distro);
      if (e === void 0) epochs.set(m.distro, { epoch: r.epoch, shard: r.shard });
      else if (e.epoch !== r.epoch) problems.push(`shard ${r.shard} was built with epoch ${r.epoch}, shard ${e.shard} with ${e.epoch} (${m.distro}: set the same SOURCE_DATE_EPOCH for every shard)`);
      if (shard !== void 0 && (m.image !== shard.image || m.distro !== shard.distro || m.arch !== shard.arch)) problems.push(`shard ${r.shard} lists ${key(m)}, which is not its image and arch`);
      const prev = byKey.get(key(m));
      if (prev !== void 0) problems.push(`${key(m)} comes twice (shards ${prev.shard} and ${r.shard})`);
      else byKey.set(key(m), { ...m, shard: r.shard });
    }
  }
  const missing = shards.filter((s) => !results.some((r) => r.shard === s.id)).map((s) => s.id);
  if (missing.length > 0) problems.unshift(`missing shard(s): ${missing.join(", ")}`);
  for (const s of shards) {
    if (missing.includes(s.id)) continue;
    const lacking = VARIANTS.filter((v) => !byKey.has(key({ ...s, variant: v })));
    if (lacking.length > 0) problems.push(`shard ${s.id} has no ${lacking.join(", ")} manifest`);
  }
  if (problems.length > 0) {
    throw new DistrolessError("USAGE", `assemble: the shard results do not match the plan (nothing was pushed): ${problems[0] ?? ""}`, { details: problems });
  }
  return byKey;
}
function assembleIndexes(shards, byKey, results, target) {
  const out = [];
  const images = [...new Map(shards.map((s) => [`${s.image}-${s.distro}`, s])).values()];
  for (const { image, distro } of images) {
    const archs = shards.filter((s) => s.image === image && s.distro === distro).map((s) => s.arch);
    const epoch = results.find((r) => r.manifests.some((m) => m.distro === distro))?.epoch ?? 0;
    const repository = repositoryName(target, `${image}-${distro}`);
    for (const variant of VARIANTS) {
      const manifests = archs.map((arch) => {
        const m = byKey.get(key({ image, distro, variant, arch }));
        if (m === void 0) throw new DistrolessError("USAGE", `assemble: no manifest for ${key({ image, distro, variant, arch })}`);
        const platform = debianPlatform(arch);
        if (m.repository !== repository) throw new DistrolessError("USAGE", `assemble: ${key(m)} was pushed to ${m.repository}, not ${repository}`);
        if (m.platform.os !== platform.os || m.platform.architecture !== platform.architecture || m.platform.variant !== platform.variant) throw new DistrolessError("USAGE", `assemble: ${key(m)} has platform ${JSON.stringify(m.platform)}, expected ${JSON.stringify(platform)}`);
        return { arch, platform, digest: m.digest, size: m.size, mediaType: m.mediaType };
      });
      const index = buildIndex({ manifests: manifests.map((m) => ({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform: m.platform })), annotations: { created: epoch } });
      const { digest: digest2, size, mediaType } = index.descriptor;
      out.push({ image, distro, variant, repository, digest: digest2, size, mediaType, manifests, bytes: index.bytes });
    }
  }
  return out;
}
async function checkPushed(client, manifests, concurrency) {
  const problems = [];
  await mapLimit(manifests, Math.max(1, concurrency), async (m) => {
    const info = await client.manifestInfo(m.repository, m.digest);
    if (info === void 0) problems.push(`${m.repository}@${m.digest} (${key(m)}, shard ${m.shard}) is not on the registry; run the shard again`);
    else if (info.size !== 0 && info.size !== m.size) problems.push(`${m.repository}@${m.digest} (shard ${m.shard}) is ${info.size} bytes on the registry, the shard says ${m.size}`);
  });
  if (problems.length > 0) {
    const sorted = problems.sort();
    throw new DistrolessError("REGISTRY", `registry ${client.registry}: ${sorted.length} manifest(s) of the shards are missing (no tag was moved): ${sorted[0] ?? ""}`, { details: sorted });
  }
}
function pushTargetsOf(indexes, immutableTag) {
  const targets = [];
  for (const ix of indexes) {
    for (const m of ix.manifests) {
      const descriptor2 = { mediaType: m.mediaType, digest: m.digest, size: m.size };
      const [ref = ""] = refNames(ix.image, ix.distro, ix.variant, platformTagSuffix(m.arch));
      targets.push({ repository: ix.repository, descriptor: descriptor2, tags: [defaultRepoName(ref, descriptor2).tag] });
    }
    const descriptor = { mediaType: ix.mediaType, digest: ix.digest, size: ix.size };
    const tags = [...new Set(refNames(ix.image, ix.distro, ix.variant).map((ref) => defaultRepoName(ref, descriptor).tag))];
    targets.push({ repository: ix.repository, descriptor, tags, ...immutableTag === void 0 ? {} : { immutableTags: tags.map((t) => `${t}-${immutableTag}`) } });
  }
  return targets;
}
function registrySource(client, indexes) {
  const byDigest = new Map(indexes.map((ix) => [ix.digest, ix]));
  const repoOf = new Map(indexes.flatMap((ix) => ix.manifests.map((m) => [m.digest, ix.repository])));
  return {
    children: async (d) => byDigest.get(d.digest)?.manifests.map((m) => ({ mediaType: m.mediaType, digest: m.digest, size: m.size })) ?? [],
    document: async (d) => {
      const ix = byDigest.get(d.digest);
      if (ix !== void 0) return ix.bytes;
      const repository = repoOf.get(d.digest);
      if (repository === void 0 || d.mediaType === MEDIA_TYPES.index) throw new DistrolessError("USAGE", `assemble: ${d.digest} is not a manifest of this assembly`);
      const got = await client.getManifest(repository, d.digest);
      if (got.digest !== d.digest) throw new DistrolessError("REGISTRY", `registry ${client.registry}: ${repository}@${d.digest} came back as ${got.digest}`);
      return got.bytes;
    },
    open: (d) => {
      throw new DistrolessError("USAGE", `assemble uploads no blob (asked for ${d.digest})`);
    }
  };
}

export {
  planShards,
  readShardResults,
  runShard,
  runAssemble
};
