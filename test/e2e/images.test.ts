/**
 * End to end with real tools: resolve the default config fresh for amd64 against the Debian mirror, build
 * every image × variant, then check the layout with oci-image-tool and skopeo, unpack with umoci and run
 * programs with runc (as root, no network but loopback in the container).
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runBuild, type BuildResult } from '../../src/app/build.js';
import { runUpdate } from '../../src/app/update.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import { readLockfile } from '../../src/lock/io.js';
import type { Lockfile } from '../../src/lock/types.js';
import { describeLive } from '../helpers/live.js';
import { compilePrograms, dpkgPackages, exists, runInImage, unpack, type TestPrograms } from '../helpers/e2e.js';
import { skopeoInspect, validateLayout } from '../helpers/oci-tools.js';

const exec = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const IMAGES = ['static', 'base-nossl', 'base', 'cc', 'python3', 'java17'];

describeLive('built images, checked with oci-image-tool, skopeo, umoci and runc (amd64)', () => {
  let work: string;
  let config: Config;
  let lock: Lockfile;
  let layout: string;
  let built: BuildResult;
  let programs: TestPrograms;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'e2e-'));
    config = await loadConfig(join(root, 'distroless.yaml'));
    const lockDir = join(work, 'lockfiles');
    await runUpdate({
      config,
      lockDir,
      now: new Date(),
      check: false,
      archs: ['amd64'],
      cacheDir: join(work, 'cache'),
    });
    const fresh = await readLockfile(lockDir, 'debian12');
    if (!fresh) throw new Error('update wrote no lock');
    lock = fresh;
    layout = join(work, 'layout');
    built = await runBuild({ config, lockDir, outDir: layout, cacheDir: join(work, 'cache'), archs: ['amd64'] });
    programs = await compilePrograms(work);
  }, 600_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('writes every image × variant, and the layout passes oci-image-tool', async () => {
    expect(built.indexes.map((i) => `${i.image}:${i.variant}`).sort()).toEqual(
      IMAGES.flatMap((i) => ['latest', 'nonroot', 'debug', 'debug-nonroot'].map((v) => `${i}:${v}`)).sort(),
    );
    await validateLayout(layout);
  });

  it('skopeo sees each index with its platform and each per-arch ref', async () => {
    for (const image of IMAGES) {
      const raw = JSON.parse(
        (await exec('skopeo', ['inspect', '--raw', `oci:${layout}:${image}-debian12-nonroot`])).stdout,
      );
      expect(raw.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      expect(raw.manifests.map((m: { platform: unknown }) => m.platform)).toEqual([
        { architecture: 'amd64', os: 'linux' },
      ]);
      const one = await skopeoInspect(layout, `${image}-debian12-nonroot-amd64`);
      expect(one.Architecture).toBe('amd64');
    }
  });

  it('static runs a static binary as nonroot and finds its CA bundle; no shell in it', async () => {
    const u = await unpack(layout, 'static-debian12-nonroot-amd64');
    const out = await runInImage(u, ['/app/static-certs'], [[programs.staticCerts, 'app/static-certs']]);
    const m = /^uid=65532 gid=65532 certs=(\d+)$/m.exec(out);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(100);
    const config = JSON.parse(await readFile(join(u.bundle, 'config.json'), 'utf8'));
    expect(config.process.cwd).toBe('/home/nonroot');
  });

  it('base runs a dynamically linked C program that loads the CA bundle with OpenSSL', async () => {
    const u = await unpack(layout, 'base-debian12-latest-amd64');
    const out = await runInImage(u, ['/app/openssl-certs'], [[programs.opensslCerts, 'app/openssl-certs']]);
    expect(out).toMatch(/^OpenSSL 3\.0\.\d+ .* certs=\d{3}$/m);
  });

  it('cc runs a C++ program (libstdc++, threads, exceptions)', async () => {
    const u = await unpack(layout, 'cc-debian12-nonroot-amd64');
    expect(await runInImage(u, ['/app/hello'], [[programs.hello, 'app/hello']])).toBe('distroless c++ caught\n');
  });

  it('python3 imports ssl, sqlite3, json and zoneinfo with the tzdata zone files', async () => {
    const u = await unpack(layout, 'python3-debian12-latest-amd64');
    const code = [
      'import ssl, sqlite3, json, zoneinfo, datetime',
      'ctx = ssl.create_default_context()',
      "off = datetime.datetime(2026, 7, 1, tzinfo=zoneinfo.ZoneInfo('Europe/Paris')).utcoffset()",
      "print(json.dumps({'certs': ctx.cert_store_stats()['x509_ca'], 'sqlite': sqlite3.sqlite_version, 'paris': str(off)}))",
    ].join('\n');
    const out = JSON.parse(await runInImage(u, ['/usr/bin/python3.11', '-c', code]));
    expect(out.certs).toBeGreaterThan(100);
    expect(out.sqlite).toMatch(/^3\.\d+\.\d+$/);
    expect(out.paris).toBe('2:00:00');
  });

  it('java17 runs a jar (entrypoint java -jar) and loads its trust store', async () => {
    const u = await unpack(layout, 'java17-debian12-nonroot-amd64');
    const config = JSON.parse(await readFile(join(u.bundle, 'config.json'), 'utf8'));
    expect(config.process.args).toEqual(['/usr/bin/java', '-jar']);
    const out = await runInImage(
      u,
      ['/usr/bin/java', '-jar', '/app/trust.jar'],
      [[programs.trustJar, 'app/trust.jar']],
    );
    const m = /^java=17\.[\d.]+ trusted=(\d+)$/m.exec(out);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(100);
  });

  it('a debug image gives a busybox shell', async () => {
    const u = await unpack(layout, 'static-debian12-debug-amd64');
    const config = JSON.parse(await readFile(join(u.bundle, 'config.json'), 'utf8'));
    expect(config.process.args).toEqual(['/busybox/sh']);
    const out = await runInImage(u, ['/busybox/sh', '-c', 'echo "shell $(id -u) $PATH"; ls /busybox/busybox']);
    expect(out).toBe(
      `shell 0 /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/busybox\n/busybox/busybox\n`,
    );
  });

  it('no non-debug image contains a shell; status.d lists exactly the locked packages (read by dpkg-query)', async () => {
    for (const image of IMAGES) {
      for (const variant of ['latest', 'debug']) {
        const ref = variant === 'latest' ? `${image}-debian12-latest-amd64` : `${image}-debian12-debug-amd64`;
        const u = await unpack(layout, ref);
        const expected = Object.keys(lock.images[image]?.amd64?.packages ?? {});
        if (variant === 'debug') expected.push(...Object.keys(lock.images.debug?.amd64?.packages ?? {}));
        expect(await dpkgPackages(u.rootfs)).toEqual(expected.sort());
        if (variant === 'latest') {
          for (const sh of ['bin/sh', 'bin/bash', 'bin/dash', 'usr/bin/sh', 'busybox'])
            expect(await exists(join(u.rootfs, sh))).toBe(false);
        }
        await rm(join(u.bundle, '..'), { recursive: true, force: true });
      }
    }
  }, 300_000);

  it('is reproducible: another cache dir, umask and time give identical digests', async () => {
    const other = join(work, 'layout2');
    const lockDir = join(work, 'lockfiles');
    const cli = join(root, 'bin/distroless-action.js');
    await new Promise((r) => setTimeout(r, 1100)); // a later wall clock second
    const args = [
      cli,
      '--lockfiles',
      lockDir,
      '--cache-dir',
      join(work, 'cache2'),
      '--no-progress',
      'build',
      '--arch',
      'amd64',
      '--output',
      other,
      '--json',
    ];
    const { stdout } = await exec('sh', ['-c', 'umask 077 && exec "$0" "$@"', process.execPath, ...args], {
      cwd: root,
      maxBuffer: 1 << 26,
    });
    const second = JSON.parse(stdout) as BuildResult;
    expect(second.images.map((i) => `${i.ref} ${i.digest}`)).toEqual(built.images.map((i) => `${i.ref} ${i.digest}`));
    expect(await readFile(join(other, 'index.json'))).toEqual(await readFile(join(layout, 'index.json')));
  }, 600_000);
});
