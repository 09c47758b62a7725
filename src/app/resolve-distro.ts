import type { SuiteIndices } from '../archive/index.js';
import type { Config, DistroConfig } from '../config/types.js';
import { parsePackagesIndex } from '../debian/packages.js';
import type { LocatedPackage } from '../debian/types.js';
import type { LockedImageArch, LockedPackage, Lockfile } from '../lock/types.js';
import { buildUniverse, resolve, type UniverseSource } from '../resolve/index.js';
import { compareCodeUnits } from '../util/json.js';
import { imageRequests } from './requests.js';

export interface ResolvedDistro {
  packages: Lockfile['packages'];
  images: Lockfile['images'];
}

/**
 * Parses the verified indices arch by arch (so only one arch's records are alive at a time), merges the
 * suites into a universe and resolves every image and the debug extras for that arch.
 */
export function resolveDistro(
  config: Config,
  distro: DistroConfig,
  archs: readonly string[],
  suites: readonly SuiteIndices[],
  progress: (m: string) => void,
): ResolvedDistro {
  const requests = imageRequests(config, distro);
  const packages: Lockfile['packages'] = {};
  const images: Lockfile['images'] = {};
  for (const arch of archs) {
    const sources: UniverseSource[] = [];
    suites.forEach((suite, i) => {
      const source = distro.sources[i];
      if (!source) return;
      for (const ix of suite.indices) {
        if (ix.arch !== arch) continue;
        const origin = { url: source.originalUrl ?? source.url, suite: source.suite, component: ix.component };
        sources.push({ origin, packages: parsePackagesIndex(ix.text, `${source.suite} ${ix.path}`) });
      }
    });
    const universe = buildUniverse(arch, sources);
    const pins: Record<string, LockedPackage> = {};
    for (const request of requests) {
      if (!request.archs.includes(arch)) continue;
      const resolution = resolve(universe, { image: request.image, arch, packages: request.packages, exclude: request.exclude });
      const entry: LockedImageArch = { packages: {}, excluded: {} };
      for (const { pkg, requiredBy } of resolution.packages) {
        pins[pkg.name] = pin(pkg);
        entry.packages[pkg.name] = requiredBy ?? '';
      }
      for (const ex of resolution.excluded) entry.excluded[ex.name] = ex.wantedBy;
      (images[request.image] ??= {})[arch] = entry;
    }
    packages[arch] = Object.fromEntries(Object.entries(pins).sort(([a], [b]) => compareCodeUnits(a, b)));
    progress(`${distro.name} ${arch}: resolved ${requests.length} image(s), ${Object.keys(pins).length} packages`);
  }
  return { packages, images };
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
