/**
 * `push`: an OCI image layout → a registry. Each layout ref becomes a tag of a repository under the prefix,
 * distroless style (`static-debian12-nonroot` → `PREFIX/static-debian12:nonroot`, `static-debian12` →
 * `:latest`, `static-debian12-nonroot-amd64` → `:nonroot-amd64`), or whatever `repoName` says. Every index
 * may also get an immutable tag (`<tag>-<immutableTag>`, e.g. `nonroot-20261127`), which is never moved.
 * The registry work (blobs, manifests by digest, tags last) is `registry/push.ts`.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { DistrolessError } from '../errors.js';
import { connect } from './registry-access.js';
import {
  blobPath,
  childDescriptors,
  listRefs,
  MEDIA_TYPES,
  reachableBlobs,
  readBlob,
  type Descriptor,
} from '../oci/index.js';
import {
  checkTag,
  parseRegistryTarget,
  pushTargets,
  repositoryName,
  type Keychain,
  type PushEvent,
  type PushSource,
  type PushStats,
  type PushTarget,
  type RetryPolicy,
  type Secrets,
} from '../registry/index.js';
import { VARIANTS } from '../config/variants.js';

export interface PushCommandOptions {
  layoutDir: string;
  /** `HOST[:PORT][/PREFIX]`, e.g. `ghcr.io/OWNER` or `127.0.0.1:5000/distroless`. */
  registry: string;
  keychain?: Keychain;
  /** Plain http (a registry on this machine). */
  insecure?: boolean;
  /** Maps a layout ref to a repository (under the prefix) and tag; undefined leaves the ref out. */
  repoName?: (ref: string, descriptor: Descriptor) => { repo: string; tag: string } | undefined;
  /** Adds `<tag>-<immutableTag>` to every index (e.g. the lock's snapshot date or a commit). */
  immutableTag?: string;
  /** Only these layout refs (default: all). */
  refs?: readonly string[];
  /**
   * Manifests, indexes and their blobs by digest only: no tag is set or moved (a scale-out shard; `assemble`
   * tags later). `immutableTag` is then not used.
   */
  byDigest?: boolean;
  concurrency?: number;
  onProgress?: (event: PushEvent) => void;
  retry?: RetryPolicy;
  /** Gets every credential and token used, for the caller to mask. */
  secrets?: Secrets;
  chunkThreshold?: number;
  chunkSize?: number;
  userAgent?: string;
}

export interface PushSummary extends PushStats {
  /** `host[:port]` */
  registry: string;
  /** Every tag pushed or confirmed, as `host/repository:tag`, sorted. */
  refs: Array<{ reference: string; digest: string; mediaType: string }>;
}

const INDEX_TYPES = new Set<string>([MEDIA_TYPES.index, 'application/vnd.docker.distribution.manifest.list.v2+json']);
/** Longest first, so that `…-debug-nonroot` is not read as `…-debug` + something. */
const VARIANT_SUFFIXES = [...VARIANTS].sort((a, b) => b.length - a.length);

/** The distroless naming: `<image>-<distro>[-<variant>][-<arch>]` → repository `<image>-<distro>`, tag `<variant>[-<arch>]`. */
export function defaultRepoName(ref: string, descriptor: Descriptor): { repo: string; tag: string } {
  const variantOf = (name: string): { repo: string; variant: string } | undefined => {
    const v = VARIANT_SUFFIXES.find((s) => name.endsWith(`-${s}`) && name.length > s.length + 1);
    return v === undefined ? undefined : { repo: name.slice(0, -(v.length + 1)), variant: v };
  };
  if (!INDEX_TYPES.has(descriptor.mediaType)) {
    const dash = ref.lastIndexOf('-');
    const found = dash > 0 ? variantOf(ref.slice(0, dash)) : undefined;
    if (found !== undefined) return { repo: found.repo, tag: `${found.variant}-${ref.slice(dash + 1)}` };
  }
  const found = variantOf(ref);
  return found === undefined ? { repo: ref, tag: 'latest' } : { repo: found.repo, tag: found.variant };
}

export async function runPush(opts: PushCommandOptions): Promise<PushSummary> {
  const target = parseRegistryTarget(opts.registry);
  if (opts.immutableTag !== undefined) checkTag(opts.immutableTag);
  const all = await listRefs(opts.layoutDir);
  const chosen = opts.refs ?? [...all.keys()];
  const byRepoDigest = new Map<string, PushTarget & { tags: string[]; immutableTags: string[] }>();
  for (const ref of chosen) {
    const descriptor = all.get(ref);
    if (descriptor === undefined)
      throw new DistrolessError('USAGE', `${opts.layoutDir} has no ref ${JSON.stringify(ref)}`);
    const named = (opts.repoName ?? defaultRepoName)(ref, descriptor);
    if (named === undefined) continue;
    const repository = repositoryName(target, named.repo);
    const key = `${repository}@${descriptor.digest}`;
    const t = byRepoDigest.get(key) ?? {
      repository,
      descriptor: stripRefName(descriptor),
      tags: [],
      immutableTags: [],
    };
    if (opts.byDigest) checkTag(named.tag);
    else t.tags.push(checkTag(named.tag));
    if (opts.immutableTag !== undefined && !opts.byDigest && INDEX_TYPES.has(descriptor.mediaType))
      t.immutableTags.push(checkTag(`${named.tag}-${opts.immutableTag}`));
    byRepoDigest.set(key, t);
  }
  const targets = [...byRepoDigest.values()];
  await reachableBlobs(
    opts.layoutDir,
    targets.map((t) => t.descriptor),
  ); // a clear error before any request

  const client = connect(target.host, opts, {
    chunkThreshold: opts.chunkThreshold,
    chunkSize: opts.chunkSize,
    onRetry: (e) => opts.onProgress?.({ kind: 'retry', ...e }),
  });
  try {
    await client.ping();
    const { tags, stats } = await pushTargets(client, layoutSource(opts.layoutDir), targets, {
      concurrency: opts.concurrency,
      onProgress: opts.onProgress,
    });
    const refs = tags
      .map((t) => ({ reference: `${target.host}/${t.repository}:${t.tag}`, digest: t.digest, mediaType: t.mediaType }))
      .sort((a, b) => (a.reference < b.reference ? -1 : a.reference > b.reference ? 1 : 0));
    return { registry: target.host, refs, ...stats };
  } finally {
    await client.close();
  }
}

/** Blobs and documents straight from the layout (documents re-hashed as they are read). */
function layoutSource(dir: string): PushSource {
  const blobsDir = join(dir, 'blobs');
  return {
    children: (d) => childDescriptors(dir, d),
    document: (d) => readBlob(dir, d),
    open: (d, range) => createReadStream(blobPath(blobsDir, d.digest), { highWaterMark: 1024 * 1024, ...range }),
  };
}

/** The layout's ref-name annotation is about the layout, not the image. */
function stripRefName(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}
