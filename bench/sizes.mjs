// The image table of one distro (issue 13): `build` of every image × variant × arch of the distro from the
// committed lockfile into a temporary OCI layout, and each image's compressed size (layers + config, as
// `build --json` reports it). Not timed. Prints a Markdown table (image, variant, then one column per arch) and
// one JSON object with every row.
// `npm run bench -- sizes` (Debian 13) or `node bench/sizes.mjs [distro]` (e.g. debian12). The .debs go to the
// CLI's own cache (~/.cache/distroless-action, or DISTROLESS_CACHE_DIR): the first run downloads every arch's
// packages, later runs reuse them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin/distroless-action.js');
const lockDir = process.env.BENCH_LOCKFILES ?? join(root, 'lockfiles');
const distro = process.argv[2] ?? 'debian13';
const mib = (bytes) => (bytes / 1048576).toFixed(2);

const locked = JSON.parse(readFileSync(join(lockDir, `${distro}.lock.json`), 'utf8'));
const images = [];
const failed = {};
const work = mkdtempSync(join(tmpdir(), 'bench-sizes-'));
try {
  // Arch by arch: one arch the mirror cannot serve today (a .deb missing mid-sync) leaves a gap, not nothing.
  for (const arch of Object.keys(locked.packages)) {
    const r = spawnSync(
      process.execPath,
      [
        cli,
        '--config',
        join(root, 'distroless.yaml'),
        '--lockfiles',
        lockDir,
        '--no-progress',
        '--distro',
        distro,
        'build',
        '--arch',
        arch,
        '--output',
        join(work, arch),
        '--no-sbom',
        '--json',
      ],
      { encoding: 'utf8', maxBuffer: 1 << 28 },
    );
    rmSync(join(work, arch), { recursive: true, force: true });
    if (r.status === 0) images.push(...JSON.parse(r.stdout).images);
    else failed[arch] = r.stderr.trim().split('\n')[0];
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (images.length === 0) throw new Error(`no ${distro} image built: ${JSON.stringify(failed)}`);

const archs = Object.keys(locked.packages);
const rows = [...new Set(images.map((i) => `${i.image}\t${i.variant}`))];
const size = (image, variant, arch) =>
  images.find((i) => i.image === image && i.variant === variant && i.arch === arch)?.size;
const lines = [
  `| image | variant | ${archs.join(' | ')} |`,
  `|---|---|${archs.map(() => '---:|').join('')}`,
  ...rows.map((row) => {
    const [image, variant] = row.split('\t');
    const cells = archs.map((a) => {
      const s = size(image, variant, a);
      return s === undefined ? '–' : mib(s);
    });
    return `| ${image}-${distro} | ${variant} | ${cells.join(' | ')} |`;
  }),
];
console.log(`Compressed size (MiB: layers + config) of every ${distro} image:\n\n${lines.join('\n')}\n`);
for (const [arch, why] of Object.entries(failed)) console.log(`${arch}: not built (${why})`);
console.log(
  JSON.stringify({
    bench: 'sizes',
    distro,
    failed,
    images: images.map((i) => ({ image: i.image, variant: i.variant, arch: i.arch, size: i.size, digest: i.digest })),
  }),
);
