export { openDeb, type Deb, type DebCompression, type DebOptions } from './deb.js';
export { readArMembers, type ArMember } from './ar.js';
