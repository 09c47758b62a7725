/** Jest runs the TypeScript sources as ESM through SWC (no type checking here: `npm run typecheck` does that). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript' },
          target: 'es2023',
          // JSON modules (`with { type: 'json' }`) are kept for Node's and Jest's ESM loaders.
          experimental: { keepImportAttributes: true },
        },
        module: { type: 'es6' },
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
  // A temp directory per run, checked empty at the end: every test removes what it made.
  globalSetup: '<rootDir>/test/setup/global-setup.mjs',
  globalTeardown: '<rootDir>/test/setup/global-teardown.mjs',
  maxWorkers: 2,
  // Jest gives a worker 500 ms to exit once the run is over, then kills it and prints "A worker process has failed
  // to exit gracefully … tests leaking". Ours leak no handle: at that moment a worker that ran ~40 files holds
  // ~0.7–1.3 GB (Jest's per-file module registries) and is still running, freeing it, for 0.35–0.6 s (measured
  // from /proc while it exits). This gives it the time instead of printing a false warning.
  workerGracefulExitTimeout: 5000,
};
