/**
 * The scale-out commands: `plan` (the shard matrix), `build-shard` (one image × arch, pushed by digest) and
 * `assemble` (indexes and tags from the shard results). Loaded by `main.ts` only when one of them runs.
 */
import { dirname, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { runAssemble } from '../app/assemble.js';
import { planShards } from '../app/plan.js';
import { readShardResults } from '../app/shard-result.js';
import { runShard } from '../app/shard.js';
import type { Config } from '../config/index.js';
import { textTable } from '../lock/render.js';
import { cliKeychain } from './credentials.js';
import { writeFilesAtomically } from '../util/fs.js';
import type { CliIo } from './main.js';
import { makeProgress } from './progress.js';

/** What `main.ts` resolves from the global options before a scale-out command runs. */
export interface ScaleOutContext {
  io: CliIo;
  config: Config;
  lockDir: string;
  cacheDir: string;
  /** SOURCE_DATE_EPOCH, when set. */
  epoch?: number;
  progress: boolean;
  parseArchs: (text: string) => string[];
}

export interface PlanOpts {
  image?: string;
  arch?: string;
  json?: boolean;
}

export interface ShardOpts {
  shard: string;
  registry: string;
  output: string;
  result?: string;
  insecure?: boolean;
  username?: string;
  json?: boolean;
}

export interface AssembleOpts {
  registry: string;
  results: string[];
  image?: string;
  arch?: string;
  immutableTag?: string;
  insecure?: boolean;
  username?: string;
  json?: boolean;
}

/** `--json`: the matrix on one line (for `$GITHUB_OUTPUT`); otherwise a table. */
export async function planCommand(ctx: ScaleOutContext, opts: PlanOpts): Promise<number> {
  const plan = await planShards(ctx.config, ctx.lockDir, {
    ...selection(ctx, opts),
    onWarning: (m) => ctx.io.stderr(`warning: ${m}\n`),
  });
  if (opts.json) {
    ctx.io.stdout(`${JSON.stringify(plan.matrix)}\n`);
    return 0;
  }
  ctx.io.stdout(
    `${textTable(
      ['SHARD', 'IMAGE', 'DISTRO', 'ARCH', 'PLATFORM'],
      plan.shards.map((s) => [s.id, s.image, s.distro, s.arch, s.platform]),
    )}\n`,
  );
  ctx.io.stdout(`${plan.shards.length} shard(s)\n`);
  return 0;
}

export async function shardCommand(ctx: ScaleOutContext, opts: ShardOpts): Promise<number> {
  const progress = makeProgress({ enabled: ctx.progress, write: ctx.io.stderr, clock: ctx.io.clock });
  const run = await runShard({
    config: ctx.config,
    lockDir: ctx.lockDir,
    shard: opts.shard,
    registry: opts.registry,
    outDir: resolve(ctx.io.cwd, opts.output),
    cacheDir: ctx.cacheDir,
    keychain: await cliKeychain(ctx.io, opts.registry, opts.username),
    ...(ctx.epoch === undefined ? {} : { epoch: ctx.epoch }),
    ...(opts.insecure ? { insecure: true } : {}),
    onProgress: progress,
    onWarning: (m) => ctx.io.stderr(`warning: ${m}\n`),
  });
  const text = `${JSON.stringify(run.result, null, 2)}\n`;
  if (opts.result !== undefined) {
    const file = resolve(ctx.io.cwd, opts.result);
    await mkdir(dirname(file), { recursive: true });
    await writeFilesAtomically([{ path: file, content: text }]);
  }
  if (opts.json) {
    ctx.io.stdout(text);
    return 0;
  }
  const rows = run.result.manifests.map((m) => [m.repository, m.variant, m.arch, m.digest]);
  ctx.io.stdout(`${textTable(['REPOSITORY', 'VARIANT', 'ARCH', 'DIGEST'], rows)}\n`);
  ctx.io.stdout(
    `shard ${run.result.shard}: ${rows.length} manifest(s) pushed by digest (no tags) to ${run.result.registry}; ${run.push.uploadedBlobs} blob(s) uploaded, ${run.push.existingBlobs} already there\n`,
  );
  return 0;
}

export async function assembleCommand(ctx: ScaleOutContext, opts: AssembleOpts): Promise<number> {
  const results = await readShardResults(opts.results.map((p) => resolve(ctx.io.cwd, p)));
  const progress = makeProgress({ enabled: ctx.progress, write: ctx.io.stderr, clock: ctx.io.clock });
  const assembled = await runAssemble({
    config: ctx.config,
    lockDir: ctx.lockDir,
    registry: opts.registry,
    results,
    ...selection(ctx, opts),
    keychain: await cliKeychain(ctx.io, opts.registry, opts.username),
    ...(opts.insecure ? { insecure: true } : {}),
    ...(opts.immutableTag ? { immutableTag: opts.immutableTag } : {}),
    onProgress: (e) => {
      if (e.kind === 'tag' && e.action === 'put') progress(`tagged ${e.repository}:${e.tag}`);
    },
  });
  if (opts.json) {
    ctx.io.stdout(`${JSON.stringify(assembled, null, 2)}\n`);
    return 0;
  }
  ctx.io.stdout(
    `${textTable(
      ['REFERENCE', 'DIGEST'],
      assembled.refs.map((r) => [r.reference, r.digest]),
    )}\n`,
  );
  ctx.io.stdout(
    `${assembled.indexes.length} index(es) from ${results.length} shard(s) in ${assembled.registry}: ${assembled.stats.tagsPut} tag(s) set, ${assembled.stats.tagsUnchanged} unchanged\n`,
  );
  return 0;
}

function selection(
  ctx: ScaleOutContext,
  opts: { image?: string; arch?: string },
): { images?: string[]; archs?: string[] } {
  return {
    ...(opts.image
      ? {
          images: opts.image
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
    ...(opts.arch ? { archs: ctx.parseArchs(opts.arch) } : {}),
  };
}

/** As `push`: `--username` with DISTROLESS_REGISTRY_PASSWORD, then docker's config.json, then GITHUB_TOKEN for ghcr.io. */
