import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  BLOCK_SIZE,
  LicenseCache,
  STATUS_DIR,
  TYPE,
  encodeEntryHeaders,
  openDeb,
  padding,
  statusStanza,
  writeBuildSboms,
  writePackageLayer
} from "./chunk-JP6CUMXV.js";
import {
  debStore
} from "./chunk-OQT2GAUO.js";
import {
  lockfilePath,
  readLockfile
} from "./chunk-ZTTND34Q.js";
import {
  configDigest
} from "./chunk-EO4ONWKL.js";
import {
  LayerCache,
  OciLayoutWriter,
  VARIANTS,
  gzipIdentity,
  lockEpoch,
  planBuild,
  refNames
} from "./chunk-EC4REFKJ.js";
import {
  DEBUG_KEY
} from "./chunk-252KFN6C.js";
import {
  buildImageConfig,
  buildIndex,
  buildManifest,
  debianPlatform,
  platformTagSuffix
} from "./chunk-FLWSX5ME.js";
import {
  createHttpClient
} from "./chunk-GTICI2R2.js";
import {
  limiter,
  mapLimit
} from "./chunk-BDURTKM7.js";
import {
  DistrolessError,
  errorMessage
} from "./chunk-BJUFX5YB.js";

// src/build/generated.ts
var ROOT_UID = 0;
var NONROOT_UID = 65532;
function assertEpoch(epoch) {
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new DistrolessError("USAGE", `build epoch must be a non-negative whole number of seconds, got ${epoch}`);
  }
}
function dirEntry(path, epoch, mode = 493, owner = ROOT_UID) {
  return { entry: { path, type: "directory", mode, uid: owner, gid: owner, mtime: epoch, size: 0 } };
}
function fileEntry(path, body, epoch, mode = 420) {
  return { entry: { path, type: "file", mode, uid: ROOT_UID, gid: ROOT_UID, mtime: epoch, size: body.length }, body };
}
function symlinkEntry(path, target, epoch) {
  return {
    entry: { path, type: "symlink", mode: 511, uid: ROOT_UID, gid: ROOT_UID, mtime: epoch, size: 0, linkname: target }
  };
}
function compareBytes(a, b) {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
function withParentsSorted(entries, epoch) {
  const byPath = /* @__PURE__ */ new Map();
  for (const e of entries) {
    if (byPath.has(e.entry.path)) throw new DistrolessError("USAGE", `generated layer lists ${e.entry.path} twice`);
    byPath.set(e.entry.path, e);
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      if (!byPath.has(parent)) byPath.set(parent, dirEntry(parent, epoch));
    }
  }
  return [...byPath.values()].sort((a, b) => compareBytes(a.entry.path, b.entry.path));
}
var PASSWD = [
  "root:x:0:0:root:/root:/sbin/nologin",
  "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin",
  "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin",
  ""
].join("\n");
var GROUP = ["root:x:0:", "tty:x:5:", "staff:x:50:", "nobody:x:65534:", "nonroot:x:65532:", ""].join("\n");
var NSSWITCH_CONF = `# /etc/nsswitch.conf
#
# Example configuration of GNU Name Service Switch functionality.
# If you have the \`glibc-doc-reference' and \`info' packages installed, try:
# \`info libc "Name Service Switch"' for information about this file.

passwd:         compat
group:          compat
shadow:         compat
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files

netgroup:       nis
`;
var OS_RELEASE_SAFE = /^[^"\\$`\n]*$/;
function osRelease(opts) {
  const lines = [
    ["PRETTY_NAME", opts.prettyName ?? "Distroless", true],
    ["NAME", "Debian GNU/Linux", true],
    ["ID", "debian", false],
    ["VERSION_ID", opts.versionId, true],
    ["VERSION", `Debian GNU/Linux ${opts.versionId} (${opts.codename})`, true],
    ["VERSION_CODENAME", opts.codename, false],
    ["HOME_URL", opts.homeUrl ?? "https://www.debian.org/", true],
    ["SUPPORT_URL", opts.supportUrl ?? "https://www.debian.org/support", true],
    ["BUG_REPORT_URL", opts.bugReportUrl ?? "https://bugs.debian.org/", true]
  ];
  const bad = lines.filter(([, v]) => !OS_RELEASE_SAFE.test(v)).map(([k]) => k);
  if (!/^[0-9][0-9.]*$/.test(opts.versionId)) bad.push("VERSION_ID");
  if (!/^[a-z][a-z0-9-]*$/.test(opts.codename)) bad.push("VERSION_CODENAME");
  if (bad.length > 0) throw new DistrolessError("USAGE", `invalid os-release value for ${bad.join(", ")}`);
  return lines.map(([k, v, quoted]) => quoted ? `${k}="${v}"` : `${k}=${v}`).join("\n") + "\n";
}
function baseFilesystemEntries(opts) {
  const { epoch } = opts;
  assertEpoch(epoch);
  const text = (s) => Buffer.from(s, "utf8");
  const entries = [
    fileEntry("etc/passwd", text(PASSWD), epoch),
    fileEntry("etc/group", text(GROUP), epoch),
    fileEntry("etc/nsswitch.conf", text(NSSWITCH_CONF), epoch),
    fileEntry("usr/lib/os-release", text(osRelease(opts)), epoch),
    dirEntry("root", epoch, 448),
    dirEntry("home", epoch, 493),
    dirEntry("home/nonroot", epoch, 448, NONROOT_UID),
    dirEntry("tmp", epoch, 1023)
  ];
  if (opts.etcOsReleaseLink === true) entries.push(symlinkEntry("etc/os-release", "../usr/lib/os-release", epoch));
  return withParentsSorted(entries, epoch);
}

// src/build/cacerts.ts
import { X509Certificate } from "node:crypto";
var CA_CERTS_DIR = "usr/share/ca-certificates/";
var CA_BUNDLE_PATH = "etc/ssl/certs/ca-certificates.crt";
var PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;
function normalizePackagePath(path) {
  return path.replace(/^\.?\/+/, "");
}
function debianJavaAlias(file) {
  const base = file.slice(file.lastIndexOf("/") + 1).replace(/\.crt$/, "");
  const pem = base.replace(/ /g, "_").replace(/[()]/g, "=").replace(/,/g, "_") + ".pem";
  return `debian:${pem}`.toLowerCase();
}
function selectCaFiles(files) {
  const selected = /* @__PURE__ */ new Map();
  for (const f of files) {
    const path = normalizePackagePath(f.path);
    if (!path.startsWith(CA_CERTS_DIR) || !path.endsWith(".crt")) continue;
    const file = path.slice(CA_CERTS_DIR.length);
    if (selected.has(file)) throw new DistrolessError("PARSE", `ca-certificates: ${path} is listed twice`);
    selected.set(file, f.data);
  }
  return [...selected.entries()].sort(([a], [b]) => compareBytes(a, b)).map(([file, data]) => ({ file, data }));
}
function parsePemCertificates(file, data) {
  const blocks = data.toString("latin1").match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new DistrolessError("PARSE", `${file}: no PEM certificate`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (e) {
      throw new DistrolessError("PARSE", `${file}: certificate ${i + 1} is not valid X.509`, { cause: e });
    }
  });
}
function withFinalNewline(data) {
  if (data.length === 0 || data[data.length - 1] === 10) return data;
  return Buffer.concat([data, Buffer.from("\n")]);
}
function buildCaBundle(opts) {
  assertEpoch(opts.epoch);
  const selected = selectCaFiles(opts.files);
  if (selected.length === 0) {
    throw new DistrolessError("PARSE", `ca-certificates: no .crt file under /${CA_CERTS_DIR}`);
  }
  const parts = [];
  const byAlias = /* @__PURE__ */ new Map();
  for (const { file, data } of selected) {
    const [first] = parsePemCertificates(`/${CA_CERTS_DIR}${file}`, data);
    if (first === void 0) continue;
    parts.push(withFinalNewline(data));
    const alias = debianJavaAlias(file);
    byAlias.set(alias, { alias, file, der: first.raw });
  }
  const bundle = Buffer.concat(parts);
  const certificates = [...byAlias.values()].sort((a, b) => compareBytes(a.alias, b.alias));
  const entries = withParentsSorted([fileEntry(CA_BUNDLE_PATH, bundle, opts.epoch, 420)], opts.epoch);
  return { bundle, certificates, entries };
}

// src/build/busybox.ts
var BUSYBOX_DIR = "busybox";
var BUSYBOX_BINARY_PATH = "busybox/busybox";
var BUSYBOX_LINK_TARGET = "/busybox/busybox";
var BUSYBOX_DEB_PATH = "bin/busybox";
var TABLE_START = Buffer.from("[\0[[\0", "latin1");
function appletNames(binary) {
  const start = binary.indexOf(TABLE_START);
  if (start < 0) throw new DistrolessError("DEB_INVALID", "busybox: no applet name table in the binary");
  const names = [];
  for (let at = start; ; ) {
    const end = binary.indexOf(0, at);
    if (end === at || end < 0) break;
    names.push(binary.subarray(at, end).toString("latin1"));
    at = end + 1;
  }
  const sorted = names.every((n, i) => i === 0 || names[i - 1] < n);
  if (names.length < 3 || !sorted) throw new DistrolessError("DEB_INVALID", "busybox: the applet name table does not look like one");
  return names;
}
function checkApplets(applets) {
  const bad = applets.filter((a) => a === "" || a === "." || a === ".." || a.includes("/") || a.includes("\0"));
  if (bad.length > 0) throw new DistrolessError("USAGE", `invalid busybox applet names: ${bad.slice(0, 5).join(", ")}`);
  const seen = /* @__PURE__ */ new Set();
  for (const a of applets) {
    if (seen.has(a)) throw new DistrolessError("USAGE", `busybox applet listed twice: ${a}`);
    seen.add(a);
  }
}
function busyboxEntries(opts) {
  const { epoch, binary } = opts;
  assertEpoch(epoch);
  if (binary.length === 0) throw new DistrolessError("USAGE", "busybox binary is empty");
  const applets = opts.applets ?? appletNames(binary);
  checkApplets(applets);
  const entries = [dirEntry(BUSYBOX_DIR, epoch, 493), fileEntry(BUSYBOX_BINARY_PATH, binary, epoch, 493)];
  for (const applet of applets) {
    if (applet !== "busybox") entries.push(symlinkEntry(`${BUSYBOX_DIR}/${applet}`, BUSYBOX_LINK_TARGET, epoch));
  }
  return withParentsSorted(entries, epoch);
}

// src/build/jks.ts
import { createHash, timingSafeEqual } from "node:crypto";
var JKS_MAGIC = 4277010157;
var JKS_VERSION = 2;
var DEFAULT_STORE_PASSWORD = "changeit";
var TAG_TRUSTED_CERT = 2;
var CERT_TYPE = "X.509";
var DIGEST_SALT = "Mighty Aphrodite";
var MAX_UTF_BYTES = 65535;
function modifiedUtf8(s) {
  const bytes = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 1 && c <= 127) bytes.push(c);
    else if (c <= 2047) bytes.push(192 | c >> 6, 128 | c & 63);
    else bytes.push(224 | c >> 12, 128 | c >> 6 & 63, 128 | c & 63);
  }
  return Buffer.from(bytes);
}
function utf(s) {
  const body = modifiedUtf8(s);
  if (body.length > MAX_UTF_BYTES) throw new DistrolessError("USAGE", `JKS alias too long: ${s.slice(0, 40)}\u2026`);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([len, body]);
}
function u32(n) {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
function integrityHash(password, data) {
  const pw = Buffer.alloc(password.length * 2);
  for (let i = 0; i < password.length; i++) pw.writeUInt16BE(password.charCodeAt(i), i * 2);
  return createHash("sha1").update(pw).update(Buffer.from(DIGEST_SALT, "utf8")).update(data).digest();
}
function writeJks(certs, opts) {
  if (!Number.isSafeInteger(opts.dateMs) || opts.dateMs < 0) {
    throw new DistrolessError("USAGE", `JKS creation date must be whole non-negative milliseconds, got ${opts.dateMs}`);
  }
  const sorted = certs.map((c) => ({ alias: c.alias.toLowerCase(), der: c.der }));
  sorted.sort((a, b) => compareBytes(a.alias, b.alias));
  const parts = [u32(JKS_MAGIC), u32(JKS_VERSION), u32(sorted.length)];
  const date = Buffer.alloc(8);
  date.writeBigUInt64BE(BigInt(opts.dateMs));
  sorted.forEach((c, i) => {
    if (c.alias.length === 0) throw new DistrolessError("USAGE", "JKS alias must not be empty");
    if (i > 0 && sorted[i - 1]?.alias === c.alias) throw new DistrolessError("USAGE", `duplicate JKS alias ${c.alias}`);
    parts.push(u32(TAG_TRUSTED_CERT), utf(c.alias), date, utf(CERT_TYPE), u32(c.der.length), c.der);
  });
  const data = Buffer.concat(parts);
  return Buffer.concat([data, integrityHash(opts.password ?? DEFAULT_STORE_PASSWORD, data)]);
}

// src/build/java.ts
var JAVA_CACERTS_PATH = "etc/ssl/certs/java/cacerts";
var JAVA_LINK_PATH = "usr/bin/java";
var DEFAULT_JAVA_VERSION = 17;
function javaHome(debArch, javaVersion = DEFAULT_JAVA_VERSION) {
  if (!/^[a-z0-9]+$/.test(debArch)) throw new DistrolessError("USAGE", `not a Debian architecture name: ${debArch}`);
  if (!Number.isInteger(javaVersion) || javaVersion < 8) {
    throw new DistrolessError("USAGE", `not a Java major version: ${javaVersion}`);
  }
  return `/usr/lib/jvm/java-${javaVersion}-openjdk-${debArch}`;
}
function javaCacerts(certificates, epoch) {
  assertEpoch(epoch);
  if (certificates.length === 0) throw new DistrolessError("USAGE", "java cacerts: no certificates");
  return writeJks(certificates, { dateMs: epoch * 1e3 });
}
function javaEntries(opts) {
  const { epoch } = opts;
  assertEpoch(epoch);
  const home = javaHome(opts.debArch, opts.javaVersion);
  return withParentsSorted(
    [
      symlinkEntry(JAVA_LINK_PATH, `${home}/bin/java`, epoch),
      fileEntry(JAVA_CACERTS_PATH, javaCacerts(opts.certificates, epoch), epoch, 420)
    ],
    epoch
  );
}

// src/app/build.ts
import { dirname, join } from "node:path";

// src/app/build-layers.ts
import { PassThrough, Writable } from "node:stream";

// src/tar/writer.ts
var TYPEFLAGS = {
  file: TYPE.file,
  directory: TYPE.directory,
  symlink: TYPE.symlink,
  hardlink: TYPE.hardlink
};
var TarWriter = class {
  constructor(out) {
    this.out = out;
  }
  out;
  written = 0;
  state = "open";
  /** Bytes of tar written so far (the uncompressed layer size once finished). */
  get bytesWritten() {
    return this.written;
  }
  /**
   * Appends one entry. `body` is required for files with `size > 0` and must yield exactly `entry.size`
   * bytes; a mismatch fails the entry and the writer (the archive would be corrupt).
   */
  async add(entry, body) {
    this.assertOpen();
    try {
      validateEntry(entry);
      if (entry.type !== "file" && body !== void 0) throw invalid(entry, "only files have a body");
      for (const block of encodeEntryHeaders(headerOf(entry))) await this.write(block);
      if (entry.type === "file") await this.writeBody(entry, body);
    } catch (e) {
      this.state = "failed";
      throw e;
    }
  }
  /** Writes the two zero blocks that end the archive and ends the destination. */
  async finish() {
    this.assertOpen();
    try {
      await this.write(Buffer.alloc(2 * BLOCK_SIZE));
      this.state = "finished";
      this.out.end();
    } catch (e) {
      this.state = "failed";
      throw e;
    }
  }
  assertOpen() {
    if (this.state !== "open") throw new DistrolessError("TAR_INVALID", `tar writer is ${this.state}`);
  }
  async writeBody(entry, body) {
    let count2 = 0;
    if (body === void 0 || Buffer.isBuffer(body)) {
      count2 = body?.length ?? 0;
      if (count2 !== entry.size) throw sizeMismatch(entry, count2);
      if (count2 > 0) await this.write(body);
    } else {
      for await (const chunk of body) {
        count2 += chunk.length;
        if (count2 > entry.size) throw sizeMismatch(entry, count2, "at least ");
        await this.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      }
      if (count2 !== entry.size) throw sizeMismatch(entry, count2);
    }
    const pad = padding(entry.size);
    if (pad.length > 0) await this.write(pad);
  }
  async write(buf) {
    const out = this.out;
    if (out.destroyed || out.writableEnded) throw new DistrolessError("TAR_INVALID", "tar destination is closed");
    this.written += buf.length;
    if (!out.write(buf)) await drained(out);
  }
};
function headerOf(e) {
  return {
    path: e.type === "directory" ? `${e.path}/` : e.path,
    linkname: e.linkname ?? "",
    typeflag: TYPEFLAGS[e.type],
    mode: e.mode,
    uid: e.uid,
    gid: e.gid,
    size: e.type === "file" ? e.size : 0,
    mtime: e.mtime,
    uname: "",
    gname: "",
    devmajor: 0,
    devminor: 0
  };
}
function invalid(e, why) {
  return new DistrolessError("TAR_INVALID", `tar entry ${JSON.stringify(e.path)}: ${why}`);
}
function sizeMismatch(e, got, qualifier = "") {
  return invalid(e, `body has ${qualifier}${got} bytes, the entry says ${e.size}`);
}
var isCount = (n) => Number.isSafeInteger(n) && n >= 0;
function validateEntry(e) {
  const parts = e.path.split("/");
  if (e.path === "" || e.path.includes("\0") || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw invalid(e, "path must be relative and normalised");
  }
  if (!Number.isInteger(e.mode) || e.mode < 0 || e.mode > 4095) throw invalid(e, `bad mode ${e.mode}`);
  if (!isCount(e.uid) || !isCount(e.gid)) throw invalid(e, `bad uid/gid ${e.uid}/${e.gid}`);
  if (!isCount(e.mtime)) throw invalid(e, `bad mtime ${e.mtime}`);
  if (!isCount(e.size) || e.type !== "file" && e.size !== 0) throw invalid(e, `bad size ${e.size} for a ${e.type}`);
  const isLink = e.type === "symlink" || e.type === "hardlink";
  if (isLink !== (e.linkname !== void 0 && e.linkname !== "")) throw invalid(e, "links (and only links) need a linkname");
  if (e.linkname?.includes("\0")) throw invalid(e, "linkname contains NUL");
}
function drained(out) {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      out.off("drain", onDrain);
      out.off("error", onError);
      out.off("close", onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onError = (e) => {
      cleanup();
      reject(e);
    };
    const onClose = () => {
      cleanup();
      reject(out.errored ?? new DistrolessError("TAR_INVALID", "tar destination closed before the archive was written"));
    };
    out.on("drain", onDrain);
    out.on("error", onError);
    out.on("close", onClose);
  });
}

// src/app/build-layers.ts
var LAYER_RECIPE_VERSION = 1;
function tarStream(fill) {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const writer = new TarWriter(out);
  fill(writer).then(() => writer.finish()).catch((e) => out.destroy(e instanceof Error ? e : new Error(String(e))));
  return out;
}
async function cachedLayer(what, epoch, createdBy, fill, cache, layout) {
  const key = `${what}|recipe:${LAYER_RECIPE_VERSION}|epoch:${epoch}|${gzipIdentity()}`;
  const { blob, hit } = await cache.getOrWrite(key, () => tarStream(fill));
  await layout.importBlob(cache.blobPath(blob.digest), blob);
  return { ...blob, hit, createdBy };
}
function writeEntries(entries) {
  return async (w) => {
    for (const { entry, body } of entries) await w.add(entry, body);
  };
}
function debFill(debPath, name, epoch, observe) {
  return async (w) => {
    const { done, ...hooks } = observe ?? {};
    await writePackageLayer(await debPath(), name, w, { ...hooks, epoch });
    await done?.();
  };
}
async function captureFiles(debPath, name, epoch, match) {
  const files = /* @__PURE__ */ new Map();
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const writer = new TarWriter(sink);
  await writePackageLayer(debPath, name, writer, { epoch, capture: match, onFile: (path, bytes) => files.set(path, bytes) });
  await writer.finish();
  return files;
}
async function statusEntries(debPath, name, epoch) {
  const deb = await openDeb(debPath, name);
  const parts = STATUS_DIR.split("/");
  const dirs = parts.map((_, i) => dirEntry(parts.slice(0, i + 1).join("/"), epoch));
  return [...dirs, fileEntry(`${STATUS_DIR}/${name}`, Buffer.from(statusStanza(deb.control)), epoch)];
}

// src/app/build-images.ts
var BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
var SSL_CERT_FILE = "/etc/ssl/certs/ca-certificates.crt";
var NONROOT = { user: "65532", workingDir: "/home/nonroot" };
var ROOT = { user: "0", workingDir: "/" };
async function assembleImages(input) {
  const images = [];
  const indexes = [];
  for (const plan of input.plans) {
    for (const variant of VARIANTS) {
      const manifests = [];
      for (const arch of plan.archs) {
        const parent = images.find((i) => i.image === plan.image.from && i.variant === variant && i.arch === arch);
        const base = parent ? { baseName: `${parent.image}-${input.distro.name}:${variant}`, baseDigest: parent.digest } : {};
        const built = await assembleOne(input, plan, variant, arch, base);
        images.push(built);
        manifests.push({ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: built.digest, size: built.manifestSize, platform: built.platform });
      }
      if (plan.ancestorOnly) continue;
      const index = buildIndex({ manifests, annotations: { created: input.epoch } });
      const descriptor = await input.layout.writeJson(index);
      const refs = refNames(plan.image.name, input.distro.name, variant);
      for (const ref of refs) input.layout.setRef(ref, descriptor);
      indexes.push({ image: plan.image.name, variant, digest: descriptor.digest, refs, platforms: plan.archs.map((a) => platformTagSuffix(a)) });
      input.progress(`${refs[0]}: index ${descriptor.digest.slice(0, 19)}\u2026 (${plan.archs.length} arch(s))`);
    }
  }
  const reported = new Set(input.plans.filter((p) => !p.ancestorOnly).map((p) => p.image.name));
  return { images: images.filter((i) => reported.has(i.image)).map(({ manifestSize: _m, ...rest }) => rest), indexes };
}
async function assembleOne(input, plan, variant, arch, base) {
  const layers = imageLayers(input, plan, variant, arch);
  const debug = variant.startsWith("debug");
  const who = variant.endsWith("nonroot") ? NONROOT : ROOT;
  const env = [`PATH=${BASE_PATH}${debug ? ":/busybox" : ""}`, `SSL_CERT_FILE=${SSL_CERT_FILE}`, ...Object.entries(plan.image.env).map(([k, v]) => `${k}=${v}`)];
  const entrypoint = plan.image.entrypoint ?? (debug ? ["/busybox/sh"] : []);
  const platform = debianPlatform(arch);
  const config = buildImageConfig({
    platform,
    epoch: input.epoch,
    env,
    user: who.user,
    workingDir: who.workingDir,
    entrypoint,
    ...plan.image.cmd ? { cmd: plan.image.cmd } : {},
    layers: layers.map((l) => ({ diffId: l.diffId, createdBy: l.createdBy }))
  });
  await input.layout.writeJson(config);
  const manifest = buildManifest({ config, layers, annotations: { created: input.epoch, ...base } });
  const descriptor = await input.layout.writeJson(manifest);
  const [ref = ""] = refNames(plan.image.name, input.distro.name, variant, platformTagSuffix(arch));
  if (!plan.ancestorOnly) input.layout.setRef(ref, { ...descriptor, platform });
  const size = config.descriptor.size + layers.reduce((s, l) => s + l.size, 0);
  return { image: plan.image.name, variant, arch, platform, digest: descriptor.digest, size, layers: layers.length, ref, manifestSize: descriptor.size };
}
function imageLayers(input, plan, variant, arch) {
  const order = plan.layerOrder[arch] ?? [];
  const packages = order.map((name) => {
    const layer = input.layers.packages.get(`${arch}/${name}`);
    if (!layer) throw new DistrolessError("LOCK_INVALID", `image ${plan.image.name} (${arch}): no layer was built for ${name}`);
    return layer;
  });
  const extra = input.layers.perArch.get(arch) ?? {};
  const out = [input.layers.base, ...packages];
  if (order.includes("ca-certificates") && extra.ca) out.push(extra.ca);
  if (order.some((n) => /^openjdk-\d+-jre-headless$/.test(n)) && extra.java) out.push(extra.java);
  if (variant.startsWith("debug")) {
    if (!extra.busybox) throw new DistrolessError("LOCK_STALE", `${input.distro.name}: the debug variants need the distro's debug packages (busybox-static) in the lock`);
    out.push(extra.busybox);
  }
  return out;
}

// src/app/build.ts
async function runBuild(opts) {
  const progress = opts.onProgress ?? (() => void 0);
  const warn = opts.onWarning ?? progress;
  const layout = await OciLayoutWriter.open(opts.outDir);
  const cache = new LayerCache(join(opts.cacheDir, "layers"));
  const http = opts.http ?? createHttpClient();
  const store = debStore({
    dir: join(opts.cacheDir, "debs"),
    http,
    snapshotHttp: createHttpClient({ retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0, jitter: 0, maxRetryAfterMs: 0, retryStatuses: [] }, timeoutMs: 15e3 }),
    onProgress: (e) => progress(e.kind === "deb" ? `${e.cached ? "have" : "fetched"} ${e.label}` : `${e.label}: ${e.url} failed (${e.reason}); trying the next source`)
  });
  const result = { layout: opts.outDir, epoch: 0, images: [], indexes: [], layers: { built: 0, cached: 0 }, sboms: [] };
  const licenses = new LicenseCache(join(opts.cacheDir, "licenses"));
  const locks = /* @__PURE__ */ new Map();
  const selected = opts.images ? new Set(opts.images) : void 0;
  for (const distro of Object.values(opts.config.distros)) {
    const names = Object.keys(opts.config.images).filter((n) => opts.config.images[n]?.distro === distro.name && (!selected || selected.has(n)));
    if (names.length === 0) continue;
    const lock = await freshLock(opts, distro);
    locks.set(distro.name, { distro, lock });
    const epoch = opts.epoch ?? lockEpoch(lock);
    result.epoch = epoch;
    const plans = planBuild(opts.config, distro, lock, { images: names, ...opts.archs ? { archs: opts.archs } : {} }, warn);
    const ctx = { opts, distro, lock, epoch, plans, layout, cache, licenses, fetchDeb: (arch, name) => store.fetch(pinnedDeb(distro, lock, arch, name)), result, progress, warn };
    const layers = await buildLayers(ctx);
    const built = await assembleImages({ distro, plans, lock, epoch, layout, layers, progress });
    result.images.push(...built.images);
    result.indexes.push(...built.indexes);
  }
  const sbomDir = opts.sbomDir === false ? void 0 : opts.sbomDir ?? join(dirname(opts.outDir), "sbom");
  const sboms = sbomDir === void 0 || result.images.length === 0 ? Promise.resolve([]) : writeBuildSboms({
    config: opts.config,
    lockDir: opts.lockDir,
    cacheDir: opts.cacheDir,
    ...opts.epoch === void 0 ? {} : { epoch: opts.epoch },
    dir: sbomDir,
    images: result.images,
    indexes: result.indexes,
    fetchDeb: async (d, arch, name) => {
      const locked = locks.get(d);
      if (!locked) throw new DistrolessError("LOCK_INVALID", `${d}: no lock was read in this build`);
      return store.fetch(pinnedDeb(locked.distro, locked.lock, arch, name));
    }
  });
  const [, written] = await Promise.all([layout.commit(), sboms]);
  result.sboms = written;
  if (sbomDir !== void 0 && written.length > 0) progress(`${written.length} SBOM(s) in ${sbomDir}`);
  return result;
}
async function freshLock(opts, distro) {
  const file = lockfilePath(opts.lockDir, distro.name);
  const lock = await readLockfile(opts.lockDir, distro.name);
  if (!lock) throw new DistrolessError("LOCK_INVALID", `${file}: no lockfile; run "distroless-action update" first`);
  if (lock.configDigest !== configDigest(opts.config, distro.name)) {
    throw new DistrolessError("LOCK_STALE", `${file} was made for another version of ${opts.config.file}; run "distroless-action update"`);
  }
  return lock;
}
function pinnedDeb(distro, lock, arch, name) {
  const pin = lock.packages[arch]?.[name];
  if (!pin) throw new DistrolessError("LOCK_INVALID", `${lock.distro}: ${name} (${arch}) is in an image but has no pin`);
  const lockedSource = lock.sources.find((s) => s.suite === pin.suite);
  const source = distro.sources.find((s) => s.suite === pin.suite);
  if (!lockedSource || !source) throw new DistrolessError("LOCK_STALE", `${lock.distro}: ${name} comes from suite ${pin.suite}, which the config no longer has`);
  const bases = [];
  if (distro.snapshot) {
    const archive = (source.originalUrl ?? source.url).replace(/\/+$/, "").split("/").pop() ?? "debian";
    bases.push({ url: `${distro.snapshot.replace(/\/+$/, "")}/archive/${archive}/${lockedSource.snapshot}`, snapshot: true });
  }
  bases.push({ url: source.url, snapshot: false });
  return { label: `${name} ${pin.version} (${arch})`, filename: pin.filename, size: pin.size, sha256: pin.sha256, bases };
}
async function buildLayers(ctx) {
  const jobs = /* @__PURE__ */ new Map();
  for (const plan of ctx.plans) for (const arch of plan.archs) for (const name of plan.layerOrder[arch] ?? []) jobs.set(`${arch}/${name}`, { arch, name });
  const packages = /* @__PURE__ */ new Map();
  const buildSlot = limiter(ctx.opts.concurrency ?? 2);
  await mapLimit([...jobs.values()], 16, async ({ arch, name }) => {
    const pin = ctx.lock.packages[arch]?.[name];
    if (!pin) throw new DistrolessError("LOCK_INVALID", `${ctx.lock.distro}: ${name} (${arch}) is in an image but has no pin`);
    const { layerOptions, save } = ctx.licenses.capture({ name, sha256: pin.sha256 }, (e) => ctx.warn(`licence cache: ${name} (${arch}): ${errorMessage(e)}`));
    const build = debFill(() => ctx.fetchDeb(arch, name), name, ctx.epoch, { ...layerOptions, done: save });
    const fill = (w) => buildSlot(() => build(w));
    const layer = await cachedLayer(`deb:${pin.sha256}`, ctx.epoch, `deb ${name} ${pin.version}`, fill, ctx.cache, ctx.layout);
    count(ctx, layer.hit);
    ctx.progress(`layer ${name} (${arch}) ${layer.hit ? "from cache" : "built"}`);
    packages.set(`${arch}/${name}`, layer);
  });
  const baseEntries = baseFilesystemEntries({ epoch: ctx.epoch, versionId: ctx.distro.version, codename: codenameOf(ctx.distro) });
  const baseWhat = `base:${ctx.distro.version}:${codenameOf(ctx.distro)}:${GENERATED_RECIPE}`;
  const base = await cachedLayer(baseWhat, ctx.epoch, "distroless-action: users, groups, homes, os-release", writeEntries(baseEntries), ctx.cache, ctx.layout);
  count(ctx, base.hit);
  const perArch = /* @__PURE__ */ new Map();
  for (const arch of new Set(ctx.plans.flatMap((p) => p.archs))) perArch.set(arch, await archLayers(ctx, arch));
  return { base, packages, perArch };
}
var GENERATED_RECIPE = 1;
function count(ctx, hit) {
  if (hit) ctx.result.layers.cached++;
  else ctx.result.layers.built++;
}
async function archLayers(ctx, arch) {
  const out = {};
  const needs = (test) => ctx.plans.some((p) => p.layerOrder[arch]?.some(test));
  const ca = ctx.lock.packages[arch]?.["ca-certificates"];
  let caBundle;
  const readBundle = async () => {
    const files = await captureFiles(await ctx.fetchDeb(arch, "ca-certificates"), "ca-certificates", ctx.epoch, (p) => p.startsWith(CA_CERTS_DIR) && p.endsWith(".crt"));
    return buildCaBundle({ files: [...files].map(([path, data]) => ({ path, data })), epoch: ctx.epoch });
  };
  const bundle = () => caBundle ??= readBundle();
  if (ca && needs((n) => n === "ca-certificates")) {
    const fill = async (w) => writeEntries((await bundle()).entries)(w);
    const layer = await cachedLayer(`ca-bundle:${ca.sha256}:${GENERATED_RECIPE}`, ctx.epoch, "distroless-action: /etc/ssl/certs/ca-certificates.crt", fill, ctx.cache, ctx.layout);
    count(ctx, layer.hit);
    out.ca = layer;
  }
  const jdk = ctx.plans.flatMap((p) => p.layerOrder[arch] ?? []).find((n) => /^openjdk-\d+-jre-headless$/.test(n));
  if (ca && jdk) {
    const javaVersion = Number(/\d+/.exec(jdk)?.[0]);
    const fill = async (w) => writeEntries(javaEntries({ debArch: arch, certificates: (await bundle()).certificates, epoch: ctx.epoch, javaVersion }))(w);
    const layer = await cachedLayer(`java:${javaVersion}:${arch}:${ca.sha256}:${GENERATED_RECIPE}`, ctx.epoch, "distroless-action: /usr/bin/java, Java trust store", fill, ctx.cache, ctx.layout);
    count(ctx, layer.hit);
    out.java = layer;
  }
  const busyboxName = Object.keys(ctx.lock.images[DEBUG_KEY]?.[arch]?.packages ?? {})[0];
  const busybox = busyboxName ? ctx.lock.packages[arch]?.[busyboxName] : void 0;
  if (busyboxName && busybox) {
    const fill = async (w) => {
      const deb = await ctx.fetchDeb(arch, busyboxName);
      const binary = (await captureFiles(deb, busyboxName, ctx.epoch, (p) => p === BUSYBOX_DEB_PATH)).get(BUSYBOX_DEB_PATH);
      if (!binary) throw new DistrolessError("DEB_INVALID", `${busyboxName} (${arch}) has no ${BUSYBOX_DEB_PATH}`);
      await writeEntries([...busyboxEntries({ binary, epoch: ctx.epoch }), ...await statusEntries(deb, busyboxName, ctx.epoch)])(w);
    };
    const layer = await cachedLayer(`busybox:${busybox.sha256}:${GENERATED_RECIPE}`, ctx.epoch, `distroless-action: busybox (${busyboxName}) under /busybox`, fill, ctx.cache, ctx.layout);
    count(ctx, layer.hit);
    out.busybox = layer;
  }
  return out;
}
var CODENAMES = { "11": "bullseye", "12": "bookworm", "13": "trixie", "14": "forky" };
function codenameOf(distro) {
  return CODENAMES[distro.version] ?? distro.sources[0]?.suite.split("-")[0] ?? distro.name;
}

export {
  runBuild
};
