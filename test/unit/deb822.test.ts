import { describe, expect, it } from '@jest/globals';
import { deb822Field, deb822Lines, parseDeb822 } from '../../src/debian/deb822.js';
import { parsePackagesIndex } from '../../src/debian/packages.js';
import { isDistrolessError } from '../../src/errors.js';

const SHA = 'a'.repeat(64);

function stanza(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}\n`)
    .join('');
}

const BASE = { Filename: 'pool/main/f/foo/foo_1.0_amd64.deb', Size: '1234', SHA256: SHA };

describe('parseDeb822', () => {
  it('reads paragraphs, continuation lines, comments and CRLF, with lower-cased keys', () => {
    const text = [
      '# a comment',
      'Origin: Debian',
      'Label: Debian',
      'SHA256:',
      ' e3b0c442  0 main/binary-amd64/Packages',
      '\t0123abcd 20 main/binary-amd64/Packages.xz',
      '',
      '',
      'Package: foo\r',
      'Description: short\r',
      ' long line one\r',
      ' .\r',
      '  \r',
      'Package: bar',
    ].join('\n');
    const [release, foo, bar, ...rest] = parseDeb822(text);
    expect(rest).toEqual([]);
    expect(release?.get('origin')).toBe('Debian');
    expect(deb822Field(release!, 'sha256')).toBe(
      '\ne3b0c442  0 main/binary-amd64/Packages\n0123abcd 20 main/binary-amd64/Packages.xz',
    );
    expect(deb822Lines(deb822Field(release!, 'SHA256') ?? '')).toHaveLength(2);
    expect(foo?.get('package')).toBe('foo');
    expect(foo?.get('description')).toBe('short\nlong line one\n.');
    expect(bar?.get('package')).toBe('bar');
  });

  it('names the line of a malformed field or a repeated field', () => {
    expect(() => parseDeb822('Package: a\nnot a field\n', 'Release')).toThrow(
      'Release: line 2: expected "Field: value"',
    );
    expect(() => parseDeb822(' leading continuation\n')).toThrow('line 1: continuation line outside a field');
    expect(() => parseDeb822('Package: a\npackage: b\n')).toThrow('field "package" repeated');
  });
});

describe('parsePackagesIndex', () => {
  it('extracts the PackageRecord fields, defaulting Source to the binary', () => {
    const text = [
      stanza({
        Package: 'libfoo1',
        Source: 'foo (1.0-1)',
        Version: '1.0-1+b1',
        Architecture: 'amd64',
        'Multi-Arch': 'same',
        ...BASE,
      }),
      stanza({
        Package: 'foo-data',
        Version: '1:2.0',
        Architecture: 'all',
        Depends: 'libfoo1 (>= 1.0), a | b',
        'Pre-Depends': 'dpkg (>= 1.15)',
        Provides: 'foo-virtual (= 2.0)',
        Essential: 'yes',
        Priority: 'Required',
        Description: 'x\n more\n .',
        ...BASE,
      }),
    ].join('\n');
    const [lib, data] = parsePackagesIndex(text);
    expect(lib).toEqual({
      name: 'libfoo1',
      version: '1.0-1+b1',
      architecture: 'amd64',
      source: 'foo',
      sourceVersion: '1.0-1',
      depends: '',
      preDepends: '',
      provides: '',
      multiArch: 'same',
      filename: BASE.Filename,
      size: 1234,
      sha256: SHA,
      essential: false,
      important: false,
      priority: '',
    });
    expect(data).toMatchObject({
      name: 'foo-data',
      version: '1:2.0',
      architecture: 'all',
      source: 'foo-data',
      sourceVersion: '1:2.0',
      depends: 'libfoo1 (>= 1.0), a | b',
      preDepends: 'dpkg (>= 1.15)',
      provides: 'foo-virtual (= 2.0)',
      essential: true,
      priority: 'required',
    });
  });

  it('matches field names case-insensitively, joins folded values, tolerates CRLF and bytes', () => {
    const text =
      'PACKAGE: foo\r\nversion: 1.0\r\nArchitecture: amd64\r\nDepends: a,\r\n b (>= 1)\r\nFilename: f.deb\r\nsize: 7\r\nSHA256: ' +
      SHA.toUpperCase() +
      '\r\n\r\n';
    const [rec] = parsePackagesIndex(new TextEncoder().encode(text));
    expect(rec).toMatchObject({ name: 'foo', version: '1.0', depends: 'a,\nb (>= 1)', size: 7, sha256: SHA });
  });

  it('rejects a stanza without a required field, naming the package', () => {
    const noSha = stanza({ Package: 'foo', Version: '1', Architecture: 'amd64', Filename: 'f.deb', Size: '1' });
    expect(() => parsePackagesIndex(noSha, 'main/binary-amd64/Packages')).toThrow(
      'main/binary-amd64/Packages: package "foo" (offset 0) has no SHA256 field',
    );
    const noName = '\n' + stanza({ Version: '1', Architecture: 'amd64', ...BASE });
    try {
      parsePackagesIndex(noName);
      throw new Error('no error');
    } catch (e) {
      expect(isDistrolessError(e, 'PARSE')).toBe(true);
      expect((e as Error).message).toBe('Packages index: stanza at offset 1 has no Package field');
    }
    expect(() =>
      parsePackagesIndex(stanza({ Package: 'x', Version: '1', Architecture: 'all', ...BASE, Size: '12k' })),
    ).toThrow('Size "12k"');
    expect(() =>
      parsePackagesIndex(stanza({ Package: 'x', Version: '1', Architecture: 'all', ...BASE, SHA256: 'abc' })),
    ).toThrow('SHA256 "abc"');
    expect(() =>
      parsePackagesIndex(stanza({ Package: 'x', Version: '1', Architecture: 'all', ...BASE, SHA256: 'z'.repeat(64) })),
    ).toThrow('is not 64 hex digits');
  });

  it('records names in apt registration order when asked', () => {
    const text = [
      stanza({
        Package: 'b',
        Version: '1',
        Architecture: 'amd64',
        Depends: 'python3:any, libc6:native | z',
        Suggests: 'y',
        ...BASE,
      }),
      stanza({
        Package: 'a',
        Version: '1',
        Architecture: 'amd64',
        'Pre-Depends': 'x',
        Conflicts: 'w',
        Provides: 'v (= 1), b',
        ...BASE,
      }),
    ].join('\n');
    const names: string[] = [];
    parsePackagesIndex(text, 'idx', { names });
    expect(names).toEqual(['b', 'libc6', 'z', 'y', 'a', 'x', 'w', 'v']);
  });

  it('returns nothing for an empty index', () => {
    expect(parsePackagesIndex('')).toEqual([]);
    expect(parsePackagesIndex('\n\n')).toEqual([]);
  });
});
