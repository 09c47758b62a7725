/**
 * SPDX files beside an OCI layout, for users without a registry: one per built image × variant × arch
 * (`<image>-<distro>-<variant>-<arch>.spdx.json`, arch as in the layout's ref names: amd64, arm64, arm, …)
 * and one per index (`<image>-<distro>-<variant>.spdx.json`), each describing the digest the build produced.
 * Licence facts come from the cache the layer builds fill; a .deb whose facts are missing (a layer cached
 * before this existed, the busybox layer) is read once through `fetchDeb`, and its facts cached.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { mapLimit } from '../util/concurrency.js';
import { writeFilesAtomically } from '../util/fs.js';
import { LicenseCache, licenseLookup, type DebRef, type LicenseLookup } from './license-cache.js';
import { createAttestContext, type AttestContext } from './context.js';
import { sbomFor, type AttestSubject } from './subject.js';

export interface BuildSbomOptions {
  config: Config;
  lockDir: string;
  /** The build cache: `<cacheDir>/licenses` holds the facts, `<cacheDir>/debs` the .debs. */
  cacheDir: string;
  /** Build epoch as the build used it (undefined: per distro from its lock, as the build does). */
  epoch?: number;
  /** Directory for the .spdx.json files (created when absent; other files in it are left alone). */
  dir: string;
  images: ReadonlyArray<{ image: string; variant: string; arch: string; digest: string }>;
  indexes: ReadonlyArray<{ image: string; variant: string; digest: string }>;
  /** Local path of a pinned .deb, fetched when needed (the build's .deb store). */
  fetchDeb?: (distro: string, arch: string, name: string) => Promise<string>;
}

/**
 * Writes every document, each atomically (temporary file, fsync, rename; several at once, as fsyncs dominate
 * the cost); a file that already has the same bytes is left as it is. Returns every document's path, sorted.
 */
export async function writeBuildSboms(opts: BuildSbomOptions): Promise<string[]> {
  const holder: { ctx?: AttestContext } = {};
  const licenses = buildLicenses(opts, () => holder.ctx);
  const ctx = await createAttestContext({ config: opts.config, lockDir: opts.lockDir, licenses, ...(opts.epoch === undefined ? {} : { epoch: opts.epoch }) });
  holder.ctx = ctx;
  const subjects: AttestSubject[] = [];
  const distroOf = (image: string): string => opts.config.images[image]?.distro ?? '';
  for (const i of opts.images) {
    subjects.push({ image: i.image, distro: distroOf(i.image), variant: i.variant, arch: i.arch, name: `${i.image}-${distroOf(i.image)}`, digest: i.digest });
  }
  for (const x of opts.indexes) {
    const archs = opts.images.filter((i) => i.image === x.image && i.variant === x.variant).map((i) => i.arch);
    subjects.push({ image: x.image, distro: distroOf(x.image), variant: x.variant, archs, name: `${x.image}-${distroOf(x.image)}`, digest: x.digest });
  }
  const docs = await Promise.all(subjects.map((s) => sbomFor(ctx, s)));
  const files = docs.map((doc) => ({ path: join(opts.dir, `${doc.name}.spdx.json`), content: Buffer.from(`${JSON.stringify(doc, null, 2)}\n`) }));
  await mapLimit(files, 8, async (f) => {
    const old = await readFile(f.path).catch(() => undefined);
    if (old === undefined || !old.equals(f.content)) await writeFilesAtomically([f]);
  });
  return files.map((f) => f.path).sort();
}

/** Cached facts first; else the .deb from the build's store (found by sha256 among the context's locks). */
function buildLicenses(opts: BuildSbomOptions, context: () => AttestContext | undefined): LicenseLookup {
  const fetchDeb = opts.fetchDeb;
  return licenseLookup({
    cache: new LicenseCache(join(opts.cacheDir, 'licenses')),
    ...(fetchDeb
      ? {
          debPath: async (deb: DebRef) => {
            const where = locate(context(), deb);
            return where ? fetchDeb(where.distro, where.arch, deb.name) : undefined;
          },
        }
      : {}),
  });
}

function locate(ctx: AttestContext | undefined, deb: DebRef): { distro: string; arch: string } | undefined {
  for (const [distro, { lock }] of Object.entries(ctx?.distros ?? {})) {
    for (const [arch, pins] of Object.entries(lock.packages)) if (pins[deb.name]?.sha256 === deb.sha256) return { distro, arch };
  }
  return undefined;
}
