/**
 * Snapshot ids that hold, against a stateful fake of snapshot.debian.org on 127.0.0.1 (test/helpers/
 * fake-snapshot.ts): the real service cannot be reached from the test machines. The fake serves timestamps
 * as the real one does (an inexact one redirects to the newest snapshot at or before it; 404 for a file not
 * in that snapshot), one series per archive.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { createHttpClient, FAST_RETRY } from '../../src/archive/index.js';
import { selectSnapshot } from '../../src/archive/snapshot.js';
import { runBuild } from '../../src/app/build.js';
import { runUpdate } from '../../src/app/update.js';
import { loadConfig } from '../../src/config/index.js';
import { readLockfile } from '../../src/lock/io.js';
import type { Lockfile } from '../../src/lock/types.js';
import { startFakeSnapshot, type FakeSnapshot } from '../helpers/fake-snapshot.js';
import { CONFIG, makeFixture, NOW, PUBLISHED, type Fixture } from '../helpers/update-fixture.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const OLD_STATE = new Map([['dists/stable/InRelease', Buffer.from('an older InRelease\n')]]);
const OLD_SECURITY = new Map([['dists/stable-security/InRelease', Buffer.from('an older InRelease\n')]]);

describe('snapshot ids that hold (fake snapshot.debian.org on 127.0.0.1)', () => {
  let fx: Fixture;
  let snap: FakeSnapshot;
  let work: string;
  let configPath: string;
  let lock: Lockfile;
  const http = createHttpClient({ retry: FAST_RETRY });

  beforeAll(async () => {
    fx = await makeFixture(); // Release Date of both suites: PUBLISHED, 2026-11-20T06:00:00Z
    snap = await startFakeSnapshot();
    work = await mkdtemp(join(tmpdir(), 'snapshot-test-'));
    // debian: two snapshots before the Release, one taken after its Date but before it reached the archive
    // (still the old InRelease), then the two that hold it.
    snap.importFiles('debian', '20261120T000000Z', OLD_STATE);
    snap.importFiles('debian', '20261120T030000Z', OLD_STATE);
    snap.importFiles('debian', '20261120T061500Z', OLD_STATE);
    snap.importDirectory('debian', '20261120T121500Z', fx.main.root);
    snap.importDirectory('debian', '20261120T181500Z', fx.main.root);
    // debian-security is its own series.
    snap.importFiles('debian-security', '20261119T180000Z', OLD_SECURITY);
    snap.importDirectory('debian-security', '20261120T090000Z', fx.security.root);
    configPath = join(fx.dir, 'with-snapshot.yaml');
    await writeFile(
      configPath,
      CONFIG.replace('    archs: [amd64, arm64]', `    snapshot: ${snap.url}\n    archs: [amd64, arm64]`),
    );
  });
  afterAll(async () => {
    await snap.close();
    await fx.close();
    await rm(work, { recursive: true, force: true });
  });

  it('the fake behaves as the service: the Release Date names the state before the Release', async () => {
    const atDate = await http.get(`${snap.url}/archive/debian/20261120T060000Z/dists/stable/InRelease`);
    expect(atDate.toString()).toBe('an older InRelease\n');
    expect(snap.log).toContain('/archive/debian/20261120T030000Z/dists/stable/InRelease'); // the redirect
    expect(await http.getIfExists(`${snap.url}/archive/debian/20261120T000000Z/dists/stable/Release`)).toBeUndefined();
    expect(
      await http.getIfExists(`${snap.url}/archive/debian/20191231T000000Z/dists/stable/InRelease`),
    ).toBeUndefined();
  });

  it('selects the first snapshot at or after the Date whose InRelease is byte-identical, per archive', async () => {
    const main = await selectSnapshot({
      service: snap.url,
      archive: 'debian',
      suite: 'stable',
      date: PUBLISHED,
      inReleaseSha256: sha256(fx.main.inRelease),
      http,
    });
    expect(main).toEqual({ id: '20261120T121500Z', tried: ['20261120T061500Z', '20261120T121500Z'] });
    const security = await selectSnapshot({
      service: snap.url,
      archive: 'debian-security',
      suite: 'stable-security',
      date: PUBLISHED,
      inReleaseSha256: sha256(fx.security.inRelease),
      http,
    });
    expect(security.id).toBe('20261120T090000Z');
    // A Release the service has not imported: no id, and a reason.
    const missing = await selectSnapshot({
      service: snap.url,
      archive: 'debian-security',
      suite: 'stable-security',
      date: new Date('2026-11-20T10:00:00Z'),
      inReleaseSha256: sha256(fx.security.inRelease),
      http,
    });
    expect(missing).toEqual({
      id: undefined,
      tried: [],
      reason: `${snap.url} lists no debian-security snapshot since 20261120T100000Z (not imported yet)`,
    });
  });

  it('a Release not imported yet: the Release Date with a warning, then the right id once the service has it', async () => {
    const config = await loadConfig(configPath, { sourceOverrides: fx.mirrors });
    const lockDir = join(work, 'early');
    const messages: string[] = [];
    const run = () =>
      runUpdate({
        config,
        lockDir,
        now: NOW,
        check: false,
        keyring: fx.keyring,
        retry: FAST_RETRY,
        onProgress: (m) => messages.push(m),
      });
    snap.forgetSnapshot('debian-security', '20261120T090000Z');
    await run();
    expect((await readLockfile(lockDir, 'test12'))?.sources[1]?.snapshot).toBe('20261120T060000Z');
    expect(messages).toContain(
      `warning: stable-security: ${snap.url} lists no debian-security snapshot since 20261120T060000Z (not imported yet); recording the Release date 20261120T060000Z`,
    );
    snap.importDirectory('debian-security', '20261120T090000Z', fx.security.root);
    const again = await run();
    // Nothing to resolve (every index matches), but the id is looked up again and the lock rewritten.
    expect(again.distros[0]).toMatchObject({ upToDate: true, changed: true });
    expect(again.distros[0]?.diff.snapshots).toEqual([
      { suite: 'stable-security', old: '20261120T060000Z', new: '20261120T090000Z' },
    ]);
    expect((await readLockfile(lockDir, 'test12'))?.sources.map((s) => s.snapshot)).toEqual([
      '20261120T121500Z',
      '20261120T090000Z',
    ]);
    expect((await run()).distros[0]).toMatchObject({ upToDate: true, changed: false });
  });

  it('update records those ids in the lock (not the Release Date)', async () => {
    const config = await loadConfig(configPath, { sourceOverrides: fx.mirrors });
    const messages: string[] = [];
    await runUpdate({
      config,
      lockDir: fx.lockDir,
      now: NOW,
      check: false,
      keyring: fx.keyring,
      retry: FAST_RETRY,
      onProgress: (m) => messages.push(m),
    });
    lock = (await readLockfile(fx.lockDir, 'test12')) as Lockfile;
    expect(lock.sources.map((s) => [s.suite, s.date, s.snapshot])).toEqual([
      ['stable', '2026-11-20T06:00:00Z', '20261120T121500Z'],
      ['stable-security', '2026-11-20T06:00:00Z', '20261120T090000Z'],
    ]);
    expect(messages).toContain('stable: snapshot debian/20261120T121500Z holds this InRelease');
  });

  it('build takes each .deb from the snapshot first, then the mirror (both hash-checked)', async () => {
    const config = await loadConfig(configPath, { sourceOverrides: fx.mirrors });
    const libc = lock.packages.amd64?.libc6;
    if (!libc) throw new Error('no libc6 pin');
    // libc6 is not in its snapshot: that one .deb comes from the mirror, every other from the snapshot.
    snap.forget('debian-security', '20261120T090000Z', libc.filename);
    fx.mainServer.resetCounts();
    fx.securityServer.resetCounts();
    const before = snap.log.length;
    const built = await runBuild({
      config,
      lockDir: fx.lockDir,
      outDir: join(work, 'layout-1'),
      cacheDir: join(work, 'cache-1'),
      images: ['base'],
      archs: ['amd64'],
      sbomDir: false,
      http,
    });
    expect(built.images.length).toBeGreaterThan(0);
    const asked = snap.log.slice(before).filter((p) => p.includes('/pool/'));
    expect(asked).toContain(`/archive/debian-security/20261120T090000Z/${libc.filename}`);
    expect(asked).toContain(`/archive/debian/20261120T121500Z/${lock.packages.amd64?.['libgcc-s1']?.filename}`);
    expect(fx.securityServer.count(`/${libc.filename}`)).toBe(1);
    expect(fx.mainServer.log.filter((p) => p.startsWith('/pool/'))).toEqual([]);
    snap.importDirectory('debian-security', '20261120T090000Z', fx.security.root);
  });

  it('a lock whose .debs have left the mirror still builds, from the snapshot', async () => {
    const config = await loadConfig(configPath, { sourceOverrides: fx.mirrors });
    // Debian superseded everything: the pool is gone from the mirror (snapshot keeps its copies).
    await rm(join(fx.main.root, 'pool'), { recursive: true, force: true });
    await rm(join(fx.security.root, 'pool'), { recursive: true, force: true });
    const withoutSnapshot = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
    await expect(
      runBuild({
        config: withoutSnapshot,
        lockDir: fx.lockDir,
        outDir: join(work, 'layout-x'),
        cacheDir: join(work, 'cache-x'),
        images: ['base'],
        archs: ['amd64'],
        sbomDir: false,
        http,
      }),
    ).rejects.toThrow(/no source gave the pinned/);
    const built = await runBuild({
      config,
      lockDir: fx.lockDir,
      outDir: join(work, 'layout-2'),
      cacheDir: join(work, 'cache-2'),
      images: ['base'],
      archs: ['amd64'],
      sbomDir: false,
      http,
    });
    const first = await runBuild({
      config,
      lockDir: fx.lockDir,
      outDir: join(work, 'layout-3'),
      cacheDir: join(work, 'cache-1'), // the cache filled by the previous test, from snapshot + mirror
      images: ['base'],
      archs: ['amd64'],
      sbomDir: false,
      http,
    });
    // The same images, bit for bit, as the build made while the mirror still had the .debs.
    expect(built.images.map((i) => i.digest)).toEqual(first.images.map((i) => i.digest));
  });
});
