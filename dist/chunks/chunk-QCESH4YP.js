import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  runBuild
} from "./chunk-QXRPB7CZ.js";
import {
  runPush
} from "./chunk-ZGUTOS3N.js";
import {
  MEDIA_TYPES
} from "./chunk-FLWSX5ME.js";
import {
  RegistryClient,
  parseRegistryTarget,
  repositoryName
} from "./chunk-XZB375P5.js";
import {
  mapLimit
} from "./chunk-BDURTKM7.js";
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/app/publish.ts
async function runPublish(opts) {
  const progress = opts.onProgress ?? (() => void 0);
  const target = parseRegistryTarget(opts.registry);
  const build = await runBuild({ ...opts, onProgress: progress, ...opts.onWarning ? { onWarning: opts.onWarning } : {} });
  if (build.images.length === 0) throw new DistrolessError("USAGE", "publish: nothing was built (check --image / --arch against the config)");
  const repoOf = (image) => repositoryName(target, `${image}-${opts.config.images[image]?.distro ?? ""}`);
  const images = build.images.map((i) => ({ ...i, repository: repoOf(i.image) }));
  const previous = await previousSizes(opts, target.host, images);
  progress(`pushing ${build.indexes.length} index(es) and ${build.images.length} image(s) to ${opts.registry}`);
  const refs = [...build.indexes.flatMap((i) => i.refs), ...build.images.map((i) => i.ref)];
  const push = await runPush({
    layoutDir: build.layout,
    registry: opts.registry,
    refs,
    ...opts.keychain ? { keychain: opts.keychain } : {},
    ...opts.insecure ? { insecure: true } : {},
    ...opts.immutableTag ? { immutableTag: opts.immutableTag } : {},
    ...opts.secrets ? { secrets: opts.secrets } : {},
    onProgress: (e) => {
      if (e.kind === "tag" && e.action === "put") progress(`tagged ${e.repository}:${e.tag}`);
    }
  });
  const targets = signTargets(build, images, repoOf);
  const statuses = opts.sign ? await opts.sign(targets) : [];
  const stateOf = (repository, digest) => statuses.find((s) => s.repository === repository && s.digest === digest)?.state ?? "unsigned";
  const rows = images.map((i) => {
    const before = previous.get(i.ref);
    return {
      image: i.image,
      variant: i.variant,
      arch: i.arch,
      reference: `${target.host}/${i.repository}:${i.variant}-${archTag(i)}`,
      digest: i.digest,
      size: i.size,
      ...before ? { previousSize: before.size, previousDigest: before.digest } : {},
      signature: stateOf(i.repository, i.digest)
    };
  });
  const indexes = build.indexes.map((x) => {
    const repository = repoOf(x.image);
    return { image: x.image, variant: x.variant, reference: `${target.host}/${repository}:${x.variant}`, digest: x.digest, signature: stateOf(repository, x.digest) };
  });
  return { registry: target.host, build, push, rows, indexes };
}
function archTag(i) {
  return i.ref.slice(i.ref.lastIndexOf("-") + 1);
}
function signTargets(build, images, repoOf) {
  const out = [];
  for (const x of build.indexes) out.push({ image: x.image, variant: x.variant, repository: repoOf(x.image), digest: x.digest });
  for (const i of images) out.push({ image: i.image, variant: i.variant, arch: i.arch, repository: i.repository, digest: i.digest });
  return out;
}
async function previousSizes(opts, host, images) {
  const client = new RegistryClient({ registry: host, insecure: opts.insecure, keychain: opts.keychain, secrets: opts.secrets });
  const out = /* @__PURE__ */ new Map();
  try {
    await client.ping();
    await mapLimit(images, 8, async (i) => {
      const tag = `${i.variant}-${archTag(i)}`;
      const info = await client.manifestInfo(i.repository, tag);
      if (!info || info.mediaType !== MEDIA_TYPES.manifest) return;
      const { bytes } = await client.getManifest(i.repository, info.digest);
      const manifest = JSON.parse(bytes.toString("utf8"));
      const size = (manifest.config?.size ?? 0) + (manifest.layers ?? []).reduce((s, l) => s + (l.size ?? 0), 0);
      out.set(i.ref, { size, digest: info.digest });
    });
  } finally {
    await client.close();
  }
  return out;
}

export {
  runPublish
};
