// Benchmark of `update`: ours cold (empty cache, no lock) and warm (nothing changed upstream), beside apt doing
// the same work in isolation (apt-get update of the same suites + `apt-get -s install` of each image's packages,
// per arch, into an empty dpkg status: docs/architecture.md#testing). Real Debian mirror; prints one JSON line
// per figure.
// The changelog step's cost comes last (`node bench/update.mjs --changelogs` runs only that part): `update
// --check --markdown` from a copy of the committed lockfiles (behind the archive), with and without
// `--no-changelogs`, indices already cached, the .debs store emptied before each run that reads changelogs.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
// The installed entry point (bin/), as users run it: it turns on Node's compile cache for the bundle.
const cli = join(root, 'bin/distroless-action.js');
const config = parse(readFileSync(join(root, 'distroless.yaml'), 'utf8'));
const distro = config.distros.debian12;

/** Wall seconds and peak RSS (MiB) of one command, via GNU time. */
function timed(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  const wall = (performance.now() - t0) / 1000;
  const rssKb = Number(r.stderr.trim().split('\n').at(-1));
  return { wall, rssMiB: rssKb / 1024, status: r.status, stderr: r.stderr };
}

/** Each image's requested packages, parents first (what apt is asked to install). */
function imagePackages() {
  const out = {};
  for (const name of Object.keys(config.images)) {
    const chain = [];
    for (let cur = name; cur; cur = config.images[cur].from) chain.unshift(...config.images[cur].packages);
    out[name] = [...new Set(chain)];
  }
  out.debug = distro.debug.packages;
  return out;
}

/** The archs whose indices verify today (a mirror caught mid-sync can make one unverifiable for everyone). */
function verifiableArchs() {
  const ok = [];
  for (const arch of distro.archs) {
    const d = mkdtempSync(join(tmpdir(), 'bench-probe-'));
    const r = spawnSync(
      process.execPath,
      [cli, '--lockfiles', d, '--cache-dir', join(d, 'c'), 'update', '--check', '--arch', arch],
      { encoding: 'utf8' },
    );
    if (r.status === 2) console.error(`# ${arch} skipped: ${r.stderr.trim().split('\n')[0]}`);
    else ok.push(arch);
    rmSync(d, { recursive: true, force: true });
  }
  return ok;
}

function aptFor(arch, dir, packagesByImage) {
  const lists = join(dir, 'lists');
  mkdirSync(join(lists, 'partial'), { recursive: true });
  mkdirSync(join(dir, 'cache', 'archives', 'partial'), { recursive: true });
  writeFileSync(join(dir, 'status'), '');
  const sources = distro.sources.map((s) => `deb ${s.url} ${s.suite} ${s.components.join(' ')}`).join('\n');
  writeFileSync(join(dir, 'sources.list'), `${sources}\n`);
  const o = [
    `Dir::State::status=${join(dir, 'status')}`,
    `Dir::State::Lists=${lists}`,
    `Dir::Cache=${join(dir, 'cache')}`,
    `Dir::Etc::SourceList=${join(dir, 'sources.list')}`,
    'Dir::Etc::SourceParts=/nonexistent',
    'Dir::Etc::Trusted=/usr/share/keyrings/debian-archive-keyring.gpg',
    'Dir::Etc::TrustedParts=/nonexistent',
    `APT::Architecture=${arch}`,
    `APT::Architectures=${arch}`,
    'APT::Install-Recommends=false',
    'Acquire::Languages=none',
    'Debug::NoLocking=1',
  ].flatMap((x) => ['-o', x]);
  const t0 = performance.now();
  const up = spawnSync('apt-get', [...o, '-q', 'update'], { encoding: 'utf8' });
  let failed = up.status !== 0;
  for (const pkgs of Object.values(packagesByImage)) {
    const r = spawnSync('apt-get', [...o, '-q', '-s', 'install', ...pkgs], { encoding: 'utf8' });
    failed ||= r.status !== 0;
  }
  return { wall: (performance.now() - t0) / 1000, failed };
}

/** Total size of the files under `dir` (0 when absent). */
function bytesUnder(dir) {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true })) {
    const st = statSync(join(dir, String(name)));
    if (st.isFile()) total += st.size;
  }
  return total;
}

/** `update --markdown` from the committed (older) lock: wall time and bytes with and without the changelog step. */
function changelogCost(stale = false) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-changelogs-'));
  try {
    cpSync(join(root, 'lockfiles'), join(dir, 'lock'), { recursive: true });
    if (stale) {
      // Every pin "older" than anything Debian shipped: every source package changes, every changelog is read
      // whole (the worst case for the step and for the body limit).
      const file = join(dir, 'lock', 'debian12.lock.json');
      const lock = JSON.parse(readFileSync(file, 'utf8'));
      for (const pins of Object.values(lock.packages))
        for (const pin of Object.values(pins)) {
          pin.version = '0~stale';
          pin.sourceVersion = '0~stale';
        }
      writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
    }
    const cache = join(dir, 'cache');
    const run = (extra) =>
      timed(process.execPath, [
        cli,
        '--lockfiles',
        join(dir, 'lock'),
        '--cache-dir',
        cache,
        '--no-progress',
        'update',
        '--check',
        '--markdown',
        join(dir, 'body.md'),
        ...extra,
      ]);
    const first = run(['--no-changelogs']); // fills the index cache
    if (first.status === 2) throw new Error(`update failed: ${first.stderr}`);
    const indexBytes = bytesUnder(join(cache, 'indices'));
    const without = [];
    const withLogs = [];
    let debBytes = 0;
    for (let i = 0; i < 3; i++) {
      without.push(run(['--no-changelogs']).wall);
      rmSync(join(cache, 'debs'), { recursive: true, force: true });
      const r = run([]);
      if (r.status === 2) throw new Error(`update failed: ${r.stderr}`);
      withLogs.push(r.wall);
      debBytes = bytesUnder(join(cache, 'debs'));
    }
    const body = readFileSync(join(dir, 'body.md'), 'utf8');
    const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    return {
      bench: stale ? 'update-changelogs-every-source' : 'update-changelogs',
      sources: (body.match(/^<details><summary>(?:🔒 )?<b>/gm) ?? []).length,
      bodyChars: body.length,
      indexBytesCold: indexBytes,
      withoutChangelogs: { wallS: +median(without).toFixed(2), runs: without.map((w) => +w.toFixed(2)), debBytes: 0 },
      withChangelogs: { wallS: +median(withLogs).toFixed(2), runs: withLogs.map((w) => +w.toFixed(2)), debBytes },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--changelogs')) {
  console.log(JSON.stringify(changelogCost(), null, 2));
  console.log(JSON.stringify(changelogCost(true), null, 2));
  process.exit(0);
}
if (process.argv.includes('--changelogs-every-source')) {
  console.log(JSON.stringify(changelogCost(true), null, 2));
  process.exit(0);
}

const archs = verifiableArchs();
const work = mkdtempSync(join(tmpdir(), 'bench-update-'));
const args = [
  '--lockfiles',
  join(work, 'lock'),
  '--cache-dir',
  join(work, 'cache'),
  '--no-progress',
  'update',
  '--arch',
  archs.join(','),
];
const cold = timed(process.execPath, [cli, ...args]);
if (cold.status !== 0) throw new Error(`cold update failed: ${cold.stderr}`);
const warm = [1, 2, 3].map(() => timed(process.execPath, [cli, ...args]));
const warmBest = warm.reduce((a, b) => (a.wall < b.wall ? a : b));
const packagesByImage = imagePackages();
const apt = archs.map((arch) => aptFor(arch, join(work, `apt-${arch}`), packagesByImage));
const aptWall = apt.reduce((s, r) => s + r.wall, 0);
const aptVersion = execFileSync('apt-get', ['--version'], { encoding: 'utf8' }).split('\n')[0];
rmSync(work, { recursive: true, force: true });

const result = {
  bench: 'update',
  archs,
  images: Object.keys(packagesByImage).length,
  cold: { wallS: +cold.wall.toFixed(2), peakRssMiB: Math.round(cold.rssMiB) },
  warm: {
    wallS: +warmBest.wall.toFixed(2),
    peakRssMiB: Math.round(warmBest.rssMiB),
    runs: warm.map((w) => +w.wall.toFixed(2)),
  },
  apt: {
    version: aptVersion,
    wallS: +aptWall.toFixed(2),
    perArch: apt.map((r, i) => ({ arch: archs[i], wallS: +r.wall.toFixed(2), failed: r.failed })),
  },
  coldVsApt: +(cold.wall / aptWall).toFixed(3),
  targets: { coldVsApt: '<= 0.2', warmS: '< 1' },
};
console.log(JSON.stringify(result, null, 2));
console.log(JSON.stringify(changelogCost(), null, 2));
console.log(JSON.stringify(changelogCost(true), null, 2));
