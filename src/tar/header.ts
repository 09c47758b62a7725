/**
 * Pure tar header codec: ustar headers (POSIX.1-1988), PAX extended headers (POSIX.1-2001) for what ustar
 * cannot hold, and read support for GNU long names ('L'/'K') and GNU base-256 numbers. No streams here:
 * `reader.ts` and `writer.ts` do the I/O.
 */
import { DistrolessError } from '../errors.js';

export const BLOCK_SIZE = 512;

/** Field offsets and lengths of a ustar header block. */
export const NAME_OFFSET = 0;
export const NAME_LENGTH = 100;
export const MODE_OFFSET = 100;
export const UID_OFFSET = 108;
export const GID_OFFSET = 116;
export const SIZE_OFFSET = 124;
export const MTIME_OFFSET = 136;
export const CHECKSUM_OFFSET = 148;
export const CHECKSUM_LENGTH = 8;
export const TYPEFLAG_OFFSET = 156;
export const LINKNAME_OFFSET = 157;
export const LINKNAME_LENGTH = 100;
export const MAGIC_OFFSET = 257;
export const VERSION_OFFSET = 263;
export const UNAME_OFFSET = 265;
export const GNAME_OFFSET = 297;
export const OWNER_NAME_LENGTH = 32;
export const DEVMAJOR_OFFSET = 329;
export const DEVMINOR_OFFSET = 337;
export const PREFIX_OFFSET = 345;
export const PREFIX_LENGTH = 155;

/** Octal field widths (including the terminating NUL). */
const MODE_WIDTH = 8;
const ID_WIDTH = 8;
const SIZE_WIDTH = 12;
const MTIME_WIDTH = 12;
const DEV_WIDTH = 8;

/** Largest values the octal fields hold; bigger ones go into a PAX header. */
export const MAX_OCTAL_ID = 0o7777777;
export const MAX_OCTAL_SIZE = 0o77777777777;

/** Type flags: regular ('0', or NUL in old archives), links, devices, directory, fifo, and extension headers. */
export const TYPE = {
  file: '0',
  oldFile: '\0',
  hardlink: '1',
  symlink: '2',
  charDevice: '3',
  blockDevice: '4',
  directory: '5',
  fifo: '6',
  contiguous: '7',
  paxExtended: 'x',
  paxGlobal: 'g',
  gnuLongName: 'L',
  gnuLongLink: 'K',
} as const;

/** Every field of one header block, decoded. `path` joins the ustar prefix when the magic says ustar. */
export interface TarHeader {
  path: string;
  linkname: string;
  /** The raw type flag character ('\0' kept as is). */
  typeflag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
}

/** Bytes needed after `size` bytes of content to reach the next block boundary. */
export function padLength(size: number): number {
  const rest = size % BLOCK_SIZE;
  return rest === 0 ? 0 : BLOCK_SIZE - rest;
}

/** The zero padding after `size` bytes of content (may be empty). */
export function padding(size: number): Buffer {
  return Buffer.alloc(padLength(size));
}

/** True when the field fits a ustar header as is (ASCII, short enough). */
export function fitsUstarField(value: string, length: number): boolean {
  // eslint-disable-next-line no-control-regex
  return value.length <= length && /^[\x01-\x7f]*$/.test(value);
}

// ---------------------------------------------------------------------------------------------------------
// Encoding

// Encoding runs once per entry of every layer (tzdata alone has 1,320): fields are written straight into the
// block, without intermediate strings or buffers.

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  if (value === '') return;
  if (Buffer.byteLength(value, 'utf8') > length)
    throw new DistrolessError('TAR_INVALID', `tar field too long: ${value}`);
  block.write(value, offset, length, 'utf8');
}

/** `width - 1` octal digits, zero-padded (the last byte of the field stays NUL). */
function writeOctal(block: Buffer, offset: number, width: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new DistrolessError('TAR_INVALID', `tar number out of range: ${value}`);
  let rest = value;
  for (let i = offset + width - 2; i >= offset; i--) {
    block[i] = 0x30 + (rest % 8);
    rest = Math.floor(rest / 8);
  }
  if (rest !== 0) throw new DistrolessError('TAR_INVALID', `tar number too large for its field: ${value}`);
}

/** Sum of all bytes with the checksum field taken as spaces (the POSIX rule). */
function checksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) sum += block[i] as number;
  for (let i = CHECKSUM_OFFSET; i < CHECKSUM_OFFSET + CHECKSUM_LENGTH; i++) sum += 0x20 - (block[i] as number);
  return sum;
}

/**
 * One ustar header block. Every field must fit (callers put long values into a PAX header first). uname and
 * gname are written as given: the layer writer always passes them empty.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const block = Buffer.alloc(BLOCK_SIZE);
  writeString(block, NAME_OFFSET, NAME_LENGTH, h.path);
  writeOctal(block, MODE_OFFSET, MODE_WIDTH, h.mode);
  writeOctal(block, UID_OFFSET, ID_WIDTH, h.uid);
  writeOctal(block, GID_OFFSET, ID_WIDTH, h.gid);
  writeOctal(block, SIZE_OFFSET, SIZE_WIDTH, h.size);
  writeOctal(block, MTIME_OFFSET, MTIME_WIDTH, h.mtime);
  block.write(h.typeflag, TYPEFLAG_OFFSET, 1, 'latin1');
  writeString(block, LINKNAME_OFFSET, LINKNAME_LENGTH, h.linkname);
  block.write('ustar\u000000', MAGIC_OFFSET, 8, 'latin1');
  writeString(block, UNAME_OFFSET, OWNER_NAME_LENGTH, h.uname);
  writeString(block, GNAME_OFFSET, OWNER_NAME_LENGTH, h.gname);
  writeOctal(block, DEVMAJOR_OFFSET, DEV_WIDTH, h.devmajor);
  writeOctal(block, DEVMINOR_OFFSET, DEV_WIDTH, h.devminor);
  // Six octal digits, NUL, space: what GNU tar and Go write.
  block.write(`${checksum(block).toString(8).padStart(6, '0')}\u0000 `, CHECKSUM_OFFSET, CHECKSUM_LENGTH, 'latin1');
  return block;
}

/** One PAX record, `"<len> <key>=<value>\n"`, where `<len>` counts the whole record including itself. */
export function paxRecord(key: string, value: string): string {
  const rest = Buffer.byteLength(` ${key}=${value}\n`, 'utf8');
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return `${len} ${key}=${value}\n`;
}

/** The PAX records an entry needs: only for fields ustar cannot hold, so that ordinary entries get none. */
export function paxRecordsFor(h: TarHeader): Array<[string, string]> {
  const records: Array<[string, string]> = [];
  if (!fitsUstarField(h.path, NAME_LENGTH)) records.push(['path', h.path]);
  if (!fitsUstarField(h.linkname, LINKNAME_LENGTH)) records.push(['linkpath', h.linkname]);
  if (h.size > MAX_OCTAL_SIZE) records.push(['size', String(h.size)]);
  if (h.uid > MAX_OCTAL_ID) records.push(['uid', String(h.uid)]);
  if (h.gid > MAX_OCTAL_ID) records.push(['gid', String(h.gid)]);
  if (h.mtime > MAX_OCTAL_SIZE) records.push(['mtime', String(h.mtime)]);
  return records;
}

/** A stand-in for a field that went into the PAX header: ASCII, cut to the field length. */
function ustarStandIn(value: string, length: number): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[^\x01-\x7f]/g, '_').slice(0, length);
}

/**
 * The header blocks for one entry: a PAX 'x' header with its records (when needed), then the ustar header.
 * The PAX header's own name is derived from the entry's (`PaxHeaders.0/<basename>`, as Go's archive/tar
 * writes) and its mtime is the entry's, so the output depends only on the entry.
 */
export function encodeEntryHeaders(h: TarHeader): Buffer[] {
  const records = paxRecordsFor(h);
  if (records.length === 0) return [encodeHeader(h)];
  const body = Buffer.from(records.map(([k, v]) => paxRecord(k, v)).join(''), 'utf8');
  const base = h.path.replace(/\/+$/, '').split('/').pop() ?? '';
  const paxHeader = encodeHeader({
    ...h,
    path: ustarStandIn(`PaxHeaders.0/${base}`, NAME_LENGTH),
    linkname: '',
    typeflag: TYPE.paxExtended,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: body.length,
    mtime: Math.min(h.mtime, MAX_OCTAL_SIZE),
  });
  const main = encodeHeader({
    ...h,
    path: ustarStandIn(h.path, NAME_LENGTH),
    linkname: ustarStandIn(h.linkname, LINKNAME_LENGTH),
    size: Math.min(h.size, MAX_OCTAL_SIZE),
    uid: Math.min(h.uid, MAX_OCTAL_ID),
    gid: Math.min(h.gid, MAX_OCTAL_ID),
    mtime: Math.min(h.mtime, MAX_OCTAL_SIZE),
  });
  return [paxHeader, body, padding(body.length), main];
}

// ---------------------------------------------------------------------------------------------------------
// Decoding

function readString(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

/** Octal (NUL/space terminated or padded) or GNU base-256 (high bit of the first byte set). */
function readNumber(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  const first = field[0] as number;
  if (first & 0x80) {
    if (first === 0xff) throw new DistrolessError('TAR_INVALID', 'negative base-256 number in tar header');
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + (field[i] as number);
    if (!Number.isSafeInteger(value)) throw new DistrolessError('TAR_INVALID', 'tar number too large');
    return value;
  }
  // Octal digits, with NULs or spaces around them (a loop over the bytes: this runs 8 times per entry).
  let start = 0;
  let end = length;
  while (start < end && (field[start] === 0 || field[start] === 0x20)) start++;
  while (end > start && (field[end - 1] === 0 || field[end - 1] === 0x20)) end--;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = (field[i] as number) - 0x30;
    if (digit < 0 || digit > 7)
      throw new DistrolessError(
        'TAR_INVALID',
        `bad octal number in tar header: ${JSON.stringify(field.toString('latin1', start, end))}`,
      );
    value = value * 8 + digit;
  }
  return value;
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK_SIZE; i++) if (block[i] !== 0) return false;
  return true;
}

/** Unsigned sum as POSIX says, or the signed sum some historic tars wrote. */
function checksumMatches(block: Buffer, stored: number): boolean {
  if (checksum(block) === stored) return true;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const b = i >= CHECKSUM_OFFSET && i < CHECKSUM_OFFSET + CHECKSUM_LENGTH ? 0x20 : (block[i] as number);
    signed += b > 127 ? b - 256 : b;
  }
  return signed === stored;
}

/** Decodes one non-zero header block after checking its checksum. */
export function decodeHeader(block: Buffer): TarHeader {
  if (block.length !== BLOCK_SIZE) throw new DistrolessError('TAR_INVALID', 'short tar header block');
  const stored = readNumber(block, CHECKSUM_OFFSET, CHECKSUM_LENGTH);
  if (!checksumMatches(block, stored)) throw new DistrolessError('TAR_INVALID', 'tar header checksum mismatch');
  const magic = block.toString('latin1', MAGIC_OFFSET, VERSION_OFFSET);
  const name = readString(block, NAME_OFFSET, NAME_LENGTH);
  // Only POSIX ustar has a prefix field; GNU's "ustar  " keeps atime/ctime in that area.
  const prefix = magic === 'ustar\0' ? readString(block, PREFIX_OFFSET, PREFIX_LENGTH) : '';
  return {
    path: prefix === '' ? name : `${prefix}/${name}`,
    linkname: readString(block, LINKNAME_OFFSET, LINKNAME_LENGTH),
    typeflag: String.fromCharCode(block[TYPEFLAG_OFFSET] as number),
    mode: readNumber(block, MODE_OFFSET, MODE_WIDTH),
    uid: readNumber(block, UID_OFFSET, ID_WIDTH),
    gid: readNumber(block, GID_OFFSET, ID_WIDTH),
    size: readNumber(block, SIZE_OFFSET, SIZE_WIDTH),
    mtime: readNumber(block, MTIME_OFFSET, MTIME_WIDTH),
    uname: readString(block, UNAME_OFFSET, OWNER_NAME_LENGTH),
    gname: readString(block, GNAME_OFFSET, OWNER_NAME_LENGTH),
    devmajor: readNumber(block, DEVMAJOR_OFFSET, DEV_WIDTH),
    devminor: readNumber(block, DEVMINOR_OFFSET, DEV_WIDTH),
  };
}

/** Parses the records of a PAX extended header body. Later records of a key win, as POSIX says. */
export function parsePax(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0) break; // some writers pad the body with NULs
    const space = body.indexOf(0x20, pos);
    const len = space === -1 ? NaN : Number(body.toString('latin1', pos, space));
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > body.length || body[pos + len - 1] !== 0x0a) {
      throw new DistrolessError('TAR_INVALID', 'malformed PAX extended header');
    }
    const record = body.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) throw new DistrolessError('TAR_INVALID', 'malformed PAX record');
    out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

/** Applies the PAX keys we honour (path, linkpath, size, uid, gid, mtime) to a header. */
export function applyPax(h: TarHeader, pax: ReadonlyMap<string, string>): TarHeader {
  const out = { ...h };
  const path = pax.get('path');
  if (path !== undefined) out.path = path;
  const linkpath = pax.get('linkpath');
  if (linkpath !== undefined) out.linkname = linkpath;
  for (const key of ['size', 'uid', 'gid'] as const) {
    const v = pax.get(key);
    if (v === undefined) continue;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v)))
      throw new DistrolessError('TAR_INVALID', `bad PAX ${key}: ${v}`);
    out[key] = Number(v);
  }
  const mtime = pax.get('mtime');
  if (mtime !== undefined) {
    const seconds = Number(mtime);
    if (!Number.isFinite(seconds)) throw new DistrolessError('TAR_INVALID', `bad PAX mtime: ${mtime}`);
    out.mtime = Math.floor(seconds);
  }
  return out;
}
