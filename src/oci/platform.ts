/**
 * Debian architecture names → OCI platforms, the short per-arch tag suffix, and the fixed order in which
 * platforms appear in an image index (amd64, arm64, arm/v7, s390x, ppc64le, then the rest lexically).
 */
import { DEBIAN_ARCH_TABLE, DEBIAN_ARCHS, type DebianArchInfo } from '../debian/arch.js';
import { DistrolessError } from '../errors.js';
import { compareCodeUnits } from '../util/json.js';
import type { Platform } from './types.js';

function archInfo(debianArch: string): DebianArchInfo {
  const info = Object.hasOwn(DEBIAN_ARCH_TABLE, debianArch) ? DEBIAN_ARCH_TABLE[debianArch] : undefined;
  if (info === undefined) {
    throw new DistrolessError(
      'ARCH_UNSUPPORTED',
      `Debian architecture ${JSON.stringify(debianArch)} has no OCI platform mapping (known: ${DEBIAN_ARCHS.join(', ')})`,
    );
  }
  return info;
}

/** The OCI platform (os linux) of a Debian architecture, e.g. armhf → linux/arm/v7. */
export function debianPlatform(debianArch: string): Platform {
  const { architecture, variant } = archInfo(debianArch);
  return variant === undefined ? { architecture, os: 'linux' } : { architecture, os: 'linux', variant };
}

/** Suffix of the per-arch tag (`<tag>-<suffix>`): amd64, arm64, arm, s390x, ppc64le, … */
export function platformTagSuffix(debianArch: string): string {
  return archInfo(debianArch).tag;
}

/** `os/architecture[/variant]`, e.g. `linux/arm/v7` (the form `--platform` flags take). */
export function formatPlatform(p: Platform): string {
  return p.variant === undefined ? `${p.os}/${p.architecture}` : `${p.os}/${p.architecture}/${p.variant}`;
}

/** Platforms that lead an index, in this order; arm64's variant is optional (v8 is implied). */
const PREFERRED: ReadonlyArray<(p: Platform) => boolean> = [
  (p) => p.architecture === 'amd64',
  (p) => p.architecture === 'arm64' && (p.variant === undefined || p.variant === 'v8'),
  (p) => p.architecture === 'arm' && p.variant === 'v7',
  (p) => p.architecture === 's390x',
  (p) => p.architecture === 'ppc64le',
];

function rank(p: Platform): number {
  const i = PREFERRED.findIndex((matches) => matches(p));
  return i === -1 ? PREFERRED.length : i;
}

/**
 * Index order: the preferred platforms first (linux before other OSes within one), then everything else by
 * `architecture/variant/os` in code-unit order. Total and locale-independent.
 */
export function comparePlatforms(a: Platform, b: Platform): number {
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  const key = (p: Platform): string => `${p.architecture}/${p.variant ?? ''}/${p.os === 'linux' ? '' : p.os}`;
  return compareCodeUnits(key(a), key(b));
}

/** Debian architectures we can map, in the platform order of an index. */
export const SUPPORTED_DEBIAN_ARCHES: readonly string[] = [...DEBIAN_ARCHS].sort((a, b) =>
  comparePlatforms(debianPlatform(a), debianPlatform(b)),
);
