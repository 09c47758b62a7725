// Bundles the CLI and the Action entry into dist/ (committed; CI fails when it is stale).
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  legalComments: 'none',
  minify: true,
  logLevel: 'warning',
  // yaml's ES module build (the one its package.json gives non-Node platforms): the same parser, but bundled as
  // ESM it loads in ~4 ms where its CommonJS build took ~30 ms, on every run of every command. The two differ
  // only in how they log (process.emitWarning and LOG_* debug variables vs console.warn).
  alias: { yaml: './node_modules/yaml/browser/index.js' },
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};

// One build for both entries with code splitting: modules loaded by `import()` (each CLI command's own
// stack: openpgp for update, undici for push) become chunks that load only when that command runs.
await rm('dist', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { cli: 'src/cli/index.ts', index: 'src/action/index.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
});
