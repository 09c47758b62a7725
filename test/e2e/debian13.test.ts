/**
 * End to end for Debian 13 (trixie), as for Debian 12 in images.test.ts: resolve the default config's debian13
 * distro fresh for amd64 against the Debian mirror, build every image × variant, check the layout with
 * oci-image-tool, unpack with umoci and run the same programs with runc. Beside that, the merged-/usr invariants
 * of every image: /bin, /sbin, /lib and /lib64 are base-files' links into usr/, and no layer replaces them.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { readFile, readlink, rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuild, type BuildResult } from '../../src/app/build.js';
import { runUpdate } from '../../src/app/update.js';
import { loadConfig, onlyDistros } from '../../src/config/index.js';
import type { Config } from '../../src/config/types.js';
import { readLockfile } from '../../src/lock/io.js';
import type { Lockfile } from '../../src/lock/types.js';
import { describeLive } from '../helpers/live.js';
import {
  compilePrograms,
  compileStructurePrograms,
  copyInto,
  dpkgPackages,
  exists,
  runInImage,
  unpack,
  type StructurePrograms,
  type TestPrograms,
} from '../helpers/e2e.js';
import { validateLayout } from '../helpers/oci-tools.js';
import { imageMetadata, runStructureFiles, structureFiles } from '../helpers/structure.js';

const root = new URL('../..', import.meta.url).pathname;
const IMAGES = ['static', 'base-nossl', 'base', 'cc', 'python3', 'java21'];
const VARIANTS = ['latest', 'nonroot', 'debug', 'debug-nonroot'];
/** What Debian 13's base-files ships on amd64 (lib64 only where the arch has it). */
const LINKS: Record<string, string> = { bin: 'usr/bin', sbin: 'usr/sbin', lib: 'usr/lib', lib64: 'usr/lib64' };
// distroless' structure-test files (HEAD, test/e2e/structure/PROVENANCE.md), as structureFiles picks them. Left
// out, because they test what distroless takes from elsewhere: java/testdata/java21_debian13.yaml and
// java_base*.yaml (Temurin's JDK under /usr/lib/jvm is absent by design there), and nodejs/ (nodejs.org).

describeLive('Debian 13 images, checked with oci-image-tool, umoci and runc (amd64)', () => {
  let work: string;
  let config: Config;
  let lock: Lockfile;
  let layout: string;
  let built: BuildResult;
  let programs: TestPrograms;
  let structurePrograms: StructurePrograms;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'e2e-debian13-'));
    config = onlyDistros(await loadConfig(join(root, 'distroless.yaml')), ['debian13']);
    const lockDir = join(work, 'lockfiles');
    const cacheDir = join(work, 'cache');
    await runUpdate({ config, lockDir, now: new Date(), check: false, archs: ['amd64'], cacheDir });
    const fresh = await readLockfile(lockDir, 'debian13');
    if (!fresh) throw new Error('update wrote no debian13 lock');
    lock = fresh;
    layout = join(work, 'layout');
    built = await runBuild({ config, lockDir, outDir: layout, cacheDir, archs: ['amd64'] });
    programs = await compilePrograms(work);
    structurePrograms = await compileStructurePrograms(work);
  }, 600_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Unpacks one ref, runs `check` on it and removes the bundle again, also when the check fails. */
  async function withImage<T>(ref: string, check: (u: Awaited<ReturnType<typeof unpack>>) => Promise<T>): Promise<T> {
    const u = await unpack(layout, ref);
    try {
      return await check(u);
    } finally {
      await rm(join(u.bundle, '..'), { recursive: true, force: true });
    }
  }

  it('writes every image × variant as <image>-debian13, and the layout passes oci-image-tool', async () => {
    expect(built.indexes.map((i) => `${i.image}-${i.distro}:${i.variant}`).sort()).toEqual(
      IMAGES.flatMap((i) => VARIANTS.map((v) => `${i}-debian13:${v}`)).sort(),
    );
    await validateLayout(layout);
  });

  it('keeps merged /usr in every image: the links are base-files’, status.d lists exactly the locked packages', async () => {
    for (const image of IMAGES) {
      for (const variant of ['latest', 'debug']) {
        await withImage(`${image}-debian13-${variant}-amd64`, async (u) => {
          for (const [name, target] of Object.entries(LINKS)) {
            expect([image, variant, name, await readlink(join(u.rootfs, name))]).toEqual([
              image,
              variant,
              name,
              target,
            ]);
          }
          const expected = Object.keys(lock.images[image]?.amd64?.packages ?? {});
          if (variant === 'debug') expected.push(...Object.keys(lock.images.debug?.amd64?.packages ?? {}));
          expect(await dpkgPackages(u.rootfs)).toEqual(expected.sort());
          if (variant === 'latest') {
            for (const sh of ['usr/bin/sh', 'usr/bin/bash', 'usr/bin/dash', 'busybox'])
              expect([image, sh, await exists(join(u.rootfs, sh))]).toEqual([image, sh, false]);
          }
          const osRelease = await readFile(join(u.rootfs, 'usr/lib/os-release'), 'utf8');
          expect(osRelease).toMatch(/^VERSION_ID="13"$/m);
        });
      }
    }
  }, 300_000);

  it('static runs a static binary as nonroot and finds its CA bundle', async () => {
    await withImage('static-debian13-nonroot-amd64', async (u) => {
      const out = await runInImage(u, ['/app/static-certs'], [[programs.staticCerts, 'app/static-certs']]);
      const m = /^uid=65532 gid=65532 certs=(\d+)$/m.exec(out);
      expect(Number(m?.[1])).toBeGreaterThan(100);
    });
  });

  it('base runs a dynamically linked C program through /lib64’s loader, with OpenSSL 3.5 and the CA bundle', async () => {
    await withImage('base-debian13-latest-amd64', async (u) => {
      const out = await runInImage(u, ['/app/openssl-certs'], [[programs.opensslCerts, 'app/openssl-certs']]);
      expect(out).toMatch(/^OpenSSL 3\.5\.\d+ .* certs=\d{3}$/m);
    });
  });

  it('cc runs a C++ program (libstdc++ of gcc 14, threads, exceptions)', async () => {
    await withImage('cc-debian13-nonroot-amd64', async (u) => {
      expect(await runInImage(u, ['/app/hello'], [[programs.hello, 'app/hello']])).toBe('distroless c++ caught\n');
    });
  });

  it('python3 (3.13) imports ssl, sqlite3 and zoneinfo, with a legacy zone name from tzdata-legacy', async () => {
    await withImage('python3-debian13-latest-amd64', async (u) => {
      const code = [
        'import ssl, sqlite3, json, zoneinfo, datetime, sys',
        'ctx = ssl.create_default_context()',
        'at = lambda z: str(datetime.datetime(2026, 7, 1, tzinfo=zoneinfo.ZoneInfo(z)).utcoffset())',
        "print(json.dumps({'py': sys.version.split()[0], 'certs': ctx.cert_store_stats()['x509_ca'],",
        "  'sqlite': sqlite3.sqlite_version, 'paris': at('Europe/Paris'), 'eastern': at('US/Eastern')}))",
      ].join('\n');
      const out = JSON.parse(await runInImage(u, ['/usr/bin/python3.13', '-c', code]));
      expect(out.py).toMatch(/^3\.13\.\d+$/);
      expect(out.certs).toBeGreaterThan(100);
      expect(out.sqlite).toMatch(/^3\.\d+\.\d+$/);
      expect([out.paris, out.eastern]).toEqual(['2:00:00', '-1 day, 20:00:00']);
    });
  });

  it('java21 runs a jar (entrypoint java -jar), loads its trust store and runs with UTF-8', async () => {
    await withImage('java21-debian13-nonroot-amd64', async (u) => {
      const config = JSON.parse(await readFile(join(u.bundle, 'config.json'), 'utf8'));
      expect(config.process.args).toEqual(['/usr/bin/java', '-jar']);
      const out = await runInImage(
        u,
        ['/usr/bin/java', '-jar', '/app/trust.jar'],
        [[programs.trustJar, 'app/trust.jar']],
      );
      const m = /^java=21\.[\d.]+ trusted=(\d+)$/m.exec(out);
      expect(Number(m?.[1])).toBeGreaterThan(100);
      // Default charset and file names from the C.UTF-8 locale layer, as for java17 on Debian 12.
      const utf8 = await runInImage(
        u,
        ['/usr/bin/java', '-jar', '/app/utf8.jar'],
        [[programs.utf8Jar, 'app/utf8.jar']],
      );
      expect(utf8).toBe('defaultCharset=UTF-8\nsun.jnu.encoding=UTF-8\nlisted=café-ü.txt content=naïve\n');
    });
  });

  it('a debug image gives a busybox shell (busybox 1.37 from usr/bin/busybox, placed under /busybox)', async () => {
    await withImage('cc-debian13-debug-nonroot-amd64', async (u) => {
      const out = await runInImage(u, ['/busybox/sh', '-c', 'echo "shell $(id -u)"; busybox | head -1']);
      expect(out).toMatch(/^shell 65532\nBusyBox v1\.37\.\d+/);
    });
  });

  it("passes distroless' Debian 13 structure tests where they test Debian-packaged content (amd64, every variant)", async () => {
    const pins = lock.packages.amd64 ?? {};
    const vars = {
      BUSYBOX_VERSION: (pins['busybox-static']?.version ?? '').replace(/^\d+:/, '').replace(/-[^-]*$/, ''),
    };
    const failures: string[] = [];
    const summary: string[] = [];
    for (const image of IMAGES) {
      let run = 0;
      let passed = 0;
      for (const variant of VARIANTS) {
        const ref = `${image}-debian13-${variant}-amd64`;
        await withImage(ref, async (u) => {
          const copies: Array<[string, string]> = [[structurePrograms.checkCerts, 'check_certs']];
          if (image === 'cc')
            copies.push(
              [structurePrograms.helloC, 'hello_debian13_binary'],
              [structurePrograms.helloCc, 'hello_cc_debian13_binary'],
            );
          if (image === 'java21') copies.push([structurePrograms.testdataJar, 'testdata.jar']);
          await copyInto(u, copies);
          const target = { ...u, metadata: await imageMetadata(layout, ref), execute: true };
          for (const o of await runStructureFiles(structureFiles('debian13', image, variant), target, vars)) {
            run++;
            if (o.result === 'passed') passed++;
            else failures.push(`${ref} ${o.file} ${o.kind} ${o.name}: ${o.result} ${o.detail ?? ''}`);
          }
        });
      }
      summary.push(`debian13 amd64 ${image}: ${passed}/${run} passed`);
    }
    console.log(summary.join('\n'));
    expect(failures).toEqual([]);
    expect(summary.filter((l) => l.endsWith(' 0/0 passed'))).toEqual([]); // every image ran its files' tests
  }, 900_000);
});
