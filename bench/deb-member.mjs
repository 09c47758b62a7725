// The data.tar member of a .deb (an ar archive), for the benchmarks that decode members themselves (floor,
// xz-decoders): where it is, without reading the rest. The product's own reader is src/deb/ar.ts.
import { open } from 'node:fs/promises';

/** `{ offset, size, name }` of the data.tar member of the .deb at `path`. */
export async function dataMember(path) {
  const fh = await open(path, 'r');
  try {
    let pos = 8;
    const header = Buffer.alloc(60);
    for (;;) {
      const { bytesRead } = await fh.read(header, 0, 60, pos);
      if (bytesRead < 60) throw new Error(`${path}: no data.tar member`);
      const name = header.toString('latin1', 0, 16).trim();
      const size = Number(header.toString('latin1', 48, 58).trim());
      if (name.startsWith('data.tar')) return { offset: pos + 60, size, name };
      pos += 60 + size + (size % 2);
    }
  } finally {
    await fh.close();
  }
}

/** The bytes of that member. */
export async function dataMemberBytes(path) {
  const { offset, size, name } = await dataMember(path);
  const fh = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(size);
    const { bytesRead } = await fh.read(bytes, 0, size, offset);
    if (bytesRead !== size) throw new Error(`${path}: ${name} is cut short`);
    return { name, bytes };
  } finally {
    await fh.close();
  }
}
