import { createHttpClient, type HttpClient } from '../archive/http.js';
import { DEFAULT_RETRY, singleTry } from '../util/http/index.js';
import { debStore, type PinnedDeb } from '../archive/pool.js';
import { baseFilesystemEntries, osReleaseEntries } from '../build/generated.js';
import { isLocaleFile, localeEntries, needsLocale } from '../build/locale.js';
import { pythonEntries, pythonVersionOf } from '../build/python.js';
import { buildCaBundle, CA_CERTIFICATES_PACKAGE, CA_CERTS_DIR } from '../build/cacerts.js';
import { busyboxEntries, BUSYBOX_DEB_PATHS } from '../build/busybox.js';
import { MERGED_USR_OWNER } from '../build/package-layer.js';
import { isJavaRuntimePackage, javaEntries } from '../build/java.js';
import {
  type Config,
  configDigest,
  DEBUG_KEY,
  type DistroConfig,
  LOCALE_KEY,
  matchImages,
  variantsOf,
} from '../config/index.js';
import { DistrolessError, errorMessage } from '../errors.js';
import { lockfilePath, readLockBytes, type LockRead } from '../lock/io.js';
import type { Lockfile } from '../lock/types.js';
import {
  DeflatePool,
  LayerCache,
  OciLayoutWriter,
  sweepStaleTemps,
  type LayerCompression,
  type LayerWriteOptions,
} from '../oci/index.js';
import { limiter, mapLimit, settleAll } from '../util/concurrency.js';
import { dirname, join } from 'node:path';
import { buildSbomWriter, LicenseCache, type PlannedSbom } from '../attest/index.js';
import {
  cachedLayer,
  captureFiles,
  debFill,
  debLayerKey,
  statusEntries,
  writeEntries,
  type BuiltLayer,
} from './build-layers.js';
import type { TarWriter } from '../tar/index.js';
import { assembleImages, type BuiltImage, type BuiltIndex, type ExtraLayers } from './build-images.js';
import { planBuild, type PlannedImage } from './build-plan.js';
import { lockEpoch } from '../lock/epoch.js';

export interface BuildOptions {
  config: Config;
  lockDir: string;
  /** The OCI image layout to write (created when absent; existing refs not rebuilt are kept). */
  outDir: string;
  /** Holds `debs/` (verified .debs by sha256) and `layers/` (compressed layers by their inputs). */
  cacheDir: string;
  /** Build epoch in seconds (SOURCE_DATE_EPOCH, read at the edge); default: the newest Release date in the lock. */
  epoch?: number;
  images?: readonly string[];
  archs?: readonly string[];
  http?: HttpClient;
  /** Layers built at once (default 2: one per core; xz runs in its own process, gzip on the thread pool). */
  concurrency?: number;
  /** Layer compression; default the config's `compression`, else gzip. */
  compression?: LayerCompression;
  /** Chunks of big gzip layers deflated at once (default: the machine's available parallelism). Never changes the bytes. */
  deflateWorkers?: number;
  onProgress?: (message: string) => void;
  onWarning?: (message: string) => void;
  /**
   * Where the SPDX SBOMs of every built image and index go (`<image>-<distro>-<variant>[-<arch>].spdx.json`);
   * default `<dirname(outDir)>/sbom`; false writes none.
   */
  sbomDir?: string | false;
}

export interface BuildResult {
  layout: string;
  epoch: number;
  images: BuiltImage[];
  indexes: BuiltIndex[];
  layers: { built: number; cached: number };
  /** The SBOM files written (sorted); empty when `sbomDir` is false. */
  sboms: string[];
}

/** `build`: lockfiles → reproducible images × variants × archs in an OCI image layout. */
export async function runBuild(opts: BuildOptions): Promise<BuildResult> {
  const deflatePool = new DeflatePool(opts.deflateWorkers);
  const compression = opts.compression ?? opts.config.compression ?? 'gzip';
  try {
    return await buildAll(opts, { compression, deflatePool });
  } finally {
    await deflatePool.close();
  }
}

async function buildAll(opts: BuildOptions, format: LayerWriteOptions): Promise<BuildResult> {
  const progress = opts.onProgress ?? (() => undefined);
  const warn = opts.onWarning ?? progress;
  const layout = await OciLayoutWriter.open(opts.outDir, { onWait: progress });
  const cache = new LayerCache(join(opts.cacheDir, 'layers'));
  await sweepStaleTemps(cache.blobsDir); // what builds killed while writing a layer left there
  const http = opts.http ?? createHttpClient();
  const store = debStore({
    dir: join(opts.cacheDir, 'debs'),
    http,
    snapshotHttp: createHttpClient({ retry: singleTry(DEFAULT_RETRY, 15_000) }),
    onProgress: (e) =>
      progress(
        e.kind === 'deb'
          ? `${e.cached ? 'have' : 'fetched'} ${e.label}`
          : `${e.label}: ${e.url} failed (${e.reason}); trying the next source`,
      ),
  });
  const result: BuildResult = {
    layout: opts.outDir,
    epoch: 0,
    images: [],
    indexes: [],
    layers: { built: 0, cached: 0 },
    sboms: [],
  };
  const licenses = new LicenseCache(join(opts.cacheDir, 'licenses'));
  const locks = new Map<string, { distro: DistroConfig; lock: Lockfile }>();
  // Each lockfile read and parsed once, for the build and for its SBOMs.
  const lockReads = new Map<string, Promise<LockRead | undefined>>();
  const readLock = (distro: string): Promise<LockRead | undefined> => {
    let read = lockReads.get(distro);
    if (read === undefined) lockReads.set(distro, (read = readLockBytes(opts.lockDir, distro)));
    return read;
  };
  // The SBOMs are drafted while the layers are built (licence facts, package entries) and finished with the
  // digests at the end; the facts of a layer built now come straight from its capture (LicenseCache.expect).
  const sbomDir = opts.sbomDir === false ? undefined : (opts.sbomDir ?? join(dirname(opts.outDir), 'sbom'));
  const sboms =
    sbomDir === undefined
      ? undefined
      : buildSbomWriter({
          config: opts.config,
          lockDir: opts.lockDir,
          cacheDir: opts.cacheDir,
          ...(opts.epoch === undefined ? {} : { epoch: opts.epoch }),
          dir: sbomDir,
          licenses,
          readLock,
          fetchDeb: async (d, arch, name) => {
            const locked = locks.get(d);
            if (!locked) throw new DistrolessError('LOCK_INVALID', `${d}: no lock was read in this build`);
            return store.fetch(pinnedDeb(locked.distro, locked.lock, arch, name));
          },
        });
  try {
    const selected = matchImages(opts.config, opts.images);
    for (const distro of Object.values(opts.config.distros)) {
      const names = selected.filter((i) => i.distro === distro.name).map((i) => i.name);
      if (names.length === 0) continue;
      const lock = await freshLock(opts, distro, readLock);
      locks.set(distro.name, { distro, lock });
      const epoch = opts.epoch ?? lockEpoch(lock);
      result.epoch = epoch;
      const plans = planBuild(
        opts.config,
        distro,
        lock,
        { images: names, ...(opts.archs ? { archs: opts.archs } : {}) },
        warn,
      );
      const ctx: DistroBuild = {
        opts,
        distro,
        lock,
        epoch,
        plans,
        layout,
        cache,
        format,
        licenses,
        fetchDeb: (arch, name) => store.fetch(pinnedDeb(distro, lock, arch, name)),
        failing: () => void sboms?.abandon(),
        result,
        progress,
        warn,
      };
      // The SBOM drafts start once every layer has been looked up in the cache: their licence reads would otherwise
      // queue on the I/O threads ahead of the reads of the .debs being built, which are the critical path.
      const layers = await buildLayers(ctx, () => sboms?.plan(plannedSboms(distro, plans)));
      const built = await assembleImages({
        distro,
        plans,
        lock,
        epoch,
        layout,
        layers,
        progress,
        ...(opts.config.source === undefined ? {} : { source: opts.config.source }),
      });
      result.images.push(...built.images);
      result.indexes.push(...built.indexes);
    }
    // The SBOMs need only the digests, so they are written while the layout's commit syncs its blobs.
    const written =
      sboms === undefined || result.images.length === 0
        ? Promise.resolve([])
        : sboms.write(result.images, result.indexes);
    await settleAll<unknown>([layout.commit(), written]);
    const sbomFiles = await written;
    result.sboms = sbomFiles;
    if (sbomDir !== undefined && sbomFiles.length > 0) progress(`${sbomFiles.length} SBOM(s) in ${sbomDir}`);
  } catch (e) {
    // Nothing of this build keeps running once it has failed: the SBOM drafts may be fetching .debs into the
    // cache (docs/architecture.md, "Failures").
    await sboms?.abandon();
    throw e;
  }
  return result;
}

/** Every image × variant × arch and every index the plans will report (ancestors built only for their digest are not). */
function plannedSboms(distroConfig: DistroConfig, plans: readonly PlannedImage[]): PlannedSbom[] {
  const out: PlannedSbom[] = [];
  const distro = distroConfig.name;
  for (const plan of plans) {
    if (plan.ancestorOnly) continue;
    for (const variant of variantsOf(distroConfig)) {
      for (const arch of plan.archs) out.push({ image: plan.image.name, distro, variant, arch });
      out.push({ image: plan.image.name, distro, variant, archs: plan.archs });
    }
  }
  return out;
}

interface DistroBuild {
  opts: BuildOptions;
  distro: DistroConfig;
  lock: Lockfile;
  epoch: number;
  plans: PlannedImage[];
  layout: OciLayoutWriter;
  cache: LayerCache;
  /** How layers are compressed (and by which deflate workers). */
  format: LayerWriteOptions;
  /** Copyright facts per .deb, captured while its layer is built (for the SBOMs). */
  licenses: LicenseCache;
  fetchDeb: (arch: string, name: string) => Promise<string>;
  /**
   * Called as soon as a package layer has failed, before the layers' licence captures are settled: the SBOM
   * drafts waiting on them must not go and fetch .debs for a build that will not finish.
   */
  failing: () => void;
  result: BuildResult;
  progress: (m: string) => void;
  warn: (m: string) => void;
}

async function freshLock(
  opts: BuildOptions,
  distro: DistroConfig,
  readLock: (distro: string) => Promise<LockRead | undefined>,
): Promise<Lockfile> {
  const file = lockfilePath(opts.lockDir, distro.name);
  const lock = (await readLock(distro.name))?.lock;
  if (!lock) throw new DistrolessError('LOCK_INVALID', `${file}: no lockfile; run "distroless-action update" first`);
  if (lock.configDigest !== configDigest(opts.config, distro.name)) {
    throw new DistrolessError(
      'LOCK_STALE',
      `${file} was made for another version of ${opts.config.file}; run "distroless-action update"`,
    );
  }
  return lock;
}

/** Where a pinned package can be fetched: the snapshot of its suite first (when configured), then the mirror. */
function pinnedDeb(distro: DistroConfig, lock: Lockfile, arch: string, name: string): PinnedDeb {
  const pin = lock.packages[arch]?.[name];
  if (!pin)
    throw new DistrolessError('LOCK_INVALID', `${lock.distro}: ${name} (${arch}) is in an image but has no pin`);
  const lockedSource = lock.sources.find((s) => s.suite === pin.suite);
  const source = distro.sources.find((s) => s.suite === pin.suite);
  if (!lockedSource || !source)
    throw new DistrolessError(
      'LOCK_STALE',
      `${lock.distro}: ${name} comes from suite ${pin.suite}, which the config no longer has`,
    );
  const bases: PinnedDeb['bases'] = [];
  if (distro.snapshot) {
    const archive = (source.originalUrl ?? source.url).replace(/\/+$/, '').split('/').pop() ?? 'debian';
    bases.push({
      url: `${distro.snapshot.replace(/\/+$/, '')}/archive/${archive}/${lockedSource.snapshot}`,
      snapshot: true,
    });
  }
  bases.push({ url: source.url, snapshot: false });
  return {
    label: `${name} ${pin.version} (${arch})`,
    filename: pin.filename,
    size: pin.size,
    sha256: pin.sha256,
    bases,
  };
}

/**
 * Every package layer the plans need, each built once, and the generated layers per arch. `lookedUp` runs once
 * every package layer is either found in the cache or being built.
 */
async function buildLayers(ctx: DistroBuild, lookedUp: () => void = () => undefined): Promise<ExtraLayers> {
  // The generated layers (users, os-release, python link, CA bundle, Java trust store, locale, busybox) are
  // built beside the package layers rather than after them: they are small, and after the last package layer
  // the machine would otherwise do them alone. Both halves are awaited before any failure is reported.
  const [packages, generated] = await Promise.allSettled([packageLayers(ctx, lookedUp), generatedLayers(ctx)]);
  if (packages.status === 'rejected') throw packages.reason;
  if (generated.status === 'rejected') throw generated.reason;
  return { ...generated.value, packages: packages.value };
}

/** Every package layer the plans need, each built once (from the cache when it is there). */
async function packageLayers(ctx: DistroBuild, lookedUp: () => void): Promise<Map<string, BuiltLayer>> {
  const jobs = new Map<string, { arch: string; name: string }>();
  for (const plan of ctx.plans)
    for (const arch of plan.archs)
      for (const name of plan.layerOrder[arch] ?? []) jobs.set(`${arch}/${name}`, { arch, name });
  const packages = new Map<string, BuiltLayer>();
  // Before the first await: whoever reads licence facts beside this build waits for the ones it captures.
  const captures = new Map(
    [...jobs].map(([key, { arch, name }]) => {
      const pin = ctx.lock.packages[arch]?.[name];
      return [key, pin && ctx.licenses.expect({ name, sha256: pin.sha256 })];
    }),
  );
  // The config's setuid keep list changes which bits a layer has: part of every package layer's cache key.
  const keepSetuid = new Set(ctx.distro.keepSetuid);
  const setuidKey = keepSetuid.size === 0 ? '' : `:setuid=${[...keepSetuid].sort().join(',')}`;
  // Cache lookups are cheap I/O and run 16 at a time; building a layer (xz, tar, gzip) takes a build slot.
  // Largest .deb first, in the lookups (and fetches) and in the slots: the biggest layer (a JRE: ~5 s of a
  // ~6.5 s java17 build) is the critical path, and in plan order it started after ~30 small ones
  // (docs/architecture.md, "Where the time goes").
  const buildSlot = limiter(ctx.opts.concurrency ?? 2);
  const debSize = ({ arch, name }: { arch: string; name: string }): number =>
    ctx.lock.packages[arch]?.[name]?.size ?? 0;
  const order = [...jobs.values()].sort((a, b) => debSize(b) - debSize(a));
  let undecided = jobs.size;
  const decided = (): void => {
    if (--undecided === 0) lookedUp();
  };
  if (undecided === 0) lookedUp();
  try {
    await mapLimit(order, 16, async ({ arch, name }) => {
      const pin = ctx.lock.packages[arch]?.[name];
      if (!pin)
        throw new DistrolessError(
          'LOCK_INVALID',
          `${ctx.lock.distro}: ${name} (${arch}) is in an image but has no pin`,
        );
      const { layerOptions, save } = ctx.licenses.capture({ name, sha256: pin.sha256 }, (e) =>
        ctx.warn(`licence cache: ${name} (${arch}): ${errorMessage(e)}`),
      );
      const mergedUsr = usrMergeRole(ctx.distro, name);
      const build = debFill(() => ctx.fetchDeb(arch, name), name, ctx.epoch, {
        ...layerOptions,
        ...(mergedUsr ? { mergedUsr } : {}),
        keepSetuid,
        done: save,
        pin,
      });
      let known = false; // looked up: a miss once its fill starts, a hit once cachedLayer returns
      const decide = (): void => {
        if (!known) decided();
        known = true;
      };
      const fill = (w: TarWriter): Promise<void> => {
        decide();
        return buildSlot(() => build(w), pin.size);
      };
      const layer = await cachedLayer(
        // A merged-/usr layer was checked as such (package-layer.ts): it is not the same cache entry.
        `${debLayerKey(name, pin)}${setuidKey}${mergedUsr ? `:usr-merged-${mergedUsr}` : ''}`,
        ctx.epoch,
        `deb ${name} ${pin.version}`,
        fill,
        ctx.cache,
        ctx.layout,
        ctx.format,
        ctx.warn,
      );
      decide();
      captures.get(`${arch}/${name}`)?.settle(); // no-op when built (the capture settled it); cached: read the cache
      count(ctx, layer.hit);
      ctx.progress(`layer ${name} (${arch}) ${layer.hit ? 'from cache' : 'built'}`);
      packages.set(`${arch}/${name}`, layer);
    });
  } catch (e) {
    ctx.failing();
    throw e;
  } finally {
    for (const c of captures.values()) c?.settle(); // a failed build leaves no reader waiting
  }
  return packages;
}

/** The layers distroless-action generates, per distro and per arch. */
async function generatedLayers(ctx: DistroBuild): Promise<Omit<ExtraLayers, 'packages'>> {
  const base = await cachedLayer(
    `base:${GENERATED_RECIPE}`,
    ctx.epoch,
    'distroless-action: users, groups, homes, /tmp, nsswitch.conf',
    writeEntries(baseFilesystemEntries({ epoch: ctx.epoch })),
    ctx.cache,
    ctx.layout,
    ctx.format,
    ctx.warn,
  );
  count(ctx, base.hit);
  const codename = codenameOf(ctx.distro);
  const osRelease = await cachedLayer(
    `os-release:${ctx.distro.version}:${codename}:${GENERATED_RECIPE}`,
    ctx.epoch,
    'distroless-action: /usr/lib/os-release',
    writeEntries(osReleaseEntries({ epoch: ctx.epoch, versionId: ctx.distro.version, codename })),
    ctx.cache,
    ctx.layout,
    ctx.format,
  );
  count(ctx, osRelease.hit);
  const python = new Map<string, BuiltLayer>();
  for (const version of new Set(ctx.plans.flatMap((p) => Object.values(p.layerOrder).map(pythonVersionOf)))) {
    if (version === undefined || python.has(version)) continue;
    const layer = await cachedLayer(
      `python:${version}:${GENERATED_RECIPE}`,
      ctx.epoch,
      `distroless-action: /usr/bin/python -> python${version}`,
      writeEntries(pythonEntries({ version, epoch: ctx.epoch })),
      ctx.cache,
      ctx.layout,
      ctx.format,
    );
    count(ctx, layer.hit);
    python.set(version, layer);
  }
  const perArch = new Map<string, ExtraLayers['perArch'] extends Map<string, infer V> ? V : never>();
  for (const arch of new Set(ctx.plans.flatMap((p) => p.archs))) perArch.set(arch, await archLayers(ctx, arch));
  return { base, osRelease, python, perArch };
}

/** The package's part in a merged-/usr root (package-layer.ts), or undefined when the distro is not merged. */
function usrMergeRole(distro: DistroConfig, name: string): 'owner' | 'guest' | undefined {
  if (!distro.mergedUsr) return undefined;
  return name === MERGED_USR_OWNER ? 'owner' : 'guest';
}

/** Bumped when the generated files (passwd, os-release, CA bundle, keystore, locale, busybox links) change shape. */
const GENERATED_RECIPE = 2;

function count(ctx: DistroBuild, hit: boolean): void {
  if (hit) ctx.result.layers.cached++;
  else ctx.result.layers.built++;
}

/** The CA bundle, locale, Java and busybox layers of one arch, each keyed by the .deb it is made from. */
async function archLayers(ctx: DistroBuild, arch: string) {
  const out: { ca?: BuiltLayer; locale?: BuiltLayer; java?: BuiltLayer; busybox?: BuiltLayer } = {};
  const needs = (test: (name: string) => boolean): boolean => ctx.plans.some((p) => p.layerOrder[arch]?.some(test));
  const ca = ctx.lock.packages[arch]?.[CA_CERTIFICATES_PACKAGE];
  // Read once per arch, and only when a layer that needs it is not cached (the CA and the Java layer both do).
  let caBundle: ReturnType<typeof readBundle> | undefined;
  const readBundle = async () => {
    const files = await captureFiles(
      await ctx.fetchDeb(arch, CA_CERTIFICATES_PACKAGE),
      CA_CERTIFICATES_PACKAGE,
      ctx.epoch,
      (p) => p.startsWith(CA_CERTS_DIR) && p.endsWith('.crt'),
    );
    return buildCaBundle({ files: [...files].map(([path, data]) => ({ path, data })), epoch: ctx.epoch });
  };
  const bundle = () => (caBundle ??= readBundle());
  if (ca && needs((n) => n === CA_CERTIFICATES_PACKAGE)) {
    const fill = async (w: TarWriter) => writeEntries((await bundle()).entries)(w);
    const layer = await cachedLayer(
      `ca-bundle:${ca.sha256}:${GENERATED_RECIPE}`,
      ctx.epoch,
      'distroless-action: /etc/ssl/certs/ca-certificates.crt',
      fill,
      ctx.cache,
      ctx.layout,
      ctx.format,
      ctx.warn,
    );
    count(ctx, layer.hit);
    out.ca = layer;
  }
  const jdk = ctx.plans.flatMap((p) => p.layerOrder[arch] ?? []).find(isJavaRuntimePackage);
  if (ca && jdk) {
    const javaVersion = Number(/\d+/.exec(jdk)?.[0]);
    const fill = async (w: TarWriter) =>
      writeEntries(
        javaEntries({ debArch: arch, certificates: (await bundle()).certificates, epoch: ctx.epoch, javaVersion }),
      )(w);
    const layer = await cachedLayer(
      `java:${javaVersion}:${arch}:${ca.sha256}:${GENERATED_RECIPE}`,
      ctx.epoch,
      'distroless-action: /usr/bin/java, Java trust store',
      fill,
      ctx.cache,
      ctx.layout,
      ctx.format,
      ctx.warn,
    );
    count(ctx, layer.hit);
    out.java = layer;
  }
  if (ctx.plans.some((p) => p.archs.includes(arch) && needsLocale(p.image.env)))
    out.locale = await localeLayer(ctx, arch);
  const busyboxName = Object.keys(ctx.lock.images[DEBUG_KEY]?.[arch]?.packages ?? {})[0];
  const busybox = busyboxName ? ctx.lock.packages[arch]?.[busyboxName] : undefined;
  if (busyboxName && busybox) {
    const fill = async (w: TarWriter) => {
      const deb = await ctx.fetchDeb(arch, busyboxName);
      const found = await captureFiles(deb, busyboxName, ctx.epoch, (p) => BUSYBOX_DEB_PATHS.includes(p));
      const binary = BUSYBOX_DEB_PATHS.map((p) => found.get(p)).find((b) => b !== undefined);
      if (!binary) {
        throw new DistrolessError(
          'DEB_INVALID',
          `${busyboxName} (${arch}) has none of ${BUSYBOX_DEB_PATHS.join(', ')}`,
        );
      }
      await writeEntries([
        ...busyboxEntries({ binary, epoch: ctx.epoch }),
        ...(await statusEntries(deb, busyboxName, ctx.epoch, busybox)),
      ])(w);
    };
    const layer = await cachedLayer(
      `busybox:${debLayerKey(busyboxName, busybox)}:${GENERATED_RECIPE}`,
      ctx.epoch,
      `distroless-action: busybox (${busyboxName}) under /busybox`,
      fill,
      ctx.cache,
      ctx.layout,
      ctx.format,
      ctx.warn,
    );
    count(ctx, layer.hit);
    out.busybox = layer;
  }
  return out;
}

/**
 * `usr/lib/locale/C.utf8` from the distro's locale package (libc-bin), pinned under the lock's locale key. Its
 * locale data must come from the same glibc as the libc6 the images load, so a different version is an error.
 */
async function localeLayer(ctx: DistroBuild, arch: string): Promise<BuiltLayer> {
  const name = ctx.distro.localePackage;
  const pin = name === undefined ? undefined : ctx.lock.images[LOCALE_KEY]?.[arch]?.packages[name];
  const locked = name === undefined ? undefined : ctx.lock.packages[arch]?.[name];
  if (name === undefined || pin === undefined || !locked)
    throw new DistrolessError(
      'LOCK_STALE',
      name === undefined
        ? `${ctx.distro.name}: an image sets LANG, so the distro needs \`locale: { package: libc-bin }\` in the config`
        : `${ctx.distro.name}: ${name} (${arch}) is not pinned for the locale; run "distroless-action update"`,
    );
  const libc6 = ctx.lock.packages[arch]?.['libc6'];
  if (libc6 && libc6.version !== locked.version)
    throw new DistrolessError(
      'LOCK_INVALID',
      `${ctx.distro.name}: ${name} ${locked.version} and libc6 ${libc6.version} (${arch}) differ; the locale must match the C library`,
    );
  const fill = async (w: TarWriter) => {
    const files = await captureFiles(await ctx.fetchDeb(arch, name), name, ctx.epoch, (p) => isLocaleFile(p, name));
    await writeEntries(localeEntries({ pkg: name, files, epoch: ctx.epoch }))(w);
  };
  const layer = await cachedLayer(
    `locale:${locked.sha256}:${GENERATED_RECIPE}`,
    ctx.epoch,
    `distroless-action: C.UTF-8 locale from ${name} ${locked.version}`,
    fill,
    ctx.cache,
    ctx.layout,
    ctx.format,
  );
  count(ctx, layer.hit);
  return layer;
}

const CODENAMES: Record<string, string> = { '11': 'bullseye', '12': 'bookworm', '13': 'trixie', '14': 'forky' };

function codenameOf(distro: DistroConfig): string {
  return CODENAMES[distro.version] ?? distro.sources[0]?.suite.split('-')[0] ?? distro.name;
}
