import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DEBUG_KEY
} from "./chunk-252KFN6C.js";
import {
  writeFilesAtomically
} from "./chunk-BVZWJCHG.js";
import {
  DigestCounter,
  MEDIA_TYPES,
  blobExists,
  blobPath,
  canonicalJsonBytes,
  digestFile,
  importBlob,
  isDigest,
  isNotFound,
  publishBlob,
  sha256Digest,
  syncFile,
  tempBlobPath,
  writeBlobBytes
} from "./chunk-FLWSX5ME.js";
import {
  compareCodeUnits
} from "./chunk-K4BAZ34O.js";
import {
  mapLimit
} from "./chunk-BDURTKM7.js";
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/app/build-plan.ts
var VARIANTS = ["latest", "nonroot", "debug", "debug-nonroot"];
function planBuild(config, distro, lock, select, warn) {
  const depth = (n) => config.images[n]?.from === void 0 ? 0 : 1 + depth(config.images[n]?.from);
  const selected = select.images ?? Object.keys(config.images).filter((n) => config.images[n]?.distro === distro.name);
  const names = withAncestors(config, selected).sort((a, b) => depth(a) - depth(b));
  const plans = [];
  for (const name of names) {
    const image = config.images[name];
    if (!image) throw new DistrolessError("USAGE", `--image: unknown image "${name}" (the config defines: ${Object.keys(config.images).join(", ")})`);
    if (image.distro !== distro.name) continue;
    const ancestorOnly = !selected.includes(name);
    const wanted = image.archs.filter((a) => !select.archs || select.archs.includes(a));
    const archs = [];
    for (const arch of wanted) {
      if (lock.images[name]?.[arch] && lock.images[DEBUG_KEY]?.[arch] !== void 0) archs.push(arch);
      else if (ancestorOnly) continue;
      else if (select.archs) throw new DistrolessError("LOCK_STALE", `image ${name}: no locked packages for ${arch}; run "distroless-action update --arch ${arch}"`);
      else warn(`image ${name}: ${arch} is not in the lockfile (skipped; run "distroless-action update --arch ${arch}")`);
    }
    if (archs.length === 0) continue;
    plans.push({ image, archs, layerOrder: Object.fromEntries(archs.map((a) => [a, layerOrder(config, lock, name, a)])), ...ancestorOnly ? { ancestorOnly: true } : {} });
  }
  return plans;
}
function withAncestors(config, names) {
  const out = [...names];
  for (const name of names) {
    for (let cur = config.images[name]?.from; cur !== void 0 && !out.includes(cur); cur = config.images[cur]?.from) out.push(cur);
  }
  return out;
}
function layerOrder(config, lock, name, arch) {
  const chain = [];
  for (let cur = name; cur !== void 0; cur = config.images[cur]?.from) chain.unshift(cur);
  const order = [];
  const seen = /* @__PURE__ */ new Set();
  for (const link of chain) {
    const added = Object.keys(lock.images[link]?.[arch]?.packages ?? {}).filter((p) => !seen.has(p)).sort(compareCodeUnits);
    for (const p of added) seen.add(p);
    order.push(...added);
  }
  const own = lock.images[name]?.[arch]?.packages ?? {};
  return order.filter((p) => p in own);
}
function lockEpoch(lock) {
  const newest = Math.max(...lock.sources.map((s) => Date.parse(s.date)));
  if (!Number.isFinite(newest)) throw new DistrolessError("LOCK_INVALID", `lockfile of ${lock.distro}: no source date to derive the build epoch from`);
  return Math.floor(newest / 1e3);
}
function refNames(image, distro, variant, archSuffix) {
  const repo = `${image}-${distro}`;
  if (archSuffix !== void 0) return [`${repo}-${variant}-${archSuffix}`];
  return variant === "latest" ? [repo, `${repo}-latest`] : [`${repo}-${variant}`];
}

// src/oci/layer-cache.ts
import { readFile, rm as rm2 } from "node:fs/promises";
import { join } from "node:path";

// src/oci/layer.ts
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { PassThrough, Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { constants as zlibConstants, createGzip } from "node:zlib";
var DEFAULT_GZIP_LEVEL = 6;
var GZIP_OS_OFFSET = 9;
var GZIP_OS_UNIX = 3;
var ZLIB_CHUNK = 64 * 1024;
function gzipIdentity(level = DEFAULT_GZIP_LEVEL) {
  return `gzip-${level}/zlib-${process.versions.zlib ?? "unknown"}`;
}
async function writeLayerBlob(tar, blobsDir, opts = {}) {
  const level = opts.level ?? DEFAULT_GZIP_LEVEL;
  const temp = tempBlobPath(blobsDir);
  const uncompressed = new DigestCounter();
  const compressed = new DigestCounter();
  try {
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new DistrolessError("USAGE", `gzip level must be an integer from 0 to 9, got ${level}`);
    }
    await mkdir(blobsDir, { recursive: true });
    await pipeline([
      tar instanceof Readable ? tar : Readable.from(tar),
      uncompressed,
      new Coalescer(COALESCE_BYTES),
      createGzip({ level, chunkSize: ZLIB_CHUNK, strategy: zlibConstants.Z_DEFAULT_STRATEGY }),
      gzipOsNormaliser(),
      compressed,
      createWriteStream(temp, { flags: "wx", mode: 292, flush: true })
    ]);
    const blob = { digest: compressed.digest, size: compressed.bytes, diffId: uncompressed.digest };
    await publishBlob(temp, blobsDir, blob.digest, blob.size);
    return blob;
  } catch (e) {
    if (tar instanceof Readable) tar.destroy();
    await rm(temp, { force: true });
    throw e;
  }
}
var Coalescer = class extends Transform {
  constructor(size) {
    super();
    this.size = size;
  }
  size;
  pending = [];
  pendingBytes = 0;
  _transform(chunk, _encoding, callback) {
    if (this.pendingBytes === 0 && chunk.length >= this.size) {
      callback(null, chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.size) this.release();
    callback();
  }
  _flush(callback) {
    if (this.pendingBytes > 0) this.release();
    callback();
  }
  release() {
    this.push(this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes));
    this.pending = [];
    this.pendingBytes = 0;
  }
};
var COALESCE_BYTES = 64 * 1024;
function gzipOsNormaliser() {
  return new GzipOsByte();
}
var GzipOsByte = class extends Transform {
  offset = 0;
  _transform(chunk, _encoding, callback) {
    const at = GZIP_OS_OFFSET - this.offset;
    this.offset += chunk.length;
    if (at < 0 || at >= chunk.length || chunk[at] === GZIP_OS_UNIX) {
      callback(null, chunk);
      return;
    }
    const copy = Buffer.from(chunk);
    copy[at] = GZIP_OS_UNIX;
    callback(null, copy);
  }
};

// src/oci/layer-cache.ts
var ENTRY_VERSION = 1;
var LayerCache = class {
  constructor(dir, opts = {}) {
    this.dir = dir;
    this.blobsDir = join(dir, "blobs");
    this.keysDir = join(dir, "keys");
    this.verify = opts.verify ?? "size";
  }
  dir;
  /** The cache's `blobs` directory: pass it to `writeLayerBlob`, or read blobs with `blobPath`. */
  blobsDir;
  keysDir;
  verify;
  /** Layers being produced by `getOrWrite` in this process, so two images sharing a layer build it once. */
  inflight = /* @__PURE__ */ new Map();
  /** Path of a cached blob (whether or not it exists). */
  blobPath(digest) {
    return blobPath(this.blobsDir, digest);
  }
  /** The layer recorded under `key`, if its entry is readable and its blob passes the check; else undefined. */
  async get(key) {
    let text;
    try {
      text = await readFile(this.entryPath(key), "utf8");
    } catch (e) {
      if (isNotFound(e)) return void 0;
      throw e;
    }
    const entry = parseEntry(text);
    if (entry === void 0 || entry.key !== key) return void 0;
    const blob = { digest: entry.digest, size: entry.size, diffId: entry.diffId };
    if (!await blobExists(this.blobsDir, blob.digest, blob.size)) return void 0;
    if (this.verify === "digest") {
      const actual = await digestFile(this.blobPath(blob.digest));
      if (actual.digest !== blob.digest) {
        await rm2(this.blobPath(blob.digest), { force: true });
        return void 0;
      }
    }
    return blob;
  }
  /**
   * Records `blob` under `key`. The blob must already be in `blobsDir` (written there by `writeLayerBlob`)
   * with its size; the entry file is replaced atomically.
   */
  async put(key, blob) {
    if (!await blobExists(this.blobsDir, blob.digest, blob.size)) {
      throw new DistrolessError("USAGE", `layer cache: blob ${blob.digest} (${blob.size} bytes) is not in ${this.blobsDir}`);
    }
    const entry = { diffId: blob.diffId, digest: blob.digest, key, size: blob.size, version: ENTRY_VERSION };
    await writeFilesAtomically([{ path: this.entryPath(key), content: `${JSON.stringify(entry)}
` }]);
  }
  /**
   * The cached layer for `key`, or else a new one written from `tar()` (called only on a miss) and recorded.
   * Concurrent calls with the same key in this process share one write.
   */
  async getOrWrite(key, tar, opts = {}) {
    const running = this.inflight.get(key);
    if (running !== void 0) return running.then(({ blob }) => ({ blob, hit: true }));
    const work = (async () => {
      const cached = await this.get(key);
      if (cached !== void 0) return { blob: cached, hit: true };
      const blob = await writeLayerBlob(tar(), this.blobsDir, opts);
      await this.put(key, blob);
      return { blob, hit: false };
    })();
    this.inflight.set(key, work);
    try {
      return await work;
    } finally {
      this.inflight.delete(key);
    }
  }
  entryPath(key) {
    return join(this.keysDir, `${sha256Digest(key).slice("sha256:".length)}.json`);
  }
};
function parseEntry(text) {
  let v;
  try {
    v = JSON.parse(text);
  } catch {
    return void 0;
  }
  if (typeof v !== "object" || v === null) return void 0;
  const e = v;
  if (e.version !== ENTRY_VERSION || typeof e.key !== "string") return void 0;
  if (typeof e.digest !== "string" || !isDigest(e.digest) || typeof e.diffId !== "string" || !isDigest(e.diffId)) return void 0;
  if (typeof e.size !== "number" || !Number.isSafeInteger(e.size) || e.size < 0) return void 0;
  return { key: e.key, version: e.version, digest: e.digest, diffId: e.diffId, size: e.size };
}

// src/oci/layout.ts
import { mkdir as mkdir2, readdir, readFile as readFile2, rm as rm3 } from "node:fs/promises";
import { join as join2 } from "node:path";
var REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";
var OCI_LAYOUT = '{"imageLayoutVersion":"1.0.0"}';
var REF_RE = /^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:\/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$/;
var INDEX_TYPES = /* @__PURE__ */ new Set([MEDIA_TYPES.index, "application/vnd.docker.distribution.manifest.list.v2+json"]);
var MANIFEST_TYPES = /* @__PURE__ */ new Set([MEDIA_TYPES.manifest, "application/vnd.docker.distribution.manifest.v2+json"]);
var OciLayoutWriter = class _OciLayoutWriter {
  constructor(dir, named, unnamed) {
    this.dir = dir;
    this.named = named;
    this.unnamed = unnamed;
    this.blobsDir = join2(dir, "blobs");
  }
  dir;
  named;
  unnamed;
  blobsDir;
  /** JSON blobs written without fsync in this session; commit() syncs them before index.json. */
  unsynced = /* @__PURE__ */ new Set();
  /** JSON writes started by writeJson and not yet awaited. */
  pending = [];
  /**
   * Opens `dir` as a layout, creating it when absent (with an empty `index.json`, so a layout directory is
   * valid from the start). The existing refs are kept until replaced or removed.
   */
  static async open(dir) {
    await mkdir2(join2(dir, "blobs", "sha256"), { recursive: true });
    const marker = await readOptional(join2(dir, "oci-layout"));
    if (marker !== void 0) checkLayoutMarker(dir, marker);
    const create = [];
    const index = join2(dir, "index.json");
    if (await readOptional(index) === void 0) create.push({ path: index, content: indexBytes([]) });
    if (marker === void 0) create.push({ path: join2(dir, "oci-layout"), content: OCI_LAYOUT });
    if (create.length > 0) await writeFilesAtomically(create);
    const named = /* @__PURE__ */ new Map();
    const unnamed = [];
    for (const d of (await readLayoutIndex(dir)).manifests) {
      const ref = d.annotations?.[REF_NAME_ANNOTATION];
      if (ref === void 0) unnamed.push(d);
      else named.set(ref, d);
    }
    return new _OciLayoutWriter(dir, named, unnamed);
  }
  /** Compresses a layer tar straight into this layout (see `writeLayerBlob`). */
  writeLayer(tar, opts) {
    return writeLayerBlob(tar, this.blobsDir, opts);
  }
  /** Brings in a blob from elsewhere (e.g. `LayerCache.blobPath`): hardlinked on the same filesystem, else copied. */
  importBlob(source, blob) {
    return importBlob(source, this.blobsDir, blob.digest, blob.size);
  }
  /** Writes a document built by `image.ts` (its exact bytes) and returns its descriptor. */
  async writeJson(doc) {
    const path = blobPath(this.blobsDir, doc.descriptor.digest);
    const write = writeBlobBytes(this.blobsDir, doc.bytes, { sync: false }).then(({ written }) => {
      if (written) this.unsynced.add(path);
    });
    write.catch(() => void 0);
    this.pending.push(write);
    return doc.descriptor;
  }
  /** Points `ref` at a manifest or index (replacing what it pointed at); takes effect on `commit()`. */
  setRef(ref, descriptor) {
    if (!REF_RE.test(ref)) throw new DistrolessError("USAGE", `invalid OCI layout ref name ${JSON.stringify(ref)}`);
    if (!isDigest(descriptor.digest)) throw new DistrolessError("USAGE", `ref ${ref}: not a sha256 digest: ${descriptor.digest}`);
    const annotations = { ...descriptor.annotations, [REF_NAME_ANNOTATION]: ref };
    this.named.set(ref, { ...descriptor, annotations });
  }
  removeRef(ref) {
    return this.named.delete(ref);
  }
  /** The refs as they will be committed. */
  refs() {
    return new Map(this.named);
  }
  /**
   * Checks that every blob reachable from every entry is present (documents are re-hashed, other blobs
   * size-checked), then atomically replaces `index.json`. Returns the entries written.
   */
  async commit() {
    await Promise.all(this.pending.splice(0));
    await Promise.all([...this.unsynced].map(syncFile));
    this.unsynced.clear();
    const entries = [
      ...[...this.named.entries()].sort(([a], [b]) => compareCodeUnits(a, b)).map(([, d]) => d),
      ...[...this.unnamed].sort((a, b) => compareCodeUnits(a.digest, b.digest))
    ];
    await reachableBlobs(this.dir, entries);
    await writeFilesAtomically([{ path: join2(this.dir, "index.json"), content: indexBytes(entries) }]);
    return entries;
  }
};
function indexBytes(manifests) {
  return canonicalJsonBytes({ schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests });
}
function checkLayoutMarker(dir, text) {
  let version;
  try {
    version = JSON.parse(text).imageLayoutVersion;
  } catch {
    version = void 0;
  }
  if (version !== "1.0.0") throw new DistrolessError("LAYOUT_INVALID", `${join2(dir, "oci-layout")}: imageLayoutVersion is not "1.0.0"`);
}
async function readOptional(path) {
  try {
    return await readFile2(path, "utf8");
  } catch (e) {
    if (isNotFound(e)) return void 0;
    throw e;
  }
}
async function readLayoutIndex(dir) {
  const path = join2(dir, "index.json");
  const text = await readOptional(path);
  if (text === void 0) throw new DistrolessError("LAYOUT_INVALID", `${dir} is not an OCI layout: no index.json`);
  const manifests = parseDocument(text, path).manifests;
  if (!Array.isArray(manifests)) throw new DistrolessError("LAYOUT_INVALID", `${path}: no manifests array`);
  return { manifests: manifests.map((d, i) => checkDescriptor(d, `${path} manifests[${i}]`)) };
}
async function listRefs(dir) {
  const refs = /* @__PURE__ */ new Map();
  for (const d of (await readLayoutIndex(dir)).manifests) {
    const ref = d.annotations?.[REF_NAME_ANNOTATION];
    if (ref !== void 0) refs.set(ref, d);
  }
  return refs;
}
async function readBlob(dir, descriptor) {
  const path = blobPath(join2(dir, "blobs"), descriptor.digest);
  let bytes;
  try {
    bytes = await readFile2(path);
  } catch (e) {
    if (isNotFound(e)) throw new DistrolessError("LAYOUT_INVALID", `${dir}: blob ${descriptor.digest} is missing`);
    throw e;
  }
  if (bytes.length !== descriptor.size || sha256Digest(bytes) !== descriptor.digest) {
    throw new DistrolessError("HASH_MISMATCH", `${dir}: blob ${descriptor.digest} does not match its descriptor`);
  }
  return bytes;
}
async function childDescriptors(dir, descriptor) {
  const isIndex = INDEX_TYPES.has(descriptor.mediaType);
  if (!isIndex && !MANIFEST_TYPES.has(descriptor.mediaType)) return [];
  const where = `${dir} blob ${descriptor.digest}`;
  const doc = parseDocument((await readBlob(dir, descriptor)).toString("utf8"), where);
  const list = isIndex ? doc.manifests : doc.layers;
  if (!Array.isArray(list)) throw new DistrolessError("LAYOUT_INVALID", `${where}: no ${isIndex ? "manifests" : "layers"} array`);
  const children = list.map((d, i) => checkDescriptor(d, `${where} ${isIndex ? "manifests" : "layers"}[${i}]`));
  return isIndex ? children : [checkDescriptor(doc.config, `${where} config`), ...children];
}
async function reachableBlobs(dir, roots) {
  const seen = /* @__PURE__ */ new Map();
  const add = (list) => {
    const fresh = [];
    for (const d of list) {
      if (seen.has(d.digest)) continue;
      seen.set(d.digest, d);
      fresh.push(d);
    }
    return fresh;
  };
  for (let level = add(roots); level.length > 0; ) {
    const children = await mapLimit(level, 16, async (d) => {
      if (!await blobExists(join2(dir, "blobs"), d.digest, d.size)) {
        throw new DistrolessError("LAYOUT_INVALID", `${dir}: blob ${d.digest} (${d.size} bytes, ${d.mediaType}) is missing`);
      }
      return childDescriptors(dir, d);
    });
    level = add(children.flat());
  }
  return seen;
}
function parseDocument(text, where) {
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new DistrolessError("LAYOUT_INVALID", `${where}: not JSON`, { cause: e });
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new DistrolessError("LAYOUT_INVALID", `${where}: not a JSON object`);
  return v;
}
function checkDescriptor(v, where) {
  const d = typeof v === "object" && v !== null ? v : {};
  if (typeof d.mediaType !== "string" || typeof d.digest !== "string" || !isDigest(d.digest)) {
    throw new DistrolessError("LAYOUT_INVALID", `${where}: not a descriptor with a mediaType and a sha256 digest`);
  }
  if (typeof d.size !== "number" || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new DistrolessError("LAYOUT_INVALID", `${where}: bad size`);
  }
  const a = d.annotations;
  if (a !== void 0 && (typeof a !== "object" || a === null || Object.values(a).some((x) => typeof x !== "string"))) {
    throw new DistrolessError("LAYOUT_INVALID", `${where}: annotations are not string to string`);
  }
  return v;
}

export {
  VARIANTS,
  planBuild,
  lockEpoch,
  refNames,
  gzipIdentity,
  LayerCache,
  OciLayoutWriter,
  listRefs,
  readBlob,
  childDescriptors,
  reachableBlobs
};
