import { createHash } from 'node:crypto';

/** Lower-case hex sha256 of some bytes (a string is hashed as UTF-8); `sha256:<hex>` digests: src/oci/digest.ts. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
