import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  lockfilePath,
  readLockfile
} from "./chunk-ZTTND34Q.js";
import "./chunk-BVZWJCHG.js";
import {
  compareCodeUnits
} from "./chunk-K4BAZ34O.js";
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";

// src/app/list.ts
async function listImage(config, lockDir, image, arch) {
  const imageConfig = config.images[image];
  if (!imageConfig) {
    const known = Object.keys(config.images).sort(compareCodeUnits).join(", ");
    throw new DistrolessError("USAGE", `unknown image "${image}" (the config defines: ${known})`);
  }
  const lock = await readLockfile(lockDir, imageConfig.distro);
  const file = lockfilePath(lockDir, imageConfig.distro);
  if (!lock) throw new DistrolessError("LOCK_INVALID", `${file}: no lockfile; run "distroless-action update" first`);
  const entry = lock.images[image]?.[arch];
  if (!entry) {
    const archs = Object.keys(lock.images[image] ?? {}).join(", ") || "none";
    throw new DistrolessError("USAGE", `image "${image}" has no arch "${arch}" in ${file} (locked archs: ${archs})`);
  }
  const pins = lock.packages[arch] ?? {};
  const packages = Object.keys(entry.packages).sort(compareCodeUnits).map((name) => {
    const pin = pins[name];
    if (!pin) throw new DistrolessError("LOCK_INVALID", `${file}: image ${image} (${arch}) lists ${name}, which has no pin`);
    return { name, ...pin, requiredBy: entry.packages[name] ?? "" };
  });
  return { image, distro: imageConfig.distro, arch, packages, excluded: entry.excluded };
}
export {
  listImage
};
