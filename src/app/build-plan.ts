import { DistrolessError } from '../errors.js';
import type { Config, DistroConfig, ImageConfig } from '../config/types.js';
import type { Lockfile } from '../lock/types.js';
import { MERGED_USR_OWNER } from '../build/package-layer.js';
import { imagesOf } from '../config/index.js';
import { compareCodeUnits } from '../util/json.js';
import { DEBUG_KEY, type Variant } from '../config/variants.js';

export interface PlannedImage {
  image: ImageConfig;
  /** Debian archs to build. */
  archs: string[];
  /** Per arch: the packages in layer order (each ancestor's closure first, then this image's additions, by name). */
  layerOrder: Record<string, string[]>;
  /**
   * An ancestor of a selected image that was not selected itself: built only so that its child can name the
   * parent's digest (the base annotations), which keeps a child's digests independent of the selection.
   * Gets no refs and is not reported.
   */
  ancestorOnly?: true;
}

/**
 * Which images and archs to build: the selection (or everything) intersected with what the lock holds.
 * An arch asked for explicitly but missing from the lock is an error; one that only the config lists is
 * skipped with a warning (a partial `update --arch` can leave it out).
 */
export function planBuild(
  config: Config,
  distro: DistroConfig,
  lock: Lockfile,
  select: { images?: readonly string[]; archs?: readonly string[] },
  warn: (m: string) => void,
): PlannedImage[] {
  const images = imagesOf(config, distro.name);
  const depth = (n: string): number => (images[n]?.from === undefined ? 0 : 1 + depth(images[n]?.from as string));
  // Parents before children (stable otherwise), so a child can name its parent's digest.
  const selected = (select.images ?? Object.keys(images)).filter((n) => images[n] !== undefined);
  const names = withAncestors(images, selected).sort((a, b) => depth(a) - depth(b));
  const plans: PlannedImage[] = [];
  for (const name of names) {
    const image = images[name];
    if (!image) continue; // the schema checked every `from` names an image of this distro
    const ancestorOnly = !selected.includes(name);
    const wanted = image.archs.filter((a) => !select.archs || select.archs.includes(a));
    const archs: string[] = [];
    for (const arch of wanted) {
      if (lock.images[name]?.[arch] && lock.images[DEBUG_KEY]?.[arch] !== undefined) archs.push(arch);
      else if (ancestorOnly)
        continue; // its selected child reports the missing arch
      else if (select.archs)
        throw new DistrolessError(
          'LOCK_STALE',
          `image ${name}: no locked packages for ${arch}; run "distroless-action update --arch ${arch}"`,
        );
      else
        warn(`image ${name}: ${arch} is not in the lockfile (skipped; run "distroless-action update --arch ${arch}")`);
    }
    if (archs.length === 0) continue;
    plans.push({
      image,
      archs,
      layerOrder: Object.fromEntries(archs.map((a) => [a, layerOrder(images, lock, name, a)])),
      ...(ancestorOnly ? { ancestorOnly: true as const } : {}),
    });
  }
  return plans;
}

/** The names, then every ancestor (`from`) of theirs that is not among them. */
function withAncestors(images: Record<string, ImageConfig>, names: readonly string[]): string[] {
  const out = [...names];
  for (const name of names) {
    for (let cur = images[name]?.from; cur !== undefined && !out.includes(cur); cur = images[cur]?.from) out.push(cur);
  }
  return out;
}

/** Ancestors' closures first, so an image built `from` another starts with exactly its parent's layers. */
function layerOrder(images: Record<string, ImageConfig>, lock: Lockfile, name: string, arch: string): string[] {
  const chain: string[] = [];
  for (let cur: string | undefined = name; cur !== undefined; cur = images[cur]?.from) chain.unshift(cur);
  const order: string[] = [];
  const seen = new Set<string>();
  for (const link of chain) {
    const added = Object.keys(lock.images[link]?.[arch]?.packages ?? {})
      .filter((p) => !seen.has(p))
      .sort(compareCodeUnits);
    for (const p of added) seen.add(p);
    order.push(...added);
  }
  // A child's own excludes can leave out something its parent has: only this image's closure counts.
  const own = lock.images[name]?.[arch]?.packages ?? {};
  const kept = order.filter((p) => p in own);
  // base-files lays out the root (in a merged-/usr distro, the bin → usr/bin links): its layer comes first.
  const owner = kept.indexOf(MERGED_USR_OWNER);
  if (owner > 0) kept.unshift(...kept.splice(owner, 1));
  return kept;
}

/** Layout ref names: `<image>-<distro>-<variant>` (+ `<image>-<distro>` for latest), `…-<variant>-<arch>`. */
export function refNames(image: string, distro: string, variant: Variant, archSuffix?: string): string[] {
  const repo = `${image}-${distro}`;
  if (archSuffix !== undefined) return [`${repo}-${variant}-${archSuffix}`];
  return variant === 'latest' ? [repo, `${repo}-latest`] : [`${repo}-${variant}`];
}
