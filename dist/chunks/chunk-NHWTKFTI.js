import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  VARIANTS
} from "./chunk-EC4REFKJ.js";
import {
  MEDIA_TYPES,
  SUPPORTED_DEBIAN_ARCHES,
  debianPlatform,
  formatPlatform
} from "./chunk-FLWSX5ME.js";
import {
  RegistryClient,
  checkRepository,
  checkTag,
  parseRegistryTarget,
  repositoryName
} from "./chunk-XZB375P5.js";
import {
  mapLimit
} from "./chunk-BDURTKM7.js";
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/app/sign-targets.ts
var INDEX_TYPES = /* @__PURE__ */ new Set([MEDIA_TYPES.index, "application/vnd.docker.distribution.manifest.list.v2+json"]);
var DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
function parseImageReference(text) {
  const bad = (why) => new DistrolessError("USAGE", `image reference ${JSON.stringify(text)}: ${why}`);
  const [rest = "", digest, extra] = text.trim().split("@");
  if (extra !== void 0) throw bad('more than one "@"');
  if (digest !== void 0 && !DIGEST_RE.test(digest)) throw bad("the digest must be sha256:<64 lower-case hex>");
  const slash = rest.indexOf("/");
  if (slash <= 0) throw bad("expected HOST[:PORT]/REPOSITORY[:TAG][@DIGEST]");
  const host = rest.slice(0, slash).toLowerCase();
  if (!/[.:]/.test(host) && host !== "localhost") throw bad(`"${host}" is not a registry host (it has no "." or ":" and is not localhost)`);
  let path = rest.slice(slash + 1);
  let tag;
  const colon = path.lastIndexOf(":");
  if (colon >= 0) {
    tag = checkTag(path.slice(colon + 1));
    path = path.slice(0, colon);
  }
  if (tag === void 0 && digest === void 0) tag = "latest";
  return { host, repository: checkRepository(path), ...tag === void 0 ? {} : { tag }, ...digest === void 0 ? {} : { digest } };
}
function formatReference(r) {
  return `${r.host}/${r.repository}${r.tag === void 0 ? "" : `:${r.tag}`}${r.digest === void 0 ? "" : `@${r.digest}`}`;
}
async function resolveImage(client, ref) {
  const by = ref.digest ?? ref.tag ?? "latest";
  let got;
  try {
    got = await client.getManifest(ref.repository, by);
  } catch (e) {
    if (e.status === 404) throw new DistrolessError("REGISTRY", `${formatReference(ref)}: not found on the registry (was it pushed?)`, { cause: e });
    throw e;
  }
  if (ref.digest !== void 0 && got.digest !== ref.digest) throw new DistrolessError("REGISTRY", `${formatReference(ref)}: the registry served a manifest with digest ${got.digest}`);
  const doc = JSON.parse(got.bytes.toString("utf8"));
  const mediaType = doc.mediaType ?? got.mediaType;
  const children = INDEX_TYPES.has(mediaType) ? (doc.manifests ?? []).map((m) => childOf(m)) : [];
  return { reference: ref, name: `${ref.host}/${ref.repository}`, digest: got.digest, mediaType, children };
}
function childOf(m) {
  if (!DIGEST_RE.test(m.digest)) throw new DistrolessError("REGISTRY", `index entry with digest ${JSON.stringify(m.digest)}: only sha256 is supported`);
  if (m.platform === void 0) return { digest: m.digest, mediaType: m.mediaType };
  const arch = debianArchOf(m.platform);
  return { digest: m.digest, mediaType: m.mediaType, platform: formatPlatform(m.platform), ...arch === void 0 ? {} : { arch } };
}
function debianArchOf(p) {
  return SUPPORTED_DEBIAN_ARCHES.find((a) => {
    const q = debianPlatform(a);
    return q.os === p.os && q.architecture === p.architecture && (q.variant === p.variant || q.architecture === "arm64" && p.variant === void 0);
  });
}

// src/app/sign.ts
async function runSign(opts) {
  if (opts.storages.length === 0) throw new DistrolessError("USAGE", "sign: no signature storage chosen");
  const wanted = planTargets(opts);
  const clients = new RegistryClients(opts);
  try {
    const items = [];
    const seen = /* @__PURE__ */ new Set();
    for (const w of wanted) {
      const client = clients.for(w.ref.host);
      const resolved = await resolveImage(client, w.ref);
      opts.onProgress?.({ kind: "resolved", reference: formatReference(w.ref), digest: resolved.digest, children: resolved.children.length });
      for (const item of workItems(client, w, resolved)) {
        const key = `${item.image.name}@${item.image.digest}`;
        if (!seen.has(key)) items.push(item);
        seen.add(key);
      }
    }
    const digests = await mapLimit(items, Math.max(1, opts.concurrency ?? 4), (item) => signOne(item, opts));
    const total = (k) => digests.reduce((s, d) => s + d.results.reduce((t, r) => t + r[k], 0), 0);
    return { digests, added: total("added"), existing: total("existing"), replaced: total("replaced") };
  } finally {
    await clients.close();
  }
}
function planTargets(opts) {
  if (opts.references !== void 0 && opts.references.length > 0) {
    return opts.references.map((text) => {
      const ref = parseImageReference(text);
      const meta = opts.config === void 0 ? void 0 : metaFromReference(opts.config, ref, opts.tag);
      return meta === void 0 ? { ref } : { ref, meta };
    });
  }
  if (opts.registry === void 0 || opts.config === void 0) throw new DistrolessError("USAGE", "sign: give image references, or --registry (with the config) to sign every image pushed there");
  const target = parseRegistryTarget(opts.registry);
  const config = opts.config;
  const names = opts.images ?? Object.keys(config.images);
  return names.flatMap((name) => {
    const image = config.images[name];
    if (image === void 0) throw new DistrolessError("USAGE", `--image: unknown image "${name}" (the config defines: ${Object.keys(config.images).join(", ")})`);
    return VARIANTS.map((variant) => ({
      ref: { host: target.host, repository: repositoryName(target, `${name}-${image.distro}`), tag: opts.tag === void 0 ? variant : `${variant}-${opts.tag}` },
      meta: { image: name, distro: image.distro, variant }
    }));
  });
}
function metaFromReference(config, ref, tag) {
  const last = ref.repository.split("/").at(-1) ?? "";
  const image = Object.values(config.images).find((i) => `${i.name}-${i.distro}` === last);
  if (image === void 0 || ref.tag === void 0) return void 0;
  const bare = tag !== void 0 && ref.tag.endsWith(`-${tag}`) ? ref.tag.slice(0, -(tag.length + 1)) : ref.tag;
  const variant = VARIANTS.find((v) => v === bare);
  return variant === void 0 ? void 0 : { image: image.name, distro: image.distro, variant };
}
function workItems(client, w, r) {
  const reference = formatReference(w.ref);
  const repository = w.ref.repository;
  const subject = (digest, arch) => {
    if (w.meta === void 0) return void 0;
    const archs = r.children.flatMap((c) => c.arch === void 0 ? [] : [c.arch]);
    return { ...w.meta, ...arch === void 0 ? archs.length > 0 ? { archs } : {} : { arch }, name: r.name, digest };
  };
  const top = { reference, image: { client, repository, name: r.name, digest: r.digest, mediaType: r.mediaType }, subject: subject(r.digest) };
  const children = r.children.map((c) => ({
    reference,
    image: { client, repository, name: r.name, digest: c.digest, mediaType: c.mediaType },
    ...c.platform === void 0 ? {} : { platform: c.platform },
    // A child without a known Debian arch gets no SBOM subject (it cannot be one of ours).
    subject: c.arch === void 0 ? void 0 : subject(c.digest, c.arch)
  }));
  return [top, ...children];
}
async function signOne(item, opts) {
  const { image } = item;
  const statements = item.subject !== void 0 && opts.attest !== void 0 ? await opts.attest(item.subject) : [];
  if (opts.attest !== void 0 && item.subject === void 0) {
    opts.onProgress?.({ kind: "note", message: `${image.name}@${image.digest}: not an image \xD7 variant of the config; signed, not attested` });
  }
  const results = [];
  const stored = (result) => {
    results.push(result);
    opts.onProgress?.({ kind: "stored", name: image.name, digest: image.digest, ...item.platform === void 0 ? {} : { platform: item.platform }, result });
  };
  for (const storage of opts.storages) {
    stored(await storage.sign(image));
    if (statements.length > 0) stored(await storage.attest(image, statements));
  }
  return { reference: item.reference, name: image.name, digest: image.digest, mediaType: image.mediaType, ...item.platform === void 0 ? {} : { platform: item.platform }, results };
}
var RegistryClients = class {
  constructor(access) {
    this.access = access;
  }
  access;
  clients = /* @__PURE__ */ new Map();
  for(host) {
    let client = this.clients.get(host);
    if (client === void 0) {
      const a = this.access;
      client = new RegistryClient({ registry: host, insecure: a.insecure, keychain: a.keychain, retry: a.retry, secrets: a.secrets, userAgent: a.userAgent, onRetry: (e) => a.onProgress?.({ kind: "retry", ...e }) });
      this.clients.set(host, client);
    }
    return client;
  }
  async close() {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
};

export {
  parseImageReference,
  formatReference,
  resolveImage,
  runSign,
  RegistryClients
};
