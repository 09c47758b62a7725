import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKeyring, type Keyring } from '../../src/archive/index.js';
import { buildDebianRepo, generateTestKey, type RepoOptions, type TestKey, type TestRepo } from './debian-repo.js';
import { serveDirectory, type TestServer } from './http-server.js';

/** When the fixture archive was published; tests check signatures and Valid-Until against NOW. */
export const PUBLISHED = new Date('2026-11-20T06:00:00Z');
export const NOW = new Date('2026-11-21T06:00:00Z');

/** The canonical URLs the fixture config names; tests point them at 127.0.0.1 with mirror overrides. */
export const MAIN_URL = 'https://archive.test/debian';
export const SECURITY_URL = 'https://security.test/debian-security';

/** Not a real busybox: just bytes with an applet table laid out as BusyBox compiles one (see build/busybox.ts). */
const FAKE_BUSYBOX = 'not really busybox\0[\0[[\0cat\0ls\0sh\0\0';

/** A small "distro": a main suite for amd64 + arm64, and a security suite that only carries amd64. */
export function mainPackages(libcVersion = '2.36-9'): RepoOptions['packages'] {
  return [
    {
      name: 'base-files',
      version: '12.4',
      fields: { 'Pre-Depends': 'awk' },
      files: {
        'etc/debian_version': '12.4\n',
        'usr/lib/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n',
        'usr/share/doc/base-files/README': 'test\n',
      },
    },
    { name: 'mawk', version: '1.3.4', architecture: 'amd64', fields: { Provides: 'awk' } },
    { name: 'mawk', version: '1.3.4', architecture: 'arm64', fields: { Provides: 'awk' } },
    { name: 'tzdata', version: '2025b-0+deb12u1', fields: { Depends: 'debconf (>= 0.5) | debconf-2.0' } },
    { name: 'debconf', version: '1.5.82' },
    { name: 'libc6', version: libcVersion, architecture: 'amd64', fields: { Depends: 'libgcc-s1' } },
    { name: 'libc6', version: libcVersion, architecture: 'arm64', fields: { Depends: 'libgcc-s1' } },
    {
      name: 'libgcc-s1',
      version: '12.2.0-14',
      architecture: 'amd64',
      fields: { Depends: 'gcc-12-base (= 12.2.0-14)' },
    },
    {
      name: 'libgcc-s1',
      version: '12.2.0-14',
      architecture: 'arm64',
      fields: { Depends: 'gcc-12-base (= 12.2.0-14)' },
    },
    { name: 'gcc-12-base', version: '12.2.0-14', architecture: 'amd64' },
    { name: 'gcc-12-base', version: '12.2.0-14', architecture: 'arm64' },
    { name: 'busybox-static', version: '1:1.35.0-4', architecture: 'amd64', files: { 'bin/busybox': FAKE_BUSYBOX } },
    { name: 'busybox-static', version: '1:1.35.0-4', architecture: 'arm64', files: { 'bin/busybox': FAKE_BUSYBOX } },
  ];
}

export const CONFIG = `
distros:
  test12:
    sources:
      - { url: ${MAIN_URL}, suite: stable, components: [main] }
      - { url: ${SECURITY_URL}, suite: stable-security, components: [main] }
    archs: [amd64, arm64]
    debug: { packages: [busybox-static] }
images:
  static:
    packages: [base-files, tzdata]
    exclude: [awk, debconf]
  base:
    from: static
    packages: [libc6]
`;

export interface Fixture {
  dir: string;
  configPath: string;
  lockDir: string;
  main: TestRepo;
  security: TestRepo;
  mainServer: TestServer;
  securityServer: TestServer;
  keyring: Keyring;
  keys: TestKey[];
  mirrors: Record<string, string>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  main?: Partial<RepoOptions>;
  security?: Partial<RepoOptions>;
  securityLibc?: string;
}

/** Builds and serves both suites on 127.0.0.1, signed by two test keys, and writes the config. */
export async function makeFixture(opts: FixtureOptions = {}, keys?: TestKey[]): Promise<Fixture> {
  const [mainKey, secKey] = keys ?? [
    await generateTestKey('ed25519', 'Main'),
    await generateTestKey('rsa', 'Security'),
  ];
  if (!mainKey || !secKey) throw new Error('two keys needed');
  const main = await buildDebianRepo({
    suite: 'stable',
    archs: ['amd64', 'arm64'],
    packages: mainPackages(),
    date: PUBLISHED,
    signWith: [mainKey],
    ...opts.main,
  });
  const security = await buildDebianRepo({
    suite: 'stable-security',
    archs: ['amd64'],
    packages: [
      {
        name: 'libc6',
        version: opts.securityLibc ?? '2.36-9+deb12u1',
        architecture: 'amd64',
        fields: { Depends: 'libgcc-s1' },
      },
    ],
    date: PUBLISHED,
    validUntil: new Date(PUBLISHED.getTime() + 7 * 86400_000),
    variants: ['.xz'],
    signWith: [secKey],
    ...opts.security,
  });
  const mainServer = await serveDirectory(main.root);
  const securityServer = await serveDirectory(security.root);
  const dir = mkdtempSync(join(tmpdir(), 'update-'));
  const configPath = join(dir, 'distroless.yaml');
  writeFileSync(configPath, CONFIG);
  const keyring = await loadKeyring([mainKey.armoredPublic, secKey.armoredPublic]);
  return {
    dir,
    configPath,
    lockDir: join(dir, 'lockfiles'),
    main,
    security,
    mainServer,
    securityServer,
    keyring,
    keys: [mainKey, secKey],
    mirrors: { [MAIN_URL]: mainServer.url, [SECURITY_URL]: securityServer.url },
    close: async () => {
      await mainServer.close();
      await securityServer.close();
      main.remove();
      security.remove();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
