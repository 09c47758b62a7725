// The image table of one distro (issue 13): `build` of every image × variant × arch of the distro from the
// committed lockfile into a temporary OCI layout, and each image's compressed size (layers + config, as
// `build --json` reports it). Not timed. Prints a Markdown table (image, variant, then one column per arch) and
// one JSON object with every row.
// `npm run bench -- sizes` (Debian 13) or `node bench/sizes.mjs [distro]` (e.g. debian12). The .debs go to the
// CLI's own cache (~/.cache/distroless-action, or DISTROLESS_CACHE_DIR): the first run downloads every arch's
// packages, later runs reuse them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin/distroless-action.js');
const lockDir = process.env.BENCH_LOCKFILES ?? join(root, 'lockfiles');
const distro = process.argv[2] ?? 'debian13';
const mib = (bytes) => (bytes / 1048576).toFixed(2);

const work = mkdtempSync(join(tmpdir(), 'bench-sizes-'));
let images;
try {
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
      '--output',
      join(work, 'oci'),
      '--no-sbom',
      '--json',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`build --distro ${distro} failed (exit ${r.status})`);
  images = JSON.parse(r.stdout).images;
} finally {
  rmSync(work, { recursive: true, force: true });
}

const archs = [...new Set(images.map((i) => i.arch))];
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
console.log(
  JSON.stringify({
    bench: 'sizes',
    distro,
    images: images.map((i) => ({ image: i.image, variant: i.variant, arch: i.arch, size: i.size, digest: i.digest })),
  }),
);
