import type { DistroConfig } from './types.js';

/**
 * What the config's images become: every image is built in these variants, and the debug variants add the
 * distro's `debug.packages`, locked under DEBUG_KEY beside the images (so no image may be called that).
 */
export const VARIANTS = ['latest', 'nonroot', 'debug', 'debug-nonroot'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Whether the variant carries the debug extras (the lock's DEBUG_KEY packages). */
export function isDebugVariant(variant: string): boolean {
  return variant.startsWith('debug');
}

/**
 * The variants a distro's images come in: the debug ones only when the config gives the distro debug packages
 * (its optional `debug:` block), which is also when `update` locks them.
 */
export function variantsOf(distro: Pick<DistroConfig, 'debugPackages'> | undefined): Variant[] {
  return distro !== undefined && distro.debugPackages.length === 0 ? ['latest', 'nonroot'] : [...VARIANTS];
}

/** Lock key for the debug-variant extras (busybox-static), resolved like an image of their own. */
export const DEBUG_KEY = 'debug';

/**
 * Lock key for the distro's locale package (libc-bin): pinned like an image of its own so that the build can
 * copy `usr/lib/locale/C.utf8` out of it; no image installs it as a package (so no image may be called that
 * when the distro has a locale).
 */
export const LOCALE_KEY = 'locale';
