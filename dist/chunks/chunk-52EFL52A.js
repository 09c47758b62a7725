import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/app/signing.ts
async function createSigning(setup) {
  if (setup.key === void 0 === (setup.keyless === void 0)) {
    throw new DistrolessError("USAGE", "signing: give either a key or keyless signing (not both, not neither)");
  }
  const format = setup.format ?? (setup.key ? "both" : "bundle");
  const created = setup.created === void 0 ? {} : { created: setup.created };
  if (setup.key) {
    const sign = await import("./sign-KSZM57PE.js");
    const signer2 = new sign.KeySigner(await sign.loadPrivateKey(setup.key.pem, { source: setup.key.source, ...setup.key.password === void 0 ? {} : { password: setup.key.password } }));
    const storages = [];
    if (format !== "bundle") storages.push(sign.createLegacyStorage(signer2));
    if (format !== "legacy") storages.push(createBundleStorage((await import("./sigstore-UF6JL5TS.js")).createKeySigner(signer2), created));
    return { storages, identity: signer2.identity, format };
  }
  if (format !== "bundle") {
    throw new DistrolessError("USAGE", `signature format ${format}: keyless signatures are stored as Sigstore bundles only; use the format "bundle"`);
  }
  const keyless = setup.keyless;
  const { createKeylessSigner } = await import("./sigstore-UF6JL5TS.js");
  const signer = createKeylessSigner({
    getIdentityToken: keyless.getIdentityToken,
    ...keyless.fulcioURL ? { fulcioURL: keyless.fulcioURL } : {},
    ...keyless.rekorURL ? { rekorURL: keyless.rekorURL } : {},
    ...keyless.tsaURL ? { tsaURL: keyless.tsaURL } : {}
  });
  return { storages: [createBundleStorage(signer, created)], identity: "keyless", format };
}
function createBundleStorage(signer, opts = {}) {
  const store = async (kind, image, statements) => {
    const { signAndAttach, fallbackTag } = await import("./sigstore-UF6JL5TS.js");
    const attached = await signAndAttach(image.client, signer, { repository: image.repository, subject: image.digest, statements, ...opts });
    const storage = attached[0]?.storage ?? "fallback-tag";
    return {
      format: "bundle",
      kind,
      location: storage === "fallback-tag" ? `${image.repository}:${fallbackTag(image.digest)}` : `${image.repository} (referrers API)`,
      added: attached.filter((a) => a.added).length,
      existing: attached.filter((a) => !a.added).length,
      replaced: 0,
      manifestDigest: attached.at(-1)?.referrer ?? ""
    };
  };
  return {
    format: "bundle",
    async sign(image) {
      const { signatureStatement } = await import("./sigstore-UF6JL5TS.js");
      return store("signature", image, [signatureStatement({ name: image.name, digest: image.digest })]);
    },
    attest: (image, statements) => store("attestation", image, [...statements])
  };
}
function createBundleVerifier(policy) {
  return {
    format: "bundle",
    async verify(image, p) {
      const { COSIGN_SIGN_PREDICATE_TYPE, describeSigner, prepareTrust, verifyReferrers } = await import("./sigstore-UF6JL5TS.js");
      const wanted = [COSIGN_SIGN_PREDICATE_TYPE, ...p.predicateTypes];
      const result = await verifyReferrers(image.client, { repository: image.repository, subject: image.digest, policy: prepareTrust(policy), predicateTypes: wanted });
      return wanted.map((type) => {
        const what = type === COSIGN_SIGN_PREDICATE_TYPE ? "signature" : `attestation ${type}`;
        const good = result.bundles.find((b) => b.ok && b.predicateType === type);
        if (good) return { format: "bundle", what, ok: true, detail: good.signer ? describeSigner(good.signer) : "verified" };
        const reasons = result.bundles.filter((b) => b.predicateType === type && b.reason).map((b) => b.reason);
        const detail = reasons.length > 0 ? reasons.join("; ") : `no bundle for ${type} (looked in ${result.storage === "fallback-tag" ? "the sha256-\u2026 tag" : "the referrers API"})`;
        return { format: "bundle", what, ok: false, detail };
      });
    }
  };
}
async function createAttestFn(setup) {
  const { attestationsFor, createAttestContext } = await import("./attest-RB756D4F.js");
  const ctx = await createAttestContext({
    config: setup.config,
    lockDir: setup.lockDir,
    ...setup.cacheDir ? { cacheDir: setup.cacheDir } : {},
    ...setup.epoch === void 0 ? {} : { epoch: setup.epoch },
    ...setup.invocation ? { invocation: setup.invocation } : {}
  });
  return (subject) => attestationsFor(ctx, subject);
}
function releaseSigner(o) {
  return async (targets) => {
    const { runSign } = await import("./sign-X3GC3MCR.js");
    const host = o.registry.split("/")[0] ?? o.registry;
    const summary = await runSign({
      storages: o.signing.storages,
      registry: o.registry,
      config: o.config,
      ...o.images ? { images: o.images } : {},
      ...o.tag ? { tag: o.tag } : {},
      ...o.attest ? { attest: o.attest } : {},
      ...o.keychain ? { keychain: o.keychain } : {},
      ...o.insecure ? { insecure: true } : {},
      ...o.secrets ? { secrets: o.secrets } : {},
      onProgress: (e) => {
        if (e.kind === "stored" && e.result.added + e.result.replaced > 0) o.onProgress?.(`${e.result.kind} (${e.result.format}) ${e.result.location}`);
        else if (e.kind === "note") o.onProgress?.(e.message);
      }
    });
    const statuses = summary.digests.map((d) => ({
      repository: d.name.startsWith(`${host}/`) ? d.name.slice(host.length + 1) : d.name,
      digest: d.digest,
      state: d.results.some((r) => r.added + r.replaced > 0) ? "signed" : "present"
    }));
    const missing = targets.filter((t) => !statuses.some((s) => s.repository === t.repository && s.digest === t.digest));
    if (missing.length > 0) {
      throw new DistrolessError("SIGNING", `${missing.length} pushed digest(s) were not signed (a tag moved during the release?): ${missing.slice(0, 3).map((t) => `${t.repository}@${t.digest}`).join(", ")}`);
    }
    return statuses;
  };
}

export {
  createSigning,
  createBundleStorage,
  createBundleVerifier,
  createAttestFn,
  releaseSigner
};
