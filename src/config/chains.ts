import { DistrolessError } from '../errors.js';
import { imagesOf } from './images.js';
import type { Config, DistroConfig } from './types.js';
import { DEBUG_KEY, LOCALE_KEY } from './variants.js';

/** What one image (or the debug extras) asks the resolver for. */
export interface ImageRequest {
  image: string;
  archs: string[];
  packages: string[];
  exclude: string[];
}

/**
 * The resolution requests of one distro: each image with the packages and excludes of its whole `from`
 * chain (parent first), plus the debug extras and the locale package when the distro has them.
 */
export function imageRequests(config: Config, distro: DistroConfig): ImageRequest[] {
  const requests: ImageRequest[] = [];
  const images = imagesOf(config, distro.name);
  for (const image of Object.values(images)) {
    const chain = [];
    const seen = new Set<string>();
    for (let cur: string | undefined = image.name; cur !== undefined; cur = images[cur]?.from) {
      if (seen.has(cur))
        throw new DistrolessError(
          'CONFIG_INVALID',
          `${config.file}: images.${image.name}: "from" chain loops at ${cur}`,
        );
      seen.add(cur);
      const c = images[cur];
      if (!c)
        throw new DistrolessError(
          'CONFIG_INVALID',
          `${config.file}: images.${image.name}: unknown "from" image ${cur}`,
        );
      chain.unshift(c);
    }
    requests.push({
      image: image.name,
      archs: image.archs,
      packages: unique(chain.flatMap((c) => c.packages)),
      exclude: unique(chain.flatMap((c) => c.exclude)),
    });
  }
  if (distro.debugPackages.length > 0) {
    requests.push({ image: DEBUG_KEY, archs: distro.archs, packages: distro.debugPackages, exclude: [] });
  }
  if (distro.localePackage !== undefined) {
    requests.push({ image: LOCALE_KEY, archs: distro.archs, packages: [distro.localePackage], exclude: [] });
  }
  return requests;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
