import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/app/requests.ts
var DEBUG_KEY = "debug";
function imageRequests(config, distro) {
  const requests = [];
  for (const image of Object.values(config.images)) {
    if (image.distro !== distro.name) continue;
    if (image.name === DEBUG_KEY && distro.debugPackages.length > 0) {
      throw new DistrolessError("CONFIG_INVALID", `${config.file}: images.${DEBUG_KEY}: the name is reserved for the debug variant's packages`);
    }
    const chain = [];
    const seen = /* @__PURE__ */ new Set();
    for (let cur = image.name; cur !== void 0; cur = config.images[cur]?.from) {
      if (seen.has(cur)) throw new DistrolessError("CONFIG_INVALID", `${config.file}: images.${image.name}: "from" chain loops at ${cur}`);
      seen.add(cur);
      const c = config.images[cur];
      if (!c) throw new DistrolessError("CONFIG_INVALID", `${config.file}: images.${image.name}: unknown "from" image ${cur}`);
      chain.unshift(c);
    }
    requests.push({
      image: image.name,
      archs: image.archs,
      packages: unique(chain.flatMap((c) => c.packages)),
      exclude: unique(chain.flatMap((c) => c.exclude))
    });
  }
  if (distro.debugPackages.length > 0) {
    requests.push({ image: DEBUG_KEY, archs: distro.archs, packages: distro.debugPackages, exclude: [] });
  }
  return requests;
}
function unique(values) {
  return [...new Set(values)];
}

export {
  DEBUG_KEY,
  imageRequests
};
