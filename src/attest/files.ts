/**
 * SPDX files beside an OCI layout, for users without a registry: one per built image × variant × arch
 * (`<image>-<distro>-<variant>-<arch>.spdx.json`, arch as in the layout's ref names: amd64, arm64, arm, …)
 * and one per index (`<image>-<distro>-<variant>.spdx.json`), each describing the digest the build produced.
 * Licence facts come from the cache the layer builds fill; a .deb whose facts are missing (a layer cached
 * before this existed, the busybox layer) is read once through `fetchDeb`, and its facts cached.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { DistrolessError } from '../errors.js';
import { mapLimit } from '../util/concurrency.js';
import { writeFilesAtomically } from '../util/fs.js';
import { LicenseCache, licenseLookup, type DebRef, type LicenseLookup } from './license-cache.js';
import { createAttestContext, type AttestContext, type AttestContextOptions } from './context.js';
import { sbomDraft, sbomInput, type AttestSubject, type SbomDraft } from './subject.js';
import { spdxJsonBytes } from './spdx.js';

export interface BuildSbomOptions {
  config: Config;
  lockDir: string;
  /** The build cache: `<cacheDir>/licenses` holds the facts, `<cacheDir>/debs` the .debs. */
  cacheDir: string;
  /** Build epoch as the build used it (undefined: per distro from its lock, as the build does). */
  epoch?: number;
  /** Directory for the .spdx.json files (created when absent; other files in it are left alone). */
  dir: string;
  /** Local path of a pinned .deb, fetched when needed (the build's .deb store). */
  fetchDeb?: (distro: string, arch: string, name: string) => Promise<string>;
  /** The build's licence cache, so that facts its layers capture reach the documents without a disk round trip. */
  licenses?: LicenseCache;
  /** The build's lockfile reader (see AttestContextOptions.readLock). */
  readLock?: AttestContextOptions['readLock'];
}

/** An image (`arch` set) or index (`archs` set) whose document can be drafted before its digest exists. */
export type PlannedSbom = Omit<AttestSubject, 'digest' | 'name'>;

export interface BuildSbomWriter {
  /** Starts drafting these documents: everything but the digest (licence lookups, package entries). */
  plan(subjects: readonly PlannedSbom[]): void;
  /**
   * Writes the document of every built image and index, each atomically (temporary file, fsync, rename; several
   * at once, as fsyncs dominate the cost); a file that already has the same bytes is left as it is. Returns
   * every document's path, sorted.
   */
  write(
    images: ReadonlyArray<{ image: string; distro: string; variant: string; arch: string; digest: string }>,
    indexes: ReadonlyArray<{ image: string; distro: string; variant: string; digest: string }>,
  ): Promise<string[]>;
  /**
   * For a build that will not finish: from now on no .deb is fetched for a draft (a draft that needs one fails),
   * and the promise resolves once every draft has settled, so that nothing keeps reading or writing the cache
   * after the build has reported its failure. Calling it again returns the same promise.
   */
  abandon(): Promise<void>;
}

/**
 * The SBOM files of a build. The context (config, lockfiles) is read at once; `plan` drafts documents while the
 * layers are built, and `write` finishes them with the digests — so what is left after the last layer is
 * mostly writing files.
 */
export function buildSbomWriter(opts: BuildSbomOptions): BuildSbomWriter {
  const holder: { ctx?: AttestContext } = {};
  let abandoned: Promise<void> | undefined;
  const licenses = buildLicenses(
    opts,
    () => holder.ctx,
    () => abandoned !== undefined,
  );
  const context = createAttestContext({
    config: opts.config,
    lockDir: opts.lockDir,
    licenses,
    ...(opts.epoch === undefined ? {} : { epoch: opts.epoch }),
    ...(opts.readLock ? { readLock: opts.readLock } : {}),
  }).then((ctx) => {
    holder.ctx = ctx;
    return ctx;
  });
  context.catch(() => undefined); // reported by write()
  const drafts = new Map<string, Promise<SbomDraft>>();
  const draftOf = (s: PlannedSbom): Promise<SbomDraft> => {
    const key = JSON.stringify([
      s.image,
      s.distro,
      s.variant,
      s.arch ?? null,
      s.archs === undefined ? null : [...s.archs].sort(),
    ]);
    let draft = drafts.get(key);
    if (draft === undefined) {
      draft = context.then((ctx) => sbomDraft(ctx, { ...s, name: `${s.image}-${s.distro}` }));
      draft.catch(() => undefined); // reported by write() when the document is wanted
      drafts.set(key, draft);
    }
    return draft;
  };
  return {
    plan: (subjects) => {
      if (abandoned !== undefined) return;
      for (const s of subjects) void draftOf(s);
    },
    write: async (images, indexes) => {
      await context;
      const subjects: PlannedSbom[] = [];
      const digests: string[] = [];
      for (const i of images) {
        subjects.push({ image: i.image, distro: i.distro, variant: i.variant, arch: i.arch });
        digests.push(i.digest);
      }
      for (const x of indexes) {
        const archs = images
          .filter((i) => i.image === x.image && i.distro === x.distro && i.variant === x.variant)
          .map((i) => i.arch);
        subjects.push({ image: x.image, distro: x.distro, variant: x.variant, archs });
        digests.push(x.digest);
      }
      const files = await Promise.all(
        subjects.map(async (s, i) => {
          const subject: AttestSubject = { ...s, name: `${s.image}-${s.distro}`, digest: digests[i] ?? '' };
          const input = sbomInput(subject, await draftOf(s));
          return { path: join(opts.dir, `${input.name}.spdx.json`), content: spdxJsonBytes(input, '\n') };
        }),
      );
      await mapLimit(files, 8, async ({ path, content }) => {
        const old = await readFile(path).catch(() => undefined);
        if (old === undefined || !old.equals(content)) await writeFilesAtomically([{ path, content }]);
      });
      return files.map((f) => f.path).sort();
    },
    abandon: () => (abandoned ??= Promise.allSettled([context, ...drafts.values()]).then(() => undefined)),
  };
}

/** Cached facts first; else the .deb from the build's store (found by sha256 among the context's locks). */
function buildLicenses(
  opts: BuildSbomOptions,
  context: () => AttestContext | undefined,
  abandoned: () => boolean,
): LicenseLookup {
  const fetchDeb = opts.fetchDeb;
  return licenseLookup({
    cache: opts.licenses ?? new LicenseCache(join(opts.cacheDir, 'licenses')),
    ...(fetchDeb
      ? {
          debPath: async (deb: DebRef) => {
            if (abandoned())
              throw new DistrolessError('INTERNAL', `${deb.name}: not read for an SBOM, the build has failed`);
            const where = locate(context(), deb);
            return where ? fetchDeb(where.distro, where.arch, deb.name) : undefined;
          },
        }
      : {}),
  });
}

function locate(ctx: AttestContext | undefined, deb: DebRef): { distro: string; arch: string } | undefined {
  for (const [distro, { lock }] of Object.entries(ctx?.distros ?? {})) {
    for (const [arch, pins] of Object.entries(lock.packages))
      if (pins[deb.name]?.sha256 === deb.sha256) return { distro, arch };
  }
  return undefined;
}
