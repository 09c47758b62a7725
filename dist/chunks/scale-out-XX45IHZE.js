import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  cliKeychain,
  makeProgress
} from "./chunk-KKMR252C.js";
import {
  planShards,
  readShardResults,
  runAssemble,
  runShard
} from "./chunk-7N5IGCDR.js";
import "./chunk-QXRPB7CZ.js";
import "./chunk-JP6CUMXV.js";
import "./chunk-ZGUTOS3N.js";
import "./chunk-OQT2GAUO.js";
import "./chunk-ZTTND34Q.js";
import {
  textTable
} from "./chunk-NK4IUI55.js";
import "./chunk-DI5MK6QV.js";
import "./chunk-EO4ONWKL.js";
import "./chunk-EC4REFKJ.js";
import "./chunk-252KFN6C.js";
import {
  writeFilesAtomically
} from "./chunk-BVZWJCHG.js";
import "./chunk-FLWSX5ME.js";
import "./chunk-K4BAZ34O.js";
import "./chunk-XZB375P5.js";
import "./chunk-GTICI2R2.js";
import "./chunk-BDURTKM7.js";
import "./chunk-NS64RFCV.js";
import "./chunk-JVYIGASL.js";
import "./chunk-B3YJ2Z46.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";

// src/cli/scale-out.ts
import { dirname, resolve } from "node:path";
import { mkdir } from "node:fs/promises";
async function planCommand(ctx, opts) {
  const plan = await planShards(ctx.config, ctx.lockDir, { ...selection(ctx, opts), onWarning: (m) => ctx.io.stderr(`warning: ${m}
`) });
  if (opts.json) {
    ctx.io.stdout(`${JSON.stringify(plan.matrix)}
`);
    return 0;
  }
  ctx.io.stdout(`${textTable(["SHARD", "IMAGE", "DISTRO", "ARCH", "PLATFORM"], plan.shards.map((s) => [s.id, s.image, s.distro, s.arch, s.platform]))}
`);
  ctx.io.stdout(`${plan.shards.length} shard(s)
`);
  return 0;
}
async function shardCommand(ctx, opts) {
  const progress = makeProgress({ enabled: ctx.progress, write: ctx.io.stderr, clock: ctx.io.clock });
  const run = await runShard({
    config: ctx.config,
    lockDir: ctx.lockDir,
    shard: opts.shard,
    registry: opts.registry,
    outDir: resolve(ctx.io.cwd, opts.output),
    cacheDir: ctx.cacheDir,
    keychain: await cliKeychain(ctx.io, opts.registry, opts.username),
    ...ctx.epoch === void 0 ? {} : { epoch: ctx.epoch },
    ...opts.insecure ? { insecure: true } : {},
    onProgress: progress,
    onWarning: (m) => ctx.io.stderr(`warning: ${m}
`)
  });
  const text = `${JSON.stringify(run.result, null, 2)}
`;
  if (opts.result !== void 0) {
    const file = resolve(ctx.io.cwd, opts.result);
    await mkdir(dirname(file), { recursive: true });
    await writeFilesAtomically([{ path: file, content: text }]);
  }
  if (opts.json) {
    ctx.io.stdout(text);
    return 0;
  }
  const rows = run.result.manifests.map((m) => [m.repository, m.variant, m.arch, m.digest]);
  ctx.io.stdout(`${textTable(["REPOSITORY", "VARIANT", "ARCH", "DIGEST"], rows)}
`);
  ctx.io.stdout(`shard ${run.result.shard}: ${rows.length} manifest(s) pushed by digest (no tags) to ${run.result.registry}; ${run.push.uploadedBlobs} blob(s) uploaded, ${run.push.existingBlobs} already there
`);
  return 0;
}
async function assembleCommand(ctx, opts) {
  const results = await readShardResults(opts.results.map((p) => resolve(ctx.io.cwd, p)));
  const progress = makeProgress({ enabled: ctx.progress, write: ctx.io.stderr, clock: ctx.io.clock });
  const assembled = await runAssemble({
    config: ctx.config,
    lockDir: ctx.lockDir,
    registry: opts.registry,
    results,
    ...selection(ctx, opts),
    keychain: await cliKeychain(ctx.io, opts.registry, opts.username),
    ...opts.insecure ? { insecure: true } : {},
    ...opts.immutableTag ? { immutableTag: opts.immutableTag } : {},
    onProgress: (e) => {
      if (e.kind === "tag" && e.action === "put") progress(`tagged ${e.repository}:${e.tag}`);
    }
  });
  if (opts.json) {
    ctx.io.stdout(`${JSON.stringify(assembled, null, 2)}
`);
    return 0;
  }
  ctx.io.stdout(`${textTable(["REFERENCE", "DIGEST"], assembled.refs.map((r) => [r.reference, r.digest]))}
`);
  ctx.io.stdout(`${assembled.indexes.length} index(es) from ${results.length} shard(s) in ${assembled.registry}: ${assembled.stats.tagsPut} tag(s) set, ${assembled.stats.tagsUnchanged} unchanged
`);
  return 0;
}
function selection(ctx, opts) {
  return {
    ...opts.image ? { images: opts.image.split(",").map((s) => s.trim()).filter(Boolean) } : {},
    ...opts.arch ? { archs: ctx.parseArchs(opts.arch) } : {}
  };
}
export {
  assembleCommand,
  planCommand,
  shardCommand
};
