/**
 * The `ar` container of a .deb (deb(5)): the global header `!<arch>\n`, then members, each a 60-byte header
 * (name 16, mtime 12, uid 6, gid 6, mode 8, size 10, magic "`\n") followed by `size` bytes and one '\n' of
 * padding when `size` is odd. Only the headers are read here; members are streamed by byte range.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { DistrolessError } from '../errors.js';

export const AR_MAGIC = '!<arch>\n';
export const AR_HEADER_SIZE = 60;

const NAME_OFFSET = 0;
const NAME_LENGTH = 16;
const SIZE_OFFSET = 48;
const SIZE_LENGTH = 10;
const FMAG_OFFSET = 58;
const FMAG = '`\n';

export interface ArMember {
  name: string;
  /** Offset of the member's first content byte in the file. */
  offset: number;
  size: number;
}

/** Lists the members of an ar archive on disk, reading only the headers. */
export async function readArMembers(path: string, source = path): Promise<ArMember[]> {
  const fh = await open(path, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const magic = await readAt(fh, 0, AR_MAGIC.length);
    if (magic.toString('latin1') !== AR_MAGIC) throw bad(source, 'not an ar archive');
    const members: ArMember[] = [];
    let pos = AR_MAGIC.length;
    while (pos < fileSize) {
      const header = await readAt(fh, pos, AR_HEADER_SIZE);
      if (header.length < AR_HEADER_SIZE) throw bad(source, `truncated ar member header at byte ${pos}`);
      const member = parseMemberHeader(header, pos, source);
      if (member.offset + member.size > fileSize)
        throw bad(source, `ar member ${member.name} runs past the end of the file`);
      members.push(member);
      pos = member.offset + member.size + (member.size % 2);
    }
    return members;
  } finally {
    await fh.close();
  }
}

/** Parses one member header found at `pos`. */
export function parseMemberHeader(header: Buffer, pos: number, source: string): ArMember {
  if (header.toString('latin1', FMAG_OFFSET, FMAG_OFFSET + FMAG.length) !== FMAG) {
    throw bad(source, `bad ar member header at byte ${pos}`);
  }
  // System V / GNU ar end names with '/'; deb members are short names without spaces.
  const name = header
    .toString('latin1', NAME_OFFSET, NAME_OFFSET + NAME_LENGTH)
    .trimEnd()
    .replace(/\/$/, '');
  const sizeText = header.toString('latin1', SIZE_OFFSET, SIZE_OFFSET + SIZE_LENGTH).trim();
  if (!/^\d+$/.test(sizeText)) throw bad(source, `bad ar member size ${JSON.stringify(sizeText)} at byte ${pos}`);
  if (name === '' || name.startsWith('#1/')) throw bad(source, `unsupported ar member name ${JSON.stringify(name)}`);
  return { name, offset: pos + AR_HEADER_SIZE, size: Number(sizeText) };
}

/** Up to `length` bytes at `position` (fewer only at the end of the file). */
export async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** Reads one (small) member whole. */
export async function readMember(path: string, m: ArMember): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    return await readAt(fh, m.offset, m.size);
  } finally {
    await fh.close();
  }
}

function bad(source: string, why: string): DistrolessError {
  return new DistrolessError('DEB_INVALID', `${source}: ${why}`);
}
