/**
 * Sigstore bundles stored as OCI referrers of an image, the way cosign 3 and `gh attestation` store them: the
 * empty config and the bundle blob, then the referrer manifest pushed by digest with `subject` = the image.
 * A registry with the referrers API indexes it by itself; on one without (distribution 2.8, GHCR, Docker Hub)
 * we keep the fallback index tagged `sha256-<hex>` up to date: read, merge, write, only after the manifest
 * exists. That read-modify-write races with another writer: sign one image from one job at a time.
 */
import { DistrolessError, isDistrolessError } from '../errors.js';
import { MEDIA_TYPES } from '../oci/index.js';
import { isRegistryError, type RegistryClient } from '../registry/index.js';
import { bundleSigner, parseBundle, sameSigner, type ParsedBundle } from './bundle.js';
import {
  bundleAnnotations,
  bundleLayerOf,
  bundleReferrerManifest,
  EMPTY_CONFIG,
  fallbackTag,
  mergeReferrersIndex,
  parseReferrersIndex,
  type ReferrerDescriptor,
  type SubjectDescriptor,
} from './referrers-index.js';
import { ANNOTATIONS, BUNDLE_MEDIA_TYPE, type SignedBundle, type SignerIdentity } from './types.js';

/** Where a registry keeps an image's referrers. */
export type ReferrersStorage = 'referrers-api' | 'fallback-tag';

export interface ReferrersListing {
  storage: ReferrersStorage;
  referrers: ReferrerDescriptor[];
  /** Digest of the fallback index (when the tag exists). */
  fallbackIndexDigest?: string;
}

export interface AttachOptions {
  repository: string;
  /** The image: its digest (looked up with HEAD) or its full descriptor. */
  subject: string | SubjectDescriptor;
  bundle: SignedBundle;
  /** RFC 3339 time for `org.opencontainers.image.created` (passed in: libraries do not read the clock). */
  created?: string;
}

export interface AttachResult {
  /** The referrer manifest: the new one, or the equivalent one already there. */
  referrer: ReferrerDescriptor;
  /** False when an equivalent bundle (same predicate type, payload and signer) was already attached. */
  added: boolean;
  storage: ReferrersStorage;
  fallbackIndexDigest?: string;
}

/** The referrers of `subject` (through the API, else the fallback tag), optionally only one artifact type. */
export async function listReferrers(
  client: RegistryClient,
  repository: string,
  subject: string,
  opts: { artifactType?: string } = {},
): Promise<ReferrersListing> {
  const pages = await client.getReferrers(repository, subject, opts.artifactType);
  const keep = (d: ReferrerDescriptor): boolean =>
    opts.artifactType === undefined || d.artifactType === opts.artifactType;
  if (pages !== undefined) {
    const referrers = parseReferrersIndex(pages, `${client.registry}/${repository} referrers of ${subject}`).filter(
      keep,
    );
    return { storage: 'referrers-api', referrers };
  }
  const fallback = await readFallbackIndex(client, repository, subject);
  return {
    storage: 'fallback-tag',
    referrers: fallback.referrers.filter(keep),
    ...(fallback.digest === undefined ? {} : { fallbackIndexDigest: fallback.digest }),
  };
}

async function readFallbackIndex(
  client: RegistryClient,
  repository: string,
  subject: string,
): Promise<{ referrers: ReferrerDescriptor[]; digest?: string }> {
  const tag = fallbackTag(subject);
  let got;
  try {
    got = await client.getManifest(repository, tag);
  } catch (e) {
    if (isRegistryError(e) && e.status === 404) return { referrers: [] };
    throw e;
  }
  if (got.mediaType !== MEDIA_TYPES.index) {
    throw new DistrolessError(
      'REGISTRY',
      `${client.registry}/${repository}:${tag} is a ${got.mediaType || 'document of no media type'}, not the OCI index of referrers`,
    );
  }
  return { referrers: parseReferrersIndex([got.bytes], `${client.registry}/${repository}:${tag}`), digest: got.digest };
}

/**
 * Attaches a bundle to an image. Idempotent: when an equivalent bundle is already a referrer, nothing is
 * pushed. (Equivalence is read from the stored bundles without verifying them: `verifyReferrers` does that.)
 */
export async function attachBundle(client: RegistryClient, o: AttachOptions): Promise<AttachResult> {
  const subject = await resolveSubject(client, o.repository, o.subject);
  const before = await listReferrers(client, o.repository, subject.digest, { artifactType: BUNDLE_MEDIA_TYPE });
  const same = await findEquivalentReferrer(client, o.repository, subject.digest, o.bundle, before.referrers);
  const known = before.fallbackIndexDigest === undefined ? {} : { fallbackIndexDigest: before.fallbackIndexDigest };
  if (same !== undefined) return { referrer: same, added: false, storage: before.storage, ...known };

  const bundleBlob = await client.putBlobBytes(o.repository, o.bundle.bytes);
  await client.putBlobBytes(o.repository, EMPTY_CONFIG.bytes);
  const manifest = bundleReferrerManifest({
    subject,
    bundle: bundleBlob,
    annotations: bundleAnnotations(o.bundle.predicateType, o.created),
  });
  // Other signers upload the same empty config into this repository: the PUT repairs the refusal their re-link
  // of it can cause (RegistryClient.putManifestWith).
  const held = [{ bytes: o.bundle.bytes }, { bytes: EMPTY_CONFIG.bytes }];
  const { digest, mediaType } = manifest.descriptor;
  await client.putManifestWith(o.repository, digest, manifest.bytes, mediaType, held);
  if (before.storage === 'referrers-api')
    return { referrer: manifest.descriptor, added: true, storage: 'referrers-api' };

  // Read again right before writing: narrows (does not close) the window for another writer's entry.
  const current = await readFallbackIndex(client, o.repository, subject.digest);
  const index = mergeReferrersIndex(current.referrers, manifest.descriptor);
  if (index.descriptor.digest !== current.digest) {
    const child = [{ bytes: manifest.bytes, mediaType }];
    await client.putManifestWith(
      o.repository,
      fallbackTag(subject.digest),
      index.bytes,
      index.descriptor.mediaType,
      child,
    );
  }
  return {
    referrer: manifest.descriptor,
    added: true,
    storage: 'fallback-tag',
    fallbackIndexDigest: index.descriptor.digest,
  };
}

export async function resolveSubject(
  client: RegistryClient,
  repository: string,
  subject: string | SubjectDescriptor,
): Promise<SubjectDescriptor> {
  if (typeof subject !== 'string') return subject;
  const info = await client.manifestInfo(repository, subject);
  if (info === undefined)
    throw new DistrolessError(
      'REGISTRY',
      `${client.registry}/${repository}@${subject}: no such image to attach a bundle to`,
    );
  return { mediaType: info.mediaType, digest: subject, size: info.size };
}

/** A stored bundle referrer, read and parsed; a reason instead when it cannot be. */
export type ReferrerBundle =
  | { referrer: ReferrerDescriptor; bytes: Buffer; parsed: ParsedBundle }
  | { referrer: ReferrerDescriptor; problem: string };

/** Reads a referrer's manifest and bundle blob (digests checked by the client) and parses the bundle. */
export async function readReferrerBundle(
  client: RegistryClient,
  repository: string,
  subject: string,
  referrer: ReferrerDescriptor,
): Promise<ReferrerBundle> {
  try {
    const manifest = await client.getManifest(repository, referrer.digest);
    if (manifest.digest !== referrer.digest)
      return { referrer, problem: `the registry returned ${manifest.digest} for ${referrer.digest}` };
    const layer = bundleLayerOf(manifest.bytes, subject);
    if ('problem' in layer) return { referrer, problem: layer.problem };
    const bytes = await client.getBlob(repository, layer.digest);
    const parsed = parseBundle(bytes);
    return 'problem' in parsed ? { referrer, problem: parsed.problem } : { referrer, bytes, parsed };
  } catch (e) {
    if (isDistrolessError(e)) return { referrer, problem: e.message }; // RegistryError included
    throw e;
  }
}

/** What makes two bundles equivalent: the same predicate type, DSSE payload and signer. */
export interface BundleEquivalence {
  predicateType: string;
  payload: Buffer;
  signer: SignerIdentity;
}

/**
 * The first bundle referrer of `subject` equivalent to `want`, if any (`referrers`: an existing listing to
 * search instead of listing again).
 */
export async function findEquivalentReferrer(
  client: RegistryClient,
  repository: string,
  subject: string,
  want: BundleEquivalence,
  referrers?: readonly ReferrerDescriptor[],
): Promise<ReferrerDescriptor | undefined> {
  const candidates =
    referrers ?? (await listReferrers(client, repository, subject, { artifactType: BUNDLE_MEDIA_TYPE })).referrers;
  for (const referrer of candidates) {
    const said = referrer.annotations?.[ANNOTATIONS.predicateType];
    if (said !== undefined && said !== want.predicateType) continue;
    const stored = await readReferrerBundle(client, repository, subject, referrer);
    if ('problem' in stored) continue;
    if (stored.parsed.payload.equals(want.payload) && sameSigner(bundleSigner(stored.parsed.bundle), want.signer))
      return referrer;
  }
  return undefined;
}
