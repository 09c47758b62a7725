import { describe, expect, it } from '@jest/globals';
import {
  collectRelationNames,
  formatGroup,
  parseRelation,
  parseRelations,
  RelationCache,
} from '../../src/debian/relations.js';
import { isDistrolessError } from '../../src/errors.js';

describe('parseRelations', () => {
  it('parses groups, alternatives, versions and arch qualifiers', () => {
    expect(parseRelations('libc6 (>= 2.36), debconf (>= 0.5) | debconf-2.0, python3:any, perl:any (>= 5.10)')).toEqual([
      [{ name: 'libc6', op: '>=', version: '2.36' }],
      [{ name: 'debconf', op: '>=', version: '0.5' }, { name: 'debconf-2.0' }],
      [{ name: 'python3', archQualifier: 'any' }],
      [{ name: 'perl', archQualifier: 'any', op: '>=', version: '5.10' }],
    ]);
  });

  it('accepts every operator, normalising the obsolete < and >', () => {
    const ops = parseRelations('a (<< 1), b (<= 1), c (= 1), d (>= 1), e (>> 1), f (< 1), g (> 1), h(>=1:2.0-1~rc1)');
    expect(ops.map((g) => [g[0]?.op, g[0]?.version])).toEqual([
      ['<<', '1'],
      ['<=', '1'],
      ['=', '1'],
      ['>=', '1'],
      ['>>', '1'],
      ['<=', '1'],
      ['>=', '1'],
      ['>=', '1:2.0-1~rc1'],
    ]);
  });

  it('skips architecture lists and build profiles, tolerates folding and trailing commas', () => {
    expect(parseRelations('foo [amd64 !i386] <!nocheck> | bar (>= 2) [linux-any],\n baz <stage1 cross>,')).toEqual([
      [{ name: 'foo' }, { name: 'bar', op: '>=', version: '2' }],
      [{ name: 'baz' }],
    ]);
    expect(parseRelations('')).toEqual([]);
  });

  it('parses versioned Provides', () => {
    expect(parseRelations('libgcc1 (= 1:12.2.0-14), mail-transport-agent')).toEqual([
      [{ name: 'libgcc1', op: '=', version: '1:12.2.0-14' }],
      [{ name: 'mail-transport-agent' }],
    ]);
  });

  it('rejects malformed relations with a PARSE error naming the field', () => {
    for (const bad of ['foo (>= 1', 'foo (~ 1)', 'foo (>=)', 'fo o', 'foo:', '(>= 1)', 'foo [amd64', 'a | | b']) {
      let err: unknown;
      try {
        parseRelations(bad);
      } catch (e) {
        err = e;
      }
      expect([bad, isDistrolessError(err, 'PARSE')]).toEqual([bad, true]);
    }
    expect(() => parseRelation('foo (>= 1) bar', 'Depends: x')).toThrow('relation "foo (>= 1) bar" in "Depends: x"');
  });

  it('formats relations back', () => {
    const [group] = parseRelations('debconf (>= 0.5)|debconf-2.0');
    expect(formatGroup(group ?? [])).toBe('debconf (>= 0.5) | debconf-2.0');
    expect(formatGroup([parseRelation('python3:any (>= 3.11~)')])).toBe('python3:any (>= 3.11~)');
  });
});

describe('RelationCache', () => {
  it('parses each distinct string once and shares the result', () => {
    const cache = new RelationCache();
    const a = cache.get('libc6 (>= 2.34)');
    expect(cache.get('libc6 (>= 2.34)')).toBe(a);
    expect(cache.get('')).toEqual([]);
    expect(cache.size).toBe(1);
  });
});

describe('collectRelationNames', () => {
  it('lists target names in order, once, leaving out name:any and other architectures', () => {
    const seen = new Set<string>(['libc6']);
    const out: string[] = [];
    collectRelationNames(
      'libc6 (>= 2.36), python3:any, a | b:native (>= 1) [amd64], c:amd64, d:arm64, a',
      'amd64',
      seen,
      out,
    );
    expect(out).toEqual(['a', 'b', 'c']);
  });
});
