import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Lower-case hex sha256 of some bytes (a string is hashed as UTF-8); `sha256:<hex>` digests: src/oci/digest.ts. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A file's lower-case hex sha256 and size, read in 1 MiB pieces into one reused buffer (bounded memory, no fresh
 * buffer per piece). A read stream's 64 KiB chunks made verifying openjdk's 44 MB .deb take ~0.8 s of a cold
 * java17 build, each chunk queued behind the deflate jobs on the thread pool, while the layer it held a build
 * slot for waited (docs/architecture.md, "Where the time goes").
 */
export async function sha256File(path: string): Promise<{ hex: string; size: number }> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  const buffer = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return { hex: hash.digest('hex'), size };
}
