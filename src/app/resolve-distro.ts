import type { FetchedIndex } from '../archive/index.js';
import type { DistroConfig } from '../config/types.js';
import { parsePackagesIndex } from '../debian/packages.js';
import type { LocatedPackage } from '../debian/types.js';
import type { LockedImageArch, LockedPackage } from '../lock/types.js';
import { buildUniverse, resolve, type UniverseSource } from '../resolve/index.js';
import { compareCodeUnits } from '../util/json.js';
import type { ImageRequest } from '../config/chains.js';

export interface ResolvedArch {
  arch: string;
  /** Package name → pin, sorted by name. */
  pins: Record<string, LockedPackage>;
  /** Image name → closure for this arch. */
  images: Record<string, LockedImageArch>;
}

/**
 * Parses one arch's verified indices (one per source, in config order), merges them into a universe and
 * resolves every image request for that arch.
 */
export function resolveArch(
  distro: DistroConfig,
  arch: string,
  indices: ReadonlyArray<readonly FetchedIndex[]>,
  requests: readonly ImageRequest[],
): ResolvedArch {
  const sources: UniverseSource[] = [];
  indices.forEach((fetched, i) => {
    const source = distro.sources[i];
    if (!source) return;
    for (const ix of fetched) {
      const origin = { url: source.originalUrl ?? source.url, suite: source.suite, component: ix.component };
      // `names` records the order in which apt's cache would register each name: apt breaks ties between
      // equally ranked providers by it, so the resolver needs it to pick what apt picks.
      const names: string[] = [];
      sources.push({ origin, packages: parsePackagesIndex(ix.text, `${source.suite} ${ix.path}`, { names }), names });
    }
  });
  const universe = buildUniverse(arch, sources);
  const pins: Record<string, LockedPackage> = {};
  const images: Record<string, LockedImageArch> = {};
  for (const request of requests) {
    if (!request.archs.includes(arch)) continue;
    const resolution = resolve(universe, {
      image: request.image,
      arch,
      packages: request.packages,
      exclude: request.exclude,
    });
    const entry: LockedImageArch = { packages: {}, excluded: {} };
    for (const { pkg, requiredBy } of resolution.packages) {
      pins[pkg.name] = pin(pkg);
      entry.packages[pkg.name] = requiredBy ?? '';
    }
    for (const ex of resolution.excluded) entry.excluded[ex.name] = ex.wantedBy;
    images[request.image] = entry;
  }
  return { arch, pins: Object.fromEntries(Object.entries(pins).sort(([a], [b]) => compareCodeUnits(a, b))), images };
}

function pin(pkg: LocatedPackage): LockedPackage {
  return {
    version: pkg.version,
    architecture: pkg.architecture,
    suite: pkg.origin.suite,
    source: pkg.source,
    sourceVersion: pkg.sourceVersion,
    filename: pkg.filename,
    size: pkg.size,
    sha256: pkg.sha256,
  };
}
