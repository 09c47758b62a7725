/**
 * Live: our resolver against apt itself, on the real bookworm archive (main, -updates, -security), for the
 * distroless package sets and a few others, on five architectures. apt runs isolated (test/helpers/apt.ts);
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

const SOURCES: SuiteRef[] = [
  { url: 'http://deb.debian.org/debian', suite: 'bookworm', component: 'main' },
  { url: 'http://deb.debian.org/debian', suite: 'bookworm-updates', component: 'main' },
  { url: 'http://deb.debian.org/debian-security', suite: 'bookworm-security', component: 'main' },
];
const ARCHS = ['amd64', 'arm64', 'armhf', 'ppc64el', 's390x'];
const SETS: string[][] = [
  ['base-files', 'netbase', 'tzdata', 'media-types', 'ca-certificates'],
  ['libc6'],
  ['libc6', 'libssl3'],
  ['libgcc-s1', 'libgomp1', 'libstdc++6'],
  ['python3'],
  ['openjdk-17-jre-headless'],
  ['busybox-static'],
  ['curl'],
  ['git'],
];

interface ArchState {
  root: AptRoot;
  universe: Universe;
  /** Suites left out for this arch, with the reason (e.g. its Release does not list the arch). */
  skipped: Map<string, string>;
  /** apt's answer per set (key: the set joined by spaces). */
  apt: Map<string, Map<string, string>>;
}

const states = new Map<string, ArchState>();

async function prepare(arch: string): Promise<ArchState> {
  const root = await createAptRoot(arch, SOURCES);
  const errors = await aptUpdate(root);
  const fetched = await Promise.all(SOURCES.map((s) => fetchIndexLikeApt(root, s)));
  const skipped = new Map(fetched.filter((f) => f.packages === null).map((f) => [f.origin.suite, f.note ?? '']));
  for (const f of fetched) {
    if (f.note !== undefined) console.log(`${arch} ${f.origin.suite}: ${f.note}`);
  }
  if (errors.length > 0) console.log(`${arch}: apt-get update reported\n${errors.join('\n')}`);
  const started = performance.now();
  const universe = buildUniverse(
    arch,
    fetched.flatMap((f) => (f.packages === null ? [] : [{ origin: f.origin, packages: f.packages, names: f.names }])),
  );
  console.log(`${arch}: universe of ${universe.size} packages built in ${(performance.now() - started).toFixed(0)} ms`);
  return { root, universe, skipped, apt: new Map() };
}

(LIVE ? describe : describe.skip)(`resolver agrees with ${APT} (apt-get -s install, empty dpkg status)`, () => {
  beforeAll(async () => {
    // Per arch: update + fetch + universe, then its apt simulations; simulations of one arch overlap the
    // downloads of the others. apt-get -s costs about 1 s of CPU each: two at a time on a 2-core runner.
    const simulate = limiter(2);
    await Promise.all(
      ARCHS.map(async (arch) => {
        const state = await prepare(arch);
        states.set(arch, state);
        await Promise.all(
          SETS.map((set) =>
            simulate(async () => state.apt.set(set.join(' '), await aptSimulateInstall(state.root, set))),
          ),
        );
      }),
    );
  }, 400_000);

  afterAll(async () => {
    await Promise.all([...states.values()].map((s) => removeAptRoot(s.root)));
  });

  describe.each(ARCHS)('%s', (arch) => {
    it.each(SETS.map((set) => [set.join(' ')]))('%s', (key) => {
      const state = states.get(arch);
      if (state === undefined) throw new Error(`no universe for ${arch}`);
      const started = performance.now();
      const ours = resolve(state.universe, { image: 'oracle', arch, packages: key.split(' '), exclude: [] });
      const elapsed = performance.now() - started;
      const mine = new Map(ours.packages.map((p) => [p.pkg.name, p.pkg.version]));
      const theirs = state.apt.get(key) ?? new Map<string, string>();
      const onlyOurs = [...mine].filter(([n, v]) => theirs.get(n) !== v).map(([n, v]) => `${n}=${v}`);
      const onlyApt = [...theirs].filter(([n, v]) => mine.get(n) !== v).map(([n, v]) => `${n}=${v}`);
      expect({ onlyOurs, onlyApt }).toEqual({ onlyOurs: [], onlyApt: [] });
      expect(theirs.size).toBeGreaterThan(0);
      // Milliseconds on a prepared universe (1–20 ms typically); a coarse guard against accidental
      // quadratic work that still holds on a loaded 2-core runner.
      expect(elapsed).toBeLessThan(200);
      if (key === 'python3')
        console.log(`${arch}: python3 closure (${mine.size} packages) resolved in ${elapsed.toFixed(1)} ms`);
    });
  });

  it('leaves out bookworm-security on s390x, which its Release does not list', () => {
    expect(states.get('s390x')?.skipped.get('bookworm-security')).toBe('Release does not list s390x');
  });

  it('had bookworm main for every arch (a suite apt could not update is left out on both sides, with a note)', () => {
    for (const arch of ARCHS) expect([arch, states.get(arch)?.skipped.has('bookworm')]).toEqual([arch, false]);
  });
});
