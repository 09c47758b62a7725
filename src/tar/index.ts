export type { TarEntry, TarEntryType } from './types.js';
export { TarWriter, type TarBody, type TarSink } from './writer.js';
export { readTar, type ReadTarOptions, type TarReadEntry } from './reader.js';
export { BLOCK_SIZE, TYPE, encodeHeader, encodeEntryHeaders, padLength, type TarHeader } from './header.js';
