import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { checkRelease, parseRelease, parseReleaseDate, type Release } from '../../src/archive/release.js';
import { DistrolessError } from '../../src/errors.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/archive/${name}`, import.meta.url), 'utf8');

/** The signed part of a real InRelease (no dash-escaped lines in Release files). Signatures: see archive.test.ts. */
function signedPart(inRelease: string): string {
  const start = inRelease.indexOf('\n\n') + 2;
  return inRelease.slice(start, inRelease.indexOf('\n-----BEGIN PGP SIGNATURE-----'));
}

function thrown(f: () => unknown): DistrolessError {
  try {
    f();
  } catch (e) {
    if (e instanceof DistrolessError) return e;
    throw e;
  }
  throw new Error('expected a DistrolessError');
}

const SMALL = [
  'Origin: Test',
  'Suite: stable',
  'Codename: bookworm',
  'Date: Sat, 11 Jul 2026 10:16:37 UTC',
  'Valid-Until: Sat, 18 Jul 2026 10:16:37 UTC',
  'Acquire-By-Hash: yes',
  'Architectures: amd64 arm64',
  'Components: main',
  'SHA256:',
  ` ${'a'.repeat(64)}   1234 main/binary-amd64/Packages`,
  ` ${'B'.repeat(64)}    567 main/binary-amd64/Packages.gz`,
  '',
].join('\n');

describe('parseReleaseDate', () => {
  it('reads the dates dak and reprepro write', () => {
    expect(parseReleaseDate('Sat, 11 Jul 2026 10:16:37 UTC')?.toISOString()).toBe('2026-07-11T10:16:37.000Z');
    expect(parseReleaseDate('Wed, 2 Dec 2026 02:22:30 GMT')?.toISOString()).toBe('2026-12-02T02:22:30.000Z');
    expect(parseReleaseDate('Sat, 11 Jul 2026 12:16:37 +0200')?.toISOString()).toBe('2026-07-11T10:16:37.000Z');
    expect(parseReleaseDate('11 Jul 2026 05:16:37 -0500')?.toISOString()).toBe('2026-07-11T10:16:37.000Z');
  });

  it('refuses what is not a date', () => {
    expect(parseReleaseDate('2026-07-11')).toBeUndefined();
    expect(parseReleaseDate('Sat, 31 Feb 2026 10:16:37 UTC')).toBeUndefined();
    expect(parseReleaseDate('Sat, 11 Foo 2026 10:16:37 UTC')).toBeUndefined();
    expect(parseReleaseDate('Sat, 11 Jul 2026 25:16:37 UTC')).toBeUndefined();
  });
});

describe('parseRelease', () => {
  it('reads the fields and the SHA256 list', () => {
    const r = parseRelease(SMALL, 'test');
    expect(r).toMatchObject({ origin: 'Test', suite: 'stable', codename: 'bookworm', acquireByHash: true });
    expect(r.architectures).toEqual(['amd64', 'arm64']);
    expect(r.components).toEqual(['main']);
    expect(r.validUntil?.toISOString()).toBe('2026-07-18T10:16:37.000Z');
    expect(r.sha256.get('main/binary-amd64/Packages.gz')).toEqual({
      path: 'main/binary-amd64/Packages.gz',
      size: 567,
      sha256: 'b'.repeat(64),
    });
    expect(r.sha256.size).toBe(2);
  });

  it('reads the real bookworm Release', () => {
    const r = parseRelease(signedPart(fixture('bookworm.InRelease')), 'bookworm');
    expect(r).toMatchObject({
      suite: 'oldstable',
      codename: 'bookworm',
      version: '12.15',
      acquireByHash: true,
      validUntil: undefined,
    });
    expect(r.date.toISOString()).toBe('2026-07-11T10:16:37.000Z');
    expect(r.architectures).toContain('s390x');
    expect(r.sha256.get('main/binary-amd64/Packages.xz')).toEqual({
      path: 'main/binary-amd64/Packages.xz',
      size: 8790396,
      sha256: '9e0b5aabb2465b3d2e7a7fe27f9913846277833f7a2826e7767acccff5b588c5',
    });
    expect(r.sha256.get('main/binary-amd64/Packages.gz')?.size).toBe(12084798);
  });

  it('reads the real bookworm-security Release: Valid-Until, no s390x, no .gz', () => {
    const r = parseRelease(signedPart(fixture('bookworm-security.InRelease')), 'bookworm-security');
    expect(r).toMatchObject({ suite: 'oldstable-security', codename: 'bookworm-security' });
    expect(r.validUntil?.toISOString()).toBe('2026-12-02T02:22:30.000Z');
    expect(r.architectures).toEqual(['amd64', 'arm64', 'armhf', 'i386', 'ppc64el']);
    expect(r.sha256.has('main/binary-amd64/Packages.xz')).toBe(true);
    expect(r.sha256.has('main/binary-amd64/Packages.gz')).toBe(false);
  });

  it('collects every problem and throws once', () => {
    const bad = SMALL.replace(/^Date: .*\n/m, '').replace(/^Valid-Until: .*$/m, 'Valid-Until: soon') + ' zz 12 x\n';
    const e = thrown(() => parseRelease(bad, 'http://x/dists/s/InRelease'));
    expect(e.code).toBe('RELEASE_INVALID');
    expect(e.message).toMatch(/^http:\/\/x\/dists\/s\/InRelease: invalid Release file/);
    expect(e.details).toEqual([
      'no Date field',
      'Valid-Until: cannot read date "soon"',
      'SHA256: malformed line "zz 12 x"',
    ]);
  });

  it('requires a SHA256 list', () => {
    const e = thrown(() => parseRelease(SMALL.slice(0, SMALL.indexOf('SHA256:')), 'src'));
    expect(e.details).toEqual(['no SHA256 field']);
  });
});

describe('checkRelease', () => {
  const release: Release = parseRelease(SMALL, 'src');
  const now = new Date('2026-07-12T00:00:00Z');
  const check = (over: Partial<Parameters<typeof checkRelease>[1]> = {}, r: Release = release): void =>
    checkRelease(r, { suite: 'bookworm', now, source: 'http://x/InRelease', ...over });

  it('accepts the suite by Suite or by Codename', () => {
    expect(() => check()).not.toThrow();
    expect(() => check({ suite: 'stable' })).not.toThrow();
  });

  it('rejects another suite', () => {
    const e = thrown(() => check({ suite: 'trixie' }));
    expect(e.code).toBe('RELEASE_INVALID');
    expect(e.message).toBe(
      'http://x/InRelease: Release is for suite "stable" (codename "bookworm"), expected "trixie"',
    );
  });

  it('rejects an expired Release, naming the date (a replayed old index)', () => {
    const e = thrown(() => check({ now: new Date('2026-07-18T10:16:38Z') }));
    expect(e.code).toBe('RELEASE_EXPIRED');
    expect(e.message).toContain('expired on 2026-07-18T10:16:37Z');
    expect(() => check({ now: new Date('2026-07-18T10:16:37Z') })).not.toThrow();
  });

  it('rejects a Date in the future beyond the allowed skew', () => {
    const early = new Date('2026-07-11T10:13:00Z');
    expect(() => check({ now: early })).not.toThrow();
    const e = thrown(() => check({ now: early, maxFutureSkewMs: 60_000 }));
    expect(e.code).toBe('RELEASE_INVALID');
    expect(e.message).toContain('Release Date 2026-07-11T10:16:37Z is in the future');
  });

  it('rejects Valid-Until before Date', () => {
    const r = parseRelease(SMALL.replace('18 Jul 2026', '10 Jul 2026'), 'src');
    expect(thrown(() => check({}, r)).code).toBe('RELEASE_INVALID');
  });

  it('leaves a Release without Valid-Until unbounded', () => {
    const r = parseRelease(SMALL.replace(/^Valid-Until: .*\n/m, ''), 'src');
    expect(() => check({ now: new Date('2036-01-01T00:00:00Z') }, r)).not.toThrow();
  });
});
