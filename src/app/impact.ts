/**
 * What an update does to each image: the previous lock and the new one are both built (every image × variant
 * × arch of the distro, into throw-away layouts) with the shared cache, so a layer both locks hold is built
 * once and the figures are exact — the manifest digest before and after, and the compressed size (config +
 * layers) before and after. An image whose digest does not move is unchanged. The previous lock is built
 * from its snapshot or the mirror like any build; when that fails (its .debs left the mirror and no snapshot
 * holds them, or the config changed under it), the "before" figures are left out with a warning.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpClient } from '../archive/http.js';
import type { Config } from '../config/index.js';
import type { ImageImpact } from '../lock/diff.js';
import { writeLockfiles } from '../lock/io.js';
import type { Lockfile } from '../lock/types.js';
import { compareCodeUnits } from '../util/json.js';
import { runBuild, type BuildResult } from './build.js';

export interface ImpactOptions {
  config: Config;
  previous: Lockfile | undefined;
  next: Lockfile;
  /** The build cache (`layers/`, `debs/`): shared by both builds, and with later builds. */
  cacheDir: string;
  http?: HttpClient;
  onProgress?: (message: string) => void;
}

export async function imageImpact(opts: ImpactOptions): Promise<ImageImpact[]> {
  const images = Object.keys(opts.config.images).filter((n) => opts.config.images[n]?.distro === opts.next.distro);
  if (images.length === 0) return [];
  const work = await mkdtemp(join(tmpdir(), 'distroless-impact-'));
  const warn = opts.onProgress ?? (() => undefined);
  try {
    const build = async (lock: Lockfile, name: string): Promise<BuildResult> => {
      const lockDir = join(work, name, 'lockfiles');
      await writeLockfiles(lockDir, [lock]);
      return runBuild({
        config: opts.config,
        lockDir,
        outDir: join(work, name, 'oci'),
        cacheDir: opts.cacheDir,
        images,
        sbomDir: false,
        ...(opts.http ? { http: opts.http } : {}),
        onProgress: () => undefined,
        onWarning: () => undefined,
      });
    };
    let before: BuildResult | undefined;
    if (opts.previous) {
      try {
        before = await build(opts.previous, 'before');
      } catch (e) {
        warn(
          `warning: ${opts.next.distro}: the previous lock does not build (${e instanceof Error ? e.message : String(e)}); image impact without "before" figures`,
        );
      }
    }
    const after = await build(opts.next, 'after');
    const key = (i: { image: string; variant: string; arch: string }): string => `${i.image}\0${i.variant}\0${i.arch}`;
    const rows = new Map<string, ImageImpact>();
    for (const i of before?.images ?? [])
      rows.set(key(i), { image: i.image, variant: i.variant, arch: i.arch, oldDigest: i.digest, oldSize: i.size });
    for (const i of after.images) {
      const row = rows.get(key(i)) ?? { image: i.image, variant: i.variant, arch: i.arch };
      rows.set(key(i), { ...row, newDigest: i.digest, newSize: i.size });
    }
    return [...rows.values()].sort(
      (a, b) =>
        compareCodeUnits(a.image, b.image) ||
        compareCodeUnits(a.variant, b.variant) ||
        compareCodeUnits(a.arch, b.arch),
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
