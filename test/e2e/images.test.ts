/**
 * End to end with real tools: resolve the default config fresh for amd64 and arm64 against the Debian mirror,
 * build every image × variant × arch once, then check the layout with oci-image-tool and skopeo, unpack with
 * umoci and run programs with runc (as root, no network but loopback in the container), and run distroless'
 * own structure tests (test/e2e/structure) on amd64, and their file and metadata tests on arm64.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
import { skopeoInspect, validateLayout } from '../helpers/oci-tools.js';
import { imageMetadata, runStructureFiles, structureFiles } from '../helpers/structure.js';
import { javaReleaseVersion } from '../../src/build/java.js';

const exec = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const IMAGES = ['static', 'base-nossl', 'base', 'cc', 'python3', 'java17'];
const VARIANTS = ['latest', 'nonroot', 'debug', 'debug-nonroot'];
const ARCHS = ['amd64', 'arm64'];
const SOURCE = 'https://github.com/example/distroless-images';

/** The upstream version of a Debian version: no epoch, no Debian revision. */
const upstream = (v: string): string => v.replace(/^\d+:/, '').replace(/-[^-]*$/, '');

describeLive('built images, checked with oci-image-tool, skopeo, umoci and runc (amd64)', () => {
  let work: string;
  let config: Config;
  let lock: Lockfile;
  let layout: string;
  let built: BuildResult;
  let programs: TestPrograms;
  let structurePrograms: StructurePrograms;
  let configFile: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'e2e-'));
    // The committed config plus a `source`, so that the label and annotation it makes are checked too.
    configFile = join(work, 'distroless.yaml');
    await writeFile(configFile, `${await readFile(join(root, 'distroless.yaml'), 'utf8')}\nsource: ${SOURCE}\n`);
    config = onlyDistros(await loadConfig(configFile), ['debian12']); // debian13: debian13.test.ts
    const lockDir = join(work, 'lockfiles');
    await runUpdate({
      config,
      lockDir,
      now: new Date(),
      check: false,
      archs: ARCHS,
      cacheDir: join(work, 'cache'),
    });
    const fresh = await readLockfile(lockDir, 'debian12');
    if (!fresh) throw new Error('update wrote no lock');
    lock = fresh;
    layout = join(work, 'layout');
    built = await runBuild({ config, lockDir, outDir: layout, cacheDir: join(work, 'cache'), archs: ARCHS });
    programs = await compilePrograms(work);
    structurePrograms = await compileStructurePrograms(work);
  }, 900_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('writes every image × variant, and the layout passes oci-image-tool', async () => {
    expect(built.indexes.map((i) => `${i.image}:${i.variant}`).sort()).toEqual(
      IMAGES.flatMap((i) => ['latest', 'nonroot', 'debug', 'debug-nonroot'].map((v) => `${i}:${v}`)).sort(),
    );
    await validateLayout(layout);
  }, 300_000);

  it('skopeo sees each index with its platform and each per-arch ref', async () => {
    for (const image of IMAGES) {
      const raw = JSON.parse(
        (await exec('skopeo', ['inspect', '--raw', `oci:${layout}:${image}-debian12-nonroot`])).stdout,
      );
      expect(raw.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      expect(raw.manifests.map((m: { platform: unknown }) => m.platform)).toEqual([
        { architecture: 'amd64', os: 'linux' },
        { architecture: 'arm64', os: 'linux', variant: 'v8' },
      ]);
      expect(raw.annotations['org.opencontainers.image.source']).toBe(SOURCE);
      const one = await skopeoInspect(layout, `${image}-debian12-nonroot-amd64`);
      expect(one.Architecture).toBe('amd64');
    }
  }, 300_000);

  it('static runs a static binary as nonroot and finds its CA bundle; no shell in it', async () => {
    const u = await unpack(layout, 'static-debian12-nonroot-amd64', work);
    const out = await runInImage(u, ['/app/static-certs'], [[programs.staticCerts, 'app/static-certs']]);
    const m = /^uid=65532 gid=65532 certs=(\d+)$/m.exec(out);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(100);
    const config = JSON.parse(await readFile(join(u.bundle, 'config.json'), 'utf8'));
    expect(config.process.cwd).toBe('/home/nonroot');
  });

  it('base runs a dynamically linked C program that loads the CA bundle with OpenSSL', async () => {
    const u = await unpack(layout, 'base-debian12-latest-amd64', work);
    const out = await runInImage(u, ['/app/openssl-certs'], [[programs.opensslCerts, 'app/openssl-certs']]);
    expect(out).toMatch(/^OpenSSL 3\.0\.\d+ .* certs=\d{3}$/m);
  });

  it('cc runs a C++ program (libstdc++, threads, exceptions)', async () => {
    const u = await unpack(layout, 'cc-debian12-nonroot-amd64', work);
    expect(await runInImage(u, ['/app/hello'], [[programs.hello, 'app/hello']])).toBe('distroless c++ caught\n');
  });

  it('python3 imports ssl, sqlite3, json and zoneinfo with the tzdata zone files', async () => {
    const u = await unpack(layout, 'python3-debian12-latest-amd64', work);
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
  }, 300_000);

  it('java17 runs a jar (entrypoint java -jar) and loads its trust store', async () => {
    const u = await unpack(layout, 'java17-debian12-nonroot-amd64', work);
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
  }, 300_000);

  it('a debug image gives a busybox shell', async () => {
    const u = await unpack(layout, 'static-debian12-debug-amd64', work);
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
        const u = await unpack(layout, ref, work);
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

  it('os-release is ours (above base-files), and /etc/os-release leads to it', async () => {
    const u = await unpack(layout, 'base-debian12-latest-amd64', work);
    try {
      const text = await readFile(join(u.rootfs, 'usr/lib/os-release'), 'utf8');
      expect(text).toBe(
        [
          'PRETTY_NAME="Distroless"',
          'NAME="Debian GNU/Linux"',
          'ID=debian',
          'VERSION_ID="12"',
          'VERSION="Debian GNU/Linux 12 (bookworm)"',
          'VERSION_CODENAME=bookworm',
          'HOME_URL="https://www.debian.org/"',
          'SUPPORT_URL="https://www.debian.org/support"',
          'BUG_REPORT_URL="https://bugs.debian.org/"',
          '',
        ].join('\n'),
      );
      // base-files' own link, which now reaches our file
      expect(await readlink(join(u.rootfs, 'etc/os-release'))).toBe('../usr/lib/os-release');
    } finally {
      await rm(join(u.bundle, '..'), { recursive: true, force: true });
    }
  }, 300_000);

  it('java17 runs with UTF-8 (default charset, file names), from the C.UTF-8 locale layer', async () => {
    const u = await unpack(layout, 'java17-debian12-nonroot-amd64', work);
    try {
      expect(await exists(join(u.rootfs, 'usr/lib/locale/C.utf8/LC_CTYPE'))).toBe(true);
      expect(await exists(join(u.rootfs, 'usr/bin/locale'))).toBe(false); // libc-bin's programs are not copied
      const out = await runInImage(u, ['/usr/bin/java', '-jar', '/app/utf8.jar'], [[programs.utf8Jar, 'app/utf8.jar']]);
      expect(out).toBe('defaultCharset=UTF-8\nsun.jnu.encoding=UTF-8\nlisted=café-ü.txt content=naïve\n');
    } finally {
      await rm(join(u.bundle, '..'), { recursive: true, force: true });
    }
  }, 300_000);

  it('python3: locale.setlocale(LC_ALL, "") works, distutils imports, /usr/bin/python is python3.11', async () => {
    const u = await unpack(layout, 'python3-debian12-nonroot-amd64', work);
    try {
      const code = [
        'import locale, sys, distutils.dist, os',
        'print(locale.setlocale(locale.LC_ALL, ""), locale.getpreferredencoding(), sys.getfilesystemencoding())',
        "print(os.readlink('/usr/bin/python'))",
      ].join('\n');
      expect(await runInImage(u, ['/usr/bin/python', '-c', code])).toBe('C.UTF-8 UTF-8 utf-8\n/usr/bin/python3.11\n');
    } finally {
      await rm(join(u.bundle, '..'), { recursive: true, force: true });
    }
  }, 300_000);

  it('image config: JAVA_VERSION in java17, the source label, LANG only where the config sets it', async () => {
    for (const arch of ARCHS) {
      const java = await imageMetadata(layout, `java17-debian12-debug-nonroot-${arch}`);
      const jre = lock.packages[arch]?.['openjdk-17-jre-headless']?.version ?? '';
      expect(java.Env).toEqual([
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/busybox',
        'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
        `JAVA_VERSION=${javaReleaseVersion(jre)}`,
        'LANG=C.UTF-8',
      ]);
      expect(java.Labels).toEqual({ 'org.opencontainers.image.source': SOURCE });
      const base = await imageMetadata(layout, `base-debian12-latest-${arch}`);
      expect(base.Env?.some((e) => e.startsWith('LANG=') || e.startsWith('JAVA_VERSION='))).toBe(false);
      const manifest = JSON.parse(
        (await exec('skopeo', ['inspect', '--raw', `oci:${layout}:static-debian12-latest-${arch}`])).stdout,
      );
      expect(manifest.annotations['org.opencontainers.image.source']).toBe(SOURCE);
    }
  });

  it("passes distroless' structure tests: all on amd64, the file and metadata tests on arm64", async () => {
    const summary: string[] = [];
    const failures: string[] = [];
    for (const arch of ARCHS) {
      const pins = lock.packages[arch] ?? {};
      const jre = pins['openjdk-17-jre-headless']?.version ?? '';
      const vars = {
        BUSYBOX_VERSION: upstream(pins['busybox-static']?.version ?? ''),
        JAVA_RUNTIME_VERSION: jre.split('+')[0] ?? '',
        JAVA_VERSION: javaReleaseVersion(jre),
        DEB_ARCH: arch,
      };
      const execute = arch === 'amd64';
      for (const image of IMAGES) {
        const counts = { run: 0, passed: 0, notRun: 0 };
        for (const variant of VARIANTS) {
          const ref = `${image}-debian12-${variant}-${arch}`;
          const u = await unpack(layout, ref, work);
          try {
            if (execute) {
              const copies: Array<[string, string]> = [[structurePrograms.checkCerts, 'check_certs']];
              if (image === 'cc')
                copies.push(
                  [structurePrograms.helloC, 'hello_debian12_binary'],
                  [structurePrograms.helloCc, 'hello_cc_debian12_binary'],
                );
              if (image === 'java17') copies.push([structurePrograms.testdataJar, 'testdata.jar']);
              await copyInto(u, copies);
            }
            const target = { ...u, metadata: await imageMetadata(layout, ref), execute };
            for (const o of await runStructureFiles(structureFiles('debian12', image, variant), target, vars)) {
              if (o.result === 'skipped') counts.notRun++;
              else counts.run++;
              if (o.result === 'passed') counts.passed++;
              if (o.result === 'failed') failures.push(`${ref} ${o.file} ${o.kind} ${o.name}: ${o.detail ?? ''}`);
            }
          } finally {
            await rm(join(u.bundle, '..'), { recursive: true, force: true });
          }
        }
        summary.push(`${arch} ${image}: ${counts.passed}/${counts.run} passed, ${counts.notRun} command tests not run`);
      }
    }
    if (process.env.DISTROLESS_E2E_REPORT)
      await writeFile(process.env.DISTROLESS_E2E_REPORT, `${summary.join('\n')}\n`);
    expect(failures).toEqual([]);
    // every command test ran on amd64; none could on arm64
    expect(summary.filter((l) => l.startsWith('amd64')).every((l) => l.endsWith(' 0 command tests not run'))).toBe(
      true,
    );
    expect(summary.filter((l) => l.startsWith('arm64')).some((l) => !l.endsWith(' 0 command tests not run'))).toBe(
      true,
    );
  }, 900_000);

  it('is reproducible: another cache dir, umask and time give identical digests', async () => {
    const other = join(work, 'layout2');
    const lockDir = join(work, 'lockfiles');
    const cli = join(root, 'bin/distroless-action.js');
    await new Promise((r) => setTimeout(r, 1100)); // a later wall clock second
    const args = [
      cli,
      '--config',
      configFile,
      '--lockfiles',
      lockDir,
      '--cache-dir',
      join(work, 'cache2'),
      '--no-progress',
      'build',
      '--arch',
      'amd64',
      '--image',
      IMAGES.map((i) => `${i}-debian12`).join(','),
      '--output',
      other,
      '--json',
    ];
    const { stdout } = await exec('sh', ['-c', 'umask 077 && exec "$0" "$@"', process.execPath, ...args], {
      cwd: root,
      maxBuffer: 1 << 26,
    });
    const second = JSON.parse(stdout) as BuildResult;
    const amd64 = built.images.filter((i) => i.arch === 'amd64');
    expect(second.images.map((i) => `${i.ref} ${i.digest}`)).toEqual(amd64.map((i) => `${i.ref} ${i.digest}`));
    const refs = (index: Buffer): unknown[] =>
      (JSON.parse(index.toString()) as { manifests: Array<{ annotations?: Record<string, string> }> }).manifests.filter(
        (m) => m.annotations?.['org.opencontainers.image.ref.name']?.endsWith('-amd64'),
      );
    expect(refs(await readFile(join(other, 'index.json')))).toEqual(refs(await readFile(join(layout, 'index.json'))));
  }, 600_000);
});
