/**
 * Image config, manifest and index documents. Each builder returns the object, its exact bytes (canonical
 * JSON: keys sorted at every level, no whitespace) and its descriptor, so that the digest of a document is a
 * function of its content alone. Times come in as the build epoch (seconds) and go out as RFC 3339 UTC.
 */
import { DistrolessError } from '../errors.js';
import { compareCodeUnits, sortKeys } from '../util/json.js';
import { isDigest, sha256Digest } from './digest.js';
import { comparePlatforms, formatPlatform } from './platform.js';
import { MEDIA_TYPES, type Descriptor, type LayerBlob, type Platform } from './types.js';

/** A JSON document ready to be written as a blob. */
export interface JsonBlob<T> {
  value: T;
  bytes: Buffer;
  descriptor: Descriptor;
}

export interface HistoryEntry {
  created: string;
  created_by: string;
  comment?: string;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created: string;
  config: {
    Env?: string[];
    User?: string;
    WorkingDir?: string;
    Entrypoint?: string[];
    Cmd?: string[];
    Labels?: Record<string, string>;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: HistoryEntry[];
}

export interface Manifest {
  schemaVersion: 2;
  mediaType: typeof MEDIA_TYPES.manifest;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: typeof MEDIA_TYPES.index;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageConfigInput {
  platform: Platform;
  /** Build epoch in seconds (SOURCE_DATE_EPOCH, resolved by the caller). */
  epoch: number;
  env?: readonly string[];
  user?: string;
  workingDir?: string;
  /** `[]` is written as an empty vector; leave it out to omit the field. */
  entrypoint?: readonly string[];
  cmd?: readonly string[];
  labels?: Readonly<Record<string, string>>;
  /** One per layer, bottom first: its diff_id and what made it, e.g. `deb libc6 2.36-9+deb12u13`. */
  layers: ReadonlyArray<{ diffId: string; createdBy: string; comment?: string }>;
}

/** The `org.opencontainers.image.*` annotations we set, when given. */
export interface ImageAnnotations {
  /** Build epoch in seconds → `org.opencontainers.image.created`. */
  created?: number;
  baseName?: string;
  baseDigest?: string;
  version?: string;
  source?: string;
  revision?: string;
  /** Any other annotations; may not redefine the ones above. */
  extra?: Readonly<Record<string, string>>;
}

/** Canonical JSON bytes: keys sorted (code-unit order) at every level, `undefined` fields dropped, no whitespace. */
export function canonicalJsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(sortKeys(value)), 'utf8');
}

/** Serialises a document canonically and describes it. */
export function jsonBlob<T>(value: T, mediaType: string): JsonBlob<T> {
  const bytes = canonicalJsonBytes(value);
  return { value, bytes, descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length } };
}

/** RFC 3339 UTC without fractions, e.g. `2026-11-27T06:00:00Z`. */
export function epochToRfc3339(epoch: number): string {
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new DistrolessError('INTERNAL', `build epoch must be a non-negative integer number of seconds, got ${epoch}`);
  }
  return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function buildImageConfig(input: ImageConfigInput): JsonBlob<ImageConfig> {
  const created = epochToRfc3339(input.epoch);
  for (const [i, l] of input.layers.entries()) requireDigest(l.diffId, `layer ${i} diff_id`);
  const value: ImageConfig = {
    architecture: input.platform.architecture,
    os: input.platform.os,
    variant: input.platform.variant,
    created,
    config: {
      Env: input.env === undefined ? undefined : [...input.env],
      User: input.user,
      WorkingDir: input.workingDir,
      Entrypoint: input.entrypoint === undefined ? undefined : [...input.entrypoint],
      Cmd: input.cmd === undefined ? undefined : [...input.cmd],
      Labels: input.labels === undefined ? undefined : { ...input.labels },
    },
    rootfs: { type: 'layers', diff_ids: input.layers.map((l) => l.diffId) },
    history: input.layers.map((l) => ({ created, created_by: l.createdBy, comment: l.comment })),
  };
  return jsonBlob(sortKeys(value) as ImageConfig, MEDIA_TYPES.config);
}

/** A manifest for a config and its layers (gzip unless a layer names its media type), checking the layers are the config's diff_ids in order. */
export function buildManifest(input: {
  config: JsonBlob<ImageConfig>;
  layers: readonly LayerBlob[];
  annotations?: ImageAnnotations;
}): JsonBlob<Manifest> {
  const diffIds = input.config.value.rootfs.diff_ids;
  const layerIds = input.layers.map((l) => l.diffId);
  if (diffIds.length !== layerIds.length || diffIds.some((d, i) => d !== layerIds[i])) {
    throw new DistrolessError(
      'INTERNAL',
      `manifest layers (${layerIds.length}) do not match the config's diff_ids (${diffIds.length})`,
    );
  }
  const layers = input.layers.map((l): Descriptor => {
    requireDigest(l.digest, 'layer digest');
    return { mediaType: l.mediaType ?? MEDIA_TYPES.layerGzip, digest: l.digest, size: l.size };
  });
  const value: Manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: input.config.descriptor,
    layers,
    annotations: annotationsOf(input.annotations),
  };
  return jsonBlob(sortKeys(value) as Manifest, MEDIA_TYPES.manifest);
}

/** An index of per-platform manifests, entries in the fixed platform order (see `comparePlatforms`). */
export function buildIndex(input: {
  manifests: ReadonlyArray<Descriptor & { platform: Platform }>;
  annotations?: ImageAnnotations;
}): JsonBlob<ImageIndex> {
  const manifests = [...input.manifests].sort(
    (a, b) => comparePlatforms(a.platform, b.platform) || compareCodeUnits(a.digest, b.digest),
  );
  for (const [i, m] of manifests.entries()) {
    requireDigest(m.digest, `index entry ${formatPlatform(m.platform)}`);
    const prev = manifests[i - 1];
    if (prev !== undefined && comparePlatforms(prev.platform, m.platform) === 0) {
      throw new DistrolessError('INTERNAL', `index has two manifests for platform ${formatPlatform(m.platform)}`);
    }
  }
  const value: ImageIndex = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: manifests.map((m) => ({ ...m })),
    annotations: annotationsOf(input.annotations),
  };
  return jsonBlob(sortKeys(value) as ImageIndex, MEDIA_TYPES.index);
}

const ANNOTATION_KEYS = {
  baseName: 'org.opencontainers.image.base.name',
  baseDigest: 'org.opencontainers.image.base.digest',
  version: 'org.opencontainers.image.version',
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
} as const;
const CREATED_KEY = 'org.opencontainers.image.created';

function annotationsOf(a: ImageAnnotations | undefined): Record<string, string> | undefined {
  if (a === undefined) return undefined;
  const out: Record<string, string> = {};
  if (a.created !== undefined) out[CREATED_KEY] = epochToRfc3339(a.created);
  for (const [field, key] of Object.entries(ANNOTATION_KEYS)) {
    const v = a[field as keyof typeof ANNOTATION_KEYS];
    if (v !== undefined) out[key] = v;
  }
  if (a.baseDigest !== undefined) requireDigest(a.baseDigest, 'base digest annotation');
  for (const [key, v] of Object.entries(a.extra ?? {})) {
    if (Object.hasOwn(out, key)) throw new DistrolessError('INTERNAL', `annotation ${key} given twice`);
    out[key] = v;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

function requireDigest(value: string, what: string): void {
  if (!isDigest(value))
    throw new DistrolessError('INTERNAL', `${what} is not a sha256 digest: ${JSON.stringify(value.slice(0, 80))}`);
}
