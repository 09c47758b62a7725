import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planShards } from '../../src/app/plan.js';
import { parseShardResult } from '../../src/app/shard-result.js';
import { imagesOf, loadConfig, onlyDistros, type Config } from '../../src/config/index.js';
import { readLockfile } from '../../src/lock/io.js';
import { debianPlatform, formatPlatform } from '../../src/oci/index.js';

/** The committed config and lock: the plan a workflow would fan out over. */
const ROOT_CONFIG = fileURLToPath(new URL('../../distroless.yaml', import.meta.url));
const LOCK_DIR = fileURLToPath(new URL('../../lockfiles', import.meta.url));

async function load(): Promise<{ config: Config; locked: (image: string) => string[] }> {
  const config = onlyDistros(await loadConfig(ROOT_CONFIG), ['debian12']);
  const lock = await readLockfile(LOCK_DIR, 'debian12');
  if (!lock) throw new Error('lockfiles/debian12.lock.json is missing');
  // An arch counts when the lock pins the image and the debug packages for it (what build needs).
  const locked = (image: string): string[] =>
    (config.images[`${image}-debian12`]?.archs ?? []).filter(
      (a) => lock.images[image]?.[a] !== undefined && lock.images.debug?.[a] !== undefined,
    );
  return { config, locked };
}

/** A copy of the committed lock without `arch` in its images (as a partial `update --arch` leaves it). */
async function lockWithout(arch: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'plan-lock-'));
  const lock = JSON.parse(await readFile(join(LOCK_DIR, 'debian12.lock.json'), 'utf8')) as {
    images: Record<string, Record<string, unknown>>;
  };
  for (const archs of Object.values(lock.images)) delete archs[arch];
  await writeFile(join(dir, 'debian12.lock.json'), JSON.stringify(lock, null, 2));
  return dir;
}

describe('planShards on the committed distroless.yaml and lockfiles/debian12.lock.json', () => {
  it('has one shard per image × locked arch, unique ids, parents before children, and warns about unlocked archs', async () => {
    const { config, locked } = await load();
    const warnings: string[] = [];
    const plan = await planShards(config, LOCK_DIR, { onWarning: (m) => warnings.push(m) });

    const names = Object.values(config.images).map((i) => i.name);
    const expected = names.flatMap((image) => locked(image).map((arch) => `${image}-debian12-${arch}`));
    expect(expected.length).toBeGreaterThan(names.length); // several archs are locked
    expect(plan.shards.map((s) => s.id).sort()).toEqual([...expected].sort());
    expect(new Set(plan.shards.map((s) => s.id)).size).toBe(plan.shards.length);
    for (const s of plan.shards) {
      expect(s).toEqual({
        id: `${s.image}-${s.distro}-${s.arch}`,
        image: s.image,
        distro: 'debian12',
        arch: s.arch,
        platform: formatPlatform(debianPlatform(s.arch)),
      });
    }
    expect(plan.shards.find((s) => s.arch === 'arm64')?.platform).toBe('linux/arm64/v8');
    expect(plan.matrix).toEqual({ include: plan.shards });

    // A parent's shards come before its children's (the order build plans images in).
    const first = (image: string): number => plan.shards.findIndex((s) => s.image === image);
    for (const image of Object.values(config.images)) {
      if (image.from !== undefined) expect(first(image.from)).toBeLessThan(first(image.name));
    }
    // Within an image, the config's arch order.
    const staticArchs = plan.shards.filter((s) => s.image === 'static').map((s) => s.arch);
    expect(staticArchs).toEqual(locked('static'));

    // The committed lock pins every arch of the config.
    expect(locked('static')).toEqual(config.distros.debian12?.archs);
    expect(warnings).toEqual([]);
  });

  it('skips, with a warning, an arch the config lists but the lock does not pin (as build does)', async () => {
    const { config } = await load();
    const partial = await lockWithout('ppc64el');
    try {
      const warnings: string[] = [];
      const plan = await planShards(config, partial, { onWarning: (m) => warnings.push(m) });
      expect(plan.shards.length).toBeGreaterThan(0);
      expect(plan.shards.some((s) => s.arch === 'ppc64el')).toBe(false);
      expect(warnings).toContain(
        'image static: ppc64el is not in the lockfile (skipped; run "distroless-action update --arch ppc64el")',
      );
      await expect(planShards(config, partial, { archs: ['ppc64el'] })).rejects.toMatchObject({ code: 'LOCK_STALE' });
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
  });

  it('covers both distros of the full config: one shard per image × distro × locked arch, --distro narrows', async () => {
    const full = await loadConfig(ROOT_CONFIG);
    const plan = await planShards(full, LOCK_DIR, { onWarning: () => undefined });
    const lock13 = await readLockfile(LOCK_DIR, 'debian13');
    const expected13 = Object.values(imagesOf(full, 'debian13')).flatMap((i) =>
      i.archs.filter((a) => lock13?.images[i.name]?.[a] !== undefined).map((a) => `${i.name}-debian13-${a}`),
    );
    expect(expected13.length).toBeGreaterThanOrEqual(36); // six images × six archs
    const ids = plan.shards.map((s) => s.id);
    expect(ids.filter((id) => id.includes('-debian13-')).sort()).toEqual(expected13.sort());
    expect(ids.some((id) => id.includes('-debian12-'))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const only13 = await planShards(onlyDistros(full, ['debian13']), LOCK_DIR);
    expect(only13.shards.map((s) => s.id).sort()).toEqual(expected13.sort());
  });

  it('is deterministic: the same plan, in the same order, every time', async () => {
    const { config } = await load();
    const a = await planShards(config, LOCK_DIR);
    const b = await planShards(onlyDistros(await loadConfig(ROOT_CONFIG), ['debian12']), LOCK_DIR);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('honours an image and arch selection without adding the ancestors as shards', async () => {
    const { config, locked } = await load();
    const plan = await planShards(config, LOCK_DIR, { images: ['python3'] });
    expect(plan.shards.map((s) => s.id)).toEqual(locked('python3').map((a) => `python3-debian12-${a}`));
    const arm = await planShards(config, LOCK_DIR, { archs: ['arm64'] });
    expect(arm.shards.map((s) => s.image).sort()).toEqual(
      Object.values(config.images)
        .map((i) => i.name)
        .sort(),
    );
    expect(arm.shards.every((s) => s.arch === 'arm64')).toBe(true);
  });

  it('fails clearly on an unknown image and a stale lock', async () => {
    const { config } = await load();
    await expect(planShards(config, LOCK_DIR, { images: ['python4'] })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('unknown image "python4"'),
    });
    const changed: Config = {
      ...config,
      images: {
        ...config.images,
        'static-debian12': {
          ...(config.images['static-debian12'] as NonNullable<Config['images'][string]>),
          packages: ['base-files'],
        },
      },
    };
    await expect(planShards(changed, LOCK_DIR)).rejects.toMatchObject({
      code: 'LOCK_STALE',
      message: expect.stringContaining('was made for another version'),
    });
  });
});

describe('parseShardResult', () => {
  const manifest = {
    image: 'static',
    distro: 'debian12',
    variant: 'nonroot',
    arch: 'armhf',
    platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
    repository: 'acme/static-debian12',
    digest: `sha256:${'a'.repeat(64)}`,
    size: 1234,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
  };
  const result = {
    version: 1,
    shard: 'static-debian12-armhf',
    registry: 'ghcr.io/acme',
    epoch: 1700000000,
    manifests: [manifest],
  };

  it('reads back what a shard wrote', () => {
    expect(parseShardResult(JSON.stringify(result), 'r.json')).toEqual(result);
    const amd = { ...manifest, arch: 'amd64', platform: { os: 'linux', architecture: 'amd64' } };
    expect(
      parseShardResult(JSON.stringify({ ...result, manifests: [amd] }), 'r.json').manifests[0]?.platform,
    ).toStrictEqual({ os: 'linux', architecture: 'amd64' });
  });

  it('names the file and every bad field', () => {
    const bad = { ...result, version: 2, manifests: [{ ...manifest, digest: 'sha256:xyz', variant: 'fat' }] };
    let error: unknown;
    try {
      parseShardResult(JSON.stringify(bad), 'shards/x.json');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'PARSE',
      message: expect.stringMatching(/^shards\/x\.json: not a shard result: /),
    });
    const details = (error as { details: string[] }).details.join('\n');
    expect(details).toContain('shards/x.json: version:');
    expect(details).toContain('shards/x.json: manifests.0.digest: a sha256 digest');
    expect(details).toContain('shards/x.json: manifests.0.variant:');
    expect(() => parseShardResult('{', 'y.json')).toThrow(/^y\.json: not valid JSON/);
  });
});
