/**
 * What the config's images become: every image is built in these variants, and the debug variants add the
 * distro's `debug.packages`, locked under DEBUG_KEY beside the images (so no image may be called that).
 */
export const VARIANTS = ['latest', 'nonroot', 'debug', 'debug-nonroot'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Lock key for the debug-variant extras (busybox-static), resolved like an image of their own. */
export const DEBUG_KEY = 'debug';
