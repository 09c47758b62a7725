/**
 * Live: our resolver against apt itself, on the real bookworm and trixie archives (main, -updates, -security), for
 * the distroless package sets and a few others, on five bookworm and three trixie architectures (riscv64 among them). apt runs isolated (test/helpers/apt.ts);
 * our side fetches the very indices apt verified (by-hash) and resolves them. No excludes here: apt has
 * no such notion. Skip with DISTROLESS_LIVE=0 (needs network to deb.debian.org and apt-get on the host).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SuiteRef } from '../../src/debian/types.js';
import { buildUniverse, resolve, type Universe } from '../../src/resolve/index.js';
import {
  aptSimulateInstall,
  aptUpdate,
  aptVersionSync,
  createAptRoot,
  fetchIndexLikeApt,
  removeAptRoot,
  type AptRoot,
} from '../helpers/apt.js';
import { limiter } from '../../src/util/concurrency.js';

const LIVE = process.env.DISTROLESS_LIVE !== '0';
const APT = LIVE ? aptVersionSync() : 'apt';

interface Distro {
  name: string;
  sources: SuiteRef[];
  archs: string[];
  sets: string[][];
}

const DEBIAN = 'http://deb.debian.org/debian';
const SECURITY = 'http://deb.debian.org/debian-security';
const suites = (codename: string): SuiteRef[] => [
  { url: DEBIAN, suite: codename, component: 'main' },
  { url: DEBIAN, suite: `${codename}-updates`, component: 'main' },
  { url: SECURITY, suite: `${codename}-security`, component: 'main' },
];
const DISTROS: Distro[] = [
  {
    name: 'bookworm',
    sources: suites('bookworm'),
    archs: ['amd64', 'arm64', 'armhf', 'ppc64el', 's390x'],
    sets: [
      ['base-files', 'netbase', 'tzdata', 'media-types', 'ca-certificates'],
      ['libc6'],
      ['libc6', 'libssl3'],
      ['libgcc-s1', 'libgomp1', 'libstdc++6'],
      ['python3'],
      ['openjdk-17-jre-headless'],
      ['busybox-static'],
      ['curl'],
      ['git'],
    ],
  },
  {
    // Debian 13: the 64-bit time_t renames (libssl3t64 …), tzdata-legacy, python3.13, openjdk-21; riscv64 is new.
    name: 'trixie',
    sources: suites('trixie'),
    archs: ['amd64', 'arm64', 'riscv64'],
    sets: [
      ['base-files', 'netbase', 'tzdata', 'tzdata-legacy', 'media-types', 'ca-certificates'],
      ['libc6', 'libssl3t64'],
      ['libgcc-s1', 'libgomp1', 'libstdc++6'],
      ['python3'],
      ['openjdk-21-jre-headless'],
      ['busybox-static'],
      ['curl'],
    ],
  },
];

interface ArchState {
  root: AptRoot;
  universe: Universe;
  /** Suites left out for this arch, with the reason (e.g. its Release does not list the arch). */
  skipped: Map<string, string>;
  /** apt's answer per set (key: the set joined by spaces). */
  apt: Map<string, Map<string, string>>;
}

/** Key: `<distro> <arch>`. */
const states = new Map<string, ArchState>();
/** Every apt root made, removed after the tests also when preparing one failed half-way. */
const roots: AptRoot[] = [];

async function prepare(distro: Distro, arch: string): Promise<ArchState> {
  const root = await createAptRoot(arch, distro.sources);
  roots.push(root);
  const errors = await aptUpdate(root);
  const fetched = await Promise.all(distro.sources.map((s) => fetchIndexLikeApt(root, s)));
  const skipped = new Map(fetched.filter((f) => f.packages === null).map((f) => [f.origin.suite, f.note ?? '']));
  for (const f of fetched) {
    if (f.note !== undefined) console.log(`${distro.name} ${arch} ${f.origin.suite}: ${f.note}`);
  }
  if (errors.length > 0) console.log(`${distro.name} ${arch}: apt-get update reported\n${errors.join('\n')}`);
  const started = performance.now();
  const universe = buildUniverse(
    arch,
    fetched.flatMap((f) => (f.packages === null ? [] : [{ origin: f.origin, packages: f.packages, names: f.names }])),
  );
  console.log(
    `${distro.name} ${arch}: universe of ${universe.size} packages built in ${(performance.now() - started).toFixed(0)} ms`,
  );
  return { root, universe, skipped, apt: new Map() };
}

(LIVE ? describe : describe.skip)(`resolver agrees with ${APT} (apt-get -s install, empty dpkg status)`, () => {
  beforeAll(async () => {
    // Per arch: update + fetch + universe, then its apt simulations; simulations of one arch overlap the
    // downloads of the others. apt-get -s costs about 1 s of CPU each: two at a time on a 2-core runner.
    const simulate = limiter(2);
    await Promise.all(
      DISTROS.flatMap((distro) =>
        distro.archs.map(async (arch) => {
          const state = await prepare(distro, arch);
          states.set(`${distro.name} ${arch}`, state);
          await Promise.all(
            distro.sets.map((set) =>
              simulate(async () => state.apt.set(set.join(' '), await aptSimulateInstall(state.root, set))),
            ),
          );
        }),
      ),
    );
  }, 600_000);

  afterAll(async () => {
    await Promise.all(roots.map((root) => removeAptRoot(root)));
  });

  describe.each(DISTROS.flatMap((d) => d.archs.map((arch) => [`${d.name} ${arch}`, d, arch] as const)))(
    '%s',
    (key, distro, arch) => {
      it.each(distro.sets.map((set) => [set.join(' ')]))('%s', (set) => {
        const state = states.get(key);
        if (state === undefined) throw new Error(`no universe for ${key}`);
        const started = performance.now();
        const ours = resolve(state.universe, { image: 'oracle', arch, packages: set.split(' '), exclude: [] });
        const elapsed = performance.now() - started;
        const mine = new Map(ours.packages.map((p) => [p.pkg.name, p.pkg.version]));
        const theirs = state.apt.get(set) ?? new Map<string, string>();
        const onlyOurs = [...mine].filter(([n, v]) => theirs.get(n) !== v).map(([n, v]) => `${n}=${v}`);
        const onlyApt = [...theirs].filter(([n, v]) => mine.get(n) !== v).map(([n, v]) => `${n}=${v}`);
        expect({ onlyOurs, onlyApt }).toEqual({ onlyOurs: [], onlyApt: [] });
        expect(theirs.size).toBeGreaterThan(0);
        if (set === 'python3')
          console.log(`${key}: python3 closure (${mine.size} packages) resolved in ${elapsed.toFixed(1)} ms`); // speed: npm run bench
      });
    },
  );

  it('leaves out bookworm-security on s390x, which its Release does not list', () => {
    expect(states.get('bookworm s390x')?.skipped.get('bookworm-security')).toBe('Release does not list s390x');
  });

  it('had the main suite for every distro and arch (a suite apt could not update is left out on both sides, with a note)', () => {
    for (const d of DISTROS) {
      for (const arch of d.archs) {
        expect([d.name, arch, states.get(`${d.name} ${arch}`)?.skipped.has(d.name)]).toEqual([d.name, arch, false]);
      }
    }
  });
});
