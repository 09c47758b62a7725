import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { compareVersions, parseVersion, satisfies } from '../../src/debian/version.js';

type Claim = [string, 'lt' | 'eq' | 'gt', string];

/**
 * Asks dpkg about each claim: one `dpkg --compare-versions a OP b` process per claim (dpkg has no batch
 * mode), launched by `shells` small `sh` read loops rather than by node itself, which is about three
 * times cheaper per process on a 2-core runner (fork of a small shell vs. of the node test worker).
 * Returns dpkg's verdict (exit status 0) for each claim, in order.
 */
async function dpkgVerdicts(claims: readonly Claim[], shells = 4): Promise<boolean[]> {
  const loop = 'while read -r a op b; do dpkg --compare-versions "$a" "$op" "$b"; echo $?; done';
  const per = Math.ceil(claims.length / shells);
  const chunks = Array.from({ length: shells }, (_, k) => claims.slice(k * per, (k + 1) * per));
  const results = await Promise.all(
    chunks.map(
      (chunk) =>
        new Promise<string[]>((resolve, reject) => {
          const child = spawn('sh', ['-c', loop], { stdio: ['pipe', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
          child.on('error', reject);
          child.on('close', () => resolve(out.split('\n').filter((l) => l !== '')));
          child.stdin.end(chunk.map((c) => `${c.join(' ')}\n`).join(''));
        }),
    ),
  );
  const verdicts = results.flat();
  if (verdicts.length !== claims.length || verdicts.some((v) => v !== '0' && v !== '1')) {
    throw new Error(`dpkg --compare-versions gave ${verdicts.length} answers for ${claims.length} claims`);
  }
  return verdicts.map((v) => v === '0');
}

/** The pairs on which dpkg disagrees with our comparison, as "a op b" (our claim). */
async function disagreements(pairs: readonly [string, string][]): Promise<string[]> {
  const claims = pairs.map(([a, b]): Claim => {
    const c = compareVersions(a, b);
    return [a, c < 0 ? 'lt' : c > 0 ? 'gt' : 'eq', b];
  });
  const verdicts = await dpkgVerdicts(claims);
  return claims.filter((_, i) => !verdicts[i]).map((c) => c.join(' '));
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
  ['0.0+git20220719+ds-4', '0.0+git20220719-4', 1], // '+' after the end
  ['1.0~beta', '1.0~alpha', 1],
];

describe('compareVersions', () => {
  it('orders the hand-picked edge cases (and dpkg agrees)', async () => {
    for (const [a, b, want] of EDGE_CASES) {
      expect([a, b, compareVersions(a, b)]).toEqual([a, b, want]);
      expect([b, a, compareVersions(b, a)]).toEqual([b, a, 0 - want]);
    }
    expect(await disagreements(EDGE_CASES.map(([a, b]) => [a, b]))).toEqual([]);
  });

  it('agrees with dpkg --compare-versions on ~3000 pairs drawn from real bookworm versions', async () => {
    expect(VERSIONS.length).toBeGreaterThan(2500);
    const random = prng(20261127);
    const pick = (): number => Math.floor(random() * VERSIONS.length);
    // (1) 1400 sampled versions sorted by our order: dpkg checks each neighbour pair, which by transitivity
    // checks our whole order on the sample, and neighbours share long prefixes (deep comparisons).
    const sample = Array.from({ length: 1400 }, () => VERSIONS[pick()] ?? '').sort(compareVersions);
    const pairs: [string, string][] = sample.slice(1).map((v, i) => [sample[i] ?? '', v]);
    // (2) 1400 more pairs: half at random, half near neighbours in the file's lexical order (same package
    // in main and -security, same upstream with another revision).
    for (let k = 0; k < 1400; k++) {
      const i = pick();
      const j = k % 2 === 0 ? pick() : Math.min(VERSIONS.length - 1, i + 1 + Math.floor(random() * 3));
      pairs.push([VERSIONS[i] ?? '', VERSIONS[j] ?? '']);
    }
    const started = performance.now();
    expect(await disagreements(pairs)).toEqual([]);
    console.log(
      `dpkg --compare-versions checked ${pairs.length} pairs in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 120_000);

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
