/**
 * Getting a pinned .deb for its copyright file when neither its licence facts nor the .deb are in the cache
 * (a signing job on another runner than the builds, say): from the snapshot of its suite first when the distro
 * names a snapshot service, then from the mirror, sha256-checked, into `<cacheDir>/debs` — the same sources and
 * store `build` uses (see pinnedDeb in app/build.ts).
 */
import { join } from 'node:path';
import type { HttpClient } from '../archive/http.js';
import { debStore, type PinnedDeb } from '../archive/pool.js';
import type { Config } from '../config/index.js';
import type { Lockfile } from '../lock/types.js';
import type { DebRef } from './license-cache.js';

/** The path of a verified .deb (downloaded when needed); undefined for a .deb no lock pins. */
export function debDownloader(
  config: Config,
  locks: () => ReadonlyArray<Lockfile>,
  cacheDir: string,
  http: HttpClient,
): (deb: DebRef) => Promise<string | undefined> {
  const store = debStore({ dir: join(cacheDir, 'debs'), http });
  return async (deb) => {
    for (const lock of locks()) {
      const distro = config.distros[lock.distro];
      for (const [arch, pins] of Object.entries(lock.packages)) {
        const pin = pins[deb.name];
        if (!distro || pin?.sha256 !== deb.sha256) continue;
        const locked = lock.sources.find((s) => s.suite === pin.suite);
        const source = distro.sources.find((s) => s.suite === pin.suite);
        if (!locked || !source) return undefined;
        const bases: PinnedDeb['bases'] = [];
        if (distro.snapshot) {
          const archive = (source.originalUrl ?? source.url).replace(/\/+$/, '').split('/').pop() ?? 'debian';
          bases.push({
            url: `${distro.snapshot.replace(/\/+$/, '')}/archive/${archive}/${locked.snapshot}`,
            snapshot: true,
          });
        }
        bases.push({ url: source.url, snapshot: false });
        return store.fetch({
          label: `${deb.name} ${pin.version} (${arch})`,
          filename: pin.filename,
          size: pin.size,
          sha256: pin.sha256,
          bases,
        });
      }
    }
    return undefined;
  };
}
