import { LOCKFILE_VERSION, RESOLVER_VERSION, type LockedPackage, type Lockfile } from '../../src/lock/types.js';

/** A small lockfile for unit tests; `pins` is arch → name → version, every image holds every pinned package. */
export function makeLock(pins: Record<string, Record<string, string>>, suite = 'bookworm'): Lockfile {
  const packages: Lockfile['packages'] = {};
  const images: Lockfile['images'] = { base: {} };
  for (const [arch, names] of Object.entries(pins)) {
    packages[arch] = {};
    const closure: Record<string, string> = {};
    for (const [name, version] of Object.entries(names)) {
      packages[arch][name] = pin(name, version, arch, suite);
      closure[name] = '';
    }
    images.base![arch] = { packages: closure, excluded: {} };
  }
  return {
    lockfileVersion: LOCKFILE_VERSION,
    resolverVersion: RESOLVER_VERSION,
    distro: 'debian12',
    configDigest: `sha256:${'0'.repeat(64)}`,
    sources: [
      {
        url: 'https://deb.debian.org/debian',
        suite,
        components: ['main'],
        date: '2026-11-01T00:00:00Z',
        snapshot: '20261101T000000Z',
        inRelease: 'a'.repeat(64),
        indices: {},
        missingArchs: [],
      },
    ],
    packages,
    images,
  };
}

function pin(name: string, version: string, arch: string, suite: string): LockedPackage {
  const digest = Buffer.from(`${name}${version}${arch}`).toString('hex').padEnd(64, '0').slice(0, 64);
  return {
    version,
    architecture: arch,
    suite,
    source: name,
    sourceVersion: version,
    filename: `pool/main/${name[0]}/${name}/${name}_${version.replace(/^\d+:/, '')}_${arch}.deb`, // no epoch, as in Debian
    size: 1000,
    sha256: digest,
  };
}
