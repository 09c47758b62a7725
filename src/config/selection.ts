import { DistrolessError } from '../errors.js';
import { matchImages } from './images.js';
import type { Config } from './types.js';

/**
 * An image or arch filter must name something the config has: a typo would otherwise select nothing and the
 * command would succeed having done nothing. `names` says how the user spells each filter (`--image`, …).
 */
export function checkSelection(
  config: Config,
  select: { images?: readonly string[]; archs?: readonly string[] },
  names: { images: string; archs: string },
): void {
  matchImages(config, select.images, names.images); // an image name (every distro) or <image>-<distro>
  const archs = [...new Set(Object.values(config.distros).flatMap((d) => d.archs))];
  const unknownArchs = (select.archs ?? []).filter((a) => !archs.includes(a));
  if (unknownArchs.length > 0)
    throw new DistrolessError(
      'USAGE',
      `${names.archs}: ${unknownArchs.join(', ')} is not an arch of the config (${archs.join(', ')})`,
    );
}
