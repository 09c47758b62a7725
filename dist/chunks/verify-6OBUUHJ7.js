import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RegistryClients,
  formatReference,
  parseImageReference,
  resolveImage
} from "./chunk-NHWTKFTI.js";
import "./chunk-EC4REFKJ.js";
import "./chunk-252KFN6C.js";
import "./chunk-BVZWJCHG.js";
import {
  DEFAULT_PREDICATE_TYPES
} from "./chunk-FIDXUFBQ.js";
import "./chunk-FLWSX5ME.js";
import "./chunk-K4BAZ34O.js";
import "./chunk-XZB375P5.js";
import "./chunk-GTICI2R2.js";
import {
  mapLimit
} from "./chunk-BDURTKM7.js";
import "./chunk-B3YJ2Z46.js";
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";

// src/app/verify.ts
async function runVerify(opts) {
  if (opts.references.length === 0) throw new DistrolessError("USAGE", "verify: give at least one image reference");
  if (opts.verifiers.length === 0) throw new DistrolessError("USAGE", "verify: no verifier chosen");
  const refs = opts.references.map(parseImageReference);
  const policy = { predicateTypes: opts.predicateTypes ?? DEFAULT_PREDICATE_TYPES };
  const clients = new RegistryClients(opts);
  try {
    const items = [];
    for (const ref of refs) {
      const client = clients.for(ref.host);
      const r = await resolveImage(client, ref);
      const reference = formatReference(ref);
      const base = { client, repository: ref.repository, name: r.name };
      items.push({ reference, image: { ...base, digest: r.digest, mediaType: r.mediaType } });
      for (const c of r.children) items.push({ reference, image: { ...base, digest: c.digest, mediaType: c.mediaType }, ...c.platform === void 0 ? {} : { platform: c.platform } });
    }
    const digests = await mapLimit(items, Math.max(1, opts.concurrency ?? 4), async (item) => {
      const checks = (await Promise.all(opts.verifiers.map((v) => v.verify(item.image, policy)))).flat();
      const ok = checks.every((c) => c.ok);
      const platform = item.platform === void 0 ? {} : { platform: item.platform };
      opts.onProgress?.({ kind: "verified", name: item.image.name, digest: item.image.digest, ...platform, ok });
      return { reference: item.reference, name: item.image.name, digest: item.image.digest, mediaType: item.image.mediaType, ...platform, ok, checks };
    });
    const failures = digests.flatMap(
      (d) => d.checks.filter((c) => !c.ok).map((c) => `${d.name}@${d.digest}${d.platform === void 0 ? "" : ` (${d.platform})`} ${c.what} [${c.format}]: ${c.detail}`)
    );
    return { ok: failures.length === 0, digests, failures };
  } finally {
    await clients.close();
  }
}
export {
  runVerify
};
