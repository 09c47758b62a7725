/** OCI image-spec 1.1 shapes we write (only the fields we use). */

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  /** Docker's schema 2 forms, which registries and layouts made by other tools still hold (read, never written). */
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

/** Media types of an image index: OCI, or Docker's manifest list. */
export const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.index, MEDIA_TYPES.dockerManifestList]);

/** Media types of a single-platform image manifest: OCI, or Docker's schema 2. */
export const IMAGE_MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([
  MEDIA_TYPES.manifest,
  MEDIA_TYPES.dockerManifest,
]);

export interface Descriptor {
  mediaType: string;
  /** `sha256:<hex>` */
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

/** A compressed layer blob and the digest of its uncompressed tar (the config's diff_id). */
export interface LayerBlob {
  digest: string;
  size: number;
  diffId: string;
  /** The layer's media type when not gzip (tar+zstd). */
  mediaType?: string;
}
