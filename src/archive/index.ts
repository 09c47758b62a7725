/**
 * Debian archive access: trusted keys, InRelease verification, Release rules, index download.
 * Everything else in src/archive/ is an implementation detail.
 */
export {
  downloadIndices,
  fetchIndices,
  fetchRelease,
  fetchSuiteIndices,
  listedIndexEntries,
  readIndexFile,
  suiteUrl,
  type ArchiveProgress,
  type FetchedIndex,
  type FetchedRelease,
  type IndexFile,
  type IndexOrigin,
  type IndexSink,
  type IndicesRequest,
  type ReadIndex,
  type ReleaseRequest,
  type SuiteIndices,
  type SuiteIndicesOf,
  type SuiteIndicesRequest,
} from './client.js';
export { directoryCache, type IndexCache } from './cache.js';
export { sha256Hex } from '../util/hash.js';
export { compressionOf, decompress, decompressChunks, type Compression, type DecompressOptions } from './decompress.js';
export {
  createHttpClient,
  DEFAULT_RETRY,
  FAST_RETRY,
  type GetOptions,
  type HttpClient,
  type HttpOptions,
  type RetryEvent,
  type RetryPolicy,
} from './http.js';
export { DEBIAN_ARCHIVE_KEYS } from './debian-keys.js';
export { debianKeyNames, debianKeyring, loadKeyring, type Keyring, type TrustedKey } from './keys.js';
export { verifyClearsigned, type Signer, type VerifiedText, type VerifyOptions } from './pgp.js';
export {
  checkRelease,
  parseRelease,
  parseReleaseDate,
  type Release,
  type ReleaseCheck,
  type ReleaseEntry,
} from './release.js';
export { debStore, hashFile, type DebStore, type DebStoreOptions, type PinnedDeb, type PoolProgress } from './pool.js';
