// Benchmark of `push`: our push of a built layout (every ref: indexes, per-arch manifests, tags) to an empty
// local docker-registry, beside `skopeo copy --all` of the same layout's index refs to another empty one, same
// machine, same run; then our re-push of the unchanged layout. Prints one JSON object.
// Usage: node bench/push.mjs [LAYOUT_DIR]   (default: build one for amd64 with the CLI into a temp dir, from
// lockfiles/debian12.lock.json, or from a fresh `update --arch amd64` when no lockfile is committed).
// Needs the Debian packages docker-registry and skopeo; dist/cli.js for the default layout (`npm run bench -- push` rebuilds it first).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'bench-push-'));

/** Bundles TypeScript modules of this repo into one ESM file the benchmark (and its child runs) can import. */
async function bundle(entry, name) {
  const outfile = join(work, name);
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return outfile;
}

function defaultLayout() {
  const cli = join(root, 'bin/distroless-action.js');
  let lockDir = join(root, 'lockfiles');
  if (!existsSync(join(lockDir, 'debian12.lock.json'))) {
    lockDir = join(work, 'lock');
    execFileSync(
      process.execPath,
      [cli, '--lockfiles', lockDir, '--cache-dir', join(work, 'cache'), '--no-progress', 'update', '--arch', 'amd64'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
  }
  const out = join(work, 'layout');
  execFileSync(
    process.execPath,
    [
      cli,
      '--lockfiles',
      lockDir,
      '--cache-dir',
      join(work, 'cache'),
      '--no-progress',
      '--distro',
      'debian12',
      'build',
      '--output',
      out,
      '--arch',
      'amd64',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return out;
}

function timed(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { wall: (performance.now() - t0) / 1000, stdout: r.stdout };
}

const layout = process.argv[2] ?? defaultLayout();
const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
const refs = index.manifests.map((m) => ({
  ref: m.annotations['org.opencontainers.image.ref.name'],
  mediaType: m.mediaType,
  digest: m.digest,
}));
const indexRefs = refs.filter((r) => r.mediaType.endsWith('index.v1+json'));
const blobDir = join(layout, 'blobs', 'sha256');
const blobs = readdirSync(blobDir);
const bytes = blobs.reduce((s, b) => s + statSync(join(blobDir, b)).size, 0);

const helpers = await import(await bundle('test/helpers/registry.ts', 'registry.mjs'));
const pushLib = await bundle('src/app/push.ts', 'push.mjs');
const runner = join(work, 'run-push.mjs');
// The child prints the summary; the wall time includes its Node start-up, as skopeo's includes its own.
writeFileSync(
  runner,
  `
import { runPush } from ${JSON.stringify(pushLib)};
const [layoutDir, registry, concurrency] = process.argv.slice(2);
const r = await runPush({ layoutDir, registry, insecure: true, concurrency: Number(concurrency) });
const { refs, ...stats } = r;
console.log(JSON.stringify({ refs: refs.length, ...stats }));
`,
);

const ours = await helpers.startRegistry();
const theirs = await helpers.startRegistry();
try {
  const concurrency = Number(process.env.PUSH_CONCURRENCY ?? 4);
  const push = timed(process.execPath, [runner, layout, `${ours.host}/distroless`, String(concurrency)]);
  const skopeo = { wall: 0 };
  for (const { ref } of indexRefs) {
    // The same naming as ours: <image>-<distro>[-<variant>] → repository <image>-<distro>, tag <variant>|latest.
    const m = /^(.*?-debian\d+)(?:-(.+))?$/.exec(ref);
    const dest = `docker://${theirs.host}/distroless/${m[1]}:${m[2] ?? 'latest'}`;
    skopeo.wall += timed('skopeo', [
      'copy',
      '--all',
      '--dest-tls-verify=false',
      '--quiet',
      `oci:${layout}:${ref}`,
      dest,
    ]).wall;
  }
  const repush = timed(process.execPath, [runner, layout, `${ours.host}/distroless`, String(concurrency)]);
  const pushed = JSON.parse(push.stdout);
  const again = JSON.parse(repush.stdout);
  console.log(
    JSON.stringify(
      {
        node: process.version,
        layout: { refs: refs.length, indexRefs: indexRefs.length, blobs: blobs.length, bytes },
        push: { wallSeconds: +push.wall.toFixed(2), concurrency, ...pushed },
        skopeo: {
          wallSeconds: +skopeo.wall.toFixed(2),
          copies: indexRefs.length,
          command:
            'skopeo copy --all oci:LAYOUT:REF docker://HOST/distroless/REPO:TAG (index refs, one after the other)',
        },
        ratio: +(push.wall / skopeo.wall).toFixed(3),
        repush: {
          wallSeconds: +repush.wall.toFixed(2),
          uploadedBytes: again.uploadedBytes,
          uploadedBlobs: again.uploadedBlobs,
          manifestsPut: again.manifestsPut,
          tagsPut: again.tagsPut,
        },
      },
      null,
      2,
    ),
  );
} finally {
  await ours.stop();
  await theirs.stop();
  rmSync(work, { recursive: true, force: true });
}
