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

export {
  makeProgress
};
