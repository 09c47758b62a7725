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
import type { BuiltLayer } from './build-layers.js';
import { refNames, type PlannedImage } from './build-plan.js';
import { variantsOf, type Variant } from '../config/variants.js';

export const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SSL_CERT_FILE = '/etc/ssl/certs/ca-certificates.crt';
const NONROOT = { user: '65532', workingDir: '/home/nonroot' };
const ROOT = { user: '0', workingDir: '/' };

export interface ExtraLayers {
  base: BuiltLayer;
  /** `<arch>/<package>` → layer */
  packages: Map<string, BuiltLayer>;
  perArch: Map<string, { ca?: BuiltLayer; java?: BuiltLayer; busybox?: BuiltLayer }>;
}

export interface BuiltImage {
  image: string;
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
}

/** Every image × variant × arch manifest, one index per image × variant, and their layout refs. */
export async function assembleImages(input: AssembleInput): Promise<{ images: BuiltImage[]; indexes: BuiltIndex[] }> {
  const images: Array<BuiltImage & { manifestSize: number }> = [];
  const indexes: BuiltIndex[] = [];
  for (const plan of input.plans) {
    for (const variant of variantsOf(input.distro)) {
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
      const index = buildIndex({ manifests, annotations: { created: input.epoch } });
      const descriptor = await input.layout.writeJson(index);
      const refs = refNames(plan.image.name, input.distro.name, variant);
      for (const ref of refs) input.layout.setRef(ref, descriptor);
      indexes.push({
        image: plan.image.name,
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
    ...Object.entries(plan.image.env).map(([k, v]) => `${k}=${v}`),
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
    layers: layers.map((l) => ({ diffId: l.diffId, createdBy: l.createdBy })),
  });
  await input.layout.writeJson(config);
  const manifest = buildManifest({ config, layers, annotations: { created: input.epoch, ...base } });
  const descriptor = await input.layout.writeJson(manifest);
  const [ref = ''] = refNames(plan.image.name, input.distro.name, variant, platformTagSuffix(arch));
  if (!plan.ancestorOnly) input.layout.setRef(ref, { ...descriptor, platform });
  const size = config.descriptor.size + layers.reduce((s, l) => s + l.size, 0);
  return {
    image: plan.image.name,
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

/** Base filesystem, the packages in plan order, then the CA bundle, the Java extras and (debug) busybox. */
function imageLayers(input: AssembleInput, plan: PlannedImage, variant: Variant, arch: string): BuiltLayer[] {
  const order = plan.layerOrder[arch] ?? [];
  const packages = order.map((name) => {
    const layer = input.layers.packages.get(`${arch}/${name}`);
    if (!layer)
      throw new DistrolessError('LOCK_INVALID', `image ${plan.image.name} (${arch}): no layer was built for ${name}`);
    return layer;
  });
  const extra = input.layers.perArch.get(arch) ?? {};
  const out = [input.layers.base, ...packages];
  if (order.includes('ca-certificates') && extra.ca) out.push(extra.ca);
  if (order.some((n) => /^openjdk-\d+-jre-headless$/.test(n)) && extra.java) out.push(extra.java);
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
