import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DistrolessError,
  isDistrolessError
} from "./chunk-BJUFX5YB.js";

// src/archive/pool.ts
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
function debStore(opts) {
  let snapshotDown = false;
  const inFlight = /* @__PURE__ */ new Map();
  async function fetchOnce(deb) {
    await mkdir(opts.dir, { recursive: true });
    const path = join(opts.dir, `${deb.sha256}.deb`);
    if (await verifiedFile(path, deb)) {
      opts.onProgress?.({ kind: "deb", label: deb.label, url: path, bytes: deb.size, cached: true });
      return path;
    }
    const errors = [];
    for (const base of deb.bases) {
      if (base.snapshot && snapshotDown) continue;
      const url = `${base.url.replace(/\/+$/, "")}/${deb.filename}`;
      const temp = `${path}.${randomBytes(6).toString("hex")}.part`;
      try {
        const http = base.snapshot ? opts.snapshotHttp ?? opts.http : opts.http;
        const got = await http.download(url, temp, { maxBytes: deb.size });
        if (got === void 0) throw new DistrolessError("HTTP", `GET ${url}: not found`);
        check(deb, url, got);
        await rename(temp, path);
        opts.onProgress?.({ kind: "deb", label: deb.label, url, bytes: got.size, cached: false });
        return path;
      } catch (e) {
        await rm(temp, { force: true });
        if (base.snapshot && isDistrolessError(e, "NETWORK")) snapshotDown = true;
        const reason = e instanceof Error ? e.message : String(e);
        errors.push(reason);
        opts.onProgress?.({ kind: "fallback", label: deb.label, url, reason });
      }
    }
    throw new DistrolessError("NETWORK", `${deb.label}: no source gave the pinned ${deb.filename}: ${errors.join("; ") || "no source configured"}`);
  }
  return {
    fetch(deb) {
      let p = inFlight.get(deb.sha256);
      if (!p) {
        p = fetchOnce(deb).finally(() => inFlight.delete(deb.sha256));
        inFlight.set(deb.sha256, p);
      }
      return p;
    }
  };
}
function check(deb, url, got) {
  if (got.size !== deb.size) throw new DistrolessError("SIZE_MISMATCH", `${url}: ${got.size} bytes, the lock pins ${deb.size} for ${deb.label}`);
  if (got.sha256 !== deb.sha256) throw new DistrolessError("HASH_MISMATCH", `${url}: sha256 ${got.sha256}, the lock pins ${deb.sha256} for ${deb.label}`);
}
async function verifiedFile(path, deb) {
  const st = await stat(path).catch(() => void 0);
  if (!st) return false;
  if (st.size === deb.size && await hashFile(path) === deb.sha256) return true;
  await rm(path, { force: true });
  return false;
}
async function hashFile(path) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest("hex");
}

export {
  debStore,
  hashFile
};
