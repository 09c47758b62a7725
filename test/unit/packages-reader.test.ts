import { describe, expect, it } from '@jest/globals';
import { PackagesReader, parsePackagesIndex } from '../../src/debian/packages.js';
import { plainRecord, StoredPackage } from '../../src/debian/stored-package.js';
import type { PackageRecord, SuiteRef } from '../../src/debian/types.js';
import { PackedNames } from '../../src/resolve/index.js';
import { buildUniverse } from '../../src/resolve/index.js';

/**
 * A synthetic index with what real ones hold and a few things they rarely do: folded Description and
 * Depends, CRLF line ends, a blank line holding spaces, fields in mixed case, relation fields only read for
 * apt's name order. Deterministic (a fixed linear congruential sequence).
 */
function syntheticIndex(stanzas: number): string {
  let seed = 12345;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const out: string[] = [];
  for (let i = 0; i < stanzas; i++) {
    const name = `pkg${i}-${'x'.repeat(next(20))}`;
    const eol = i % 37 === 0 ? '\r\n' : '\n';
    const lines = [`Package: ${name}`];
    if (i % 3 === 0) lines.push(`Source: src${i % 50} (${i % 7}.0-1)`);
    else if (i % 3 === 1) lines.push(`Source: ${name}`);
    const upstream = `${i}.${next(100)}-1`;
    const arch = i % 2 === 0 ? 'amd64' : 'all';
    lines.push(`${i % 5 === 0 ? 'VERSION' : 'Version'}: ${i % 4 === 0 ? '1:' : ''}${upstream}`);
    lines.push(`Architecture: ${arch}`);
    if (i % 6 === 0) lines.push('Multi-Arch: same');
    if (i % 4 !== 3) lines.push(`Depends: libc6 (>= 2.36), pkg${next(stanzas)} | virt${next(9)}`);
    if (i % 11 === 0) lines.push(`Depends-Extra: ignored`);
    if (i % 13 === 0) lines.push(`Pre-Depends: dpkg (>= 1.15),\n pkg${next(stanzas)}`);
    if (i % 8 === 0) lines.push(`Provides: virt${i % 9} (= ${i}), other${i % 4}`);
    if (i % 10 === 0) lines.push(`Conflicts: pkg${next(stanzas)}, gone${i}`);
    if (i % 15 === 0) lines.push(`Breaks: late${i % 20}:native`);
    if (i % 17 === 0) lines.push('Essential: yes');
    if (i % 19 === 0) lines.push('Protected: yes');
    lines.push(`Priority: ${['optional', 'required', 'important', 'Standard'][i % 4]}`);
    lines.push(`Description: thing ${i}\n more ${'y'.repeat(next(300))}\n .\n end`);
    // Most pool files have Debian's usual name (a compact record keeps only their folder), some do not.
    lines.push(`Filename: pool/main/p/pkg${i}/${i % 9 === 0 ? `${name}-odd.deb` : `${name}_${upstream}_${arch}.deb`}`);
    lines.push(`Size: ${1000 + next(100000)}`);
    lines.push(`SHA256: ${(i % 16).toString(16).repeat(64)}`);
    out.push(lines.join('\n').replaceAll('\n', eol) + eol);
  }
  // One separator holds spaces, another a CR: both are blank lines.
  return out.map((s, i) => (i === 5 ? `${s}   \n` : i === 9 ? `${s}\r\n` : `${s}\n`)).join('');
}

/** `text` as latin1 bytes fed to a reader in pieces of `size` (the last one shorter). */
function readInPieces(text: string, size: number, names?: string[]): PackageRecord[] {
  const bytes = Buffer.from(text, 'latin1');
  const reader = new PackagesReader('test index', names === undefined ? {} : { names });
  for (let at = 0; at < bytes.length; at += size) reader.write(bytes.subarray(at, at + size));
  return reader.end();
}

const ORIGIN: SuiteRef = { url: 'https://deb.debian.org/debian', suite: 'trixie', component: 'main' };

describe('PackagesReader: an index parsed as it is decompressed', () => {
  const text = syntheticIndex(600);
  const whole = parsePackagesIndex(text);
  const wholeNames: string[] = [];
  parsePackagesIndex(text, 'test index', { names: wholeNames });

  it('gives the records and apt name order of the whole text, however the pieces fall', () => {
    expect(whole).toHaveLength(600);
    expect(whole[5]).toMatchObject({ name: expect.stringMatching(/^pkg5-/), priority: 'required' });
    expect(whole[7]).toMatchObject({ priority: 'standard', depends: '' });
    expect(whole[13]?.preDepends).toMatch(/^dpkg \(>= 1\.15\),\npkg\d+$/);
    // Pieces of 1 byte split every field and CRLF; 65,537 bytes cross the reader's 32 KiB decoding step.
    for (const size of [1, 7, 100, 4096, 32 * 1024 + 1, 65537, text.length]) {
      const names: string[] = [];
      expect(readInPieces(text, size, names)).toEqual(whole);
      expect(names).toEqual(wholeNames);
    }
  });

  it('names the same offset for a broken stanza whichever piece it falls in', () => {
    const broken = text.replace(/SHA256: 5{64}/, 'SHA256: 5');
    let expected = '';
    try {
      parsePackagesIndex(broken, 'test index');
    } catch (e) {
      expected = (e as Error).message;
    }
    expect(expected).toMatch(/^test index: package "pkg5-x*": SHA256 "5" is not 64 hex digits$/);
    for (const size of [3, 4096, 50000]) expect(() => readInPieces(broken, size)).toThrow(expected);
    const missing = text.replace(/\nFilename: pool\/main\/p\/pkg7\/[^\n]*/, '');
    const message = /package "pkg7-x*" \(offset \d+\) has no Filename field/;
    expect(() => parsePackagesIndex(missing, 'test index')).toThrow(message);
    const wholeMessage = ((): string => {
      try {
        parsePackagesIndex(missing, 'test index');
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    for (const size of [5, 1000]) expect(() => readInPieces(missing, size)).toThrow(wholeMessage);
  });
});

describe('compact records (update keeps one arch of them)', () => {
  const text = syntheticIndex(300);
  const plain = parsePackagesIndex(text);
  const reader = new PackagesReader('test index', { origin: ORIGIN, compact: true });
  reader.write(Buffer.from(text, 'latin1'));
  const stored = reader.end();

  it('read exactly like plain records, field by field, and carry their origin', () => {
    expect(stored).toHaveLength(plain.length);
    for (const [i, record] of stored.entries()) {
      expect(record).toBeInstanceOf(StoredPackage);
      expect(plainRecord(record)).toEqual(plainRecord(plain[i] as PackageRecord));
      expect((record as StoredPackage).origin).toBe(ORIGIN);
      // A second read gives the same values (decoded once, then kept).
      expect(record.sha256).toBe(plain[i]?.sha256);
      expect(record.depends).toBe(plain[i]?.depends);
    }
  });

  it('are kept by a universe as they are, plain records are copied with their origin', () => {
    const fromStored = buildUniverse('amd64', [{ origin: ORIGIN, packages: stored }]);
    const first = stored[0] as StoredPackage;
    expect(fromStored.get(first.name)).toBe(first);
    const fromPlain = buildUniverse('amd64', [{ origin: ORIGIN, packages: plain }]);
    const copy = fromPlain.get(first.name);
    expect(copy).not.toBe(plain[0]);
    expect(copy).toEqual({ ...plainRecord(plain[0] as PackageRecord), origin: ORIGIN });
    // Stored records of another origin are copied too, field by field (a spread would lose the getters).
    const elsewhere = { ...ORIGIN, suite: 'trixie-security' };
    const moved = buildUniverse('amd64', [{ origin: elsewhere, packages: stored }]).get(first.name);
    expect(moved).toEqual({ ...plainRecord(first), origin: elsewhere });
  });

  it('refuses a NUL byte in a field, which would make the packed record ambiguous', () => {
    const nul = text.replace('Depends: libc6 (>= 2.36)', 'Depends: libc6 (>= 2.36)\0');
    const r = new PackagesReader('test index', { origin: ORIGIN, compact: true });
    expect(() => {
      r.write(Buffer.from(nul, 'latin1'));
      r.end();
    }).toThrow(/^test index: package "pkg0-x*" has a NUL byte in a field$/);
  });
});

describe('PackedNames (apt name order, held as one text)', () => {
  it('keeps the names in order', () => {
    for (const names of [['a'], ['libc6', 'libc6:any', 'x'], Array.from({ length: 1000 }, (_, i) => `n${i}`)]) {
      const packed = new PackedNames(names);
      const positions = names.map((n) => packed.positionOf(n));
      expect(positions[0]).toBe(0);
      expect(new Set(positions).size).toBe(names.length);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
      expect(Math.max(...positions)).toBeLessThan(packed.span);
    }
  });

  it('finds where a name is first listed, whole lines only', () => {
    const list = ['libc6-dev', 'libc6', 'x', 'libc6:any', 'libc6', 'tail'];
    const packed = new PackedNames(list);
    const at = (n: string): number => packed.positionOf(n);
    expect(at('libc6-dev')).toBe(0);
    expect(at('libc6')).toBe('libc6-dev\n'.length);
    expect(at('x')).toBeGreaterThan(at('libc6'));
    expect(at('libc6:any')).toBeGreaterThan(at('x'));
    expect(at('tail')).toBe(list.join('\n').length - 'tail'.length);
    expect(at('tail')).toBeLessThan(packed.span);
    for (const absent of ['libc', 'libc6-', 'ail', 'c6', '', 'x\nlibc6']) expect(at(absent)).toBe(-1);
    expect(new PackedNames(['only']).positionOf('only')).toBe(0);
    expect(new PackedNames([]).positionOf('only')).toBe(-1);
  });

  it('answers the same once many searches have made it build a table', () => {
    const list = Array.from({ length: 1000 }, (_, i) => `n${i < 700 ? i : i - 700}`); // n0–n299 listed twice
    const text = list.join('\n');
    const first = (n: string): number => (text.startsWith(`${n}\n`) ? 0 : text.indexOf(`\n${n}\n`) + 1);
    const packed = new PackedNames(list);
    // 700 names, asked twice each, and absent ones: the table takes over after the first 256 questions.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 700; i++) expect(packed.positionOf(`n${i}`)).toBe(first(`n${i}`));
      for (const absent of ['n7000', 'n', '', 'n1\nn2']) expect(packed.positionOf(absent)).toBe(-1);
    }
  });
});
