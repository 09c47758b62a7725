/**
 * Looking images up. `Config.images` is keyed by `<image>-<distro>` (imageKey) because one image name can serve
 * several distros (static of Debian 12 and of Debian 13); everything that works within one distro looks images
 * up by name through `imagesOf`, and `from` always names an image of the same distro.
 */
import { DistrolessError } from '../errors.js';
import { imageKey } from './schema.js';
import type { Config, ImageConfig } from './types.js';

export { imageKey };

/** The images of one distro, keyed by image name, in config order. */
export function imagesOf(config: Config, distro: string): Record<string, ImageConfig> {
  return Object.fromEntries(
    Object.values(config.images)
      .filter((i) => i.distro === distro)
      .map((i) => [i.name, i]),
  );
}

/** One image of one distro, or undefined. */
export function imageOf(config: Config, distro: string, name: string): ImageConfig | undefined {
  return config.images[imageKey(name, distro)];
}

/**
 * The images an `--image` filter names: each entry is an image name (`static`: that image in every distro) or
 * a repository name (`static-debian13`). An entry that names nothing is an error listing the choices.
 */
export function matchImages(config: Config, filter: readonly string[] | undefined, what = '--image'): ImageConfig[] {
  const all = Object.values(config.images);
  if (filter === undefined) return all;
  const unknown = filter.filter((f) => !all.some((i) => i.name === f || imageKey(i.name, i.distro) === f));
  if (unknown.length > 0) {
    const names = [...new Set(all.map((i) => i.name))].join(', ');
    throw new DistrolessError(
      'USAGE',
      `${what}: unknown image ${unknown.map((u) => `"${u}"`).join(', ')} (the config defines: ${names}; ` +
        'or <image>-<distro>)',
    );
  }
  return all.filter((i) => filter.some((f) => i.name === f || imageKey(i.name, i.distro) === f));
}

/**
 * The config narrowed to some distros (`--distro`): their distros and images only, so every command run on it
 * sees nothing of the others (their lockfiles are neither read nor written). Unknown names are an error.
 */
export function onlyDistros(config: Config, distros: readonly string[] | undefined, what = '--distro'): Config {
  if (distros === undefined) return config;
  const known = Object.keys(config.distros);
  const unknown = distros.filter((d) => !known.includes(d));
  if (unknown.length > 0 || distros.length === 0) {
    throw new DistrolessError(
      'USAGE',
      `${what}: ${unknown.map((u) => `"${u}"`).join(', ') || '(empty)'} is not a distro of the config (${known.join(', ')})`,
    );
  }
  return {
    ...config,
    distros: Object.fromEntries(Object.entries(config.distros).filter(([name]) => distros.includes(name))),
    images: Object.fromEntries(Object.entries(config.images).filter(([, i]) => distros.includes(i.distro))),
  };
}
