/** The config module's public API. */
export type { Config, DistroConfig, ImageConfig, SourceConfig } from './types.js';
export type { ConfigProblem, LoadOptions } from './load.js';
export {
  ConfigInvalidError,
  DEFAULT_CONFIG_FILE,
  applySourceOverrides,
  formatProblem,
  loadConfig,
  parseConfigText,
  parseMirrorOverrides,
} from './load.js';
export { configDigest } from './digest.js';
export { DEBIAN_ARCHS } from './schema.js';
export { imageKey, imageOf, imagesOf, matchImages, onlyDistros } from './images.js';
export { DEBUG_KEY, LOCALE_KEY, VARIANTS, type Variant } from './variants.js';
export { imageRequests, type ImageRequest } from './chains.js';
export { checkSelection } from './selection.js';
