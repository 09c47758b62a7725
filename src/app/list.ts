import { DistrolessError } from '../errors.js';
import { imageKey, matchImages } from '../config/index.js';
import type { Config } from '../config/types.js';
import { readLockfile, lockfilePath } from '../lock/io.js';
import { compareCodeUnits } from '../util/json.js';

export interface ListedPackage {
  name: string;
  version: string;
  architecture: string;
  suite: string;
  source: string;
  sourceVersion: string;
  size: number;
  sha256: string;
  filename: string;
  /** The package that pulled it in; '' when the image (or a parent) asked for it. */
  requiredBy: string;
}

export interface ListResult {
  image: string;
  distro: string;
  arch: string;
  packages: ListedPackage[];
  excluded: Record<string, string[]>;
}

/** What one image holds for one arch, read from the committed lockfile (no network). */
export async function listImage(config: Config, lockDir: string, image: string, arch: string): Promise<ListResult> {
  const matches = matchImages(config, [image]);
  const imageConfig = matches[0];
  if (!imageConfig) throw new DistrolessError('USAGE', `unknown image "${image}"`);
  if (matches.length > 1) {
    const keys = matches.map((i) => imageKey(i.name, i.distro)).join(', ');
    throw new DistrolessError('USAGE', `image "${image}" is in more than one distro: name one of ${keys}`);
  }
  image = imageConfig.name;
  const lock = await readLockfile(lockDir, imageConfig.distro);
  const file = lockfilePath(lockDir, imageConfig.distro);
  if (!lock) throw new DistrolessError('LOCK_INVALID', `${file}: no lockfile; run "distroless-action update" first`);
  const entry = lock.images[image]?.[arch];
  if (!entry) {
    const archs = Object.keys(lock.images[image] ?? {}).join(', ') || 'none';
    throw new DistrolessError('USAGE', `image "${image}" has no arch "${arch}" in ${file} (locked archs: ${archs})`);
  }
  const pins = lock.packages[arch] ?? {};
  const packages = Object.keys(entry.packages)
    .sort(compareCodeUnits)
    .map((name): ListedPackage => {
      const pin = pins[name];
      if (!pin)
        throw new DistrolessError('LOCK_INVALID', `${file}: image ${image} (${arch}) lists ${name}, which has no pin`);
      return { name, ...pin, requiredBy: entry.packages[name] ?? '' };
    });
  return { image, distro: imageConfig.distro, arch, packages, excluded: entry.excluded };
}
