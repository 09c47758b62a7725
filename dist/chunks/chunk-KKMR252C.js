import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);

// src/cli/progress.ts
function makeProgress(opts) {
  const start = opts.clock();
  if (!opts.enabled) return () => void 0;
  return (message) => {
    const secs = ((opts.clock() - start) / 1e3).toFixed(1).padStart(5);
    opts.write(`[${secs}s] ${message}
`);
  };
}

// src/cli/credentials.ts
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
async function cliKeychain(io, registry, username) {
  const { dockerConfigPath, keychainFromEnvironment } = await import("./registry-47GOGVWH.js");
  const dockerConfig = await readFile(dockerConfigPath(io.env, io.env.HOME || homedir()), "utf8").catch(() => void 0);
  const password = io.env.DISTROLESS_REGISTRY_PASSWORD;
  const host = registry.split("/")[0] ?? registry;
  const explicit = username || password ? { registry: host, ...username ? { username } : {}, ...password ? { password } : {} } : void 0;
  return keychainFromEnvironment({ env: io.env, ...dockerConfig ? { dockerConfig } : {}, ...explicit ? { explicit } : {} });
}

export {
  makeProgress,
  cliKeychain
};
