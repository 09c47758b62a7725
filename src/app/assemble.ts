/**
 * `assemble`: the last step of a scale-out publish. From the shard results it checks that every shard of the
 * plan is there (and nothing else), that every per-arch manifest is on the registry, builds each image × variant
 * index exactly as `build` does (same entries, same `created`), pushes the indexes by digest, then the tags a
 * `push` of a single-runner build gives (per-arch tags first, index tags last; immutable tags never moved).
 * Nothing is sent before the results are complete; a second run finds everything in place and changes nothing.
 */
import type { Readable } from 'node:stream';
import type { Config } from '../config/types.js';
import { DistrolessError } from '../errors.js';
import { connect } from './registry-access.js';
import {
  buildIndex,
  debianPlatform,
  MEDIA_TYPES,
  platformTagSuffix,
  type Descriptor,
  type Platform,
} from '../oci/index.js';
import {
  checkTag,
  parseRegistryTarget,
  pushTargets,
  type RegistryClient,
  repositoryName,
  type Keychain,
  type PushEvent,
  type PushSource,
  type PushStats,
  type PushTarget,
  type RegistryTarget,
  type RetryPolicy,
  type Secrets,
} from '../registry/index.js';
import { mapLimit } from '../util/concurrency.js';
import { refNames } from './build-plan.js';
import { VARIANTS, type Variant } from '../config/variants.js';
import { planShards, type Shard } from './plan.js';
import { defaultRepoName } from './push.js';
import type { ShardManifest, ShardResult } from './shard-result.js';
import { targetName } from './shard.js';

export interface AssembleOptions {
  config: Config;
  lockDir: string;
  /** `HOST[:PORT][/PREFIX]`: the one every shard pushed to. */
  registry: string;
  results: readonly ShardResult[];
  /** The selection the plan was made with (default: everything). */
  images?: readonly string[];
  archs?: readonly string[];
  /** Adds `<tag>-<immutableTag>` to every index, as `push` does; never moved once set. */
  immutableTag?: string;
  keychain?: Keychain;
  insecure?: boolean;
  retry?: RetryPolicy;
  secrets?: Secrets;
  userAgent?: string;
  concurrency?: number;
  onProgress?: (event: PushEvent) => void;
}

export interface AssembledIndex {
  image: string;
  distro: string;
  variant: Variant;
  repository: string;
  digest: string;
  mediaType: string;
  size: number;
  manifests: Array<{ arch: string; platform: Platform; digest: string; size: number; mediaType: string }>;
}

export interface AssembleResult {
  /** `host[:port]` */
  registry: string;
  /** Every tag pushed or confirmed, as `host/repository:tag`, sorted (the shape of `push`'s refs). */
  refs: Array<{ reference: string; digest: string; mediaType: string }>;
  /** Every index with its per-arch manifests: what to sign (design.md §10: the index and each per-arch digest). */
  indexes: AssembledIndex[];
  stats: PushStats;
}

/** Checks the shard results, then pushes the indexes and every tag. */
export async function runAssemble(opts: AssembleOptions): Promise<AssembleResult> {
  const target = parseRegistryTarget(opts.registry);
  if (opts.immutableTag !== undefined) checkTag(opts.immutableTag);
  const plan = await planShards(opts.config, opts.lockDir, {
    ...(opts.images ? { images: opts.images } : {}),
    ...(opts.archs ? { archs: opts.archs } : {}),
  });
  const byKey = checkResults(plan.shards, opts.results, targetName(opts.registry));
  const indexes = assembleIndexes(plan.shards, byKey, opts.results, target);
  const client = connect(target.host, opts, { onRetry: (e) => opts.onProgress?.({ kind: 'retry', ...e }) });
  try {
    await client.ping();
    await checkPushed(client, [...byKey.values()], opts.concurrency ?? 4);
    const source = registrySource(client, indexes);
    const { tags, stats } = await pushTargets(client, source, pushTargetsOf(indexes, opts.immutableTag), {
      concurrency: opts.concurrency,
      onProgress: opts.onProgress,
    });
    const refs = tags
      .map((t) => ({ reference: `${target.host}/${t.repository}:${t.tag}`, digest: t.digest, mediaType: t.mediaType }))
      .sort((a, b) => (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0));
    return { registry: target.host, refs, indexes: indexes.map(({ bytes: _b, ...rest }) => rest), stats };
  } finally {
    await client.close();
  }
}

const key = (m: { image: string; distro: string; variant: string; arch: string }): string =>
  `${m.image}-${m.distro} ${m.variant} ${m.arch}`;

/**
 * Every result for this registry, one epoch per distro, no image × variant × arch twice, each manifest where
 * its shard puts it, and exactly the plan's shards (all variants of each). Every problem at once.
 */
function checkResults(
  shards: readonly Shard[],
  results: readonly ShardResult[],
  registry: string,
): Map<string, ShardManifest & { shard: string }> {
  const problems: string[] = [];
  const planned = new Map(shards.map((s) => [s.id, s]));
  const epochs = new Map<string, { epoch: number; shard: string }>();
  const byKey = new Map<string, ShardManifest & { shard: string }>();
  for (const r of results) {
    if (r.registry !== registry) problems.push(`shard ${r.shard} was pushed to ${r.registry}, not ${registry}`);
    const shard = planned.get(r.shard);
    if (shard === undefined) problems.push(`shard ${r.shard} is not in the plan`);
    for (const m of r.manifests) {
      const e = epochs.get(m.distro);
      if (e === undefined) epochs.set(m.distro, { epoch: r.epoch, shard: r.shard });
      else if (e.epoch !== r.epoch)
        problems.push(
          `shard ${r.shard} was built with epoch ${r.epoch}, shard ${e.shard} with ${e.epoch} (${m.distro}: set the same SOURCE_DATE_EPOCH for every shard)`,
        );
      if (shard !== undefined && (m.image !== shard.image || m.distro !== shard.distro || m.arch !== shard.arch))
        problems.push(`shard ${r.shard} lists ${key(m)}, which is not its image and arch`);
      const prev = byKey.get(key(m));
      if (prev !== undefined) problems.push(`${key(m)} comes twice (shards ${prev.shard} and ${r.shard})`);
      else byKey.set(key(m), { ...m, shard: r.shard });
    }
  }
  const missing = shards.filter((s) => !results.some((r) => r.shard === s.id)).map((s) => s.id);
  if (missing.length > 0) problems.unshift(`missing shard(s): ${missing.join(', ')}`);
  for (const s of shards) {
    if (missing.includes(s.id)) continue;
    const lacking = VARIANTS.filter((v) => !byKey.has(key({ ...s, variant: v })));
    if (lacking.length > 0) problems.push(`shard ${s.id} has no ${lacking.join(', ')} manifest`);
  }
  if (problems.length > 0) {
    throw new DistrolessError(
      'USAGE',
      `assemble: the shard results do not match the plan (nothing was pushed): ${problems[0] ?? ''}`,
      { details: problems },
    );
  }
  return byKey;
}

type BuiltIndex = AssembledIndex & { bytes: Buffer };

/** One index per image × variant, entries in the plan's arch order, `created` = the shards' epoch (as `build`). */
function assembleIndexes(
  shards: readonly Shard[],
  byKey: Map<string, ShardManifest>,
  results: readonly ShardResult[],
  target: RegistryTarget,
): BuiltIndex[] {
  const out: BuiltIndex[] = [];
  const images = [...new Map(shards.map((s) => [`${s.image}-${s.distro}`, s])).values()];
  for (const { image, distro } of images) {
    const archs = shards.filter((s) => s.image === image && s.distro === distro).map((s) => s.arch);
    const epoch = results.find((r) => r.manifests.some((m) => m.distro === distro))?.epoch ?? 0;
    const repository = repositoryName(target, `${image}-${distro}`);
    for (const variant of VARIANTS) {
      const manifests = archs.map((arch) => {
        const m = byKey.get(key({ image, distro, variant, arch }));
        if (m === undefined)
          throw new DistrolessError('USAGE', `assemble: no manifest for ${key({ image, distro, variant, arch })}`);
        const platform = debianPlatform(arch);
        if (m.repository !== repository)
          throw new DistrolessError('USAGE', `assemble: ${key(m)} was pushed to ${m.repository}, not ${repository}`);
        if (
          m.platform.os !== platform.os ||
          m.platform.architecture !== platform.architecture ||
          m.platform.variant !== platform.variant
        )
          throw new DistrolessError(
            'USAGE',
            `assemble: ${key(m)} has platform ${JSON.stringify(m.platform)}, expected ${JSON.stringify(platform)}`,
          );
        return { arch, platform, digest: m.digest, size: m.size, mediaType: m.mediaType };
      });
      const index = buildIndex({
        manifests: manifests.map((m) => ({
          mediaType: m.mediaType,
          digest: m.digest,
          size: m.size,
          platform: m.platform,
        })),
        annotations: { created: epoch },
      });
      const { digest, size, mediaType } = index.descriptor;
      out.push({ image, distro, variant, repository, digest, size, mediaType, manifests, bytes: index.bytes });
    }
  }
  return out;
}

/** HEAD by digest: every per-arch manifest is in its repository, with the size its shard recorded. */
async function checkPushed(
  client: RegistryClient,
  manifests: ReadonlyArray<ShardManifest & { shard: string }>,
  concurrency: number,
): Promise<void> {
  const problems: string[] = [];
  await mapLimit(manifests, Math.max(1, concurrency), async (m) => {
    const info = await client.manifestInfo(m.repository, m.digest);
    if (info === undefined)
      problems.push(
        `${m.repository}@${m.digest} (${key(m)}, shard ${m.shard}) is not on the registry; run the shard again`,
      );
    else if (info.size !== 0 && info.size !== m.size)
      problems.push(
        `${m.repository}@${m.digest} (shard ${m.shard}) is ${info.size} bytes on the registry, the shard says ${m.size}`,
      );
  });
  if (problems.length > 0) {
    const sorted = problems.sort();
    throw new DistrolessError(
      'REGISTRY',
      `registry ${client.registry}: ${sorted.length} manifest(s) of the shards are missing (no tag was moved): ${sorted[0] ?? ''}`,
      { details: sorted },
    );
  }
}

/** The tags `push` gives a full build's layout: per-arch `<variant>-<arch>`, index `<variant>` (+ immutable). */
function pushTargetsOf(indexes: readonly BuiltIndex[], immutableTag: string | undefined): PushTarget[] {
  const targets: PushTarget[] = [];
  for (const ix of indexes) {
    for (const m of ix.manifests) {
      const descriptor: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.size };
      const [ref = ''] = refNames(ix.image, ix.distro, ix.variant, platformTagSuffix(m.arch));
      targets.push({ repository: ix.repository, descriptor, tags: [defaultRepoName(ref, descriptor).tag] });
    }
    const descriptor: Descriptor = { mediaType: ix.mediaType, digest: ix.digest, size: ix.size };
    const tags = [
      ...new Set(refNames(ix.image, ix.distro, ix.variant).map((ref) => defaultRepoName(ref, descriptor).tag)),
    ];
    targets.push({
      repository: ix.repository,
      descriptor,
      tags,
      ...(immutableTag === undefined ? {} : { immutableTags: tags.map((t) => `${t}-${immutableTag}`) }),
    });
  }
  return targets;
}

/**
 * The indexes from memory; the per-arch manifests from the registry (checked to be there), so their children
 * need no walk: a present manifest vouches for its blobs. Bytes are only read to put a per-arch tag.
 */
function registrySource(client: RegistryClient, indexes: readonly BuiltIndex[]): PushSource {
  const byDigest = new Map(indexes.map((ix) => [ix.digest, ix]));
  const repoOf = new Map(indexes.flatMap((ix) => ix.manifests.map((m) => [m.digest, ix.repository] as const)));
  return {
    children: async (d) =>
      byDigest.get(d.digest)?.manifests.map((m) => ({ mediaType: m.mediaType, digest: m.digest, size: m.size })) ?? [],
    document: async (d) => {
      const ix = byDigest.get(d.digest);
      if (ix !== undefined) return ix.bytes;
      const repository = repoOf.get(d.digest);
      if (repository === undefined || d.mediaType === MEDIA_TYPES.index)
        throw new DistrolessError('INTERNAL', `assemble: ${d.digest} is not a manifest of this assembly`);
      const got = await client.getManifest(repository, d.digest);
      if (got.digest !== d.digest)
        throw new DistrolessError(
          'REGISTRY',
          `registry ${client.registry}: ${repository}@${d.digest} came back as ${got.digest}`,
        );
      return got.bytes;
    },
    open: (d): Readable => {
      throw new DistrolessError('INTERNAL', `assemble uploads no blob (asked for ${d.digest})`);
    },
  };
}
