/**
 * cosign's legacy storage (cosign ≤ 2 default; cosign 3 still reads it): signatures in the tag
 * `sha256-<hex>.sig` and attestations in `sha256-<hex>.att` of the image's own repository.
 *
 * Read-modify-write: the existing manifest's layers are kept and ours appended. Nothing is added when this
 * signer's signature of the same payload is there already (ECDSA signatures are randomised, so "the same"
 * means: same payload bytes, and the existing signature verifies as ours). An attestation of ours with the same
 * predicate type but another statement is replaced (provenance changes from run to run). New blobs go up
 * before the tag moves. The caller runs one writer per tag at a time.
 */
import { DistrolessError } from '../errors.js';
import { sha256Digest } from '../oci/digest.js';
import { MEDIA_TYPES } from '../oci/types.js';
import {
  attestationTag,
  parseSignatureManifest,
  payloadLayer,
  PREDICATE_TYPE_ANNOTATION,
  SIGNATURE_ANNOTATION,
  signatureConfig,
  signatureManifest,
  signatureTag,
  type LayerDescriptor,
  type PayloadLayer,
} from './legacy-manifest.js';
import {
  DSSE_MEDIA_TYPE,
  INTOTO_PAYLOAD_TYPE,
  pae,
  parseEnvelope,
  serializeEnvelope,
  SIMPLE_SIGNING_MEDIA_TYPE,
  simpleSigningPayload,
  statementBytes,
  type InTotoStatement,
} from './payload.js';
import type { ImageSigner } from './signer.js';
import type { SignatureStorage, SignedImage, StoreResult } from './types.js';

interface Existing {
  layers: LayerDescriptor[];
  manifestDigest: string | undefined;
}

/** Our attestation layers already in `.att`: where they are and what they say. */
interface OwnAttestation {
  layer: LayerDescriptor;
  predicateType: string;
  body: Buffer;
}

export function createLegacyStorage(signer: ImageSigner): SignatureStorage {
  return new LegacyStorage(signer);
}

class LegacyStorage implements SignatureStorage {
  readonly format = 'legacy' as const;

  constructor(private readonly signer: ImageSigner) {}

  async sign(image: SignedImage): Promise<StoreResult> {
    const tag = signatureTag(image.digest);
    const payload = simpleSigningPayload(image.name, image.digest);
    const digest = sha256Digest(payload);
    const existing = await readExisting(image, tag);
    const result = {
      format: this.format,
      kind: 'signature' as const,
      location: `${image.repository}:${tag}`,
      replaced: 0,
    };
    const ours = existing.layers.some(
      (l) => l.digest === digest && l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE && this.owns(payload, l),
    );
    if (ours && existing.manifestDigest !== undefined)
      return { ...result, added: 0, existing: 1, manifestDigest: existing.manifestDigest };
    const signature = await this.signer.sign(payload);
    const extra = (await this.signer.legacyAnnotations?.(payload, signature)) ?? {};
    const layer = payloadLayer(SIMPLE_SIGNING_MEDIA_TYPE, payload, {
      [SIGNATURE_ANNOTATION]: signature.signature.toString('base64'),
      ...extra,
    });
    const manifestDigest = await writeLayers(image, tag, [...existing.layers, layer], [layer]);
    return { ...result, added: 1, existing: 0, manifestDigest };
  }

  async attest(image: SignedImage, statements: readonly InTotoStatement[]): Promise<StoreResult> {
    const tag = attestationTag(image.digest);
    const existing = await readExisting(image, tag);
    const own = await this.ownAttestations(image, existing.layers);
    const dropped = new Set<LayerDescriptor>();
    const added: PayloadLayer[] = [];
    let already = 0;
    for (const statement of statements) {
      checkSubject(statement, image.digest);
      const body = statementBytes(statement);
      const sameType = own.filter((o) => o.predicateType === statement.predicateType && !dropped.has(o.layer));
      if (sameType.some((o) => o.body.equals(body))) {
        already++;
        continue;
      }
      for (const o of sameType) dropped.add(o.layer);
      added.push(await this.attestationLayer(statement.predicateType, body));
    }
    const result = {
      format: this.format,
      kind: 'attestation' as const,
      location: `${image.repository}:${tag}`,
      existing: already,
      replaced: dropped.size,
    };
    if (added.length === 0 && dropped.size === 0 && existing.manifestDigest !== undefined)
      return { ...result, added: 0, manifestDigest: existing.manifestDigest };
    const layers = [...existing.layers.filter((l) => !dropped.has(l)), ...added];
    const manifestDigest = await writeLayers(image, tag, layers, added);
    return { ...result, added: added.length, manifestDigest };
  }

  private async attestationLayer(predicateType: string, body: Buffer): Promise<PayloadLayer> {
    const signature = await this.signer.sign(pae(INTOTO_PAYLOAD_TYPE, body));
    const envelope = serializeEnvelope(INTOTO_PAYLOAD_TYPE, body, [{ keyid: '', sig: signature.signature }]);
    const extra = (await this.signer.legacyAnnotations?.(envelope, signature)) ?? {};
    // cosign writes an empty signature annotation on attestation layers (the signature is in the envelope).
    return payloadLayer(DSSE_MEDIA_TYPE, envelope, {
      [SIGNATURE_ANNOTATION]: '',
      [PREDICATE_TYPE_ANNOTATION]: predicateType,
      ...extra,
    });
  }

  private owns(payload: Buffer, layer: LayerDescriptor): boolean {
    const sig = layer.annotations[SIGNATURE_ANNOTATION];
    return sig !== undefined && sig !== '' && this.signer.owns(payload, Buffer.from(sig, 'base64'), layer.annotations);
  }

  /** The DSSE layers whose envelope carries a signature of ours (others' are kept as they are). */
  private async ownAttestations(image: SignedImage, layers: readonly LayerDescriptor[]): Promise<OwnAttestation[]> {
    const own: OwnAttestation[] = [];
    for (const layer of layers) {
      if (layer.mediaType !== DSSE_MEDIA_TYPE) continue;
      const envelope = parseEnvelope(await image.client.getBlob(image.repository, layer.digest));
      const signed = pae(envelope.payloadType, envelope.body);
      if (!envelope.signatures.some((s) => this.signer.owns(signed, s.sig, layer.annotations))) continue;
      const predicateType = layer.annotations[PREDICATE_TYPE_ANNOTATION] ?? '';
      own.push({ layer, predicateType, body: envelope.body });
    }
    return own;
  }
}

function checkSubject(statement: InTotoStatement, digest: string): void {
  const hex = digest.slice('sha256:'.length);
  if (!statement.subject.some((s) => s.digest.sha256 === hex)) {
    throw new DistrolessError('INTERNAL', `attestation ${statement.predicateType}: its subject is not ${digest}`);
  }
}

async function readExisting(image: SignedImage, tag: string): Promise<Existing> {
  const info = await image.client.manifestInfo(image.repository, tag);
  if (info === undefined) return { layers: [], manifestDigest: undefined };
  const { bytes, digest } = await image.client.getManifest(image.repository, tag);
  return { layers: parseSignatureManifest(bytes, `${image.repository}:${tag}`), manifestDigest: digest };
}

/** New blobs first, then the config, then the manifest under the tag (the tag moves last). */
async function writeLayers(
  image: SignedImage,
  tag: string,
  layers: readonly LayerDescriptor[],
  fresh: readonly PayloadLayer[],
): Promise<string> {
  const config = signatureConfig(layers);
  const blobs = [...fresh.map((l) => l.bytes), config];
  for (const blob of blobs) await image.client.putBlobBytes(image.repository, blob);
  // Another signer may be re-linking one of these blobs at this moment: the PUT repairs that refusal.
  const manifest = signatureManifest(config, layers);
  const held = blobs.map((b) => ({ bytes: b }));
  return image.client.putManifestWith(image.repository, tag, manifest, MEDIA_TYPES.manifest, held);
}
