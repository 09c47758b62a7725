import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient, FAST_RETRY } from '../../src/archive/index.js';
import { runBuild } from '../../src/app/build.js';
import { runUpdate } from '../../src/app/update.js';
import { loadConfig } from '../../src/config/index.js';
import { writeLockfiles, readLockfile } from '../../src/lock/io.js';
import type { Lockfile } from '../../src/lock/types.js';
import { renderPrBody } from '../../src/update-pr/body.js';
import { makeFixture, NOW, SECURITY_URL, type Fixture } from '../helpers/update-fixture.js';

describe('update --impact: each image × variant × arch, digest and exact compressed size change', () => {
  let fx: Fixture;
  let newer: Fixture;
  let work: string;
  beforeAll(async () => {
    fx = await makeFixture();
    newer = await makeFixture({ securityLibc: '2.36-9+deb12u7' }, fx.keys);
    work = await mkdtemp(join(tmpdir(), 'impact-test-'));
  });
  afterAll(async () => {
    await newer.close();
    await fx.close();
    await rm(work, { recursive: true, force: true });
  });

  it('builds both locks with the shared cache; figures equal separate builds; unchanged images said so', async () => {
    const config = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
    const base = { config, lockDir: fx.lockDir, now: NOW, keyring: fx.keyring, retry: FAST_RETRY };
    await runUpdate({ ...base, check: false });
    const before = (await readLockfile(fx.lockDir, 'test12')) as Lockfile;
    const http = createHttpClient({ retry: FAST_RETRY });
    // The previous release was built with this cache (as CI keeps it): the old .debs, which the moved security
    // suite no longer serves, are in it.
    const shared = join(work, 'cache');
    await runBuild({ config, lockDir: fx.lockDir, outDir: join(work, 'prev'), cacheDir: shared, sbomDir: false, http });
    const moved = await loadConfig(fx.configPath, {
      sourceOverrides: { ...fx.mirrors, [SECURITY_URL]: newer.securityServer.url },
    });
    const result = await runUpdate({
      ...base,
      config: moved,
      check: false,
      impact: true,
      cacheDir: join(work, 'cache'),
    });
    const after = (await readLockfile(fx.lockDir, 'test12')) as Lockfile;
    const impact = result.distros[0]?.diff.impact ?? [];

    // The oracle: each lock built on its own, in its own cache, from the archive that had its .debs.
    const separately = async (lock: Lockfile, name: string, cfg: typeof config) => {
      const lockDir = join(work, name, 'lockfiles');
      await writeLockfiles(lockDir, [lock]);
      return runBuild({
        config: cfg,
        lockDir,
        outDir: join(work, name, 'oci'),
        cacheDir: join(work, name, 'cache'),
        sbomDir: false,
        http,
      });
    };
    const old = await separately(before, 'old', config);
    const cur = await separately(after, 'new', moved);
    expect(impact).toHaveLength(cur.images.length);
    for (const row of impact) {
      const o = old.images.find((i) => i.image === row.image && i.variant === row.variant && i.arch === row.arch);
      const n = cur.images.find((i) => i.image === row.image && i.variant === row.variant && i.arch === row.arch);
      expect(row).toEqual({
        image: row.image,
        variant: row.variant,
        arch: row.arch,
        oldDigest: o?.digest,
        oldSize: o?.size,
        newDigest: n?.digest,
        newSize: n?.size,
      });
    }
    // libc6 moved on amd64 only: base (every variant) changes there, static does not, and arm64 does not.
    const changed = impact.filter((r) => r.oldDigest !== r.newDigest);
    expect(new Set(changed.map((r) => `${r.image}/${r.arch}`))).toEqual(new Set(['base/amd64']));
    expect(changed.every((r) => r.newSize !== undefined && r.oldSize !== undefined)).toBe(true);
    const body = renderPrBody(result.distros.map((d) => d.diff));
    const row = changed[0];
    if (!row?.oldSize || !row.newSize) throw new Error('no sizes');
    const delta = row.newSize - row.oldSize;
    expect(body).toContain(
      `| \`base\` | ${row.variant} | amd64 | \`${row.oldDigest?.slice(0, 19)}\` | \`${row.newDigest?.slice(0, 19)}\` | ${delta > 0 ? '+' : delta < 0 ? '−' : '±'}${Math.abs(delta).toLocaleString('en-US')} B (${row.oldSize.toLocaleString('en-US')} → ${row.newSize.toLocaleString('en-US')}) |`,
    );
    expect(body).toMatch(/\*\*Unchanged\*\* \(same digest, every arch built\): .*static \(latest\)/);
  });
});
