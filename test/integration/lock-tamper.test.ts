import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAST_RETRY, createHttpClient } from '../../src/archive/index.js';
import { runBuild, type BuildOptions } from '../../src/app/build.js';
import { runUpdate } from '../../src/app/update.js';
import { loadConfig, parseConfigText } from '../../src/config/index.js';
import { readLockBytes } from '../../src/lock/io.js';
import type { LockedPackage, Lockfile } from '../../src/lock/types.js';
import { listRefs } from '../../src/oci/index.js';
import { makeFixture, NOW, type Fixture } from '../helpers/update-fixture.js';

/** A lock edited the way an attacker (or a bad merge) would, built with a cache that already holds every .deb and layer. */
describe('the lock is checked against what it pins', () => {
  let fx: Fixture;
  let lockPath: string;
  let original: string;
  let opts: () => Promise<BuildOptions>;
  beforeAll(async () => {
    fx = await makeFixture();
    const config = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
    await runUpdate({ config, lockDir: fx.lockDir, now: NOW, check: false, keyring: fx.keyring, retry: FAST_RETRY });
    lockPath = join(fx.lockDir, 'test12.lock.json');
    original = await readFile(lockPath, 'utf8');
    opts = async () => ({
      config: await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors }),
      lockDir: fx.lockDir,
      outDir: join(fx.dir, 'layout'),
      cacheDir: join(fx.dir, 'cache'),
      http: createHttpClient({ retry: FAST_RETRY }),
      archs: ['amd64'],
      sbomDir: false,
    });
    await runBuild(await opts()); // every .deb and layer cached
  });
  afterEach(async () => writeFile(lockPath, original));
  afterAll(async () => fx?.close());

  async function edit(change: (lock: Lockfile) => void): Promise<void> {
    const lock = JSON.parse(original) as Lockfile;
    change(lock);
    await writeFile(lockPath, JSON.stringify(lock, null, 2));
  }
  const libc6 = (lock: Lockfile) => lock.packages.amd64!.libc6!;

  it('the untouched lock builds from the cache', async () => {
    const r = await runBuild(await opts());
    expect(r.layers.built).toBe(0);
  });

  it.each([
    ['version', 'Version', '2.36-9+deb12u99', (p: LockedPackage) => p.version],
    ['architecture', 'Architecture', 'all', (p: LockedPackage) => p.architecture],
    ['source', 'Source', 'musl', (p: LockedPackage) => p.source],
    ['sourceVersion', 'source version', '2.37-1', (p: LockedPackage) => p.sourceVersion],
  ] as const)(
    'an edited %s (sha256 and size kept) is refused before any layer of it is made',
    async (key, field, value, real) => {
      const pin = libc6(JSON.parse(original) as Lockfile);
      await edit((l) => (libc6(l)[key] = value));
      const refsBefore = await listRefs(join(fx.dir, 'layout'));
      await expect(runBuild(await opts())).rejects.toMatchObject({
        code: 'LOCK_INVALID',
        message: `libc6: the lock pins ${field} "${value}", the .deb says "${real(pin)}"`,
      });
      expect(await listRefs(join(fx.dir, 'layout'))).toEqual(refsBefore);
    },
  );

  it('an edited size is refused although the .deb is cached, and the cached .deb is kept', async () => {
    const pin = libc6(JSON.parse(original) as Lockfile);
    await edit((l) => (libc6(l).size = pin.size + 1));
    await expect(runBuild(await opts())).rejects.toMatchObject({
      code: 'SIZE_MISMATCH',
      message: `libc6 ${pin.version} (amd64): the lock pins ${pin.size + 1} bytes, but its sha256 ${pin.sha256} is a file of ${pin.size} bytes`,
    });
    expect((await readFile(join(fx.dir, 'cache', 'debs', `${pin.sha256}.deb`))).length).toBe(pin.size);
  });

  it.each([
    [
      'a pool path with ../',
      (l: Lockfile) => (libc6(l).filename = 'pool/../../etc/libc6.deb'),
      'packages.amd64.libc6.filename',
    ],
    [
      'an absolute pool path',
      (l: Lockfile) => (libc6(l).filename = '/pool/main/g/glibc/libc6.deb'),
      'packages.amd64.libc6.filename',
    ],
    [
      'an index path with ..',
      (l: Lockfile) => (l.sources[0]!.indices.amd64!.main!.path = '../Packages'),
      'sources.0.indices.amd64.main.path',
    ],
    ['a source URL that is not http(s)', (l: Lockfile) => (l.sources[0]!.url = 'file:///etc'), 'sources.0.url'],
    ['a suite with ..', (l: Lockfile) => (l.sources[0]!.suite = '../stable'), 'sources.0.suite'],
    ['a snapshot that is no timestamp', (l: Lockfile) => (l.sources[0]!.snapshot = '../x'), 'sources.0.snapshot'],
  ])('%s is refused when the lock is read, whatever the cache holds', async (_what, change, field) => {
    await edit(change);
    const e = (await runBuild(await opts()).catch((x: unknown) => x)) as {
      code: string;
      message: string;
      details: string[];
    };
    expect(e.code).toBe('LOCK_INVALID');
    expect(e.message).toMatch(
      new RegExp(`^${lockPath}: 1 invalid field\\(s\\), the first: ${field.replace(/\./g, '\\.')}: `),
    );
  });

  it('a lockfile path that is a directory is named', async () => {
    const lockDir = join(fx.dir, 'dir-locks');
    await mkdir(join(lockDir, 'test12.lock.json'), { recursive: true });
    await expect(readLockBytes(lockDir, 'test12')).rejects.toMatchObject({
      code: 'LOCK_INVALID',
      message: `lockfile ${join(lockDir, 'test12.lock.json')} is a directory`,
    });
  });

  it('a config that is a directory, and a YAML alias bomb, are refused naming the file', async () => {
    await expect(loadConfig(fx.dir)).rejects.toMatchObject({
      code: 'CONFIG_NOT_FOUND',
      message: `config file ${fx.dir} is a directory`,
    });
    let bomb = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++) {
      const [name, prev] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
      bomb += `${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
    }
    const e = (() => {
      try {
        parseConfigText(bomb, 'bomb.yaml');
      } catch (x) {
        return x as { code: string; message: string; details: string[] };
      }
      throw new Error('parsed');
    })();
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toBe('bomb.yaml: 1 error');
    expect(e.details).toEqual([expect.stringMatching(/^bomb\.yaml:1:1: \(yaml\): .*alias/)]);
  });
});
