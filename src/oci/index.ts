/** OCI images on disk: digests, gzip layers, the layer cache, config/manifest/index documents, image layouts. */
export {
  IMAGE_MANIFEST_MEDIA_TYPES,
  INDEX_MEDIA_TYPES,
  MEDIA_TYPES,
  type Descriptor,
  type LayerBlob,
  type Platform,
} from './types.js';
export {
  blobExists,
  blobPath,
  digestFile,
  digestHex,
  DigestCounter,
  importBlob,
  isDigest,
  sha256Digest,
  sweepStaleTemps,
  writeBlobBytes,
} from './digest.js';
export {
  DEFAULT_GZIP_LEVEL,
  DEFAULT_ZSTD_LEVEL,
  gzipIdentity,
  LAYER_COMPRESSIONS,
  layerCompressionIdentity,
  layerMediaType,
  writeLayerBlob,
  writeLayerBlobFrom,
  type LayerCompression,
  type LayerProducer,
  type LayerSink,
  type LayerSource,
  type LayerWriteOptions,
} from './layer.js';
export {
  DeflatePool,
  PARALLEL_CHUNK_BYTES,
  PARALLEL_MIN_BYTES,
  parallelGzip,
  sharedDeflatePool,
} from './parallel-gzip.js';
export { LayerCache, type LayerCacheOptions } from './layer-cache.js';
export {
  buildImageConfig,
  buildIndex,
  buildManifest,
  canonicalJsonBytes,
  epochToRfc3339,
  jsonBlob,
  type HistoryEntry,
  type ImageAnnotations,
  type ImageConfig,
  type ImageConfigInput,
  type ImageIndex,
  type JsonBlob,
  type Manifest,
} from './image.js';
export {
  comparePlatforms,
  debianPlatform,
  formatPlatform,
  platformTagSuffix,
  SUPPORTED_DEBIAN_ARCHES,
} from './platform.js';
export {
  childDescriptors,
  gcLayout,
  listRefs,
  OciLayoutWriter,
  reachableBlobs,
  readBlob,
  readLayoutIndex,
  REF_NAME_ANNOTATION,
  resolveRef,
} from './layout.js';
