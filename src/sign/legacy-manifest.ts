/**
 * cosign's legacy storage, as documents: the tags (`sha256-<hex>.sig` / `.att`), the OCI manifest whose layers
 * are the signed payloads, and its config. The config is what go-containerregistry derives for cosign from the
 * layers (checked against what cosign 2.5 pushes): layers are stored uncompressed, so each diff_id is the layer
 * digest, and there is one empty history entry per layer. Key orders follow Go's struct order, so the same
 * layers give the same manifest digest as cosign's.
 */
import { createHash } from 'node:crypto';
import { DistrolessError } from '../errors.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const PREDICATE_TYPE_ANNOTATION = 'predicateType';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export interface LayerDescriptor {
  mediaType: string;
  size: number;
  digest: string;
  annotations: Record<string, string>;
}

/** A layer to store: its descriptor and its bytes. */
export interface PayloadLayer extends LayerDescriptor {
  bytes: Buffer;
}

export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function tagFor(digest: string, suffix: 'sig' | 'att'): string {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (m === null) throw new DistrolessError('INTERNAL', `not a sha256 digest: ${JSON.stringify(digest)}`);
  return `sha256-${m[1]}.${suffix}`;
}

/** `sha256-<hex>.sig`: where cosign looks for the signatures of `digest`. */
export function signatureTag(digest: string): string {
  return tagFor(digest, 'sig');
}

/** `sha256-<hex>.att`: where cosign looks for the attestations of `digest`. */
export function attestationTag(digest: string): string {
  return tagFor(digest, 'att');
}

export function payloadLayer(mediaType: string, bytes: Buffer, annotations: Record<string, string>): PayloadLayer {
  return { mediaType, size: bytes.length, digest: sha256Digest(bytes), annotations, bytes };
}

/** The config blob go-containerregistry computes for a manifest of these (uncompressed) layers. */
export function signatureConfig(layers: readonly LayerDescriptor[]): Buffer {
  const config = {
    architecture: '',
    created: GO_ZERO_TIME,
    history: layers.map(() => ({ created: GO_ZERO_TIME })),
    os: '',
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
    config: {},
  };
  return Buffer.from(JSON.stringify(config), 'utf8');
}

/** The manifest bytes for `layers`, with the config descriptor of `config`. */
export function signatureManifest(config: Buffer, layers: readonly LayerDescriptor[]): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, size: config.length, digest: sha256Digest(config) },
    layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest, annotations: l.annotations })),
  };
  return Buffer.from(JSON.stringify(manifest), 'utf8');
}

/** The layers of an existing `.sig`/`.att` manifest (OCI, or Docker v2 as COSIGN_DOCKER_MEDIA_TYPES writes). */
export function parseSignatureManifest(bytes: Buffer, where: string): LayerDescriptor[] {
  let doc: { mediaType?: unknown; schemaVersion?: unknown; layers?: unknown };
  try {
    doc = JSON.parse(bytes.toString('utf8')) as typeof doc;
  } catch {
    throw new DistrolessError('SIGNATURE_INVALID', `${where}: the signature manifest is not JSON`);
  }
  if (
    doc.schemaVersion !== 2 ||
    (doc.mediaType !== undefined && doc.mediaType !== OCI_MANIFEST && doc.mediaType !== DOCKER_MANIFEST) ||
    !Array.isArray(doc.layers)
  ) {
    throw new DistrolessError(
      'SIGNATURE_INVALID',
      `${where}: not an image manifest (${JSON.stringify(doc.mediaType ?? null)})`,
    );
  }
  return doc.layers.map((l: unknown, i) => {
    const d = (typeof l === 'object' && l !== null ? l : {}) as Partial<Record<keyof LayerDescriptor, unknown>>;
    if (typeof d.mediaType !== 'string' || typeof d.digest !== 'string' || typeof d.size !== 'number') {
      throw new DistrolessError('SIGNATURE_INVALID', `${where}: layer ${i} is not a descriptor`);
    }
    const annotations = typeof d.annotations === 'object' && d.annotations !== null ? stringRecord(d.annotations) : {};
    return { mediaType: d.mediaType, digest: d.digest, size: d.size, annotations };
  });
}

function stringRecord(o: object): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
