import { describe, expect, it } from '@jest/globals';
import { javaReleaseVersion } from '../../src/build/java.js';
import { isLocaleFile, localeEntries, needsLocale } from '../../src/build/locale.js';
import { pythonEntries, pythonVersionOf } from '../../src/build/python.js';

const EPOCH = 1_700_000_000;

describe('localeEntries', () => {
  const files = new Map<string, Buffer>([
    ['usr/lib/locale/C.utf8/LC_CTYPE', Buffer.from('ctype')],
    ['usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES', Buffer.from('msg')],
    ['./usr/share/doc/libc-bin/copyright', Buffer.from('(c)')],
    ['usr/bin/locale', Buffer.from('ELF')],
    ['usr/lib/locale/C.utf8x/LC_CTYPE', Buffer.from('other')],
  ]);

  it('copies C.utf8 and the copyright with their parents, never the programs', () => {
    const entries = localeEntries({ pkg: 'libc-bin', files, epoch: EPOCH });
    expect(entries.map((e) => `${e.entry.type} ${e.entry.path} ${e.entry.mode.toString(8)}`)).toEqual([
      'directory usr 755',
      'directory usr/lib 755',
      'directory usr/lib/locale 755',
      'directory usr/lib/locale/C.utf8 755',
      'file usr/lib/locale/C.utf8/LC_CTYPE 644',
      'directory usr/lib/locale/C.utf8/LC_MESSAGES 755',
      'file usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES 644',
      'directory usr/share 755',
      'directory usr/share/doc 755',
      'directory usr/share/doc/libc-bin 755',
      'file usr/share/doc/libc-bin/copyright 644',
    ]);
    expect(entries.every((e) => e.entry.mtime === EPOCH && e.entry.uid === 0)).toBe(true);
    expect(entries.find((e) => e.entry.path.endsWith('LC_CTYPE'))?.body?.toString()).toBe('ctype');
    expect(isLocaleFile('usr/bin/localedef', 'libc-bin')).toBe(false);
  });

  it('refuses a package without LC_CTYPE (not a locale glibc can load)', () => {
    const bad = new Map([['usr/share/doc/libc-bin/copyright', Buffer.from('(c)')]]);
    expect(() => localeEntries({ pkg: 'libc-bin', files: bad, epoch: EPOCH })).toThrow(
      expect.objectContaining({ code: 'DEB_INVALID', message: expect.stringContaining('LC_CTYPE') }),
    );
  });

  it('goes into the images whose env sets LANG', () => {
    expect(needsLocale({ LANG: 'C.UTF-8' })).toBe(true);
    expect(needsLocale({ TZ: 'UTC' })).toBe(false);
  });
});

describe('python link', () => {
  it('finds the interpreter version in a closure', () => {
    expect(pythonVersionOf(['libc6', 'libpython3.11-minimal', 'python3.11-minimal', 'python3'])).toBe('3.11');
    expect(pythonVersionOf(['python3.13-minimal'])).toBe('3.13');
    expect(pythonVersionOf(['libc6', 'libpython3.11-minimal'])).toBeUndefined();
    expect(() => pythonVersionOf(['python3.11-minimal', 'python3.13-minimal'])).toThrow(/more than one Python/);
  });

  it('links /usr/bin/python to the interpreter, as distroless does', () => {
    const entries = pythonEntries({ version: '3.11', epoch: EPOCH });
    expect(entries.map((e) => [e.entry.path, e.entry.type, e.entry.linkname])).toEqual([
      ['usr', 'directory', undefined],
      ['usr/bin', 'directory', undefined],
      ['usr/bin/python', 'symlink', '/usr/bin/python3.11'],
    ]);
    expect(() => pythonEntries({ version: '3.11/../x', epoch: EPOCH })).toThrow(/not a Python 3 version/);
  });
});

describe('javaReleaseVersion', () => {
  it("takes distroless' three fields from the Debian version", () => {
    expect(javaReleaseVersion('17.0.19+10-1~deb12u2')).toBe('17.0.19');
    expect(javaReleaseVersion('21.0.13+11-1~deb13u1')).toBe('21.0.13');
    expect(() => javaReleaseVersion('25~32ea-1')).toThrow(expect.objectContaining({ code: 'LOCK_INVALID' }));
  });
});
