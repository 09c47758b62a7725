import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  compareCodeUnits,
  sortKeys
} from "./chunk-K4BAZ34O.js";
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/oci/types.ts
var MEDIA_TYPES = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layerGzip: "application/vnd.oci.image.layer.v1.tar+gzip"
};

// src/oci/digest.ts
import { createHash, randomBytes } from "node:crypto";
import { constants as fsConstants, createReadStream } from "node:fs";
import { chmod, copyFile, link, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
var DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
function sha256Digest(data) {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}
function isDigest(value) {
  return DIGEST_RE.test(value);
}
function digestHex(digest) {
  if (!isDigest(digest)) throw new DistrolessError("PARSE", `not a sha256 digest: ${JSON.stringify(digest.slice(0, 80))}`);
  return digest.slice("sha256:".length);
}
var DigestCounter = class extends Transform {
  hash = createHash("sha256");
  count = 0;
  result;
  _transform(chunk, _encoding, callback) {
    this.hash.update(chunk);
    this.count += chunk.length;
    callback(null, chunk);
  }
  _flush(callback) {
    this.result = `sha256:${this.hash.digest("hex")}`;
    callback();
  }
  /** Bytes seen so far. */
  get bytes() {
    return this.count;
  }
  /** `sha256:<hex>` of everything that went through; throws if the stream has not finished. */
  get digest() {
    if (this.result === void 0) throw new Error("DigestCounter: digest read before the stream finished");
    return this.result;
  }
};
async function digestFile(path) {
  const counter = new DigestCounter();
  await pipeline(createReadStream(path), counter, async (source) => {
    for await (const _chunk of source) {
    }
  });
  return { digest: counter.digest, size: counter.bytes };
}
var BLOB_MODE = 292;
function blobPath(blobsDir, digest) {
  return join(blobsDir, "sha256", digestHex(digest));
}
function tempBlobPath(blobsDir) {
  return join(blobsDir, `.tmp-${randomBytes(8).toString("hex")}`);
}
async function blobExists(blobsDir, digest, size) {
  try {
    const st = await stat(blobPath(blobsDir, digest));
    return st.isFile() && (size === void 0 || st.size === size);
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
async function publishBlob(temp, blobsDir, digest, size) {
  const target = blobPath(blobsDir, digest);
  await mkdir(dirname(target), { recursive: true });
  if (await blobExists(blobsDir, digest, size)) {
    await rm(temp, { force: true });
    return;
  }
  await rename(temp, target);
}
async function writeBlobBytes(blobsDir, bytes, opts = {}) {
  const digest = sha256Digest(bytes);
  if (await blobExists(blobsDir, digest, bytes.length)) return { digest, size: bytes.length, written: false };
  await mkdir(blobsDir, { recursive: true });
  const temp = tempBlobPath(blobsDir);
  try {
    const handle = await open(temp, "wx", BLOB_MODE);
    try {
      await handle.writeFile(bytes);
      if (opts.sync !== false) await handle.sync();
    } finally {
      await handle.close();
    }
    await publishBlob(temp, blobsDir, digest, bytes.length);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
  return { digest, size: bytes.length, written: true };
}
async function syncFile(path) {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
async function importBlob(source, blobsDir, digest, size) {
  const st = await stat(source);
  if (!st.isFile() || st.size !== size) {
    throw new DistrolessError("SIZE_MISMATCH", `blob ${digest} at ${source}: expected ${size} bytes, found ${st.size}`);
  }
  if (await blobExists(blobsDir, digest, size)) return "present";
  const target = blobPath(blobsDir, digest);
  await mkdir(dirname(target), { recursive: true });
  const temp = tempBlobPath(blobsDir);
  try {
    try {
      await link(source, temp);
      await publishBlob(temp, blobsDir, digest, size);
      return "linked";
    } catch (e) {
      if (!isCrossDevice(e)) throw e;
    }
    await copyFile(source, temp, fsConstants.COPYFILE_FICLONE);
    await chmod(temp, BLOB_MODE);
    await publishBlob(temp, blobsDir, digest, size);
    return "copied";
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}
function errnoCode(e) {
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : void 0;
}
function isNotFound(e) {
  return errnoCode(e) === "ENOENT";
}
function isCrossDevice(e) {
  const code = errnoCode(e);
  return code === "EXDEV" || code === "EPERM" || code === "ENOTSUP" || code === "EMLINK";
}

// src/oci/platform.ts
var DEBIAN_ARCHES = {
  amd64: { architecture: "amd64", tag: "amd64" },
  arm64: { architecture: "arm64", variant: "v8", tag: "arm64" },
  armhf: { architecture: "arm", variant: "v7", tag: "arm" },
  armel: { architecture: "arm", variant: "v5", tag: "armv5" },
  i386: { architecture: "386", tag: "386" },
  s390x: { architecture: "s390x", tag: "s390x" },
  ppc64el: { architecture: "ppc64le", tag: "ppc64le" },
  riscv64: { architecture: "riscv64", tag: "riscv64" },
  mips64el: { architecture: "mips64le", tag: "mips64le" }
};
function archInfo(debianArch) {
  const info = Object.hasOwn(DEBIAN_ARCHES, debianArch) ? DEBIAN_ARCHES[debianArch] : void 0;
  if (info === void 0) {
    throw new DistrolessError(
      "ARCH_UNSUPPORTED",
      `Debian architecture ${JSON.stringify(debianArch)} has no OCI platform mapping (known: ${Object.keys(DEBIAN_ARCHES).join(", ")})`
    );
  }
  return info;
}
function debianPlatform(debianArch) {
  const { architecture, variant } = archInfo(debianArch);
  return variant === void 0 ? { architecture, os: "linux" } : { architecture, os: "linux", variant };
}
function platformTagSuffix(debianArch) {
  return archInfo(debianArch).tag;
}
function formatPlatform(p) {
  return p.variant === void 0 ? `${p.os}/${p.architecture}` : `${p.os}/${p.architecture}/${p.variant}`;
}
var PREFERRED = [
  (p) => p.architecture === "amd64",
  (p) => p.architecture === "arm64" && (p.variant === void 0 || p.variant === "v8"),
  (p) => p.architecture === "arm" && p.variant === "v7",
  (p) => p.architecture === "s390x",
  (p) => p.architecture === "ppc64le"
];
function rank(p) {
  const i = PREFERRED.findIndex((matches) => matches(p));
  return i === -1 ? PREFERRED.length : i;
}
function comparePlatforms(a, b) {
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  const key = (p) => `${p.architecture}/${p.variant ?? ""}/${p.os === "linux" ? "" : p.os}`;
  return compareCodeUnits(key(a), key(b));
}
var SUPPORTED_DEBIAN_ARCHES = Object.keys(DEBIAN_ARCHES).sort(
  (a, b) => comparePlatforms(debianPlatform(a), debianPlatform(b))
);

// src/oci/image.ts
function canonicalJsonBytes(value) {
  return Buffer.from(JSON.stringify(sortKeys(value)), "utf8");
}
function jsonBlob(value, mediaType) {
  const bytes = canonicalJsonBytes(value);
  return { value, bytes, descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length } };
}
function epochToRfc3339(epoch) {
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new DistrolessError("USAGE", `build epoch must be a non-negative integer number of seconds, got ${epoch}`);
  }
  return new Date(epoch * 1e3).toISOString().replace(/\.\d{3}Z$/, "Z");
}
function buildImageConfig(input) {
  const created = epochToRfc3339(input.epoch);
  for (const [i, l] of input.layers.entries()) requireDigest(l.diffId, `layer ${i} diff_id`);
  const value = {
    architecture: input.platform.architecture,
    os: input.platform.os,
    variant: input.platform.variant,
    created,
    config: {
      Env: input.env === void 0 ? void 0 : [...input.env],
      User: input.user,
      WorkingDir: input.workingDir,
      Entrypoint: input.entrypoint === void 0 ? void 0 : [...input.entrypoint],
      Cmd: input.cmd === void 0 ? void 0 : [...input.cmd],
      Labels: input.labels === void 0 ? void 0 : { ...input.labels }
    },
    rootfs: { type: "layers", diff_ids: input.layers.map((l) => l.diffId) },
    history: input.layers.map((l) => ({ created, created_by: l.createdBy, comment: l.comment }))
  };
  return jsonBlob(sortKeys(value), MEDIA_TYPES.config);
}
function buildManifest(input) {
  const diffIds = input.config.value.rootfs.diff_ids;
  const layerIds = input.layers.map((l) => l.diffId);
  if (diffIds.length !== layerIds.length || diffIds.some((d, i) => d !== layerIds[i])) {
    throw new DistrolessError("USAGE", `manifest layers (${layerIds.length}) do not match the config's diff_ids (${diffIds.length})`);
  }
  const layers = input.layers.map((l) => {
    requireDigest(l.digest, "layer digest");
    return { mediaType: MEDIA_TYPES.layerGzip, digest: l.digest, size: l.size };
  });
  const value = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: input.config.descriptor,
    layers,
    annotations: annotationsOf(input.annotations)
  };
  return jsonBlob(sortKeys(value), MEDIA_TYPES.manifest);
}
function buildIndex(input) {
  const manifests = [...input.manifests].sort(
    (a, b) => comparePlatforms(a.platform, b.platform) || compareCodeUnits(a.digest, b.digest)
  );
  for (const [i, m] of manifests.entries()) {
    requireDigest(m.digest, `index entry ${formatPlatform(m.platform)}`);
    const prev = manifests[i - 1];
    if (prev !== void 0 && comparePlatforms(prev.platform, m.platform) === 0) {
      throw new DistrolessError("USAGE", `index has two manifests for platform ${formatPlatform(m.platform)}`);
    }
  }
  const value = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: manifests.map((m) => ({ ...m })),
    annotations: annotationsOf(input.annotations)
  };
  return jsonBlob(sortKeys(value), MEDIA_TYPES.index);
}
var ANNOTATION_KEYS = {
  baseName: "org.opencontainers.image.base.name",
  baseDigest: "org.opencontainers.image.base.digest",
  version: "org.opencontainers.image.version",
  source: "org.opencontainers.image.source",
  revision: "org.opencontainers.image.revision"
};
var CREATED_KEY = "org.opencontainers.image.created";
function annotationsOf(a) {
  if (a === void 0) return void 0;
  const out = {};
  if (a.created !== void 0) out[CREATED_KEY] = epochToRfc3339(a.created);
  for (const [field, key] of Object.entries(ANNOTATION_KEYS)) {
    const v = a[field];
    if (v !== void 0) out[key] = v;
  }
  if (a.baseDigest !== void 0) requireDigest(a.baseDigest, "base digest annotation");
  for (const [key, v] of Object.entries(a.extra ?? {})) {
    if (Object.hasOwn(out, key)) throw new DistrolessError("USAGE", `annotation ${key} given twice`);
    out[key] = v;
  }
  return Object.keys(out).length === 0 ? void 0 : out;
}
function requireDigest(value, what) {
  if (!isDigest(value)) throw new DistrolessError("USAGE", `${what} is not a sha256 digest: ${JSON.stringify(value.slice(0, 80))}`);
}

export {
  MEDIA_TYPES,
  sha256Digest,
  isDigest,
  digestHex,
  DigestCounter,
  digestFile,
  blobPath,
  tempBlobPath,
  blobExists,
  publishBlob,
  writeBlobBytes,
  syncFile,
  importBlob,
  isNotFound,
  debianPlatform,
  platformTagSuffix,
  formatPlatform,
  SUPPORTED_DEBIAN_ARCHES,
  canonicalJsonBytes,
  epochToRfc3339,
  buildImageConfig,
  buildManifest,
  buildIndex
};
