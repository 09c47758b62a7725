/**
 * The config digest recorded in a lockfile: it changes exactly when the config asks for a different resolution
 * of that distro, so `update --check` can tell a stale lock from a fresh one.
 */
import { createHash } from 'node:crypto';
import { DistrolessError } from '../errors.js';
import type { Config } from './types.js';

/** Bump when the digest input changes shape: every lock then reads as stale once. */
const DIGEST_VERSION = 1;

/**
 * `sha256:<hex>` over canonical JSON (sorted keys) of what affects resolution for `distro`: its sources as
 * written in the file (before mirror overrides), archs and debug packages, and for each of its images the
 * distro, `from`, packages, excludes and archs, and the locale package when there is one. Entrypoint, cmd, env,
 * snapshot, version and the top-level source are left out:
 * they change the images, not the lock. Arch and exclude lists are sets (sorted); package order is kept.
 */
export function configDigest(config: Config, distro: string): string {
  const d = config.distros[distro];
  if (!d) throw new DistrolessError('CONFIG_INVALID', `${config.file}: no distro named "${distro}"`);
  const images = Object.values(config.images).filter((i) => i.distro === distro);
  const input = {
    digestVersion: DIGEST_VERSION,
    distro,
    sources: d.sources.map((s) => ({ url: s.originalUrl ?? s.url, suite: s.suite, components: s.components })),
    archs: sorted(d.archs),
    debugPackages: d.debugPackages,
    localePackage: d.localePackage,
    images: Object.fromEntries(
      images.map((i) => [
        i.name,
        {
          distro: i.distro,
          from: i.from ?? null,
          packages: i.packages,
          exclude: sorted(i.exclude),
          archs: sorted(i.archs),
        },
      ]),
    ),
  };
  return `sha256:${createHash('sha256').update(canonicalJson(input)).digest('hex')}`;
}

/** JSON with object keys sorted at every level (undefined members dropped, as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const obj = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, obj[k]]),
    );
  });
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}
