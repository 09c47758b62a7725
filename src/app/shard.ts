/**
 * One shard of a scale-out publish: build every variant of one image for one arch (its unselected ancestors
 * are built too, only for the base annotations, so the digests equal a full build's), then push the per-arch
 * manifests and their blobs by digest to `PREFIX/<image>-<distro>`. No tag is set: `assemble` makes the indexes
 * and tags once every shard is there.
 */
import type { HttpClient } from '../archive/http.js';
import { imageKey } from '../config/index.js';
import type { Config } from '../config/types.js';
import { DistrolessError } from '../errors.js';
import { listRefs } from '../oci/index.js';
import {
  parseRegistryTarget,
  repositoryName,
  type Keychain,
  type PushEvent,
  type RetryPolicy,
  type Secrets,
} from '../registry/index.js';
import { runBuild } from './build.js';
import { VARIANTS } from '../config/variants.js';
import { findShard, planShards } from './plan.js';
import { defaultRepoName, runPush, type PushSummary } from './push.js';
import { SHARD_RESULT_VERSION, type ShardManifest, type ShardResult } from './shard-result.js';

export interface ShardOptions {
  config: Config;
  lockDir: string;
  /** A shard id from `planShards`, e.g. `python3-debian12-amd64`. */
  shard: string;
  /** `HOST[:PORT][/PREFIX]`, as for `push`. */
  registry: string;
  /** The OCI layout the shard builds into (its own on each runner). */
  outDir: string;
  cacheDir: string;
  /** Build epoch (SOURCE_DATE_EPOCH, read at the edge); default: the lock's. Every shard must use the same. */
  epoch?: number;
  keychain?: Keychain;
  insecure?: boolean;
  http?: HttpClient;
  retry?: RetryPolicy;
  secrets?: Secrets;
  userAgent?: string;
  concurrency?: number;
  onProgress?: (message: string) => void;
  onWarning?: (message: string) => void;
  onPushProgress?: (event: PushEvent) => void;
}

export interface ShardRun {
  result: ShardResult;
  /** What the by-digest push did (its `refs` is empty: no tags). */
  push: PushSummary;
  layers: { built: number; cached: number };
}

/** Builds one shard and pushes it by digest; the result is what `assemble` needs from it. */
export async function runShard(opts: ShardOptions): Promise<ShardRun> {
  const target = parseRegistryTarget(opts.registry);
  const shard = findShard(await planShards(opts.config, opts.lockDir, { onWarning: () => undefined }), opts.shard);
  const built = await runBuild({
    config: opts.config,
    lockDir: opts.lockDir,
    outDir: opts.outDir,
    cacheDir: opts.cacheDir,
    images: [imageKey(shard.image, shard.distro)],
    archs: [shard.arch],
    ...(opts.epoch === undefined ? {} : { epoch: opts.epoch }),
    ...(opts.http ? { http: opts.http } : {}),
    ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
  });
  const images = built.images.filter(
    (i) => i.image === shard.image && i.distro === shard.distro && i.arch === shard.arch,
  );
  const missing = VARIANTS.filter((v) => !images.some((i) => i.variant === v));
  if (missing.length > 0)
    throw new DistrolessError('LOCK_INVALID', `shard ${shard.id}: the build made no ${missing.join(', ')} image`);
  const refs = await listRefs(opts.outDir);
  const manifests = images.map((i): ShardManifest => {
    const descriptor = refs.get(i.ref);
    if (descriptor === undefined || descriptor.digest !== i.digest)
      throw new DistrolessError('LAYOUT_INVALID', `${opts.outDir}: ref ${i.ref} does not name ${i.digest}`);
    const repository = repositoryName(target, defaultRepoName(i.ref, descriptor).repo);
    return {
      image: i.image,
      distro: shard.distro,
      variant: i.variant,
      arch: i.arch,
      platform: i.platform,
      repository,
      digest: i.digest,
      size: descriptor.size,
      mediaType: descriptor.mediaType,
    };
  });
  const push = await runPush({
    layoutDir: opts.outDir,
    registry: opts.registry,
    refs: images.map((i) => i.ref),
    byDigest: true,
    ...(opts.keychain ? { keychain: opts.keychain } : {}),
    ...(opts.insecure ? { insecure: true } : {}),
    ...(opts.retry ? { retry: opts.retry } : {}),
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    ...(opts.userAgent ? { userAgent: opts.userAgent } : {}),
    ...(opts.onPushProgress ? { onProgress: opts.onPushProgress } : {}),
  });
  const result: ShardResult = {
    version: SHARD_RESULT_VERSION,
    shard: shard.id,
    registry: targetName(opts.registry),
    epoch: built.epoch,
    manifests: manifests.sort(byVariant),
  };
  return { result, push, layers: built.layers };
}

/** `host[:port][/prefix]` as `parseRegistryTarget` reads it: how shard results and `assemble` compare targets. */
export function targetName(registry: string): string {
  const t = parseRegistryTarget(registry);
  return t.prefix === '' ? t.host : `${t.host}/${t.prefix}`;
}

function byVariant(a: ShardManifest, b: ShardManifest): number {
  return VARIANTS.indexOf(a.variant) - VARIANTS.indexOf(b.variant);
}
