// Bundles the CLI and the Action entry into dist/ (committed; CI fails when it is stale).
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  // Native decoder, loaded on demand only where no xz binary exists (see src/archive/decompress.ts).
  external: ['@napi-rs/lzma'],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
};

await build({ ...common, entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js' });
await build({ ...common, entryPoints: ['src/action/index.ts'], outfile: 'dist/index.js' });
