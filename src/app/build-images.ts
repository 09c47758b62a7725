import type { DistroConfig } from '../config/types.js';
import { DistrolessError } from '../errors.js';
import type { Lockfile } from '../lock/types.js';
import {
  buildImageConfig,
  buildIndex,
  buildManifest,
  debianPlatform,
  platformTagSuffix,
  type OciLayoutWriter,
} from '../oci/index.js';
import type { Descriptor, Platform } from '../oci/types.js';
import { javaReleaseVersion } from '../build/java.js';
import { needsLocale } from '../build/locale.js';
import { pythonVersionOf } from '../build/python.js';
import type { BuiltLayer } from './build-layers.js';
import { refNames, type PlannedImage } from './build-plan.js';
import { VARIANTS, type Variant } from '../config/variants.js';

export const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SSL_CERT_FILE = '/etc/ssl/certs/ca-certificates.crt';
const NONROOT = { user: '65532', workingDir: '/home/nonroot' };
const ROOT = { user: '0', workingDir: '/' };

export interface ExtraLayers {
  /** Users, groups, homes, /tmp, nsswitch.conf: the lowest layer. */
  base: BuiltLayer;
  /** `/usr/lib/os-release`: right above the package layers, so it replaces base-files' file. */
  osRelease: BuiltLayer;
  /** Python `3.X` → the `/usr/bin/python` link layer. */
  python: Map<string, BuiltLayer>;
  /** `<arch>/<package>` → layer */
  packages: Map<string, BuiltLayer>;
  perArch: Map<string, { ca?: BuiltLayer; locale?: BuiltLayer; java?: BuiltLayer; busybox?: BuiltLayer }>;
}

export interface BuiltImage {
  image: string;
  distro: string;
  variant: Variant;
  arch: string;
  platform: Platform;
  digest: string;
  /** Compressed bytes: layers + config. */
  size: number;
  layers: number;
  ref: string;
}

export interface BuiltIndex {
  image: string;
  distro: string;
  variant: Variant;
  digest: string;
  refs: string[];
  platforms: string[];
}

interface AssembleInput {
  distro: DistroConfig;
  plans: readonly PlannedImage[];
  lock: Lockfile;
  epoch: number;
  layout: OciLayoutWriter;
  layers: ExtraLayers;
  progress: (m: string) => void;
  /** The config's `source`: label and annotation org.opencontainers.image.source. */
  source?: string;
}

const SOURCE_LABEL = 'org.opencontainers.image.source';

/** Every image × variant × arch manifest, one index per image × variant, and their layout refs. */
export async function assembleImages(input: AssembleInput): Promise<{ images: BuiltImage[]; indexes: BuiltIndex[] }> {
  const images: Array<BuiltImage & { manifestSize: number }> = [];
  const indexes: BuiltIndex[] = [];
  for (const plan of input.plans) {
    for (const variant of VARIANTS) {
      const manifests: Array<Descriptor & { platform: Platform }> = [];
      for (const arch of plan.archs) {
        // Images are planned parents first, so a parent built in this run is already here.
        const parent = images.find((i) => i.image === plan.image.from && i.variant === variant && i.arch === arch);
        const base = parent
          ? { baseName: `${parent.image}-${input.distro.name}:${variant}`, baseDigest: parent.digest }
          : {};
        const built = await assembleOne(input, plan, variant, arch, base);
        images.push(built);
        manifests.push({
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: built.digest,
          size: built.manifestSize,
          platform: built.platform,
        });
      }
      if (plan.ancestorOnly) continue; // only its children's base annotations need it
      const index = buildIndex({ manifests, annotations: { created: input.epoch, ...sourceOf(input) } });
      const descriptor = await input.layout.writeJson(index);
      const refs = refNames(plan.image.name, input.distro.name, variant);
      for (const ref of refs) input.layout.setRef(ref, descriptor);
      indexes.push({
        image: plan.image.name,
        distro: plan.image.distro,
        variant,
        digest: descriptor.digest,
        refs,
        platforms: plan.archs.map((a) => platformTagSuffix(a)),
      });
      input.progress(`${refs[0]}: index ${descriptor.digest.slice(0, 19)}… (${plan.archs.length} arch(s))`);
    }
  }
  const reported = new Set(input.plans.filter((p) => !p.ancestorOnly).map((p) => p.image.name));
  return { images: images.filter((i) => reported.has(i.image)).map(({ manifestSize: _m, ...rest }) => rest), indexes };
}

async function assembleOne(
  input: AssembleInput,
  plan: PlannedImage,
  variant: Variant,
  arch: string,
  base: { baseName?: string; baseDigest?: string },
): Promise<BuiltImage & { manifestSize: number }> {
  const layers = imageLayers(input, plan, variant, arch);
  const debug = variant.startsWith('debug');
  const who = variant.endsWith('nonroot') ? NONROOT : ROOT;
  const env = [
    `PATH=${BASE_PATH}${debug ? ':/busybox' : ''}`,
    `SSL_CERT_FILE=${SSL_CERT_FILE}`,
    ...Object.entries({ ...javaEnv(input, plan, arch), ...plan.image.env }).map(([k, v]) => `${k}=${v}`),
  ];
  // Debug variants of images without an entrypoint open a busybox shell; language images keep theirs.
  const entrypoint = plan.image.entrypoint ?? (debug ? ['/busybox/sh'] : []);
  const platform = debianPlatform(arch);
  const config = buildImageConfig({
    platform,
    epoch: input.epoch,
    env,
    user: who.user,
    workingDir: who.workingDir,
    entrypoint,
    ...(plan.image.cmd ? { cmd: plan.image.cmd } : {}),
    ...(input.source === undefined ? {} : { labels: { [SOURCE_LABEL]: input.source } }),
    layers: layers.map((l) => ({ diffId: l.diffId, createdBy: l.createdBy })),
  });
  await input.layout.writeJson(config);
  const manifest = buildManifest({
    config,
    layers,
    annotations: { created: input.epoch, ...base, ...sourceOf(input) },
  });
  const descriptor = await input.layout.writeJson(manifest);
  const [ref = ''] = refNames(plan.image.name, input.distro.name, variant, platformTagSuffix(arch));
  if (!plan.ancestorOnly) input.layout.setRef(ref, { ...descriptor, platform });
  const size = config.descriptor.size + layers.reduce((s, l) => s + l.size, 0);
  return {
    image: plan.image.name,
    distro: plan.image.distro,
    variant,
    arch,
    platform,
    digest: descriptor.digest,
    size,
    layers: layers.length,
    ref,
    manifestSize: descriptor.size,
  };
}

function sourceOf(input: AssembleInput): { source?: string } {
  return input.source === undefined ? {} : { source: input.source };
}

/**
 * `JAVA_VERSION` of an image with a JRE (openjdk-N-jre-headless), as distroless sets it: `17.0.19` from the
 * locked `17.0.19+10-1~deb12u2`. The config's own env wins.
 */
function javaEnv(input: AssembleInput, plan: PlannedImage, arch: string): Record<string, string> {
  const jre = (plan.layerOrder[arch] ?? []).find((n) => /^openjdk-\d+-jre-headless$/.test(n));
  const pin = jre === undefined ? undefined : input.lock.packages[arch]?.[jre];
  return pin ? { JAVA_VERSION: javaReleaseVersion(pin.version) } : {};
}

/**
 * Base filesystem, the packages in plan order, os-release (above base-files), then the CA bundle, the locale
 * (images whose env sets LANG), the Java and Python extras and (debug) busybox.
 */
function imageLayers(input: AssembleInput, plan: PlannedImage, variant: Variant, arch: string): BuiltLayer[] {
  const order = plan.layerOrder[arch] ?? [];
  const packages = order.map((name) => {
    const layer = input.layers.packages.get(`${arch}/${name}`);
    if (!layer)
      throw new DistrolessError('LOCK_INVALID', `image ${plan.image.name} (${arch}): no layer was built for ${name}`);
    return layer;
  });
  const extra = input.layers.perArch.get(arch) ?? {};
  const out = [input.layers.base, ...packages, input.layers.osRelease];
  if (order.includes('ca-certificates') && extra.ca) out.push(extra.ca);
  if (needsLocale(plan.image.env)) {
    if (!extra.locale)
      throw new DistrolessError('LOCK_STALE', `image ${plan.image.name} (${arch}): no locale layer was built`);
    out.push(extra.locale);
  }
  if (order.some((n) => /^openjdk-\d+-jre-headless$/.test(n)) && extra.java) out.push(extra.java);
  const python = pythonVersionOf(order);
  const pythonLayer = python === undefined ? undefined : input.layers.python.get(python);
  if (pythonLayer) out.push(pythonLayer);
  if (variant.startsWith('debug')) {
    if (!extra.busybox)
      throw new DistrolessError(
        'LOCK_STALE',
        `${input.distro.name}: the debug variants need the distro's debug packages (busybox-static) in the lock`,
      );
    out.push(extra.busybox);
  }
  return out;
}
