/**
 * The four variants every image is built in: `latest` (root), `nonroot` (uid 65532), and their `debug`
 * counterparts, which add the distro's debug extras (busybox-static) as one more layer.
 */

export const VARIANTS = ['latest', 'nonroot', 'debug', 'debug-nonroot'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Whether the variant carries the debug extras (the lock's debug packages). */
export function isDebugVariant(variant: string): boolean {
  return variant.startsWith('debug');
}
