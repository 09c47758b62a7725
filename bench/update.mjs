// Benchmark of `update`: ours cold (empty cache, no lock) and warm (nothing changed upstream), beside apt doing
// the same work in isolation (apt-get update of the same suites + `apt-get -s install` of each image's packages,
// per arch, into an empty dpkg status: docs/architecture.md#testing). Real Debian mirror; prints one JSON line
// per figure.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
