import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { compareVersions, parseVersion, satisfies } from '../../src/debian/version.js';

/** `dpkg --compare-versions a OP b` → true when dpkg agrees (exit 0). */
function dpkgSays(a: string, op: 'lt' | 'eq' | 'gt', b: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    execFile('dpkg', ['--compare-versions', a, op, b], (err) => {
      if (err === null) resolve(true);
      else if (typeof err.code === 'number' && err.code === 1) resolve(false);
      else reject(err);
    });
  });
}

/** Checks our answer for each pair against dpkg (one process per pair, `limit` at a time); returns disagreements. */
async function disagreements(pairs: readonly [string, string][], limit = 8): Promise<string[]> {
  const bad: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pairs.length) {
      const [a, b] = pairs[next++] as [string, string];
      const ours = compareVersions(a, b);
      const op = ours < 0 ? 'lt' : ours > 0 ? 'gt' : 'eq';
      if (!(await dpkgSays(a, op, b))) bad.push(`${a} ${op} ${b}`);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return bad;
}

/** mulberry32: a small seeded PRNG, so that the drawn pairs are the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERSIONS = readFileSync(new URL('../fixtures/versions.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'));

const EDGE_CASES: [string, string, number][] = [
  ['1.0', '1.0-0', 0], // no revision = revision 0
  ['1.0', '1.0-1', -1],
  ['0:1.0', '1.0', 0],
  ['1:0.1', '2.0', 1], // epoch first
  ['10:1', '9:2', 1], // epochs compare as numbers
  ['1.0~rc1', '1.0', -1], // ~ before the end
  ['1.0~', '1.0', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0~~a', '1.0~', -1],
  ['1.0~rc1', '1.0~rc1-1', -1],
  ['1.0', '1.0+b1', -1],
  ['1.0a', '1.0+', -1], // letters before other characters
  ['1.0a', '1.0', 1],
  ['1.0.', '1.0a', 1],
  ['1.01', '1.1', 0], // leading zeros do not count
  ['001', '1', 0],
  ['1.0-01', '1.0-1', 0],
  ['1.2-3-4', '1.2-3-5', -1], // hyphens in upstream: the revision is after the last one
  ['1.2-3-4', '1.2-4-1', -1],
  ['2.36-9+deb12u4', '2.36-9+deb12u10', -1],
  ['7.88.1-10+deb12u5', '7.88.1-10+deb12u15', -1],
  ['3.0.15-1~deb12u1', '3.0.15-1', -1],
  ['1:2.38.1-5+deb12u3', '2.39', 1],
  ['2:1.0', '10:0.1', -1],
  ['9.99', '10.0', -1],
  ['1.0+dfsg', '1.0+dfsg1', -1],
  ['1.0+really0.9', '1.0', 1],
  ['0.0+git20220719+ds-4', '0.0+git20220719-4', -1],
];

describe('compareVersions', () => {
  it('orders the hand-picked edge cases (and dpkg agrees)', async () => {
    for (const [a, b, want] of EDGE_CASES) {
      expect([a, b, compareVersions(a, b)]).toEqual([a, b, want]);
      expect([b, a, compareVersions(b, a)]).toEqual([b, a, 0 - want]);
    }
    expect(await disagreements(EDGE_CASES.map(([a, b]) => [a, b]))).toEqual([]);
  });

  it('agrees with dpkg --compare-versions on 3000 pairs drawn from real bookworm versions', async () => {
    expect(VERSIONS.length).toBeGreaterThan(2500);
    const random = prng(20261127);
    const pick = (): number => Math.floor(random() * VERSIONS.length);
    const pairs: [string, string][] = [];
    for (let k = 0; k < 3000; k++) {
      const i = pick();
      // Half the pairs are near neighbours in sorted order, so that they share a prefix and the comparison
      // goes deep (same upstream, different revision; same package in main and in -security).
      const j = k % 2 === 0 ? pick() : Math.min(VERSIONS.length - 1, i + 1 + Math.floor(random() * 3));
      pairs.push([VERSIONS[i] ?? '', VERSIONS[j] ?? '']);
    }
    const started = performance.now();
    expect(await disagreements(pairs)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it('is a total order on the sample (antisymmetric and transitive when sorted)', () => {
    const sorted = [...VERSIONS].sort(compareVersions);
    for (let i = 1; i < sorted.length; i++) {
      expect(compareVersions(sorted[i - 1] ?? '', sorted[i] ?? '')).toBeLessThanOrEqual(0);
    }
  });
});

describe('parseVersion', () => {
  it('splits epoch, upstream and revision', () => {
    expect(parseVersion('1:2.3-4-5')).toEqual({ epoch: 1, upstream: '2.3-4', revision: '5' });
    expect(parseVersion('2.3')).toEqual({ epoch: 0, upstream: '2.3', revision: '' });
  });
});

describe('satisfies', () => {
  it('implements << <= = >= >>', () => {
    expect(satisfies('1.0', '<<', '1.1')).toBe(true);
    expect(satisfies('1.1', '<<', '1.1')).toBe(false);
    expect(satisfies('1.1', '<=', '1.1')).toBe(true);
    expect(satisfies('1.1-0', '=', '1.1')).toBe(true);
    expect(satisfies('1.0', '=', '1.1')).toBe(false);
    expect(satisfies('1.1', '>=', '1.1~rc1')).toBe(true);
    expect(satisfies('1.1~rc1', '>=', '1.1')).toBe(false);
    expect(satisfies('1:0.1', '>>', '9.9')).toBe(true);
    expect(satisfies('9.9', '>>', '9.9')).toBe(false);
  });
});
