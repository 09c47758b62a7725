/**
 * What the config's images become: every image is built in these variants, and the debug variants add the
 * distro's `debug.packages`, locked under DEBUG_KEY beside the images (so no image may be called that).
 */
export const VARIANTS = ['latest', 'nonroot', 'debug', 'debug-nonroot'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Lock key for the debug-variant extras (busybox-static), resolved like an image of their own. */
export const DEBUG_KEY = 'debug';

/**
 * Lock key for the distro's locale package (libc-bin): pinned like an image of its own so that the build can
 * copy `usr/lib/locale/C.utf8` out of it; no image installs it as a package (so no image may be called that
 * when the distro has a locale).
 */
export const LOCALE_KEY = 'locale';
