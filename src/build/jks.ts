/**
 * Java KeyStore (JKS) files holding trusted certificates only, the format of Debian 12's
 * /etc/ssl/certs/java/cacerts (ca-certificates-java 20230710~deb12u1 opens `KeyStore.getInstance("JKS")` and
 * converts an older PKCS12 store back to JKS in its postinst).
 *
 * Layout (sun.security.provider.JavaKeyStore, all integers big-endian):
 *   u32 magic 0xFEEDFEED, u32 version 2, u32 entry count, then per entry
 *   u32 tag 2 (trusted certificate), UTF alias, u64 creation date (ms), UTF cert type "X.509", u32 length, DER;
 *   and last a SHA-1 over (password as UTF-16BE, "Mighty Aphrodite" in UTF-8, every byte before the digest).
 * "UTF" is Java's DataOutput.writeUTF: u16 byte length, then modified UTF-8.
 * The JKS engine lower-cases aliases, so we store them lower-cased; entries are sorted by alias.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { DistrolessError } from '../errors.js';
import { compareBytes } from './generated.js';

export const JKS_MAGIC = 0xfeedfeed;
export const JKS_VERSION = 2;
export const DEFAULT_STORE_PASSWORD = 'changeit';

const TAG_PRIVATE_KEY = 1;
const TAG_TRUSTED_CERT = 2;
const CERT_TYPE = 'X.509';
const DIGEST_SALT = 'Mighty Aphrodite';
const DIGEST_LENGTH = 20;
const MAX_UTF_BYTES = 0xffff;

export interface JksCertificate {
  alias: string;
  /** DER encoding of an X.509 certificate. */
  der: Buffer;
}

export interface JksEntry extends JksCertificate {
  /** Creation date, milliseconds since the epoch. */
  date: number;
  certType: string;
}

/** Java's modified UTF-8 (DataOutput.writeUTF): NUL as C0 80, each UTF-16 surrogate encoded on its own. */
export function modifiedUtf8(s: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x01 && c <= 0x7f) bytes.push(c);
    else if (c <= 0x7ff) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Buffer.from(bytes);
}

function decodeModifiedUtf8(b: Buffer): string {
  const units: number[] = [];
  for (let i = 0; i < b.length; ) {
    const c = b[i] ?? 0;
    if (c < 0x80) {
      units.push(c);
      i += 1;
    } else if ((c & 0xe0) === 0xc0) {
      units.push(((c & 0x1f) << 6) | ((b[i + 1] ?? 0) & 0x3f));
      i += 2;
    } else {
      units.push(((c & 0x0f) << 12) | (((b[i + 1] ?? 0) & 0x3f) << 6) | ((b[i + 2] ?? 0) & 0x3f));
      i += 3;
    }
  }
  return String.fromCharCode(...units);
}

function utf(s: string): Buffer {
  const body = modifiedUtf8(s);
  if (body.length > MAX_UTF_BYTES) throw new DistrolessError('INTERNAL', `JKS alias too long: ${s.slice(0, 40)}…`);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([len, body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** The keyed hash that closes a JKS file. */
function integrityHash(password: string, data: Buffer): Buffer {
  const pw = Buffer.alloc(password.length * 2);
  for (let i = 0; i < password.length; i++) pw.writeUInt16BE(password.charCodeAt(i), i * 2);
  return createHash('sha1').update(pw).update(Buffer.from(DIGEST_SALT, 'utf8')).update(data).digest();
}

/**
 * A JKS file of trusted-certificate entries, sorted by (lower-cased) alias, every entry dated `dateMs`.
 * Duplicate aliases (after lower-casing) throw: a keystore cannot hold both.
 */
export function writeJks(certs: readonly JksCertificate[], opts: { dateMs: number; password?: string }): Buffer {
  if (!Number.isSafeInteger(opts.dateMs) || opts.dateMs < 0) {
    throw new DistrolessError('INTERNAL', `JKS creation date must be whole non-negative milliseconds, got ${opts.dateMs}`);
  }
  const sorted = certs.map((c) => ({ alias: c.alias.toLowerCase(), der: c.der }));
  sorted.sort((a, b) => compareBytes(a.alias, b.alias));
  const parts: Buffer[] = [u32(JKS_MAGIC), u32(JKS_VERSION), u32(sorted.length)];
  const date = Buffer.alloc(8);
  date.writeBigUInt64BE(BigInt(opts.dateMs));
  sorted.forEach((c, i) => {
    if (c.alias.length === 0) throw new DistrolessError('INTERNAL', 'JKS alias must not be empty');
    if (i > 0 && sorted[i - 1]?.alias === c.alias) throw new DistrolessError('INTERNAL', `duplicate JKS alias ${c.alias}`);
    parts.push(u32(TAG_TRUSTED_CERT), utf(c.alias), date, utf(CERT_TYPE), u32(c.der.length), c.der);
  });
  const data = Buffer.concat(parts);
  return Buffer.concat([data, integrityHash(opts.password ?? DEFAULT_STORE_PASSWORD, data)]);
}

/** Sequential big-endian reader that throws PARSE on a short read. */
class Cursor {
  offset = 0;
  constructor(private readonly buf: Buffer) {}

  take(n: number): Buffer {
    if (this.offset + n > this.buf.length) throw new DistrolessError('PARSE', `JKS truncated at byte ${this.offset}`);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  u32(): number {
    return this.take(4).readUInt32BE();
  }
  u64(): number {
    return Number(this.take(8).readBigUInt64BE());
  }
  utf(): string {
    return decodeModifiedUtf8(this.take(this.take(2).readUInt16BE()));
  }
}

/**
 * Reads a JKS file of trusted certificates, after checking its integrity hash with `password`. A store with
 * a private-key entry is refused (this reader exists to check what `writeJks` and Debian produce).
 */
export function readJks(bytes: Buffer, password: string = DEFAULT_STORE_PASSWORD): JksEntry[] {
  if (bytes.length < 12 + DIGEST_LENGTH) throw new DistrolessError('PARSE', 'JKS too short');
  const data = bytes.subarray(0, bytes.length - DIGEST_LENGTH);
  const digest = bytes.subarray(bytes.length - DIGEST_LENGTH);
  if (!timingSafeEqual(integrityHash(password, data), digest)) {
    throw new DistrolessError('PARSE', 'JKS integrity check failed (tampered, or wrong password)');
  }
  const cur = new Cursor(data);
  const magic = cur.u32();
  const version = cur.u32();
  if (magic !== JKS_MAGIC) throw new DistrolessError('PARSE', `not a JKS file (magic 0x${magic.toString(16)})`);
  if (version !== JKS_VERSION) throw new DistrolessError('PARSE', `unsupported JKS version ${version}`);
  const count = cur.u32();
  const entries: JksEntry[] = [];
  for (let i = 0; i < count; i++) {
    const tag = cur.u32();
    if (tag === TAG_PRIVATE_KEY) throw new DistrolessError('PARSE', `JKS entry ${i} is a private key (unsupported)`);
    if (tag !== TAG_TRUSTED_CERT) throw new DistrolessError('PARSE', `JKS entry ${i} has unknown tag ${tag}`);
    const alias = cur.utf();
    const date = cur.u64();
    const certType = cur.utf();
    const der = Buffer.from(cur.take(cur.u32()));
    entries.push({ alias, date, certType, der });
  }
  if (cur.offset !== data.length) throw new DistrolessError('PARSE', `JKS has ${data.length - cur.offset} trailing bytes`);
  return entries;
}
