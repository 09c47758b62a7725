import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAST_RETRY, loadKeyring } from '../../src/archive/index.js';
import { loadConfig } from '../../src/config/index.js';
import { runUpdate, type UpdateOptions } from '../../src/app/update.js';
import { listImage } from '../../src/app/list.js';
import { lockfilePath, readLockfile } from '../../src/lock/io.js';
import { generateTestKey } from '../helpers/debian-repo.js';
import { mainPackages, makeFixture, NOW, PUBLISHED, type Fixture } from '../helpers/update-fixture.js';

async function update(fx: Fixture, extra: Partial<UpdateOptions> = {}, mirrors = fx.mirrors) {
  const config = await loadConfig(fx.configPath, { sourceOverrides: mirrors });
  return runUpdate({
    config,
    lockDir: fx.lockDir,
    now: NOW,
    check: false,
    keyring: fx.keyring,
    retry: FAST_RETRY,
    ...extra,
  });
}

describe('update against a signed Debian repository on 127.0.0.1', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await makeFixture();
  });
  afterAll(async () => fx.close());

  it('resolves every image per arch, merges suites and records why each package is there', async () => {
    const result = await update(fx);
    expect(result.changed).toBe(true);
    expect(result.written).toBe(true);
    const lock = await readLockfile(fx.lockDir, 'test12');
    if (!lock) throw new Error('no lock written');
    // The security suite's newer libc6 wins on amd64; arm64, which that suite lacks, keeps the main one.
    expect(lock.packages.amd64?.libc6).toMatchObject({ version: '2.36-9+deb12u1', suite: 'stable-security' });
    expect(lock.packages.arm64?.libc6).toMatchObject({ version: '2.36-9', suite: 'stable' });
    expect(lock.sources.map((s) => [s.suite, s.missingArchs])).toEqual([
      ['stable', []],
      ['stable-security', ['arm64']],
    ]);
    // Lock URLs are the config's, not the 127.0.0.1 mirror's.
    expect(lock.sources[1]?.url).toBe('https://security.test/debian-security');
    expect(lock.sources[1]?.indices.amd64?.main?.path).toBe('main/binary-amd64/Packages.xz');
    expect(lock.sources[0]?.snapshot).toBe('20261120T060000Z');
    expect(lock.images.base?.amd64?.packages).toEqual({
      'base-files': '',
      'gcc-12-base': 'libgcc-s1',
      libc6: '',
      'libgcc-s1': 'libc6',
      tzdata: '',
    });
    expect(lock.images.static?.arm64?.excluded).toEqual({ awk: ['base-files'], debconf: ['tzdata'] });
    expect(Object.keys(lock.images.debug?.amd64?.packages ?? {})).toEqual(['busybox-static']);
    // The pinned sha256 is the .deb's on disk.
    const deb = await readFile(`${fx.main.root}/${lock.packages.arm64?.libc6?.filename}`);
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(deb).digest('hex')).toBe(lock.packages.arm64?.libc6?.sha256);
  });

  it('lists what an image holds from the lock', async () => {
    const config = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
    const listed = await listImage(config, fx.lockDir, 'base', 'amd64');
    expect(listed.packages.map((p) => `${p.name}=${p.version}`)).toEqual([
      'base-files=12.4',
      'gcc-12-base=12.2.0-14',
      'libc6=2.36-9+deb12u1',
      'libgcc-s1=12.2.0-14',
      'tzdata=2025b-0+deb12u1',
    ]);
    await expect(listImage(config, fx.lockDir, 'nope', 'amd64')).rejects.toThrow(/unknown image "nope"/);
    await expect(listImage(config, fx.lockDir, 'base', 's390x')).rejects.toThrow(/no arch "s390x"/);
  });

  it('fetches only the InRelease files when nothing changed upstream', async () => {
    const before = await readFile(lockfilePath(fx.lockDir, 'test12'), 'utf8');
    fx.mainServer.resetCounts();
    fx.securityServer.resetCounts();
    const result = await update(fx);
    expect(result.changed).toBe(false);
    expect(result.distros[0]?.upToDate).toBe(true);
    expect([...fx.mainServer.log.slice(-1), ...fx.securityServer.log.slice(-1)]).toEqual([
      '/dists/stable/InRelease',
      '/dists/stable-security/InRelease',
    ]);
    expect(fx.mainServer.log.length + fx.securityServer.log.length).toBe(2);
    expect(await readFile(lockfilePath(fx.lockDir, 'test12'), 'utf8')).toBe(before);
  });

  it('with --check reports a stale lock and writes nothing', async () => {
    const newer = await makeFixture({ securityLibc: '2.36-9+deb12u2' }, fx.keys);
    try {
      const mirrors = newer.mirrors;
      const before = await readFile(lockfilePath(fx.lockDir, 'test12'), 'utf8');
      const result = await update(fx, { check: true }, mirrors);
      expect(result.changed).toBe(true);
      expect(result.written).toBe(false);
      expect(result.distros[0]?.diff.changes).toEqual([
        expect.objectContaining({
          name: 'libc6',
          old: '2.36-9+deb12u1',
          new: '2.36-9+deb12u2',
          archs: ['amd64'],
          suite: 'stable-security',
          images: ['base'],
        }),
      ]);
      expect(await readFile(lockfilePath(fx.lockDir, 'test12'), 'utf8')).toBe(before);
    } finally {
      await newer.close();
    }
  });
});

describe('update refuses what it cannot verify and leaves the lockfiles untouched', () => {
  let good: Fixture;
  let lockText: string;
  beforeAll(async () => {
    good = await makeFixture();
    await update(good);
    lockText = await readFile(lockfilePath(good.lockDir, 'test12'), 'utf8');
  });
  afterAll(async () => good.close());

  async function expectRefused(fx: Fixture, code: string, message: RegExp, keyring = good.keyring): Promise<void> {
    const config = await loadConfig(good.configPath, { sourceOverrides: fx.mirrors });
    const run = runUpdate({ config, lockDir: good.lockDir, now: NOW, check: false, keyring, retry: FAST_RETRY });
    await expect(run).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(await readFile(lockfilePath(good.lockDir, 'test12'), 'utf8')).toBe(lockText);
  }

  it('a tampered InRelease', async () => {
    const fx = await makeFixture(
      { main: { tamperInRelease: (s) => s.replace('Origin: Test', 'Origin: Evil') } },
      good.keys,
    );
    try {
      await expectRefused(fx, 'SIGNATURE_INVALID', /dists\/stable\/InRelease/);
    } finally {
      await fx.close();
    }
  });

  it('a tampered index (by-hash copy too)', async () => {
    const fx = await makeFixture(
      {
        security: { corrupt: [{ path: 'main/binary-amd64/Packages.xz', how: 'flip' }] },
        securityLibc: '2.36-9+deb12u3',
      },
      good.keys,
    );
    try {
      await expectRefused(fx, 'HASH_MISMATCH', /Packages\.xz/);
    } finally {
      await fx.close();
    }
  });

  it('a Release signed by a key we do not trust', async () => {
    const stranger = await generateTestKey('ed25519', 'Stranger');
    const fx = await makeFixture({ main: { signWith: [stranger] } }, good.keys);
    try {
      await expectRefused(fx, 'SIGNATURE_INVALID', /stable\/InRelease/);
    } finally {
      await fx.close();
    }
  });

  it('an expired Valid-Until (a replayed old index)', async () => {
    const old = new Date(PUBLISHED.getTime() - 30 * 86400_000);
    const fx = await makeFixture(
      { security: { date: old, validUntil: new Date(old.getTime() + 7 * 86400_000) } },
      good.keys,
    );
    try {
      await expectRefused(fx, 'RELEASE_EXPIRED', /stable-security/);
    } finally {
      await fx.close();
    }
  });

  it('an archive that stays down: a clear network error', async () => {
    const fx = await makeFixture({}, good.keys);
    fx.mainServer.fault(/.*/, { status: 503 });
    try {
      await expectRefused(fx, 'HTTP', /503/);
    } finally {
      await fx.close();
    }
  });

  it('a validly signed Release older than the lock (a rollback), unless a downgrade is allowed', async () => {
    // The main suite replayed as it was 10 days earlier, with an older libc6: signed by the trusted key, no
    // Valid-Until, so only the lock's date can tell.
    const old = new Date(PUBLISHED.getTime() - 10 * 86400_000);
    const fx = await makeFixture({ main: { date: old, packages: mainPackages('2.36-8') } }, good.keys);
    try {
      await expectRefused(
        fx,
        'RELEASE_INVALID',
        /^test12: suite stable: the Release is dated 2026-11-10T06:00:00Z, older than 2026-11-20T06:00:00Z recorded in .*test12\.lock\.json \(a rollback\); refused unless a downgrade is allowed \(--allow-downgrade\)$/,
      );
      // Allowed explicitly, it goes through and the lock moves back, dates included.
      const scratch = await mkdtemp(join(tmpdir(), 'rollback-'));
      try {
        await cp(good.lockDir, scratch, { recursive: true });
        const config = await loadConfig(good.configPath, { sourceOverrides: fx.mirrors });
        const result = await runUpdate({
          config,
          lockDir: scratch,
          now: NOW,
          check: false,
          keyring: good.keyring,
          retry: FAST_RETRY,
          allowDowngrade: true,
        });
        expect(result.written).toBe(true);
        const lock = await readLockfile(scratch, 'test12');
        expect(lock?.sources[0]?.date).toBe('2026-11-10T06:00:00Z');
        expect(lock?.packages.arm64?.libc6?.version).toBe('2.36-8');
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    } finally {
      await fx.close();
    }
  });

  it('a Release of the same date as the lock is no rollback', async () => {
    const result = await runUpdate({
      config: await loadConfig(good.configPath, { sourceOverrides: good.mirrors }),
      lockDir: good.lockDir,
      now: NOW,
      check: true,
      keyring: good.keyring,
      retry: FAST_RETRY,
    });
    expect(result.changed).toBe(false);
  });

  it('a key ring without the security key rejects that suite only by its signature', async () => {
    const onlyMain = await loadKeyring([good.keys[0]?.armoredPublic ?? '']);
    await expectRefused(good, 'SIGNATURE_INVALID', /stable-security\/InRelease/, onlyMain);
  });
});

describe('partial update by arch', () => {
  it('resolves only the asked archs and keeps the rest of the lock', async () => {
    const fx = await makeFixture();
    try {
      await update(fx);
      const newer = await makeFixture(
        { main: { packages: (await import('../helpers/update-fixture.js')).mainPackages('2.36-10') } },
        fx.keys,
      );
      try {
        const result = await update(fx, { archs: ['arm64'] }, newer.mirrors);
        expect(result.changed).toBe(true);
        const lock = await readLockfile(fx.lockDir, 'test12');
        expect(lock?.packages.arm64?.libc6?.version).toBe('2.36-10');
        // amd64 was not resolved again: still the security pin from the first run.
        expect(lock?.packages.amd64?.libc6?.version).toBe('2.36-9+deb12u1');
        expect(lock?.images.base?.amd64).toBeDefined();
        expect(lock?.sources[1]?.missingArchs).toEqual(['arm64']);
      } finally {
        await newer.close();
      }
    } finally {
      await rm(fx.lockDir, { recursive: true, force: true });
      await fx.close();
    }
  });
});
