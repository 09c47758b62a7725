/**
 * `publish`: what a release does on one runner — build every image × variant × arch from the lockfiles, push
 * the layout (tags last), then sign and attest every pushed digest. Before pushing, the sizes of the release
 * the tags point at now are read, so that the report can say how much each image grew or shrank.
 *
 * Idempotent: the same commit builds the same digests (reproducible build), pushing them again uploads
 * nothing, and signing skips what is already signed by the same key or identity.
 */
import { imageKey } from '../config/index.js';
import { DistrolessError } from '../errors.js';
import { connect } from './registry-access.js';
import { MEDIA_TYPES, platformTagSuffix } from '../oci/index.js';
import { parseRegistryTarget, repositoryName, type Keychain, type Secrets } from '../registry/index.js';
import { mapLimit } from '../util/concurrency.js';
import { runBuild, type BuildOptions, type BuildResult } from './build.js';
import type { BuiltImage } from './build-images.js';
import { runPush, type PushSummary } from './push.js';

/** One pushed digest to sign: an index (no arch) or a per-arch manifest. */
export interface SignTarget {
  image: string;
  variant: string;
  arch?: string;
  /** Repository under the registry host, e.g. `distroless/python3-debian12`. */
  repository: string;
  digest: string;
}

/** What the signing step says about one target. */
export interface SignStatus {
  repository: string;
  digest: string;
  /** 'signed' (new signature/attestations written), 'present' (already signed: nothing added). */
  state: 'signed' | 'present';
}

export interface PublishOptions extends Omit<BuildOptions, 'onProgress' | 'onWarning'> {
  /** `HOST[:PORT][/PREFIX]`. */
  registry: string;
  keychain?: Keychain;
  insecure?: boolean;
  immutableTag?: string;
  secrets?: Secrets;
  /** Signs and attests the pushed digests (in sequence: one writer per signature tag); absent: not signed. */
  sign?: (targets: readonly SignTarget[]) => Promise<SignStatus[]>;
  onProgress?: (message: string) => void;
  onWarning?: (message: string) => void;
}

export interface PublishRow {
  image: string;
  variant: string;
  arch: string;
  reference: string;
  digest: string;
  size: number;
  /** Size of the image the tag pointed at before this release; undefined when it is new. */
  previousSize?: number;
  /** Digest the tag pointed at before; equal to `digest` when nothing changed. */
  previousDigest?: string;
  signature: 'signed' | 'present' | 'unsigned';
}

export interface PublishReport {
  registry: string;
  build: BuildResult;
  push: PushSummary;
  rows: PublishRow[];
  indexes: Array<{
    image: string;
    variant: string;
    reference: string;
    digest: string;
    signature: PublishRow['signature'];
  }>;
}

export async function runPublish(opts: PublishOptions): Promise<PublishReport> {
  const progress = opts.onProgress ?? (() => undefined);
  const target = parseRegistryTarget(opts.registry);
  const build = await runBuild({
    ...opts,
    onProgress: progress,
    ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
  });
  if (build.images.length === 0)
    throw new DistrolessError('USAGE', 'publish: nothing was built (check --image / --arch against the config)');
  const repoOf = (image: string, distro: string): string => repositoryName(target, imageKey(image, distro));
  const images = build.images.map((i) => ({ ...i, repository: repoOf(i.image, i.distro) }));
  const previous = await previousSizes(opts, target.host, images);
  progress(`pushing ${build.indexes.length} index(es) and ${build.images.length} image(s) to ${opts.registry}`);
  const refs = [...build.indexes.flatMap((i) => i.refs), ...build.images.map((i) => i.ref)];
  const push = await runPush({
    layoutDir: build.layout,
    registry: opts.registry,
    refs,
    ...(opts.keychain ? { keychain: opts.keychain } : {}),
    ...(opts.insecure ? { insecure: true } : {}),
    ...(opts.immutableTag ? { immutableTag: opts.immutableTag } : {}),
    ...(opts.secrets ? { secrets: opts.secrets } : {}),
    onProgress: (e) => {
      if (e.kind === 'tag' && e.action === 'put') progress(`tagged ${e.repository}:${e.tag}`);
    },
  });
  const targets = signTargets(build, images, repoOf);
  const statuses = opts.sign ? await opts.sign(targets) : [];
  const stateOf = (repository: string, digest: string): PublishRow['signature'] =>
    statuses.find((s) => s.repository === repository && s.digest === digest)?.state ?? 'unsigned';
  const rows = images.map((i): PublishRow => {
    const before = previous.get(i.ref);
    return {
      image: i.image,
      variant: i.variant,
      arch: i.arch,
      reference: `${target.host}/${i.repository}:${i.variant}-${platformTagSuffix(i.arch)}`,
      digest: i.digest,
      size: i.size,
      ...(before ? { previousSize: before.size, previousDigest: before.digest } : {}),
      signature: stateOf(i.repository, i.digest),
    };
  });
  const indexes = build.indexes.map((x) => {
    const repository = repoOf(x.image, x.distro);
    return {
      image: x.image,
      variant: x.variant,
      reference: `${target.host}/${repository}:${x.variant}`,
      digest: x.digest,
      signature: stateOf(repository, x.digest),
    };
  });
  return { registry: target.host, build, push, rows, indexes };
}

/** Every index and every per-arch manifest, indexes first, in build order. */
function signTargets(
  build: BuildResult,
  images: ReadonlyArray<BuiltImage & { repository: string }>,
  repoOf: (image: string, distro: string) => string,
): SignTarget[] {
  const out: SignTarget[] = [];
  for (const x of build.indexes)
    out.push({ image: x.image, variant: x.variant, repository: repoOf(x.image, x.distro), digest: x.digest });
  for (const i of images)
    out.push({ image: i.image, variant: i.variant, arch: i.arch, repository: i.repository, digest: i.digest });
  return out;
}

/**
 * For each per-arch image, the size of what its tag (`<variant>-<arch>`) points at now, if anything: the
 * manifest's config and layer sizes added up, as `BuiltImage.size` counts them. Missing tags and unreadable
 * manifests just mean "no previous release"; the registry being down fails here, before anything is pushed.
 */
async function previousSizes(
  opts: PublishOptions,
  host: string,
  images: ReadonlyArray<BuiltImage & { repository: string }>,
): Promise<Map<string, { size: number; digest: string }>> {
  const client = connect(host, opts);
  const out = new Map<string, { size: number; digest: string }>();
  try {
    await client.ping();
    await mapLimit(images, 8, async (i) => {
      const tag = `${i.variant}-${platformTagSuffix(i.arch)}`;
      const info = await client.manifestInfo(i.repository, tag);
      if (!info || info.mediaType !== MEDIA_TYPES.manifest) return;
      const { bytes } = await client.getManifest(i.repository, info.digest);
      const manifest = JSON.parse(bytes.toString('utf8')) as {
        config?: { size?: number };
        layers?: Array<{ size?: number }>;
      };
      const size = (manifest.config?.size ?? 0) + (manifest.layers ?? []).reduce((s, l) => s + (l.size ?? 0), 0);
      out.set(i.ref, { size, digest: info.digest });
    });
  } finally {
    await client.close();
  }
  return out;
}
