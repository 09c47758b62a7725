import type { IndexOrigin, IndexSink, ReadIndex } from '../archive/index.js';
import type { DistroConfig, ImageRequest, SourceConfig } from '../config/index.js';
import { PackagesReader } from '../debian/packages.js';
import type { LocatedPackage, PackageRecord, SuiteRef } from '../debian/types.js';
import type { LockedImageArch, LockedPackage } from '../lock/types.js';
import { buildUniverse, PackedNames, resolve, type UniverseSource } from '../resolve/index.js';
import { compareCodeUnits } from '../util/json.js';

export interface ResolvedArch {
  arch: string;
  /** Package name → pin, sorted by name. */
  pins: Record<string, LockedPackage>;
  /** Image name → closure for this arch. */
  images: Record<string, LockedImageArch>;
}

/** What resolution keeps of one Packages index: its records and apt's registration order of names. */
export interface ParsedIndex {
  packages: PackageRecord[];
  /**
   * The order in which apt's cache would register each name: apt breaks ties between equally ranked
   * providers by it, so the resolver needs it to pick what apt picks. Held as one text (see PackedNames).
   */
  names: PackedNames;
}

/**
 * A sink (see readIndexFile) that parses an index of `source` as it is decompressed into compact records
 * located in that source (see src/debian/stored-package.ts).
 */
export function packagesSink(source: SourceConfig): (index: IndexOrigin) => IndexSink<ParsedIndex> {
  return ({ path, component }) => {
    const names: string[] = [];
    const origin = originOf(source, component);
    const reader = new PackagesReader(`${source.suite} ${path}`, { names, origin, compact: true });
    return {
      write: (chunk) => reader.write(chunk),
      end: () => {
        const packages = reader.end();
        return { packages, names: new PackedNames(names) };
      },
    };
  };
}

function originOf(source: SourceConfig, component: string): SuiteRef {
  return { url: source.originalUrl ?? source.url, suite: source.suite, component };
}

/**
 * Merges one arch's parsed indices (one list per source, in config order) into a universe and resolves
 * every image request for that arch.
 */
export function resolveArch(
  distro: DistroConfig,
  arch: string,
  indices: ReadonlyArray<readonly ReadIndex<ParsedIndex>[]>,
  requests: readonly ImageRequest[],
): ResolvedArch {
  const sources: UniverseSource[] = [];
  indices.forEach((parsed, i) => {
    const source = distro.sources[i];
    if (!source) return;
    for (const ix of parsed) {
      sources.push({ origin: originOf(source, ix.component), packages: ix.value.packages, names: ix.value.names });
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
