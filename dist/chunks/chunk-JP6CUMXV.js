import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  debStore,
  hashFile
} from "./chunk-OQT2GAUO.js";
import {
  lockfilePath,
  parseLockfile
} from "./chunk-ZTTND34Q.js";
import {
  configDigest,
  loadConfig
} from "./chunk-EO4ONWKL.js";
import {
  VARIANTS,
  lockEpoch
} from "./chunk-EC4REFKJ.js";
import {
  DEBUG_KEY
} from "./chunk-252KFN6C.js";
import {
  writeFilesAtomically
} from "./chunk-BVZWJCHG.js";
import {
  SUPPORTED_DEBIAN_ARCHES,
  debianPlatform,
  epochToRfc3339,
  platformTagSuffix
} from "./chunk-FLWSX5ME.js";
import {
  limiter,
  mapLimit
} from "./chunk-BDURTKM7.js";
import {
  slsaProvenance
} from "./chunk-NS64RFCV.js";
import {
  VERSION
} from "./chunk-JVYIGASL.js";
import {
  SLSA_PROVENANCE_PREDICATE_TYPE,
  SPDX_PREDICATE_TYPE,
  TOOL_NAME,
  TOOL_URI,
  inTotoStatement,
  sha256Hex
} from "./chunk-B3YJ2Z46.js";
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/attest/context.ts
import { createHash } from "node:crypto";
import { readFile as readFile2, stat } from "node:fs/promises";
import { dirname, join as join3, relative, resolve, sep } from "node:path";

// src/attest/fetch.ts
import { join } from "node:path";
function debDownloader(config, locks, cacheDir, http) {
  const store = debStore({ dir: join(cacheDir, "debs"), http });
  return async (deb) => {
    for (const lock of locks()) {
      const distro = config.distros[lock.distro];
      for (const [arch, pins] of Object.entries(lock.packages)) {
        const pin = pins[deb.name];
        if (!distro || pin?.sha256 !== deb.sha256) continue;
        const locked = lock.sources.find((s) => s.suite === pin.suite);
        const source = distro.sources.find((s) => s.suite === pin.suite);
        if (!locked || !source) return void 0;
        const bases = [];
        if (distro.snapshot) {
          const archive = (source.originalUrl ?? source.url).replace(/\/+$/, "").split("/").pop() ?? "debian";
          bases.push({ url: `${distro.snapshot.replace(/\/+$/, "")}/archive/${archive}/${locked.snapshot}`, snapshot: true });
        }
        bases.push({ url: source.url, snapshot: false });
        return store.fetch({ label: `${deb.name} ${pin.version} (${arch})`, filename: pin.filename, size: pin.size, sha256: pin.sha256, bases });
      }
    }
    return void 0;
  };
}

// src/attest/license-cache.ts
import { readFile } from "node:fs/promises";
import { join as join2 } from "node:path";

// src/attest/copyright.ts
import { posix as posix2 } from "node:path";

// src/build/package-layer.ts
import { posix } from "node:path";

// src/deb/deb.ts
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { Duplex, PassThrough, pipeline, Readable } from "node:stream";
import { createGunzip, createZstdDecompress } from "node:zlib";

// src/tar/header.ts
var BLOCK_SIZE = 512;
var NAME_OFFSET = 0;
var NAME_LENGTH = 100;
var MODE_OFFSET = 100;
var UID_OFFSET = 108;
var GID_OFFSET = 116;
var SIZE_OFFSET = 124;
var MTIME_OFFSET = 136;
var CHECKSUM_OFFSET = 148;
var CHECKSUM_LENGTH = 8;
var TYPEFLAG_OFFSET = 156;
var LINKNAME_OFFSET = 157;
var LINKNAME_LENGTH = 100;
var MAGIC_OFFSET = 257;
var VERSION_OFFSET = 263;
var UNAME_OFFSET = 265;
var GNAME_OFFSET = 297;
var OWNER_NAME_LENGTH = 32;
var DEVMAJOR_OFFSET = 329;
var DEVMINOR_OFFSET = 337;
var PREFIX_OFFSET = 345;
var PREFIX_LENGTH = 155;
var MODE_WIDTH = 8;
var ID_WIDTH = 8;
var SIZE_WIDTH = 12;
var MTIME_WIDTH = 12;
var DEV_WIDTH = 8;
var MAX_OCTAL_ID = 2097151;
var MAX_OCTAL_SIZE = 8589934591;
var TYPE = {
  file: "0",
  oldFile: "\0",
  hardlink: "1",
  symlink: "2",
  charDevice: "3",
  blockDevice: "4",
  directory: "5",
  fifo: "6",
  contiguous: "7",
  paxExtended: "x",
  paxGlobal: "g",
  gnuLongName: "L",
  gnuLongLink: "K"
};
function padLength(size) {
  const rest = size % BLOCK_SIZE;
  return rest === 0 ? 0 : BLOCK_SIZE - rest;
}
function padding(size) {
  return Buffer.alloc(padLength(size));
}
function fitsUstarField(value, length) {
  return value.length <= length && /^[\x01-\x7f]*$/.test(value);
}
function writeString(block, offset, length, value) {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length > length) throw new DistrolessError("TAR_INVALID", `tar field too long: ${value}`);
  bytes.copy(block, offset);
}
function writeOctal(block, offset, width, value) {
  if (!Number.isSafeInteger(value) || value < 0) throw new DistrolessError("TAR_INVALID", `tar number out of range: ${value}`);
  const digits = value.toString(8).padStart(width - 1, "0");
  if (digits.length > width - 1) throw new DistrolessError("TAR_INVALID", `tar number too large for its field: ${value}`);
  block.write(digits, offset, "ascii");
}
function checksum(block) {
  let sum = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    sum += i >= CHECKSUM_OFFSET && i < CHECKSUM_OFFSET + CHECKSUM_LENGTH ? 32 : block[i];
  }
  return sum;
}
function encodeHeader(h) {
  const block = Buffer.alloc(BLOCK_SIZE);
  writeString(block, NAME_OFFSET, NAME_LENGTH, h.path);
  writeOctal(block, MODE_OFFSET, MODE_WIDTH, h.mode);
  writeOctal(block, UID_OFFSET, ID_WIDTH, h.uid);
  writeOctal(block, GID_OFFSET, ID_WIDTH, h.gid);
  writeOctal(block, SIZE_OFFSET, SIZE_WIDTH, h.size);
  writeOctal(block, MTIME_OFFSET, MTIME_WIDTH, h.mtime);
  block.write(h.typeflag, TYPEFLAG_OFFSET, 1, "latin1");
  writeString(block, LINKNAME_OFFSET, LINKNAME_LENGTH, h.linkname);
  block.write("ustar\x0000", MAGIC_OFFSET, 8, "latin1");
  writeString(block, UNAME_OFFSET, OWNER_NAME_LENGTH, h.uname);
  writeString(block, GNAME_OFFSET, OWNER_NAME_LENGTH, h.gname);
  writeOctal(block, DEVMAJOR_OFFSET, DEV_WIDTH, h.devmajor);
  writeOctal(block, DEVMINOR_OFFSET, DEV_WIDTH, h.devminor);
  block.write(`${checksum(block).toString(8).padStart(6, "0")}\0 `, CHECKSUM_OFFSET, CHECKSUM_LENGTH, "latin1");
  return block;
}
function paxRecord(key, value) {
  const rest = Buffer.byteLength(` ${key}=${value}
`, "utf8");
  let len = rest + String(rest).length;
  if (String(len).length !== String(rest).length) len = rest + String(len).length;
  return `${len} ${key}=${value}
`;
}
function paxRecordsFor(h) {
  const records = [];
  if (!fitsUstarField(h.path, NAME_LENGTH)) records.push(["path", h.path]);
  if (!fitsUstarField(h.linkname, LINKNAME_LENGTH)) records.push(["linkpath", h.linkname]);
  if (h.size > MAX_OCTAL_SIZE) records.push(["size", String(h.size)]);
  if (h.uid > MAX_OCTAL_ID) records.push(["uid", String(h.uid)]);
  if (h.gid > MAX_OCTAL_ID) records.push(["gid", String(h.gid)]);
  if (h.mtime > MAX_OCTAL_SIZE) records.push(["mtime", String(h.mtime)]);
  return records;
}
function ustarStandIn(value, length) {
  return value.replace(/[^\x01-\x7f]/g, "_").slice(0, length);
}
function encodeEntryHeaders(h) {
  const records = paxRecordsFor(h);
  if (records.length === 0) return [encodeHeader(h)];
  const body = Buffer.from(records.map(([k, v]) => paxRecord(k, v)).join(""), "utf8");
  const base = h.path.replace(/\/+$/, "").split("/").pop() ?? "";
  const paxHeader = encodeHeader({
    ...h,
    path: ustarStandIn(`PaxHeaders.0/${base}`, NAME_LENGTH),
    linkname: "",
    typeflag: TYPE.paxExtended,
    mode: 420,
    uid: 0,
    gid: 0,
    size: body.length,
    mtime: Math.min(h.mtime, MAX_OCTAL_SIZE)
  });
  const main = encodeHeader({
    ...h,
    path: ustarStandIn(h.path, NAME_LENGTH),
    linkname: ustarStandIn(h.linkname, LINKNAME_LENGTH),
    size: Math.min(h.size, MAX_OCTAL_SIZE),
    uid: Math.min(h.uid, MAX_OCTAL_ID),
    gid: Math.min(h.gid, MAX_OCTAL_ID),
    mtime: Math.min(h.mtime, MAX_OCTAL_SIZE)
  });
  return [paxHeader, body, padding(body.length), main];
}
function readString(block, offset, length) {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString("utf8");
}
function readNumber(block, offset, length) {
  const field = block.subarray(offset, offset + length);
  const first = field[0];
  if (first & 128) {
    if (first === 255) throw new DistrolessError("TAR_INVALID", "negative base-256 number in tar header");
    let value = first & 127;
    for (let i = 1; i < length; i++) value = value * 256 + field[i];
    if (!Number.isSafeInteger(value)) throw new DistrolessError("TAR_INVALID", "tar number too large");
    return value;
  }
  const text = field.toString("latin1").replace(/[\0 ]+$/, "").replace(/^[\0 ]+/, "");
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new DistrolessError("TAR_INVALID", `bad octal number in tar header: ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}
function isZeroBlock(block) {
  for (let i = 0; i < BLOCK_SIZE; i++) if (block[i] !== 0) return false;
  return true;
}
function checksumMatches(block, stored) {
  if (checksum(block) === stored) return true;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const b = i >= CHECKSUM_OFFSET && i < CHECKSUM_OFFSET + CHECKSUM_LENGTH ? 32 : block[i];
    signed += b > 127 ? b - 256 : b;
  }
  return signed === stored;
}
function decodeHeader(block) {
  if (block.length !== BLOCK_SIZE) throw new DistrolessError("TAR_INVALID", "short tar header block");
  const stored = readNumber(block, CHECKSUM_OFFSET, CHECKSUM_LENGTH);
  if (!checksumMatches(block, stored)) throw new DistrolessError("TAR_INVALID", "tar header checksum mismatch");
  const magic = block.toString("latin1", MAGIC_OFFSET, VERSION_OFFSET);
  const name = readString(block, NAME_OFFSET, NAME_LENGTH);
  const prefix = magic === "ustar\0" ? readString(block, PREFIX_OFFSET, PREFIX_LENGTH) : "";
  return {
    path: prefix === "" ? name : `${prefix}/${name}`,
    linkname: readString(block, LINKNAME_OFFSET, LINKNAME_LENGTH),
    typeflag: String.fromCharCode(block[TYPEFLAG_OFFSET]),
    mode: readNumber(block, MODE_OFFSET, MODE_WIDTH),
    uid: readNumber(block, UID_OFFSET, ID_WIDTH),
    gid: readNumber(block, GID_OFFSET, ID_WIDTH),
    size: readNumber(block, SIZE_OFFSET, SIZE_WIDTH),
    mtime: readNumber(block, MTIME_OFFSET, MTIME_WIDTH),
    uname: readString(block, UNAME_OFFSET, OWNER_NAME_LENGTH),
    gname: readString(block, GNAME_OFFSET, OWNER_NAME_LENGTH),
    devmajor: readNumber(block, DEVMAJOR_OFFSET, DEV_WIDTH),
    devminor: readNumber(block, DEVMINOR_OFFSET, DEV_WIDTH)
  };
}
function parsePax(body) {
  const out = /* @__PURE__ */ new Map();
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0) break;
    const space = body.indexOf(32, pos);
    const len = space === -1 ? NaN : Number(body.toString("latin1", pos, space));
    if (!Number.isSafeInteger(len) || len <= 0 || pos + len > body.length || body[pos + len - 1] !== 10) {
      throw new DistrolessError("TAR_INVALID", "malformed PAX extended header");
    }
    const record = body.toString("utf8", space + 1, pos + len - 1);
    const eq = record.indexOf("=");
    if (eq <= 0) throw new DistrolessError("TAR_INVALID", "malformed PAX record");
    out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}
function applyPax(h, pax) {
  const out = { ...h };
  const path = pax.get("path");
  if (path !== void 0) out.path = path;
  const linkpath = pax.get("linkpath");
  if (linkpath !== void 0) out.linkname = linkpath;
  for (const key of ["size", "uid", "gid"]) {
    const v = pax.get(key);
    if (v === void 0) continue;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new DistrolessError("TAR_INVALID", `bad PAX ${key}: ${v}`);
    out[key] = Number(v);
  }
  const mtime = pax.get("mtime");
  if (mtime !== void 0) {
    const seconds = Number(mtime);
    if (!Number.isFinite(seconds)) throw new DistrolessError("TAR_INVALID", `bad PAX mtime: ${mtime}`);
    out.mtime = Math.floor(seconds);
  }
  return out;
}

// src/tar/reader.ts
var HEADER_ONLY = /* @__PURE__ */ new Set([TYPE.hardlink, TYPE.symlink, TYPE.charDevice, TYPE.blockDevice, TYPE.directory, TYPE.fifo]);
var ByteSource = class {
  constructor(input, source) {
    this.source = source;
    this.it = input[Symbol.asyncIterator]();
  }
  source;
  it;
  pending = Buffer.alloc(0);
  done = false;
  truncated() {
    return new DistrolessError("TAR_INVALID", `${this.source}: truncated tar archive`);
  }
  /** Fills `pending` with at least one byte; false at EOF. */
  async fill() {
    while (this.pending.length === 0) {
      if (this.done) return false;
      const next = await this.it.next();
      if (next.done === true) {
        this.done = true;
        return false;
      }
      const v = next.value;
      this.pending = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
    return true;
  }
  /** Up to `max` bytes (at least one); throws at EOF. */
  async chunk(max) {
    if (!await this.fill()) throw this.truncated();
    const out = this.pending.length <= max ? this.pending : this.pending.subarray(0, max);
    this.pending = this.pending.subarray(out.length);
    return out;
  }
  /** Exactly `n` bytes, or null at a clean EOF (no byte available); a partial read throws. */
  async exact(n) {
    if (!await this.fill()) return null;
    if (this.pending.length >= n) return this.chunk(n);
    const parts = [];
    let got = 0;
    while (got < n) {
      const c = await this.chunk(n - got);
      parts.push(c);
      got += c.length;
    }
    return Buffer.concat(parts, n);
  }
  async skip(n) {
    let left = n;
    while (left > 0) left -= (await this.chunk(left)).length;
  }
  async drain() {
    this.pending = Buffer.alloc(0);
    while (await this.fill()) this.pending = Buffer.alloc(0);
  }
  async close() {
    if (!this.done) {
      this.done = true;
      await this.it.return?.();
    }
  }
};
async function* readTar(input, opts = {}) {
  const source = opts.source ?? "tar";
  const maxMeta = opts.maxMetaBytes ?? 1024 * 1024;
  const src = new ByteSource(input, source);
  let serial = 0;
  let remaining = 0;
  let pending = {};
  try {
    for (; ; ) {
      const block = await src.exact(BLOCK_SIZE);
      if (block === null) throw src.truncated();
      if (isZeroBlock(block)) {
        await src.drain();
        return;
      }
      let header = decodeWithSource(block, source);
      if (await readMeta(src, header, pending, maxMeta, source)) continue;
      header = applyLongNames(header, pending);
      pending = {};
      if (HEADER_ONLY.has(header.typeflag)) header.size = 0;
      const id = ++serial;
      remaining = header.size;
      const body = bodyOf(src, () => serial === id ? remaining : -1, (n) => remaining -= n, source);
      yield { header, body };
      await src.skip(remaining + padLength(header.size));
      remaining = 0;
    }
  } finally {
    serial = -1;
    await src.close();
  }
}
function decodeWithSource(block, source) {
  try {
    return decodeHeader(block);
  } catch (e) {
    if (e instanceof DistrolessError) throw new DistrolessError(e.code, `${source}: ${e.message}`, { cause: e });
    throw e;
  }
}
async function readMeta(src, h, pending, maxMeta, source) {
  const kind = h.typeflag;
  if (kind !== TYPE.paxExtended && kind !== TYPE.paxGlobal && kind !== TYPE.gnuLongName && kind !== TYPE.gnuLongLink) {
    return false;
  }
  if (kind === TYPE.paxGlobal) {
    await src.skip(h.size + padLength(h.size));
    return true;
  }
  if (h.size > maxMeta) throw new DistrolessError("TAR_INVALID", `${source}: extended header of ${h.size} bytes is too large`);
  const body = h.size === 0 ? Buffer.alloc(0) : await src.exact(h.size);
  if (body === null) throw src.truncated();
  await src.skip(padLength(h.size));
  if (kind === TYPE.paxExtended) pending.pax = parsePax(body);
  else {
    const end = body.indexOf(0);
    const value = body.toString("utf8", 0, end === -1 ? body.length : end);
    if (kind === TYPE.gnuLongName) pending.path = value;
    else pending.linkname = value;
  }
  return true;
}
function applyLongNames(h, pending) {
  let out = h;
  if (pending.path !== void 0) out = { ...out, path: pending.path };
  if (pending.linkname !== void 0) out = { ...out, linkname: pending.linkname };
  if (pending.pax !== void 0) out = applyPax(out, pending.pax);
  return out;
}
async function* bodyOf(src, left, consumed, source) {
  for (; ; ) {
    const n = left();
    if (n < 0) throw new DistrolessError("TAR_INVALID", `${source}: entry body read after the next entry was requested`);
    if (n === 0) return;
    const chunk = await src.chunk(n);
    consumed(chunk.length);
    yield chunk;
  }
}

// src/deb/ar.ts
import { open } from "node:fs/promises";
var AR_MAGIC = "!<arch>\n";
var AR_HEADER_SIZE = 60;
var NAME_OFFSET2 = 0;
var NAME_LENGTH2 = 16;
var SIZE_OFFSET2 = 48;
var SIZE_LENGTH = 10;
var FMAG_OFFSET = 58;
var FMAG = "`\n";
async function readArMembers(path, source = path) {
  const fh = await open(path, "r");
  try {
    const { size: fileSize } = await fh.stat();
    const magic = await readAt(fh, 0, AR_MAGIC.length);
    if (magic.toString("latin1") !== AR_MAGIC) throw bad(source, "not an ar archive");
    const members = [];
    let pos = AR_MAGIC.length;
    while (pos < fileSize) {
      const header = await readAt(fh, pos, AR_HEADER_SIZE);
      if (header.length < AR_HEADER_SIZE) throw bad(source, `truncated ar member header at byte ${pos}`);
      const member = parseMemberHeader(header, pos, source);
      if (member.offset + member.size > fileSize) throw bad(source, `ar member ${member.name} runs past the end of the file`);
      members.push(member);
      pos = member.offset + member.size + member.size % 2;
    }
    return members;
  } finally {
    await fh.close();
  }
}
function parseMemberHeader(header, pos, source) {
  if (header.toString("latin1", FMAG_OFFSET, FMAG_OFFSET + FMAG.length) !== FMAG) {
    throw bad(source, `bad ar member header at byte ${pos}`);
  }
  const name = header.toString("latin1", NAME_OFFSET2, NAME_OFFSET2 + NAME_LENGTH2).trimEnd().replace(/\/$/, "");
  const sizeText = header.toString("latin1", SIZE_OFFSET2, SIZE_OFFSET2 + SIZE_LENGTH).trim();
  if (!/^\d+$/.test(sizeText)) throw bad(source, `bad ar member size ${JSON.stringify(sizeText)} at byte ${pos}`);
  if (name === "" || name.startsWith("#1/")) throw bad(source, `unsupported ar member name ${JSON.stringify(name)}`);
  return { name, offset: pos + AR_HEADER_SIZE, size: Number(sizeText) };
}
async function readAt(fh, position, length) {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}
async function readMember(path, m) {
  const fh = await open(path, "r");
  try {
    return await readAt(fh, m.offset, m.size);
  } finally {
    await fh.close();
  }
}
function bad(source, why) {
  return new DistrolessError("DEB_INVALID", `${source}: ${why}`);
}

// src/deb/deb.ts
var SUFFIXES = { "": "none", ".gz": "gz", ".xz": "xz", ".zst": "zst", ".bz2": "bz2" };
async function openDeb(path, name = basename(path), opts = {}) {
  const members = await readArMembers(path, name);
  const { control: controlMember, data: dataMember } = await findMembers(path, members, name);
  const controlCompression = compressionOf(controlMember, "control.tar", name);
  const dataCompression = compressionOf(dataMember, "data.tar", name);
  if (controlCompression === "bz2") throw bad2(name, `unsupported control member ${controlMember.name}`);
  const member = (m, kind, what) => decompress(rangeStream(path, m), kind, opts, `${name}: ${what}`);
  const files = await readControlFiles(member(controlMember, controlCompression, controlMember.name), name, opts);
  if (files.control === void 0) throw bad2(name, "control.tar has no control file");
  return {
    path,
    name,
    control: files.control,
    ...files.md5sums === void 0 ? {} : { md5sums: files.md5sums },
    controlCompression,
    dataCompression,
    dataMember,
    dataTar: () => member(dataMember, dataCompression, dataMember.name)
  };
}
async function findMembers(path, members, name) {
  const [first, ...rest] = members;
  if (first?.name !== "debian-binary") throw bad2(name, "first ar member is not debian-binary");
  const version = (await readMember(path, first)).toString("latin1");
  if (version !== "2.0\n") throw bad2(name, `unsupported deb format ${JSON.stringify(version)}`);
  const required = rest.filter((m) => !m.name.startsWith("_"));
  const [control, data] = required;
  if (control === void 0 || !control.name.startsWith("control.tar")) throw bad2(name, "second member is not control.tar");
  if (data === void 0 || !data.name.startsWith("data.tar")) throw bad2(name, "third member is not data.tar");
  return { control, data };
}
function compressionOf(m, base, name) {
  const kind = SUFFIXES[m.name.slice(base.length)];
  if (kind === void 0) throw bad2(name, `unsupported member ${m.name}`);
  return kind;
}
function rangeStream(path, m) {
  if (m.size === 0) return Readable.from([]);
  return createReadStream(path, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: 1 << 20 });
}
async function readControlFiles(tar, name, opts) {
  const max = opts.maxControlFileBytes ?? 16 * 1024 * 1024;
  const out = {};
  try {
    for await (const { header, body } of readTar(tar, { source: `${name}: control.tar` })) {
      const file = header.path.replace(/^(\.\/)+/, "");
      if (file !== "control" && file !== "md5sums") continue;
      if (header.typeflag !== "0" && header.typeflag !== "\0") throw bad2(name, `control.tar: ${file} is not a regular file`);
      if (header.size > max) throw bad2(name, `control.tar: ${file} is larger than ${max} bytes`);
      const chunks = [];
      for await (const chunk of body) chunks.push(chunk);
      out[file] = Buffer.concat(chunks).toString("utf8");
    }
  } catch (e) {
    if (e instanceof DistrolessError) throw e;
    throw bad2(name, `control.tar: ${e.message}`);
  }
  return out;
}
function decompress(input, kind, opts, source) {
  switch (kind) {
    case "none":
      return guard(input, input, source);
    case "gz":
      return guard(input, createGunzip(), source);
    case "zst":
      return guard(input, createZstdDecompress(), source);
    case "xz":
      if (opts.xzDecoder === "napi") return guard(input, napiXz(input), source);
      return spawnFilter(opts.xzCommand ?? "xz", opts.xzThreads === void 0 ? [] : [`-T${opts.xzThreads}`], input, source);
    case "bz2":
      return spawnFilter(opts.bzip2Command ?? "bzip2", [], input, source);
  }
}
function guard(input, last, source) {
  if (last instanceof Duplex) pipeline(input, last, () => void 0);
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  last.on("error", (e) => out.destroy(new DistrolessError("DEB_INVALID", `${source}: ${e.message}`, { cause: e })));
  last.pipe(out);
  out.on("close", () => {
    last.destroy();
    input.destroy();
  });
  return out;
}
function spawnFilter(command, extraArgs, input, source) {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const child = spawn(command, [...extraArgs, "-dc"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  const fail = (why, cause) => {
    out.destroy(new DistrolessError("DEB_INVALID", `${source}: ${command} -dc failed: ${why}`, { cause }));
  };
  child.stderr.setEncoding("utf8").on("data", (s) => {
    if (stderr.length < 2e3) stderr += s;
  });
  pipeline(input, child.stdin, (err) => {
    if (err && err.code !== "EPIPE") fail(err.message, err);
  });
  child.stdout.pipe(out, { end: false });
  child.on("error", (e) => {
    const missing = e.code === "ENOENT";
    fail(missing ? `${command} not found (install it, or use xzDecoder: 'napi' for xz)` : e.message, e);
  });
  child.on("close", (code, signal) => {
    if (code === 0) out.end();
    else fail(`exit ${code ?? signal}${stderr === "" ? "" : `: ${stderr.trim().split("\n")[0]}`}`);
  });
  out.on("close", () => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    input.destroy();
  });
  return out;
}
function napiXz(input) {
  return Readable.from(
    (async function* () {
      const chunks = [];
      for await (const chunk of input) chunks.push(chunk);
      const { xz } = await import("@napi-rs/lzma");
      const data = await xz.decompress(Buffer.concat(chunks));
      chunks.length = 0;
      for (let pos = 0; pos < data.length; pos += 1 << 20) yield data.subarray(pos, pos + (1 << 20));
    })(),
    { objectMode: false }
  );
}
function bad2(name, why) {
  return new DistrolessError("DEB_INVALID", `${name}: ${why}`);
}

// src/build/package-layer.ts
var STATUS_DIR = "var/lib/dpkg/status.d";
var PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
async function writePackageLayer(debPath, pkgName, writer, opts) {
  if (!PACKAGE_NAME.test(pkgName)) throw new DistrolessError("DEB_INVALID", `bad package name ${JSON.stringify(pkgName)}`);
  if (!Number.isSafeInteger(opts.epoch) || opts.epoch < 0) throw new DistrolessError("USAGE", `bad build epoch ${opts.epoch}`);
  const deb = await openDeb(debPath, pkgName, opts.deb);
  const shipped = controlField(deb.control, "Package");
  if (shipped !== pkgName) throw new DistrolessError("DEB_INVALID", `${pkgName}: the .deb is package ${JSON.stringify(shipped)}`);
  const layer = new LayerWriter(pkgName, writer, opts);
  for await (const item of readTar(deb.dataTar(), { source: `${pkgName}: ${deb.dataMember.name}` })) await layer.addDataEntry(item);
  await layer.addStatus(deb.control, deb.md5sums);
  return {
    name: pkgName,
    control: deb.control,
    ...deb.md5sums === void 0 ? {} : { md5sums: deb.md5sums },
    ...layer.counts()
  };
}
function statusStanza(control) {
  const lines = control.replace(/\n+$/, "").split("\n").filter((l) => !/^Status:/i.test(l));
  const at = lines.findIndex((l) => /^Package:/i.test(l));
  lines.splice(at + 1, 0, "Status: install ok installed");
  return `${lines.join("\n")}
`;
}
function controlField(control, field) {
  const re = new RegExp(`^${field}:[ \\t]*(.*)$`, "im");
  return re.exec(control)?.[1]?.trim();
}
var KINDS = {
  [TYPE.file]: "file",
  [TYPE.oldFile]: "file",
  [TYPE.contiguous]: "file",
  [TYPE.hardlink]: "hardlink",
  [TYPE.symlink]: "symlink",
  [TYPE.directory]: "directory"
};
var LayerWriter = class {
  constructor(pkg, writer, opts) {
    this.pkg = pkg;
    this.writer = writer;
    this.opts = opts;
  }
  pkg;
  writer;
  opts;
  /** Every data.tar path met so far (excluded ones too) and its type. */
  seen = /* @__PURE__ */ new Map();
  /** Paths actually in the layer. */
  written = /* @__PURE__ */ new Map();
  fileCount = 0;
  bytes = 0;
  entryCount = 0;
  counts() {
    return { fileCount: this.fileCount, bytes: this.bytes, entryCount: this.entryCount };
  }
  async addDataEntry({ header, body }) {
    const path = normalisePath(header.path);
    const type = KINDS[header.typeflag];
    if (path === "") {
      if (type === "directory") return;
      throw this.unsafe(header.path, "is the archive root but not a directory");
    }
    if (path === null) throw this.unsafe(header.path, "escapes the root (absolute or `..`)");
    if (type === void 0) throw this.unsafe(path, `has unsupported type ${describeType(header.typeflag)}`);
    this.checkPlacement(path);
    const entry = this.entryOf(header, path, type);
    this.seen.set(path, type);
    const excluded = this.opts.exclude?.(path) === true;
    const content = type === "file" ? this.captured(path, header.size, body) : void 0;
    if (excluded) {
      if (content !== void 0) await consume(content);
      return;
    }
    await this.emit(entry, content);
    if (type === "file") {
      this.fileCount += 1;
      this.bytes += entry.size;
    }
  }
  async addStatus(control, md5sums) {
    const parts = STATUS_DIR.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      const have = this.written.get(dir);
      if (have === "directory") continue;
      if (have !== void 0) throw this.unsafe(dir, `is a ${have}, so ${STATUS_DIR} cannot be created`);
      await this.emit(this.generated(dir, "directory", 493, 0));
    }
    const files = [[`${STATUS_DIR}/${this.pkg}`, statusStanza(control)]];
    if (md5sums !== void 0) files.push([`${STATUS_DIR}/${this.pkg}.md5sums`, md5sums]);
    for (const [path, text] of files) {
      if (this.seen.has(path)) throw this.unsafe(path, "is shipped by the package, and generated too");
      const bytes = Buffer.from(text, "utf8");
      await this.emit(this.generated(path, "file", 420, bytes.length), bytes);
    }
  }
  generated(path, type, mode, size) {
    return { path, type, mode, uid: 0, gid: 0, mtime: this.opts.epoch, size };
  }
  async emit(entry, body) {
    await this.writer.add(entry, body);
    this.written.set(entry.path, entry.type);
    this.entryCount += 1;
    this.opts.onEntry?.(entry);
  }
  /** No duplicates, and nothing below a symlink or file of this archive (that would write through the link). */
  checkPlacement(path) {
    if (this.seen.has(path)) throw this.unsafe(path, "appears twice");
    for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) {
      const parent = this.seen.get(path.slice(0, i));
      if (parent !== void 0 && parent !== "directory") throw this.unsafe(path, `is below a ${parent} (${path.slice(0, i)})`);
    }
  }
  entryOf(h, path, type) {
    const entry = {
      path,
      type,
      mode: h.mode & 4095,
      uid: h.uid,
      gid: h.gid,
      mtime: Math.min(h.mtime, this.opts.epoch),
      size: type === "file" ? h.size : 0
    };
    if (type === "symlink") entry.linkname = this.symlinkTarget(path, h.linkname);
    if (type === "hardlink") entry.linkname = this.hardlinkTarget(path, h.linkname);
    return entry;
  }
  /** Stored as is; a relative target must stay inside the root when taken from the link's directory. */
  symlinkTarget(path, target) {
    if (target === "" || target.includes("\0")) throw this.unsafe(path, "is a symlink without a target");
    if (!target.startsWith("/") && climbsAboveRoot(posix.dirname(path), target)) {
      throw this.unsafe(path, `is a symlink to ${target}, outside the root`);
    }
    return target;
  }
  hardlinkTarget(path, linkname) {
    const target = normalisePath(linkname);
    if (target === null || target === "") throw this.unsafe(path, `is a hardlink to ${linkname}, outside the root`);
    const kind = this.seen.get(target);
    if (kind !== "file") throw this.unsafe(path, `is a hardlink to ${target}, which is not a file earlier in the archive`);
    if (!this.written.has(target)) throw this.unsafe(path, `is a hardlink to ${target}, which is excluded from the layer`);
    return target;
  }
  /** The body, teed into `onFile` when the path is captured. */
  captured(path, size, body) {
    const { capture, onFile } = this.opts;
    if (capture === void 0 || onFile === void 0 || !capture(path)) return body;
    const max = this.opts.maxCaptureBytes ?? 16 * 1024 * 1024;
    if (size > max) throw new DistrolessError("DEB_INVALID", `${this.pkg}: ${path} is too large to capture (${size} bytes)`);
    return (async function* () {
      const chunks = [];
      for await (const chunk of body) {
        chunks.push(chunk);
        yield chunk;
      }
      onFile(path, Buffer.concat(chunks));
    })();
  }
  unsafe(path, why) {
    return new DistrolessError("UNSAFE_ENTRY", `${this.pkg}: ${JSON.stringify(path)} ${why}`);
  }
};
function normalisePath(raw) {
  if (raw.startsWith("/")) return null;
  const parts = [];
  for (const part of raw.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") return null;
    parts.push(part);
  }
  return parts.join("/");
}
function climbsAboveRoot(dir, target) {
  const stack = dir === "." || dir === "" ? [] : dir.split("/");
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return true;
      stack.pop();
    } else stack.push(part);
  }
  return false;
}
function describeType(flag) {
  const names = { "3": "character device", "4": "block device", "6": "fifo" };
  return names[flag] ?? `'${flag === "\0" ? "\\0" : flag}'`;
}
async function consume(body) {
  for await (const _chunk of body) continue;
}

// src/attest/licenses.ts
var SPDX_IDS = [
  "0BSD",
  "AFL-2.0",
  "AFL-2.1",
  "AFL-3.0",
  "Apache-1.0",
  "Apache-1.1",
  "Apache-2.0",
  "Artistic-1.0",
  "Artistic-1.0-Perl",
  "Artistic-2.0",
  "Beerware",
  "BSD-1-Clause",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "BSD-4-Clause",
  "BSL-1.0",
  "bzip2-1.0.6",
  "CC-BY-3.0",
  "CC-BY-4.0",
  "CC-BY-SA-3.0",
  "CC-BY-SA-4.0",
  "CC0-1.0",
  "CDDL-1.0",
  "curl",
  "ECL-2.0",
  "EPL-1.0",
  "EPL-2.0",
  "FSFAP",
  "FSFUL",
  "FSFULLR",
  "FTL",
  "HPND",
  "ICU",
  "IJG",
  "ISC",
  "Latex2e",
  "Libpng",
  "libpng-2.0",
  "LPPL-1.3c",
  "MIT",
  "MIT-0",
  "MPL-1.1",
  "MPL-2.0",
  "Ms-PL",
  "NCSA",
  "NTP",
  "OFL-1.1",
  "OpenSSL",
  "PHP-3.01",
  "PostgreSQL",
  "PSF-2.0",
  "Python-2.0",
  "Ruby",
  "Sleepycat",
  "TCL",
  "UFL-1.0",
  "Unicode-3.0",
  "Unicode-DFS-2015",
  "Unicode-DFS-2016",
  "Unlicense",
  "Vim",
  "W3C",
  "WTFPL",
  "X11",
  "Zlib",
  "zlib-acknowledgement",
  "ZPL-2.1"
];
var BY_LOWER = new Map(SPDX_IDS.map((id) => [id.toLowerCase(), id]));
var DEBIAN_NAMES = {
  expat: "MIT",
  "apache-2": "Apache-2.0",
  "apache-1": "Apache-1.0",
  // Debian's /usr/share/common-licenses/Artistic is Perl's ("Artistic License 1.0 (Perl)", says base-files).
  artistic: "Artistic-1.0-Perl",
  "artistic-1": "Artistic-1.0-Perl",
  "artistic-2": "Artistic-2.0",
  "mpl-1": "MPL-1.0",
  "mpl-2": "MPL-2.0",
  cc0: "CC0-1.0",
  "zope-2.1": "ZPL-2.1",
  "psf-2": "PSF-2.0",
  python: "Python-2.0",
  "python-2": "Python-2.0",
  "bsl-1": "BSL-1.0",
  libpng: "Libpng",
  "mit-0": "MIT-0"
};
var GNU_VERSIONS = {
  GPL: ["1.0", "2.0", "3.0"],
  LGPL: ["2.0", "2.1", "3.0"],
  AGPL: ["1.0", "3.0"],
  GFDL: ["1.1", "1.2", "1.3"]
};
var EXCEPTIONS = {
  autoconf: { "2": "Autoconf-exception-2.0", "3": "Autoconf-exception-3.0" },
  libtool: "Libtool-exception",
  font: "Font-exception-2.0",
  llvm: "LLVM-exception",
  classpath: "Classpath-exception-2.0",
  "gcc-runtime-3.1": "GCC-exception-3.1",
  "gcc-3.1": "GCC-exception-3.1",
  bison: "Bison-exception-2.2"
};
function gnuId(name) {
  const m = /^(A|L)?(GPL|FDL)-?(NIV-)?(\d)(?:\.(\d))?(\+)?$/i.exec(name.replace(/^GFDL/i, "FDL"));
  if (!m) return void 0;
  const family = m[2]?.toUpperCase() === "FDL" ? "GFDL" : `${(m[1] ?? "").toUpperCase()}GPL`;
  const version = `${m[4]}.${m[5] ?? "0"}`;
  if (!GNU_VERSIONS[family]?.includes(version)) return void 0;
  if (m[3] && family !== "GFDL") return void 0;
  const invariants = m[3] ? "-no-invariants" : "";
  return `${family}-${version}${invariants}-${m[6] ? "or-later" : "only"}`;
}
function licenseRef(name) {
  const id = name.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^[-.]+|-+$/g, "");
  return `LicenseRef-${id === "" ? "unnamed" : id}`;
}
function spdxLicenseId(name) {
  const lower = name.toLowerCase();
  return BY_LOWER.get(lower) ?? DEBIAN_NAMES[lower] ?? gnuId(name) ?? licenseRef(name);
}
function withException(term2) {
  const m = /^(\S+)\s+with\s+(.+?)\s+exception$/i.exec(term2) ?? /^(.+)-([A-Za-z]+)-exception$/i.exec(term2);
  if (!m?.[1] || !m[2]) return void 0;
  const id = spdxLicenseId(m[1]);
  const known = EXCEPTIONS[m[2].toLowerCase()];
  const major = /-(\d)\.\d-/.exec(id)?.[1] ?? "";
  const exception = typeof known === "string" ? known : known?.[major];
  if (id.startsWith("LicenseRef-") || exception === void 0) return void 0;
  return `${id} WITH ${exception}`;
}
var NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+/-]*$/;
function term(text) {
  const t = text.trim().replace(/\s+/g, " ");
  if (NAME.test(t)) return /-exception$/i.test(t) ? withException(t) ?? licenseRef(t) : spdxLicenseId(t);
  if (/^\S+ with .+ exception$/i.test(t)) {
    if (!NAME.test(t.split(" ")[0] ?? "")) return void 0;
    return withException(t) ?? licenseRef(t);
  }
  return void 0;
}
function operands(text, op) {
  return text.split(new RegExp(`\\s+${op}\\s+`, "i"));
}
function group(text) {
  const alternatives = [];
  for (const alt of operands(text, "or")) {
    const all = operands(alt, "and").map(term);
    if (all.some((t) => t === void 0)) return void 0;
    alternatives.push(all.length > 1 && operands(text, "or").length > 1 ? `(${all.join(" AND ")})` : all.join(" AND "));
  }
  return alternatives.join(" OR ");
}
function synopsisToSpdx(synopsis) {
  const text = synopsis.trim();
  if (text === "") return void 0;
  const parts = text.split(/\s*,\s*/);
  let expr = group(parts[0] ?? "");
  for (const part of parts.slice(1)) {
    const m = /^(and|or)\s+(.*)$/i.exec(part);
    const rest = m?.[2] === void 0 ? void 0 : group(m[2]);
    if (expr === void 0 || rest === void 0 || !m?.[1]) return void 0;
    expr = `(${expr}) ${m[1].toUpperCase()} (${rest})`;
  }
  return expr;
}
function licenseRefsOf(expression) {
  return [...new Set(expression.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? [])];
}
function conjunction(expressions) {
  const distinct = [...new Set(expressions)];
  if (distinct.length === 0) return "NOASSERTION";
  if (distinct.length === 1) return distinct[0];
  return distinct.map((e) => /\sOR\s/.test(e) ? `(${e})` : e).join(" AND ");
}

// src/attest/dep5.ts
function copyrightParagraphs(text) {
  const out = [];
  let current;
  let last;
  for (const raw of text.replace(/\r\n?/g, "\n").split("\n")) {
    if (raw.trim() === "") {
      current = void 0;
      last = void 0;
      continue;
    }
    if (/^[ \t]/.test(raw)) {
      last?.push(raw.trim() === "." ? "" : raw.trim());
      continue;
    }
    if (raw.startsWith("#")) continue;
    const field = /^([A-Za-z0-9][A-Za-z0-9-]*):(.*)$/.exec(raw);
    if (!field?.[1]) {
      last?.push(raw.trim());
      continue;
    }
    if (!current) {
      current = /* @__PURE__ */ new Map();
      out.push(current);
    }
    const key = field[1].toLowerCase();
    last = [(field[2] ?? "").trim()];
    if (!current.has(key)) current.set(key, last);
  }
  return out;
}
function isDep5(paragraphs) {
  const format = paragraphs[0]?.get("format")?.[0] ?? "";
  return /copyright-format|dep-?5/i.test(format);
}
function parseCopyright(text) {
  const paragraphs = copyrightParagraphs(text);
  if (!isDep5(paragraphs)) {
    return { format: "text", declared: "NOASSERTION", copyrightText: freeTextCopyright(text), licenseRefs: {}, unparsed: [] };
  }
  const expressions = [];
  const unparsed = [];
  const copyright = [];
  const texts = /* @__PURE__ */ new Map();
  paragraphs.forEach((p, i) => {
    const license = p.get("license");
    const header = i === 0;
    const files = p.has("files") || header;
    if (files) copyright.push(...p.get("copyright") ?? []);
    if (!license) return;
    const [synopsis = "", ...body] = license;
    const expression = synopsisToSpdx(synopsis);
    if (files && expression !== void 0) expressions.push(expression);
    else if (files && synopsis.trim() !== "") unparsed.push(synopsis.trim());
    const ref = expression !== void 0 && /^LicenseRef-[A-Za-z0-9.-]+$/.test(expression) ? expression : void 0;
    const bodyText = body.join("\n").trim();
    if (ref && bodyText !== "" && !texts.has(ref)) texts.set(ref, bodyText);
  });
  const declared = conjunction(expressions);
  const licenseRefs = {};
  for (const ref of licenseRefsOf(declared)) licenseRefs[ref] = texts.get(ref) ?? "";
  return { format: "dep5", declared, copyrightText: joinLines(copyright), licenseRefs, unparsed: [...new Set(unparsed)] };
}
function freeTextCopyright(text) {
  const lines = text.split(/\r?\n/).filter((l) => /^\s*Copyright\s*(\(c\)|©|\d)/i.test(l));
  return joinLines(lines);
}
function joinLines(lines) {
  const distinct = [...new Set(lines.map((l) => l.trim()).filter((l) => l !== ""))];
  return distinct.length === 0 ? "NOASSERTION" : distinct.join("\n");
}

// src/attest/copyright.ts
var DOC = "usr/share/doc/";
var COPYRIGHT = /^usr\/share\/doc\/[^/]+\/copyright$/;
var MAX_COPYRIGHT_BYTES = 64 * 1024 * 1024;
var MAX_LINK_HOPS = 8;
var CopyrightCollector = class {
  constructor(pkg) {
    this.pkg = pkg;
  }
  pkg;
  files = /* @__PURE__ */ new Map();
  /** Link path → target path relative to the root (null: points outside the root). */
  links = /* @__PURE__ */ new Map();
  /** Options for writePackageLayer (build/package-layer.ts): capture the copyright files, see every link. */
  get layerOptions() {
    return {
      capture: (path) => COPYRIGHT.test(path),
      onFile: (path, bytes) => this.files.set(path, bytes),
      onEntry: (entry) => this.addLink(entry.path, entry.type, entry.linkname),
      maxCaptureBytes: MAX_COPYRIGHT_BYTES
    };
  }
  addLink(path, type, linkname) {
    if (!path.startsWith(DOC) || linkname === void 0) return;
    if (type === "hardlink") this.links.set(path, normalisePath(linkname) || null);
    else if (type === "symlink") {
      const target = linkname.startsWith("/") ? normalisePath(linkname.slice(1)) : normalisePath(posix2.join(posix2.dirname(path), linkname));
      this.links.set(path, target || null);
    }
  }
  addFile(path, bytes) {
    this.files.set(path, bytes);
  }
  /** The package's licence facts, from what was seen. */
  result() {
    const path = this.resolve(`${DOC}${this.pkg}/copyright`);
    if (path === void 0) return { kind: "none" };
    const bytes = this.files.get(path);
    if (bytes !== void 0) return { kind: "file", path, info: parseCopyright(bytes.toString("utf8")) };
    const other = /^usr\/share\/doc\/([^/]+)\/copyright$/.exec(path)?.[1];
    return other !== void 0 && other !== this.pkg ? { kind: "package", package: other } : { kind: "none" };
  }
  /** `path` with every link among its prefixes followed (within this .deb); undefined when a link leaves the root or loops. */
  resolve(path) {
    let current = path;
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const parts = current.split("/");
      let next;
      for (let i = parts.length; i >= 1 && next === void 0; i--) {
        const prefix = parts.slice(0, i).join("/");
        if (!this.links.has(prefix)) continue;
        const target = this.links.get(prefix);
        if (target === null || target === void 0) return void 0;
        next = [target, ...parts.slice(i)].join("/");
      }
      if (next === void 0) return current;
      current = next;
    }
    return void 0;
  }
};
async function readDebLicense(debPath, pkg, deb) {
  const opened = await openDeb(debPath, pkg, deb);
  const collector = new CopyrightCollector(pkg);
  for await (const { header, body } of readTar(opened.dataTar(), { source: `${pkg}: ${opened.dataMember.name}` })) {
    const path = normalisePath(header.path);
    if (path === null || path === "") continue;
    if (header.typeflag === TYPE.symlink) collector.addLink(path, "symlink", header.linkname);
    else if (header.typeflag === TYPE.hardlink) collector.addLink(path, "hardlink", header.linkname);
    else if ((header.typeflag === TYPE.file || header.typeflag === TYPE.oldFile) && COPYRIGHT.test(path)) {
      if (header.size > MAX_COPYRIGHT_BYTES) throw new DistrolessError("DEB_INVALID", `${pkg}: ${path} is too large (${header.size} bytes)`);
      const chunks = [];
      for await (const chunk of body) chunks.push(chunk);
      collector.addFile(path, Buffer.concat(chunks));
    }
  }
  return collector.result();
}

// src/attest/license-cache.ts
var LICENSE_CACHE_VERSION = 1;
var LicenseCache = class {
  constructor(dir) {
    this.dir = dir;
  }
  dir;
  path(sha2562) {
    return join2(this.dir, `${sha2562}.json`);
  }
  /** The cached facts of a .deb, or undefined (none, unreadable, or from another parser version). */
  async get(deb) {
    const text = await readFile(this.path(deb.sha256), "utf8").catch(() => void 0);
    if (text === void 0) return void 0;
    try {
      const entry = JSON.parse(text);
      if (entry.version !== LICENSE_CACHE_VERSION || entry.sha256 !== deb.sha256 || entry.package !== deb.name) return void 0;
      const kind = entry.license?.kind;
      return kind === "file" || kind === "package" || kind === "none" ? entry.license : void 0;
    } catch {
      return void 0;
    }
  }
  async put(deb, license) {
    const entry = { version: LICENSE_CACHE_VERSION, sha256: deb.sha256, package: deb.name, license };
    await writeFilesAtomically([{ path: this.path(deb.sha256), content: `${JSON.stringify(entry)}
` }]);
  }
  /**
   * Hooks for one package layer build: pass `layerOptions` to writePackageLayer, then `save()` once the layer
   * is written. A failed cache write is reported to `onError` and does not fail the build.
   */
  capture(deb, onError = () => void 0) {
    const collector = new CopyrightCollector(deb.name);
    return {
      layerOptions: collector.layerOptions,
      save: () => this.put(deb, collector.result()).catch(onError)
    };
  }
};
function licenseLookup(opts) {
  const memo = /* @__PURE__ */ new Map();
  const slot = limiter(opts.concurrency ?? 2);
  const lookup = async (deb) => {
    const cached = await opts.cache?.get(deb);
    if (cached !== void 0) return cached;
    const path = await opts.debPath?.(deb);
    if (path === void 0) return void 0;
    const license = await slot(() => readDebLicense(path, deb.name, opts.deb));
    await opts.cache?.put(deb, license).catch(() => void 0);
    return license;
  };
  return (deb) => {
    const key = `${deb.sha256}/${deb.name}`;
    let p = memo.get(key);
    if (p === void 0) {
      p = lookup(deb);
      memo.set(key, p);
    }
    return p;
  };
}

// src/attest/context.ts
async function createAttestContext(opts) {
  const config = opts.config ?? (opts.configFile !== void 0 ? await loadConfig(opts.configFile) : void 0);
  if (!config) throw new DistrolessError("USAGE", "attestations need a config (config or configFile)");
  const root = resolve(opts.repoRoot ?? dirname(config.file));
  const distros = {};
  for (const name of Object.keys(config.distros)) {
    const file = lockfilePath(opts.lockDir, name);
    const bytes = await readFile2(file).catch((e) => {
      if (e.code === "ENOENT") return void 0;
      throw e;
    });
    if (bytes === void 0) continue;
    const lock = parseLockfile(bytes.toString("utf8"), file);
    distros[name] = { lock, path: repoPath(root, file), sha256: sha256(bytes), configDigest: configDigest(config, name), epoch: opts.epoch ?? lockEpoch(lock) };
  }
  return {
    config,
    configFile: { path: repoPath(root, config.file), sha256: sha256(await readFile2(config.file)) },
    distros,
    ...opts.invocation ? { invocation: opts.invocation } : {},
    ...opts.startedOn ? { startedOn: opts.startedOn } : {},
    ...opts.finishedOn ? { finishedOn: opts.finishedOn } : {},
    licenses: opts.licenses ?? cacheLicenses(opts.cacheDir, opts.deb, opts.download && opts.cacheDir ? debDownloader(config, () => Object.values(distros).map((d) => d.lock), opts.cacheDir, opts.download) : void 0)
  };
}
function cacheLicenses(cacheDir, deb, download) {
  if (cacheDir === void 0) return async () => void 0;
  return licenseLookup({
    cache: new LicenseCache(join3(cacheDir, "licenses")),
    debPath: async (ref) => {
      const path = join3(cacheDir, "debs", `${ref.sha256}.deb`);
      if ((await stat(path).catch(() => void 0))?.isFile() && await hashFile(path) === ref.sha256) return path;
      return download?.(ref);
    },
    ...deb ? { deb } : {}
  });
}
function downloadUrl(lock, pin) {
  const source = lock.sources.find((s) => s.suite === pin.suite);
  if (!source) throw new DistrolessError("LOCK_INVALID", `${lock.distro}: a package comes from suite ${pin.suite}, which the lock does not list`);
  return `${source.url.replace(/\/+$/, "")}/${pin.filename}`;
}
function sha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}
function repoPath(root, path) {
  const rel = relative(root, resolve(path));
  if (rel === "" || rel.startsWith("..")) return resolve(path).split(sep).join("/");
  return rel.split(sep).join("/");
}

// src/attest/spdx.ts
import { createHash as createHash2 } from "node:crypto";
import { posix as posix3 } from "node:path";

// src/attest/purl.ts
function purlEncode(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%3A/g, ":");
}
function qualifiers(q) {
  const parts = Object.keys(q).filter((k) => q[k] !== void 0 && q[k] !== "").sort().map((k) => `${k}=${purlEncode(q[k]).replace(/%2F/g, "/")}`);
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}
function debPurl(name, version, arch, distroVersion) {
  return `pkg:deb/debian/${purlEncode(name)}@${purlEncode(version)}${qualifiers({ arch, distro: `debian-${distroVersion}` })}`;
}
function ociPurl(reference, digest, ociArch) {
  const repository = reference.replace(/@.*$/, "").replace(/:[^/:]*$/, "");
  const name = (repository.split("/").pop() ?? repository).toLowerCase();
  const repositoryUrl = repository.includes("/") ? repository : void 0;
  return `pkg:oci/${purlEncode(name)}@${purlEncode(digest)}${qualifiers({ arch: ociArch, repository_url: repositoryUrl })}`;
}

// src/attest/spdx.ts
var DOCUMENT_ID = "SPDXRef-DOCUMENT";
var IMAGE_ID = "SPDXRef-Image";
var INDEX_ID = "SPDXRef-ImageIndex";
var DEBIAN_SUPPLIER = "Organization: Debian";
function debSpdxId(imageArch, name) {
  return `SPDXRef-Package-deb-${imageArch}-${name.replace(/\+/g, "Plus")}`.replace(/[^A-Za-z0-9.-]/g, "-");
}
function spdxDocument(input) {
  const rootId = input.subject.ociArch === void 0 ? INDEX_ID : IMAGE_ID;
  const packages = [rootPackage(input, rootId)];
  const relationships = [{ spdxElementId: DOCUMENT_ID, relationshipType: "DESCRIBES", relatedSpdxElement: rootId }];
  for (const { arch, packages: debs } of input.archs) {
    const names = new Set(debs.map((p) => p.name));
    for (const p of debs) {
      const id = debSpdxId(arch, p.name);
      packages.push(debPackage(p, id, input.distroVersion));
      relationships.push({ spdxElementId: rootId, relationshipType: "CONTAINS", relatedSpdxElement: id });
    }
    for (const p of debs) {
      if (p.requiredBy !== "" && names.has(p.requiredBy)) {
        relationships.push({ spdxElementId: debSpdxId(arch, p.requiredBy), relationshipType: "DEPENDS_ON", relatedSpdxElement: debSpdxId(arch, p.name) });
      }
    }
  }
  const extracted = extractedLicenses(input.archs.flatMap((a) => a.packages));
  const body = {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: DOCUMENT_ID,
    name: input.name,
    documentNamespace: "",
    creationInfo: { created: epochToRfc3339(input.epoch), creators: [`Tool: ${TOOL_NAME}-${VERSION}`] },
    packages,
    relationships,
    ...extracted.length > 0 ? { hasExtractedLicensingInfos: extracted } : {}
  };
  const hash = createHash2("sha256").update(JSON.stringify(body)).digest("hex");
  return { ...body, documentNamespace: `${TOOL_URI}/spdx/${encodeURIComponent(input.name)}-${hash}` };
}
function rootPackage(input, id) {
  const { subject } = input;
  const archs = input.archs.map((a) => a.arch).join(", ");
  return {
    SPDXID: id,
    name: subject.name,
    versionInfo: subject.digest,
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    checksums: [{ algorithm: "SHA256", checksumValue: sha256Hex(subject.digest) }],
    licenseConcluded: "NOASSERTION",
    licenseDeclared: "NOASSERTION",
    copyrightText: "NOASSERTION",
    comment: subject.ociArch === void 0 ? `OCI image index (Debian archs: ${archs})` : `OCI image manifest (Debian arch ${archs})`,
    externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: ociPurl(subject.name, subject.digest, subject.ociArch) }],
    primaryPackagePurpose: "CONTAINER"
  };
}
function debPackage(p, id, distroVersion) {
  const { pin, license } = p;
  return {
    SPDXID: id,
    name: p.name,
    versionInfo: pin.version,
    packageFileName: posix3.basename(pin.filename),
    supplier: DEBIAN_SUPPLIER,
    downloadLocation: p.downloadLocation,
    filesAnalyzed: false,
    checksums: [{ algorithm: "SHA256", checksumValue: pin.sha256 }],
    sourceInfo: `built package from: ${pin.source} ${pin.sourceVersion}`,
    licenseConcluded: "NOASSERTION",
    licenseDeclared: license.declared,
    ...license.comment === void 0 ? {} : { licenseComments: license.comment },
    copyrightText: license.copyrightText,
    externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: debPurl(p.name, pin.version, pin.architecture, distroVersion) }]
  };
}
function extractedLicenses(packages) {
  const out = /* @__PURE__ */ new Map();
  for (const p of packages) {
    for (const id of licenseRefsOf(p.license.declared)) {
      const text = p.license.licenseRefs[id] ?? "";
      const have = out.get(id);
      if (have !== void 0 && (have.extractedText !== "" || text === "")) continue;
      out.set(id, { licenseId: id, name: id.slice("LicenseRef-".length), extractedText: text });
    }
  }
  const refs = [...out.values()].sort((a, b) => a.licenseId < b.licenseId ? -1 : a.licenseId > b.licenseId ? 1 : 0);
  const owner = (id) => packages.find((p) => licenseRefsOf(p.license.declared).includes(id))?.name ?? "";
  return refs.map((r) => r.extractedText !== "" ? r : { ...r, extractedText: `Named "${r.name}" without its text in /usr/share/doc/${owner(r.licenseId)}/copyright (Debian package).` });
}

// src/attest/subject.ts
async function attestationsFor(ctx, subject) {
  const resolved = resolveSubject(ctx, subject);
  const archs = await packagesOf(ctx, subject, resolved);
  const sbom = sbomDocument(subject, resolved, archs);
  const provenance = provenanceFor(ctx, subject, resolved, archs);
  return [inTotoStatement(subject, SPDX_PREDICATE_TYPE, sbom), inTotoStatement(subject, SLSA_PROVENANCE_PREDICATE_TYPE, provenance)];
}
async function sbomFor(ctx, subject) {
  const resolved = resolveSubject(ctx, subject);
  return sbomDocument(subject, resolved, await packagesOf(ctx, subject, resolved));
}
function sbomDocument(subject, r, archs) {
  const ociArch = subject.arch === void 0 ? void 0 : debianPlatform(r.archs[0] ?? "").architecture;
  return spdxDocument({
    name: r.documentName,
    subject: { name: subject.name, digest: subject.digest, ...ociArch ? { ociArch } : {} },
    distroVersion: r.distroVersion,
    epoch: r.distro.epoch,
    archs
  });
}
function provenanceFor(ctx, subject, r, archs) {
  const debs = /* @__PURE__ */ new Map();
  for (const p of archs.flatMap((a) => a.packages)) {
    debs.set(p.pin.sha256, { name: p.name, arch: p.pin.architecture, version: p.pin.version, url: p.downloadLocation, sha256: p.pin.sha256 });
  }
  const lockfiles = Object.values(ctx.distros).map((d) => ({ path: d.path, sha256: d.sha256 }));
  return slsaProvenance({
    configPath: ctx.configFile.path,
    image: subject.image,
    distro: subject.distro,
    variant: subject.variant,
    arch: subject.arch === void 0 ? "index" : r.archs[0] ?? "",
    ...subject.arch === void 0 ? { archs: r.archs } : {},
    epoch: r.distro.epoch,
    snapshots: r.distro.lock.sources.map((s) => ({ suite: s.suite, snapshot: s.snapshot, date: s.date })),
    lockfiles,
    config: { path: ctx.configFile.path, sha256: ctx.configFile.sha256, configDigest: r.distro.configDigest },
    debs: [...debs.values()],
    ...ctx.invocation ? { invocation: ctx.invocation } : {},
    ...ctx.startedOn ? { startedOn: ctx.startedOn } : {},
    ...ctx.finishedOn ? { finishedOn: ctx.finishedOn } : {}
  });
}
function resolveSubject(ctx, s) {
  const image = ctx.config.images[s.image];
  const distroConfig = ctx.config.distros[s.distro];
  if (!image || !distroConfig || image.distro !== s.distro) throw usage(s, `the config has no image ${s.image} of distro ${s.distro}`);
  if (!VARIANTS.includes(s.variant)) throw usage(s, `unknown variant ${s.variant} (${VARIANTS.join(", ")})`);
  const distro = ctx.distros[s.distro];
  if (!distro) throw new DistrolessError("LOCK_INVALID", `${s.distro}: no lockfile; run "distroless-action update" first`);
  if (distro.lock.configDigest !== distro.configDigest) throw new DistrolessError("LOCK_STALE", `${distro.path} was made for another version of ${ctx.configFile.path}; run "distroless-action update"`);
  const locked = (a) => distro.lock.images[s.image]?.[a] !== void 0;
  const wanted = s.arch !== void 0 ? [s.arch] : s.archs ?? image.archs.filter(locked);
  const archs = [...new Set(wanted.map((a) => debianArch(distro.lock, a, s)))].sort((a, b) => order(a) - order(b));
  for (const a of archs) if (!locked(a)) throw new DistrolessError("LOCK_STALE", `image ${s.image}: no locked packages for ${a}`);
  if (archs.length === 0) throw usage(s, "no arch of the image is in the lock");
  const documentName = `${s.image}-${s.distro}-${s.variant}${s.arch === void 0 ? "" : `-${platformTagSuffix(archs[0] ?? "")}`}`;
  return { distro, distroVersion: distroConfig.version, archs, documentName };
}
function debianArch(lock, arch, s) {
  if (lock.packages[arch] !== void 0) return arch;
  const found = Object.keys(lock.packages).find((a) => SUPPORTED_DEBIAN_ARCHES.includes(a) && platformTagSuffix(a) === arch);
  if (found === void 0) throw usage(s, `arch ${arch} is not in the lock (locked: ${Object.keys(lock.packages).join(", ")})`);
  return found;
}
function order(arch) {
  const i = SUPPORTED_DEBIAN_ARCHES.indexOf(arch);
  return i === -1 ? SUPPORTED_DEBIAN_ARCHES.length : i;
}
function usage(s, why) {
  return new DistrolessError("USAGE", `attestation for ${s.name}@${s.digest}: ${why}`);
}
async function packagesOf(ctx, s, r) {
  const lock = r.distro.lock;
  const debug = s.variant.startsWith("debug");
  return Promise.all(
    r.archs.map(async (arch) => {
      const closure = { ...lock.images[s.image]?.[arch]?.packages, ...debug ? lock.images[DEBUG_KEY]?.[arch]?.packages : {} };
      const names = Object.keys(closure).sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
      const packages = await mapLimit(names, 8, async (name) => {
        const pin = lock.packages[arch]?.[name];
        if (!pin) throw new DistrolessError("LOCK_INVALID", `${lock.distro}: ${name} (${arch}) is in image ${s.image} but has no pin`);
        const license = await sbomLicense(ctx, lock, arch, name, await ctx.licenses({ name, sha256: pin.sha256 }));
        return { name, imageArch: arch, pin, downloadLocation: downloadUrl(lock, pin), requiredBy: closure[name] ?? "", license };
      });
      return { arch, packages };
    })
  );
}
var UNKNOWN = { declared: "NOASSERTION", copyrightText: "NOASSERTION", licenseRefs: {} };
async function sbomLicense(ctx, lock, arch, name, facts) {
  if (facts === void 0) return { ...UNKNOWN, comment: "The copyright file was not read: the .deb was not available when this document was made." };
  if (facts.kind === "none") return { ...UNKNOWN, comment: `The package ships no /usr/share/doc/${name}/copyright.` };
  if (facts.kind === "package") {
    const other = lock.packages[arch]?.[facts.package];
    const theirs = other ? await ctx.licenses({ name: facts.package, sha256: other.sha256 }) : void 0;
    const via = `/usr/share/doc/${name} is a link to /usr/share/doc/${facts.package}`;
    if (theirs?.kind !== "file") return { ...UNKNOWN, comment: `${via}, whose copyright file is not in this lock's ${facts.package} (${arch}).` };
    return fromFile(theirs, `${via}: the copyright file of ${facts.package} ${other?.version ?? ""} applies.`);
  }
  return fromFile(facts);
}
function fromFile(facts, note) {
  const { info } = facts;
  const notes = [note, info.format === "text" ? `/${facts.path} is not in the machine-readable (DEP-5) format.` : void 0];
  if (info.unparsed.length > 0) notes.push(`License: fields that are not short names were left out: ${info.unparsed.map((u) => JSON.stringify(u.slice(0, 80))).join(", ")}.`);
  const comment = notes.filter((n) => n !== void 0).join(" ");
  return { declared: info.declared, copyrightText: info.copyrightText, licenseRefs: info.licenseRefs, ...comment === "" ? {} : { comment } };
}

// src/attest/files.ts
import { readFile as readFile3 } from "node:fs/promises";
import { join as join4 } from "node:path";
async function writeBuildSboms(opts) {
  const holder = {};
  const licenses = buildLicenses(opts, () => holder.ctx);
  const ctx = await createAttestContext({ config: opts.config, lockDir: opts.lockDir, licenses, ...opts.epoch === void 0 ? {} : { epoch: opts.epoch } });
  holder.ctx = ctx;
  const subjects = [];
  const distroOf = (image) => opts.config.images[image]?.distro ?? "";
  for (const i of opts.images) {
    subjects.push({ image: i.image, distro: distroOf(i.image), variant: i.variant, arch: i.arch, name: `${i.image}-${distroOf(i.image)}`, digest: i.digest });
  }
  for (const x of opts.indexes) {
    const archs = opts.images.filter((i) => i.image === x.image && i.variant === x.variant).map((i) => i.arch);
    subjects.push({ image: x.image, distro: distroOf(x.image), variant: x.variant, archs, name: `${x.image}-${distroOf(x.image)}`, digest: x.digest });
  }
  const docs = await Promise.all(subjects.map((s) => sbomFor(ctx, s)));
  const files = docs.map((doc) => ({ path: join4(opts.dir, `${doc.name}.spdx.json`), content: Buffer.from(`${JSON.stringify(doc, null, 2)}
`) }));
  await mapLimit(files, 8, async (f) => {
    const old = await readFile3(f.path).catch(() => void 0);
    if (old === void 0 || !old.equals(f.content)) await writeFilesAtomically([f]);
  });
  return files.map((f) => f.path).sort();
}
function buildLicenses(opts, context) {
  const fetchDeb = opts.fetchDeb;
  return licenseLookup({
    cache: new LicenseCache(join4(opts.cacheDir, "licenses")),
    ...fetchDeb ? {
      debPath: async (deb) => {
        const where = locate(context(), deb);
        return where ? fetchDeb(where.distro, where.arch, deb.name) : void 0;
      }
    } : {}
  });
}
function locate(ctx, deb) {
  for (const [distro, { lock }] of Object.entries(ctx?.distros ?? {})) {
    for (const [arch, pins] of Object.entries(lock.packages)) if (pins[deb.name]?.sha256 === deb.sha256) return { distro, arch };
  }
  return void 0;
}

export {
  BLOCK_SIZE,
  TYPE,
  padding,
  encodeEntryHeaders,
  openDeb,
  STATUS_DIR,
  writePackageLayer,
  statusStanza,
  licenseRef,
  spdxLicenseId,
  synopsisToSpdx,
  parseCopyright,
  CopyrightCollector,
  readDebLicense,
  LICENSE_CACHE_VERSION,
  LicenseCache,
  licenseLookup,
  createAttestContext,
  cacheLicenses,
  downloadUrl,
  debPurl,
  ociPurl,
  debSpdxId,
  spdxDocument,
  attestationsFor,
  sbomFor,
  writeBuildSboms
};
