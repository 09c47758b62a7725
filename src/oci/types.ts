/** OCI image-spec 1.1 shapes we write (only the fields we use). */

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

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
