/**
 * What every CLI command loads before it starts: the static import graph of src/cli/index.ts, as esbuild (the
 * bundler of dist/) sees it. The heavy dependencies belong behind `import()`, loaded by the commands that use
 * them: undici alone took ~75 ms of every start-up when a type-only use of the registry barrel pulled it in
 * (docs/architecture.md, "Where the time goes").
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { build, stop } from 'esbuild';

afterAll(() => stop()); // esbuild's service process

async function staticClosure(entry: string): Promise<Set<string>> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    splitting: true,
    outdir: 'unused', // nothing is written
    write: false,
    metafile: true,
    logLevel: 'error',
    alias: { yaml: './node_modules/yaml/browser/index.js' }, // as scripts/bundle.mjs
  });
  const inputs = result.metafile.inputs;
  const seen = new Set([entry]);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const i of inputs[file]?.imports ?? []) {
      if (i.kind !== 'import-statement' && i.kind !== 'require-call') continue; // import() loads later
      if (i.path.startsWith('node:') || seen.has(i.path)) continue;
      seen.add(i.path);
      queue.push(i.path);
    }
  }
  return seen;
}

const packageOf = (path: string): string | undefined => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];

describe('start-up imports of the CLI', () => {
  it('loads no network, OpenPGP or Sigstore stack before a command asks for it', async () => {
    const closure = await staticClosure('src/cli/index.ts');
    expect(closure.has('src/cli/main.ts')).toBe(true); // the walk followed the graph
    const packages = new Set([...closure].map(packageOf).filter((p) => p !== undefined));
    expect(packages.has('commander')).toBe(true);
    for (const heavy of ['undici', 'openpgp', 'zod', '@sigstore/sign', '@sigstore/verify', 'sigstore']) {
      expect({ heavy, loaded: packages.has(heavy) }).toEqual({ heavy, loaded: false });
    }
    // Nor our own HTTP transport, whose modules import undici.
    expect([...closure].filter((f) => /src\/util\/http\/(dispatcher|request)\.ts$/.test(f))).toEqual([]);
  }, 60_000);

  it('the build command reaches undici only through import()', async () => {
    const closure = await staticClosure('src/app/build.ts');
    expect(closure.has('src/util/http/request.ts')).toBe(true); // its downloads use the transport…
    expect([...closure].some((f) => packageOf(f) === 'undici')).toBe(false); // …which loads undici on use
  }, 60_000);
});
