import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { PackedNames } from '../../src/resolve/index.js';
import { parsePackagesIndex } from '../../src/debian/packages.js';
import type { SuiteRef } from '../../src/debian/types.js';
import { isDistrolessError } from '../../src/errors.js';
import {
  buildUniverse,
  resolve,
  type Resolution,
  type Universe,
  type UniverseSource,
} from '../../src/resolve/index.js';

const SUITES: SuiteRef[] = [
  { url: 'https://deb.debian.org/debian', suite: 'bookworm', component: 'main' },
  { url: 'https://deb.debian.org/debian', suite: 'bookworm-updates', component: 'main' },
  { url: 'https://deb.debian.org/debian-security', suite: 'bookworm-security', component: 'main' },
];
const FILES = ['main', 'updates', 'security'];

function sources(withNames: boolean): UniverseSource[] {
  return FILES.map((file, i) => {
    const text = readFileSync(new URL(`../fixtures/resolver/${file}.Packages`, import.meta.url), 'utf8');
    const names: string[] = [];
    const packages = parsePackagesIndex(text, file, withNames ? { names } : {});
    return { origin: SUITES[i] as SuiteRef, packages, ...(withNames ? { names } : {}) };
  });
}

const universe = buildUniverse('amd64', sources(true));

function run(packages: string[], exclude: string[] = [], u: Universe = universe): Resolution {
  return resolve(u, { image: 'img', arch: 'amd64', packages, exclude });
}

/** name → version of the closure. */
function closure(packages: string[], exclude: string[] = [], u: Universe = universe): Record<string, string> {
  return Object.fromEntries(run(packages, exclude, u).packages.map((p) => [p.pkg.name, p.pkg.version]));
}

function names(packages: string[], exclude: string[] = []): string[] {
  return Object.keys(closure(packages, exclude));
}

function failure(packages: string[], exclude: string[] = []): { code: string; message: string } {
  try {
    run(packages, exclude);
  } catch (e) {
    if (isDistrolessError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error(`resolving ${packages.join(' ')} did not fail`);
}

const LIBC = ['gcc-12-base', 'libc6', 'libgcc-s1'];

describe('buildUniverse', () => {
  it('keeps the target arch and all, and merges suites: highest version wins, first source wins a tie', () => {
    expect(universe.get('only-arm64')).toBeUndefined();
    expect(universe.get('tzdata')).toMatchObject({
      version: '2025b-0+deb12u1',
      architecture: 'all',
      origin: SUITES[1],
    });
    expect(universe.get('libc6')).toMatchObject({
      version: '2.36-9+deb12u10',
      architecture: 'amd64',
      origin: SUITES[2],
    });
    expect(universe.get('libssl3')).toMatchObject({ version: '3.0.15-1~deb12u1', origin: SUITES[0] });
    expect(universe.get('fine')?.origin).toEqual(SUITES[0]);
    expect(universe.providers('debconf-2.0').map((p) => p.pkg.name)).toEqual(['debconf', 'cdebconf']);
    expect(universe.providers('libgcc1')).toEqual([{ pkg: universe.get('libgcc-s1'), version: '1:12.2.0-14' }]);
  });

  it('orders candidates as apt registers them: first mention in the sources in config order, then unlisted ones', () => {
    const src = sources(true);
    // What the universe must reproduce: a dense numbering of first mentions, as apt's cache generator makes it.
    const candidates = [...universe.packages()].map((p) => p.name);
    const expected: string[] = [];
    for (const { names } of src) {
      for (const n of names as string[]) if (candidates.includes(n) && !expected.includes(n)) expected.push(n);
    }
    for (const n of candidates) if (!expected.includes(n)) expected.push(n);
    const bySequence = (u: Universe): string[] => [...candidates].sort((a, b) => u.sequenceOf(a) - u.sequenceOf(b));
    expect(bySequence(universe)).toEqual(expected);
    // The same order when each list is held as one text (as `update` holds it).
    const packed = buildUniverse(
      'amd64',
      src.map((s) => ({ ...s, names: new PackedNames(s.names as string[]) })),
    );
    expect(bySequence(packed)).toEqual(expected);
    // Names no list mentions come after the listed ones, in candidate order.
    const partly = buildUniverse(
      'amd64',
      src.map((s, i) => ({ ...s, names: i === 1 ? new PackedNames(['nowhere', 'tzdata']) : [] })),
    );
    const rest = [...partly.packages()].map((p) => p.name).filter((n) => n !== 'tzdata');
    expect(bySequence(partly)).toEqual(['tzdata', ...rest]);
    expect(universe.sequenceOf('only-arm64')).toBe(-1);
  });

  it('indexes Provides: unversioned or (= v) only, the first entry of a package, candidates in order', () => {
    const rec = (name: string, provides: string): string =>
      `Package: ${name}\nVersion: 1\nArchitecture: amd64\nProvides: ${provides}\nFilename: pool/${name}.deb\nSize: 1\nSHA256: ${'a'.repeat(64)}\n`;
    const text = [
      rec('p1', 'v (= 1), v (= 2), w (>= 3), x:any, y'),
      rec('p2', 'v, y (= 5)'),
      rec('p3', 'y (<< 9)'),
    ].join('\n');
    const u = buildUniverse('amd64', [{ origin: SUITES[0] as SuiteRef, packages: parsePackagesIndex(text, 't') }]);
    const [p1, p2] = [u.get('p1'), u.get('p2')];
    expect(u.providers('v')).toEqual([{ pkg: p1, version: '1' }, { pkg: p2 }]);
    expect(u.providers('w')).toEqual([]);
    expect(u.providers('x')).toEqual([]);
    expect(u.providers('x:any')).toEqual([{ pkg: p1 }]);
    expect(u.providers('y')).toEqual([{ pkg: p1 }, { pkg: p2, version: '5' }]);
    expect(u.providers('nothing')).toEqual([]);
    // A malformed Provides anywhere still fails the universe, not only when its provider is asked for.
    const bad = parsePackagesIndex(rec('p4', 'ok, (= 1)'), 't');
    expect(() => buildUniverse('amd64', [{ origin: SUITES[0] as SuiteRef, packages: bad }])).toThrow(/p4|\(= 1\)/);
  });
});

describe('resolve', () => {
  it('follows Pre-Depends and Depends and records who pulled each package in', () => {
    const r = run(['libssl3', 'tzdata']);
    expect(r.packages.map((p) => [p.pkg.name, p.requiredBy])).toEqual([
      ['debconf', 'tzdata'],
      ['gcc-12-base', 'libgcc-s1'],
      ['libc6', 'libssl3'],
      ['libgcc-s1', 'libc6'],
      ['libssl3', null],
      ['tzdata', null],
    ]);
    expect(r.excluded).toEqual([]);
    expect(r.packages.find((p) => p.pkg.name === 'libc6')?.pkg.origin.suite).toBe('bookworm-security');
  });

  it('picks the first alternative that exists, and then prefers an alternative already chosen', () => {
    expect(names(['alt-user'])).toEqual(['alt-second', 'alt-user']);
  });

  it('skips an alternative whose own dependencies fail, leaving nothing of the attempt behind', () => {
    expect(names(['fallback-user'])).toEqual(['fallback-user', 'fine']);
  });

  it('handles Pre-Depends before Depends, so their choices count as already chosen', () => {
    expect(names(['pd-order'])).toEqual(['b-pkg', 'chooses-b', 'pd-order']);
  });

  it('resolves virtual packages: priority, then Essential, then apt registration order', () => {
    expect(names(['awk-user'])).toEqual(['awk-user', 'mawk']); // required beats optional
    expect(names(['ess-user'])).toEqual(['bash-like', 'ess-user']); // Essential beats equal priority
    expect(names(['mailer'])).toEqual(['exim', 'mailer']); // registered last: postfix was seen early (Suggests)
    const unordered = buildUniverse('amd64', sources(false));
    expect(Object.keys(closure(['mailer'], [], unordered))).toEqual(['mailer', 'postfix']); // no names: index order
  });

  it('prefers the real package of a name over any provider', () => {
    expect(names(['editor-user'])).toEqual(['editor', 'editor-user']);
  });

  it('satisfies versioned relations on virtual names only with versioned Provides', () => {
    expect(names(['libgcc1-user'])).toEqual([...LIBC, 'libgcc1-user']);
    expect(failure(['plain-virt-user'])).toEqual({
      code: 'UNSATISFIABLE',
      message:
        'image img (amd64): plain-virt-user → virt-thing (>= 1) not satisfiable: no provider matches (provided by virt-provider)',
    });
  });

  it('checks << <= = >= >> against the candidate version', () => {
    expect(closure(['ops-user'])).toEqual({ libv: '1.0-1', 'ops-user': '1.0' });
    expect(failure(['too-new-user']).message).toBe(
      'image img (amd64): too-new-user → libv (>> 1.0-1) not satisfiable: candidate is 1.0-1',
    );
  });

  it('shows the dependency chain of an unsatisfiable dependency', () => {
    expect(failure(['top'])).toEqual({
      code: 'UNSATISFIABLE',
      message: 'image img (amd64): top → mid → libv (>= 2) not satisfiable: candidate is 1.0-1',
    });
  });

  it('resolves :any (Multi-Arch: allowed only) and :native within the image arch', () => {
    expect(names(['py-user'])).toEqual([...LIBC, 'py-user', 'python3']);
    expect(failure(['any-on-same']).message).toBe(
      'image img (amd64): any-on-same → libsame:any not satisfiable: candidate 1.0 is not Multi-Arch: allowed',
    );
    expect(failure(['cross-arch']).message).toBe(
      'image img (amd64): cross-arch → libc6:arm64 not satisfiable: architecture arm64 is not amd64',
    );
  });

  it('terminates on dependency cycles', () => {
    expect(names(['cyc-a'])).toEqual(['cyc-a', 'cyc-b', ...LIBC]);
  });

  it('treats an excluded name as satisfied where it would have been chosen, and records who wanted it', () => {
    const r = run(['py', 'tzdata'], ['debconf', 'ex-b', 'not-seen']);
    expect(r.packages.map((p) => p.pkg.name)).toEqual(['ex-a', ...LIBC, 'py', 'py-min', 'tzdata']);
    expect(r.excluded).toEqual([{ name: 'debconf', wantedBy: ['py', 'tzdata'] }]);
  });

  it('never substitutes another alternative for an excluded one', () => {
    const r = run(['py'], ['ex-a', 'debconf']);
    expect(r.packages.map((p) => p.pkg.name)).not.toContain('ex-b');
    expect(r.packages.map((p) => p.pkg.name)).not.toContain('cdebconf');
    expect(r.excluded).toEqual([
      { name: 'debconf', wantedBy: ['py'] },
      { name: 'ex-a', wantedBy: ['py'] },
    ]);
  });

  it('accepts an excluded virtual name named by an alternative', () => {
    const r = run(['plain-virt-user'], ['virt-thing']);
    expect(r.excluded).toEqual([{ name: 'virt-thing', wantedBy: ['plain-virt-user'] }]);
  });

  it('rejects unknown, excluded-and-requested packages and a universe of another arch', () => {
    expect(failure(['only-arm64'])).toEqual({
      code: 'UNKNOWN_PACKAGE',
      message: 'image img (amd64): package "only-arm64" is not in any source',
    });
    expect(failure(['debconf-2.0']).code).toBe('UNKNOWN_PACKAGE');
    const virtual = ((): unknown => {
      try {
        return run(['debconf-2.0']);
      } catch (e) {
        return e;
      }
    })();
    expect(isDistrolessError(virtual) ? virtual.details : null).toEqual([
      '"debconf-2.0" is a virtual package provided by debconf, cdebconf',
    ]);
    expect(failure(['py'], ['py']).code).toBe('CONFIG_INVALID');
    expect(() => resolve(universe, { image: 'img', arch: 'arm64', packages: ['libc6'], exclude: [] })).toThrow(
      'universe is for amd64',
    );
  });

  it('is deterministic', () => {
    expect(run(['py', 'mailer', 'tzdata', 'alt-user'])).toEqual(run(['py', 'mailer', 'tzdata', 'alt-user']));
  });
});
