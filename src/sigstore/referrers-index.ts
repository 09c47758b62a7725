/**
 * The documents of OCI referrers, without HTTP: the bundle's referrer manifest (empty config, one bundle layer,
 * `subject`, `artifactType`), the referrers index (what the referrers API answers, or what the fallback tag
 * `sha256-<hex>` holds on registries without that API), and merging a descriptor into that index.
 * Layout per cosign's BUNDLE_SPEC and the distribution-spec 1.1 "referrers tag schema".
 */
import { DistrolessError } from '../errors.js';
import { digestHex, isDigest, sha256Digest } from '../oci/digest.js';
import { canonicalJsonBytes } from '../oci/image.js';
import { MEDIA_TYPES } from '../oci/types.js';
import { compareCodeUnits } from '../util/json.js';
import { ANNOTATIONS, BUNDLE_MEDIA_TYPE, EMPTY_MEDIA_TYPE } from './types.js';

/** A descriptor as the referrers index lists it. */
export interface ReferrerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
}

export interface SubjectDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** Bytes and descriptor of a JSON document we push. */
export interface ReferrerDocument {
  bytes: Buffer;
  descriptor: ReferrerDescriptor;
}

/** The OCI empty blob `{}` that serves as an artifact manifest's config. */
export const EMPTY_CONFIG = {
  bytes: Buffer.from('{}', 'utf8'),
  mediaType: EMPTY_MEDIA_TYPE,
  digest: sha256Digest('{}'),
  size: 2,
} as const;

/** The referrers fallback tag of a digest: `sha256-<hex>`. */
export function fallbackTag(digest: string): string {
  return `sha256-${digestHex(digest)}`;
}

/**
 * The referrer manifest of a bundle blob. `annotations` (content, predicateType, created) go on the manifest;
 * a referrers API copies them into its index, and so does our fallback index.
 */
export function bundleReferrerManifest(o: {
  subject: SubjectDescriptor;
  bundle: { digest: string; size: number };
  annotations: Record<string, string>;
}): ReferrerDocument {
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    artifactType: BUNDLE_MEDIA_TYPE,
    config: { mediaType: EMPTY_CONFIG.mediaType, digest: EMPTY_CONFIG.digest, size: EMPTY_CONFIG.size },
    layers: [{ mediaType: BUNDLE_MEDIA_TYPE, digest: o.bundle.digest, size: o.bundle.size }],
    subject: { mediaType: o.subject.mediaType, digest: o.subject.digest, size: o.subject.size },
    annotations: o.annotations,
  };
  const bytes = canonicalJsonBytes(manifest);
  const descriptor = {
    mediaType: MEDIA_TYPES.manifest,
    digest: sha256Digest(bytes),
    size: bytes.length,
    artifactType: BUNDLE_MEDIA_TYPE,
    annotations: o.annotations,
  };
  return { bytes, descriptor };
}

/** The annotations of a bundle referrer holding a DSSE envelope; `created` only when given (RFC 3339). */
export function bundleAnnotations(predicateType: string, created?: string): Record<string, string> {
  return {
    [ANNOTATIONS.content]: 'dsse-envelope',
    [ANNOTATIONS.predicateType]: predicateType,
    ...(created === undefined ? {} : { [ANNOTATIONS.created]: created }),
  };
}

/** The manifests listed by a referrers index (all its pages), checked; throws PARSE on a malformed one. */
export function parseReferrersIndex(pages: readonly Buffer[], where: string): ReferrerDescriptor[] {
  return pages.flatMap((bytes) => {
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new DistrolessError('PARSE', `${where}: the referrers index is not JSON`);
    }
    const manifests = (doc as { manifests?: unknown } | null)?.manifests;
    if (manifests === null || manifests === undefined) return [];
    if (!Array.isArray(manifests))
      throw new DistrolessError('PARSE', `${where}: the referrers index has no "manifests" array`);
    return manifests.map((m: unknown, i) => checkDescriptor(m, `${where}: manifests[${i}]`));
  });
}

function checkDescriptor(value: unknown, where: string): ReferrerDescriptor {
  const d = (value ?? {}) as Record<string, unknown>;
  if (
    typeof d.digest !== 'string' ||
    !isDigest(d.digest) ||
    typeof d.size !== 'number' ||
    typeof d.mediaType !== 'string'
  ) {
    throw new DistrolessError('PARSE', `${where} is not a descriptor with mediaType, a sha256 digest and size`);
  }
  const annotations =
    typeof d.annotations === 'object' && d.annotations !== null ? stringEntries(d.annotations) : undefined;
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(typeof d.artifactType === 'string' ? { artifactType: d.artifactType } : {}),
    ...(annotations === undefined ? {} : { annotations }),
  };
}

function stringEntries(value: object): Record<string, string> {
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * The fallback index with `add` in it: entries deduplicated by digest (a re-added one keeps its first copy)
 * and sorted by artifact type, then digest, so the same set always gives the same bytes.
 */
export function mergeReferrersIndex(
  existing: readonly ReferrerDescriptor[],
  add: ReferrerDescriptor,
): ReferrerDocument {
  const byDigest = new Map<string, ReferrerDescriptor>();
  for (const d of [...existing, add]) if (!byDigest.has(d.digest)) byDigest.set(d.digest, d);
  const manifests = [...byDigest.values()].sort(
    (a, b) => compareCodeUnits(a.artifactType ?? '', b.artifactType ?? '') || compareCodeUnits(a.digest, b.digest),
  );
  const bytes = canonicalJsonBytes({ schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests });
  return { bytes, descriptor: { mediaType: MEDIA_TYPES.index, digest: sha256Digest(bytes), size: bytes.length } };
}

/** The bundle layer of a referrer manifest, after checking the manifest is one of ours for `subject`. */
export function bundleLayerOf(
  manifestBytes: Buffer,
  subject: string,
): { digest: string; size: number } | { problem: string } {
  let m: { subject?: { digest?: unknown }; layers?: unknown; artifactType?: unknown };
  try {
    m = JSON.parse(manifestBytes.toString('utf8')) as typeof m;
  } catch {
    return { problem: 'the referrer manifest is not JSON' };
  }
  if (m.subject?.digest !== subject)
    return { problem: `the referrer manifest's subject is ${String(m.subject?.digest)}, not ${subject}` };
  const layers = Array.isArray(m.layers)
    ? (m.layers as { mediaType?: unknown; digest?: unknown; size?: unknown }[])
    : [];
  const layer = layers.find((l) => l?.mediaType === BUNDLE_MEDIA_TYPE);
  if (
    layer === undefined ||
    typeof layer.digest !== 'string' ||
    !isDigest(layer.digest) ||
    typeof layer.size !== 'number'
  ) {
    return { problem: `the referrer manifest has no ${BUNDLE_MEDIA_TYPE} layer` };
  }
  return { digest: layer.digest, size: layer.size };
}
