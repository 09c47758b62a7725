// Benchmark: the scale curve (issue 16). Prints one JSON object.
// 1. Cold `build` (empty layer cache, .debs already downloaded) of java17 (1 image, amd64) and the 6 images
//    (amd64) of Debian 12, and of the whole set: every image × arch of both distros that the mirror serves
//    today, on 1, 2, 4, … cores: each process is pinned with `taskset -c 0-(k-1)` and given
//    `--deflate-workers k`. The whole set is one `build` per distro (a distro whose every arch is served needs
//    no `--arch`), their times added; a distro × arch whose .debs the mirror cannot give is left out and named
//    in `wholeSet.missing` (the .debs are fetched arch by arch first, so one gap leaves only that gap).
// 2. Scale-out against a local docker-registry on 127.0.0.1: `plan`, then its shards as N parallel
//    `build-shard` processes (each with its own cold cache, as a runner restoring only its .debs), then
//    `assemble`; beside one `publish` of the same set to another empty registry. No signing on either side.
//    Debian 12, as every earlier figure.
// BENCH_SCALE_SET=amd64 limits both parts to Debian 12 amd64 (no whole set).
// Needs taskset (util-linux), docker-registry; dist/cli.js (`npm run bench -- scale` rebuilds it first).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin/distroless-action.js');
const lockDir = process.env.BENCH_LOCKFILES ?? join(root, 'lockfiles');
const work = mkdtempSync(join(tmpdir(), 'bench-scale-'));
// Removed at exit, also when a step throws.
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const amd64Only = process.env.BENCH_SCALE_SET === 'amd64';
const cpus = availableParallelism();
const coreCounts = [...new Set([1, 2, 4, 8, 16, 32, cpus].filter((n) => n <= cpus))].sort((a, b) => a - b);
const settle = () => execFileSync('sync');
// Debian 12 only, so the figures compare with earlier runs (both distros: drop '--distro').
const common = ['--lockfiles', lockDir, '--no-progress', '--distro', 'debian12'];

function timed(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { wall: (performance.now() - t0) / 1000, stdout: r.stdout };
}
const pinned = (cores, args) =>
  timed('taskset', ['-c', `0-${cores - 1}`, process.execPath, cli, ...args, '--deflate-workers', String(cores)]);

/** A cache holding only the downloaded .debs. */
function coldCache(name) {
  const dir = join(work, name);
  mkdirSync(dir);
  cpSync(join(warm, 'debs'), join(dir, 'debs'), { recursive: true });
  return dir;
}

// Download every .deb once (not timed): Debian 12 (parts 1 and 2), then each distro × arch of the whole set on
// its own, so that an arch the mirror cannot serve today is a named gap.
const warm = join(work, 'warm');
const warmBuild = (args) =>
  spawnSync(
    process.execPath,
    [
      cli,
      '--lockfiles',
      lockDir,
      '--no-progress',
      '--cache-dir',
      warm,
      'build',
      '--output',
      join(work, 'warm-layout'),
      '--no-sbom',
      ...args,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
const served = {};
const missing = [];
if (amd64Only) {
  const r = warmBuild(['--distro', 'debian12', '--arch', 'amd64']);
  if (r.status !== 0) throw new Error(`download of Debian 12 amd64 failed: ${r.stderr}`);
} else {
  for (const distro of ['debian12', 'debian13']) {
    const locked = JSON.parse(readFileSync(join(lockDir, `${distro}.lock.json`), 'utf8'));
    served[distro] = [];
    for (const arch of Object.keys(locked.packages)) {
      const r = warmBuild(['--distro', distro, '--arch', arch]);
      if (r.status === 0) served[distro].push(arch);
      else missing.push({ distro, arch, why: r.stderr.trim().split('\n').at(-1) });
    }
    const all = Object.keys(locked.packages).length;
    if (distro === 'debian12' && served[distro].length !== all)
      throw new Error(`Debian 12 is not whole on the mirror: ${JSON.stringify(missing)}`);
  }
}
rmSync(join(work, 'warm-layout'), { recursive: true, force: true });

// 1. Cold builds × cores.
// Each set is a list of `build` runs (their times added): the distro (a global option), then build's options.
const d12 = (...buildArgs) => ({ distro: 'debian12', buildArgs });
const sets = {
  'java17 (amd64)': [d12('--image', 'java17', '--arch', 'amd64')],
  '6 images (amd64)': [d12('--arch', 'amd64')],
};
if (!amd64Only) {
  sets['whole set (both distros, every served arch)'] = Object.entries(served).map(([distro, archs]) => {
    const locked = JSON.parse(readFileSync(join(lockDir, `${distro}.lock.json`), 'utf8'));
    const every = archs.length === Object.keys(locked.packages).length;
    return { distro, buildArgs: every ? [] : ['--arch', archs.join(',')] };
  });
}
const curve = {};
for (const [label, runs] of Object.entries(sets)) {
  curve[label] = {};
  for (const cores of coreCounts) {
    let wall = 0;
    for (const { distro, buildArgs } of runs) {
      const cache = coldCache('cold');
      const out = join(work, 'cold-layout');
      settle();
      const r = pinned(cores, [
        '--lockfiles',
        lockDir,
        '--no-progress',
        '--cache-dir',
        cache,
        '--distro',
        distro,
        'build',
        '--output',
        out,
        '--no-sbom',
        '--json',
        ...buildArgs,
      ]);
      wall += r.wall;
      rmSync(cache, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
    curve[label][`${cores} core${cores === 1 ? '' : 's'}`] = +wall.toFixed(2);
  }
}

// 2. plan / N × build-shard / assemble vs one publish.
await esbuild({
  entryPoints: [join(root, 'test/helpers/registry.ts')],
  outfile: join(work, 'registry.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const { startRegistry } = await import(join(work, 'registry.mjs'));
const archSel = amd64Only ? ['--arch', 'amd64'] : [];
const plan = JSON.parse(timed(process.execPath, [cli, ...common, 'plan', '--json', ...archSel]).stdout);
const shards = plan.include.map((e) => e.id);

function runProcess(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')}: ${err}`))));
  });
}

const scaleOut = {};
const shardCounts = [...new Set([1, 2, cpus, shards.length].filter((n) => n <= shards.length))].sort((a, b) => a - b);
for (const parallel of shardCounts) {
  const registry = await startRegistry();
  try {
    const results = join(work, `results-${parallel}`);
    mkdirSync(results);
    const caches = shards.map((s) => coldCache(`shard-${parallel}-${s}`));
    settle();
    const t0 = performance.now();
    const queue = shards.map((s, i) => [s, i]);
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          const [shard, i] = next;
          await runProcess([
            ...common,
            '--cache-dir',
            caches[i],
            'build-shard',
            '--shard',
            shard,
            '--registry',
            `${registry.host}/distroless`,
            '--insecure',
            '--output',
            join(work, `shard-layout-${parallel}-${i}`),
            '--result',
            join(results, `${shard}.json`),
          ]);
        }
      }),
    );
    const shardsDone = (performance.now() - t0) / 1000;
    await runProcess([
      ...common,
      'assemble',
      '--registry',
      `${registry.host}/distroless`,
      '--insecure',
      '--results',
      results,
      ...archSel,
    ]);
    scaleOut[`${parallel} parallel`] = {
      shardsS: +shardsDone.toFixed(2),
      totalS: +((performance.now() - t0) / 1000).toFixed(2),
    };
    for (const c of caches) rmSync(c, { recursive: true, force: true });
  } finally {
    await registry.stop();
  }
}
const one = await startRegistry();
let publish;
try {
  const cache = coldCache('publish');
  settle();
  publish = timed(process.execPath, [
    cli,
    ...common,
    '--cache-dir',
    cache,
    'publish',
    '--registry',
    `${one.host}/distroless`,
    '--insecure',
    '--output',
    join(work, 'publish-layout'),
    ...archSel,
  ]);
} finally {
  await one.stop();
}

rmSync(work, { recursive: true, force: true });
console.log(
  JSON.stringify(
    {
      bench: 'scale',
      cpus,
      coldBuildS: curve,
      ...(amd64Only ? {} : { wholeSet: { served, missing } }),
      scaleOut: { shards: shards.length, ...scaleOut, onePublishS: +publish.wall.toFixed(2) },
    },
    null,
    2,
  ),
);
