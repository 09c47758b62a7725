/**
 * `plan`: the scale-out work split into shards, one per image × arch, for a CI matrix (design.md §8). Each shard
 * builds every variant of its image for its arch and pushes the per-arch manifests by digest (`shard.ts`); a
 * final step makes the indexes and tags from the shard results (`assemble.ts`). The plan is a pure function of
 * the config and the lockfiles, so every job of a workflow computes the same one.
 */
import { configDigest, matchImages } from '../config/index.js';
import type { Config, DistroConfig } from '../config/types.js';
import { DistrolessError } from '../errors.js';
import { lockfilePath, readLockfile } from '../lock/io.js';
import type { Lockfile } from '../lock/types.js';
import { debianPlatform, formatPlatform } from '../oci/index.js';
import { planBuild } from './build-plan.js';

export interface Shard {
  /** `<image>-<distro>-<arch>`, e.g. `python3-debian12-amd64`. */
  id: string;
  image: string;
  distro: string;
  /** Debian architecture name. */
  arch: string;
  /** OCI platform, e.g. `linux/arm/v7`. */
  platform: string;
}

export interface ShardPlan {
  /** Distros in config order; within one, parents before children (as `build` plans them), then the image's archs. */
  shards: Shard[];
  /** For `strategy.matrix` of a GitHub Actions job: `matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}`. */
  matrix: { include: Shard[] };
}

export interface PlanOptions {
  images?: readonly string[];
  archs?: readonly string[];
  /** Archs the config lists but the lock does not pin (skipped, as `build` skips them). */
  onWarning?: (message: string) => void;
}

/** One shard per image × locked arch, in a fixed order; ids are unique. */
export async function planShards(config: Config, lockDir: string, opts: PlanOptions = {}): Promise<ShardPlan> {
  const warn = opts.onWarning ?? (() => undefined);
  const selected = matchImages(config, opts.images);
  const shards: Shard[] = [];
  for (const distro of Object.values(config.distros)) {
    const names = selected.filter((i) => i.distro === distro.name).map((i) => i.name);
    if (names.length === 0) continue;
    const lock = await readFreshLock(config, lockDir, distro);
    const plans = planBuild(
      config,
      distro,
      lock,
      { images: names, ...(opts.archs ? { archs: opts.archs } : {}) },
      warn,
    );
    for (const plan of plans) {
      if (plan.ancestorOnly) continue;
      for (const arch of plan.archs) {
        const image = plan.image.name;
        shards.push({
          id: shardId(image, distro.name, arch),
          image,
          distro: distro.name,
          arch,
          platform: formatPlatform(debianPlatform(arch)),
        });
      }
    }
  }
  const seen = new Set<string>();
  for (const s of shards) {
    if (seen.has(s.id))
      throw new DistrolessError(
        'CONFIG_INVALID',
        `${config.file}: two shards would be called ${s.id}; rename an image or a distro`,
      );
    seen.add(s.id);
  }
  return { shards, matrix: { include: shards.map((s) => ({ ...s })) } };
}

export function shardId(image: string, distro: string, arch: string): string {
  return `${image}-${distro}-${arch}`;
}

/** The shard of a plan with this id, or a usage error naming the ones there are. */
export function findShard(plan: ShardPlan, id: string): Shard {
  const shard = plan.shards.find((s) => s.id === id);
  if (shard === undefined) {
    const ids = plan.shards.map((s) => s.id);
    const shown =
      ids.length > 12
        ? `${ids.slice(0, 12).join(', ')}, … (${ids.length} in all; see "distroless-action plan")`
        : ids.join(', ');
    throw new DistrolessError(
      'USAGE',
      `--shard: no shard ${JSON.stringify(id)} in the plan (shards: ${shown || 'none'})`,
    );
  }
  return shard;
}

/** The lockfile of a distro, which must exist and have been made for this config (as `build` requires). */
export async function readFreshLock(config: Config, lockDir: string, distro: DistroConfig): Promise<Lockfile> {
  const file = lockfilePath(lockDir, distro.name);
  const lock = await readLockfile(lockDir, distro.name);
  if (!lock) throw new DistrolessError('LOCK_INVALID', `${file}: no lockfile; run "distroless-action update" first`);
  if (lock.configDigest !== configDigest(config, distro.name)) {
    throw new DistrolessError(
      'LOCK_STALE',
      `${file} was made for another version of ${config.file}; run "distroless-action update"`,
    );
  }
  return lock;
}
