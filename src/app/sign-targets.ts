/**
 * What `sign` and `verify` work on: image references (`host[:port]/repo[:tag][@sha256:…]`) resolved on the
 * registry to a digest and, for an index, each child manifest's digest and platform. Resolution reads only
 * (pull scope), so `verify` works with read-only credentials.
 */
import { DistrolessError } from '../errors.js';
import {
  INDEX_MEDIA_TYPES,
  SUPPORTED_DEBIAN_ARCHES,
  debianPlatform,
  formatPlatform,
  type Platform,
} from '../oci/index.js';
import { checkRepository, checkTag, type RegistryClient } from '../registry/index.js';

export interface ImageReference {
  /** `host[:port]` as written (lower-cased). */
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** A digest to sign or verify, with what the index said about it. */
export interface ResolvedManifest {
  digest: string;
  mediaType: string;
  /** `linux/arm64/v8` (children of an index). */
  platform?: string;
  /** The Debian arch of that platform, when it maps to one (attestation subjects). */
  arch?: string;
}

export interface ResolvedImage extends ResolvedManifest {
  reference: ImageReference;
  /** `host/repository`: the docker-reference cosign signs. */
  name: string;
  /** Per-arch manifests of an index (empty for a single manifest). */
  children: ResolvedManifest[];
}

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

/** Parses `host[:port]/path[:tag][@sha256:hex]`; the host part is required (there is no default registry). */
export function parseImageReference(text: string): ImageReference {
  const bad = (why: string): DistrolessError =>
    new DistrolessError('USAGE', `image reference ${JSON.stringify(text)}: ${why}`);
  const [rest = '', digest, extra] = text.trim().split('@');
  if (extra !== undefined) throw bad('more than one "@"');
  if (digest !== undefined && !DIGEST_RE.test(digest)) throw bad('the digest must be sha256:<64 lower-case hex>');
  const slash = rest.indexOf('/');
  if (slash <= 0) throw bad('expected HOST[:PORT]/REPOSITORY[:TAG][@DIGEST]');
  const host = rest.slice(0, slash).toLowerCase();
  if (!/[.:]/.test(host) && host !== 'localhost')
    throw bad(`"${host}" is not a registry host (it has no "." or ":" and is not localhost)`);
  let path = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    tag = checkTag(path.slice(colon + 1));
    path = path.slice(0, colon);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  return {
    host,
    repository: checkRepository(path),
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

export function formatReference(r: ImageReference): string {
  return `${r.host}/${r.repository}${r.tag === undefined ? '' : `:${r.tag}`}${r.digest === undefined ? '' : `@${r.digest}`}`;
}

/**
 * Fetches the manifest a reference names (by digest when it has one, checking the bytes against it) and,
 * for an index, lists its children. A missing tag is a clear error.
 */
export async function resolveImage(client: RegistryClient, ref: ImageReference): Promise<ResolvedImage> {
  const by = ref.digest ?? ref.tag ?? 'latest';
  let got: { bytes: Buffer; mediaType: string; digest: string };
  try {
    got = await client.getManifest(ref.repository, by);
  } catch (e) {
    if ((e as { status?: number }).status === 404)
      throw new DistrolessError('REGISTRY', `${formatReference(ref)}: not found on the registry (was it pushed?)`, {
        cause: e,
      });
    throw e;
  }
  if (ref.digest !== undefined && got.digest !== ref.digest)
    throw new DistrolessError(
      'REGISTRY',
      `${formatReference(ref)}: the registry served a manifest with digest ${got.digest}`,
    );
  const doc = JSON.parse(got.bytes.toString('utf8')) as {
    mediaType?: string;
    manifests?: Array<{ mediaType: string; digest: string; platform?: Platform }>;
  };
  const mediaType = doc.mediaType ?? got.mediaType;
  const children = INDEX_MEDIA_TYPES.has(mediaType) ? (doc.manifests ?? []).map((m) => childOf(m)) : [];
  return { reference: ref, name: `${ref.host}/${ref.repository}`, digest: got.digest, mediaType, children };
}

function childOf(m: { mediaType: string; digest: string; platform?: Platform }): ResolvedManifest {
  if (!DIGEST_RE.test(m.digest))
    throw new DistrolessError(
      'REGISTRY',
      `index entry with digest ${JSON.stringify(m.digest)}: only sha256 is supported`,
    );
  if (m.platform === undefined) return { digest: m.digest, mediaType: m.mediaType };
  const arch = debianArchOf(m.platform);
  return {
    digest: m.digest,
    mediaType: m.mediaType,
    platform: formatPlatform(m.platform),
    ...(arch === undefined ? {} : { arch }),
  };
}

/** The Debian arch whose OCI platform this is (arm64's `v8` variant is optional). */
export function debianArchOf(p: Platform): string | undefined {
  return SUPPORTED_DEBIAN_ARCHES.find((a) => {
    const q = debianPlatform(a);
    return (
      q.os === p.os &&
      q.architecture === p.architecture &&
      (q.variant === p.variant || (q.architecture === 'arm64' && p.variant === undefined))
    );
  });
}

export function isIndex(mediaType: string): boolean {
  return INDEX_MEDIA_TYPES.has(mediaType);
}
