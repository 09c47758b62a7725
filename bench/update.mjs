// Benchmark of `update`: ours cold (empty cache, no lock) and warm (nothing changed upstream), beside apt doing
// the same work in isolation (apt-get update of the same suites + `apt-get -s install` of each image's packages,
// per distro and arch, into an empty dpkg status: docs/architecture.md#testing). Every distro of the config
// (Debian 12 and 13) × every arch: one process resolving all of them (the total), and each distro alone
// (`--distro`, so the Debian 12 figures stay comparable with earlier runs). Real Debian mirror; prints one JSON
// object per part.
// The changelog step's cost comes last (`node bench/update.mjs --changelogs` runs only that part,
// `--no-changelogs` leaves it out), Debian 12 only, as its earlier figures: `update --check --markdown` from a
// copy of the committed lockfiles (made to resolve even when they are current), with and without
// `--no-changelogs`, indices already cached, the .debs store emptied before each run that reads changelogs.
// Needs apt-get and GNU time (/usr/bin/time).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
// The installed entry point (bin/), as users run it: it turns on Node's compile cache for the bundle.
const cli = join(root, 'bin/distroless-action.js');
const config = parse(readFileSync(join(root, 'distroless.yaml'), 'utf8'));
const distroNames = Object.keys(config.distros);
// BENCH_ARCHS=amd64,riscv64 limits every part to those archs (a quick run while developing).
const onlyArchs = process.env.BENCH_ARCHS?.split(',');
/** The archs of one distro this run looks at. */
function probed(name) {
  return config.distros[name].archs.filter((a) => !onlyArchs || onlyArchs.includes(a));
}

/** Wall seconds and peak RSS (MiB) of one command, via GNU time. */
function timed(cmd, args, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  const wall = (performance.now() - t0) / 1000;
  const rssKb = Number(r.stderr.trim().split('\n').at(-1));
  return { wall, rssMiB: rssKb / 1024, status: r.status, stderr: r.stderr };
}

/** A distro's images: its own (`distros.<name>.images`) and the top-level ones that name it. */
function imagesOf(name) {
  const own = config.distros[name].images ?? {};
  const top = Object.entries(config.images ?? {}).filter(
    ([, image]) => (image.distro ?? (distroNames.length === 1 ? name : undefined)) === name,
  );
  return { ...Object.fromEntries(top), ...own };
}

/** Each image's requested packages, parents first (what apt is asked to install), and the debug extras. */
function imagePackages(name) {
  const images = imagesOf(name);
  const out = {};
  for (const image of Object.keys(images)) {
    const chain = [];
    for (let cur = image; cur; cur = images[cur].from) chain.unshift(...images[cur].packages);
    out[image] = [...new Set(chain)];
  }
  const debug = config.distros[name].debug?.packages;
  if (debug) out.debug = debug;
  return out;
}

/** The archs of one distro whose indices verify today (a mirror caught mid-sync can make one unverifiable). */
function verifiableArchs(name) {
  const ok = [];
  for (const arch of probed(name)) {
    const d = mkdtempSync(join(tmpdir(), 'bench-probe-'));
    try {
      const r = spawnSync(
        process.execPath,
        [cli, '--lockfiles', d, '--cache-dir', join(d, 'c'), '--distro', name, 'update', '--check', '--arch', arch],
        { encoding: 'utf8' },
      );
      if (r.status === 2) console.error(`# ${name} ${arch} skipped: ${r.stderr.trim().split('\n')[0]}`);
      else ok.push(arch);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }
  return ok;
}

function aptFor(distro, arch, dir, packagesByImage) {
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
    // The lists are in a private temp dir: fetch as the caller (as apt falls back to anyway, with a warning).
    'APT::Sandbox::User=root',
  ].flatMap((x) => ['-o', x]);
  const t0 = performance.now();
  const runs = [spawnSync('apt-get', [...o, '-q', 'update'], { encoding: 'utf8' })];
  for (const pkgs of Object.values(packagesByImage))
    runs.push(spawnSync('apt-get', [...o, '-q', '-s', 'install', ...pkgs], { encoding: 'utf8' }));
  const wall = (performance.now() - t0) / 1000;
  // apt-get update exits 0 when a fetch failed; its warnings say so (other warnings, e.g. about the keyring's
  // format, are harmless).
  const bad = runs.find((r) => r.status !== 0 || /^(E: |W: (Failed to fetch|Some index files failed))/m.test(r.stderr));
  return { wall, failed: bad ? bad.stderr.trim().split('\n')[0] || `exit ${bad.status}` : false };
}

/** Total size of the files under `dir` (0 when absent). */
function bytesUnder(dir) {
  let total = 0;
  if (!existsSync(dir)) return 0;
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
    // The lock says it was made from another config, so `update` resolves (an up-to-date lock would stop at
    // "every index matches" and measure nothing); the diff is then against the committed pins.
    const file = join(dir, 'lock', 'debian12.lock.json');
    const lock = JSON.parse(readFileSync(file, 'utf8'));
    lock.configDigest = `sha256:${'0'.repeat(64)}`;
    if (stale) {
      // Every pin "older" than anything Debian shipped: every source package changes, every changelog is read
      // whole (the worst case for the step and for the body limit).
      for (const pins of Object.values(lock.packages))
        for (const pin of Object.values(pins)) {
          pin.version = '0~stale';
          pin.sourceVersion = '0~stale';
        }
    }
    writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
    const cache = join(dir, 'cache');
    const run = (extra) =>
      timed(process.execPath, [
        cli,
        '--lockfiles',
        join(dir, 'lock'),
        '--cache-dir',
        cache,
        '--no-progress',
        '--distro',
        'debian12',
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

const archsOf = Object.fromEntries(distroNames.map((name) => [name, verifiableArchs(name)]));
const active = distroNames.filter((n) => archsOf[n].length > 0);
// One process for every distro: the archs that verify in every distro that has them.
const skipped = new Set(active.flatMap((n) => probed(n).filter((a) => !archsOf[n].includes(a))));
const allArchs = [...new Set(active.flatMap((n) => archsOf[n]))].filter((a) => !skipped.has(a));
const narrowed = onlyArchs !== undefined || skipped.size > 0;
const aptVersion = execFileSync('apt-get', ['--version'], { encoding: 'utf8' }).split('\n')[0];
const round = (x) => +x.toFixed(2);

/** Ours cold once and warm three times (the best is the figure), `--distro` and `--arch` as given. */
function ours(work, selection) {
  const args = ['--lockfiles', join(work, 'lock'), '--cache-dir', join(work, 'cache'), '--no-progress', ...selection];
  const cold = timed(process.execPath, [cli, ...args]);
  if (cold.status !== 0) throw new Error(`cold update ${selection.join(' ')} failed: ${cold.stderr.slice(-2000)}`);
  const warm = [1, 2, 3].map(() => timed(process.execPath, [cli, ...args]));
  const best = warm.reduce((a, b) => (a.wall < b.wall ? a : b));
  return {
    cold: { wallS: round(cold.wall), peakRssMiB: Math.round(cold.rssMiB) },
    warm: { wallS: round(best.wall), peakRssMiB: Math.round(best.rssMiB), runs: warm.map((w) => round(w.wall)) },
  };
}

const work = mkdtempSync(join(tmpdir(), 'bench-update-'));
let result;
try {
  // Every distro in one process (what the bot runs), then each alone.
  const all = ours(join(work, 'all'), [
    ...(active.length < distroNames.length ? ['--distro', active.join(',')] : []),
    'update',
    ...(narrowed ? ['--arch', allArchs.join(',')] : []),
  ]);
  const perDistro = {};
  let aptTotal = 0;
  for (const name of active) {
    const archs = archsOf[name];
    const alone = ours(join(work, name), ['--distro', name, 'update', '--arch', archs.join(',')]);
    const packagesByImage = imagePackages(name);
    const apt = archs.map((arch) =>
      aptFor(config.distros[name], arch, join(work, `apt-${name}-${arch}`), packagesByImage),
    );
    const aptWall = apt.reduce((s, r) => s + r.wall, 0);
    // The total compares like with like: only the archs the one-process run resolved.
    aptTotal += apt.reduce((s, r, i) => s + (allArchs.includes(archs[i]) ? r.wall : 0), 0);
    perDistro[name] = {
      archs,
      images: Object.keys(packagesByImage).length,
      ...alone,
      apt: {
        wallS: round(aptWall),
        perArch: apt.map((r, i) => ({ arch: archs[i], wallS: round(r.wall), failed: r.failed })),
      },
      coldVsApt: +(alone.cold.wallS / aptWall).toFixed(3),
    };
  }
  result = {
    bench: 'update',
    distros: distroNames,
    archs: Object.fromEntries(distroNames.map((n) => [n, archsOf[n]])),
    total: {
      what: 'one process resolving every distro × arch; apt: the sum over distros × archs',
      archs: allArchs,
      ...all,
      apt: { version: aptVersion, wallS: round(aptTotal) },
      coldVsApt: +(all.cold.wallS / aptTotal).toFixed(3),
    },
    perDistro,
    targets: { coldVsApt: '<= 0.2', warmS: '< 1', coldPeakRssMiB: '<= 200' },
  };
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(JSON.stringify(result, null, 2));
if (!process.argv.includes('--no-changelogs')) {
  console.log(JSON.stringify(changelogCost(), null, 2));
  console.log(JSON.stringify(changelogCost(true), null, 2));
}
