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
  // Native decoder, loaded on demand only where no xz binary exists (see src/archive/decompress.ts).
  external: ['@napi-rs/lzma'],
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
