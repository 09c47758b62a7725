import { describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  buildCaBundle,
  CA_BUNDLE_PATH,
  debianJavaAlias,
  normalizePackagePath,
  type PackageFile,
} from '../../src/build/cacerts.js';
import {
  baseFilesystemEntries,
  GROUP,
  NSSWITCH_CONF,
  osRelease,
  osReleaseEntries,
  PASSWD,
  type LayerEntry,
} from '../../src/build/generated.js';
import { isDistrolessError } from '../../src/errors.js';

const EPOCH = 1_700_000_000;
const FIXTURES = new URL('../fixtures/certs/', import.meta.url).pathname;
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));

const byPath = (entries: LayerEntry[]): Map<string, LayerEntry> => new Map(entries.map((e) => [e.entry.path, e]));
const text = (e: LayerEntry | undefined): string => e?.body?.toString('utf8') ?? '';

/** Every `.crt` under `dir`, as a package's file list would give them (`./usr/share/ca-certificates/...`). */
function walkCrts(dir: string, root: string): PackageFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return walkCrts(p, root);
    return d.isFile() && d.name.endsWith('.crt')
      ? [{ path: `./usr/share/ca-certificates/${relative(root, p)}`, data: readFileSync(p) }]
      : [];
  });
}

describe('baseFilesystemEntries and osReleaseEntries', () => {
  const entries = baseFilesystemEntries({ epoch: EPOCH });
  const map = byPath(entries);
  const osEntries = osReleaseEntries({ epoch: EPOCH, versionId: '12', codename: 'bookworm' });
  const osMap = byPath(osEntries);

  it('lists exactly the generated files and their parents, sorted, every mtime the epoch', () => {
    expect(entries.map((e) => e.entry.path)).toEqual([
      'etc',
      'etc/group',
      'etc/nsswitch.conf',
      'etc/passwd',
      'home',
      'home/nonroot',
      'root',
      'tmp',
    ]);
    // os-release is a layer of its own, laid above the package layers (base-files ships the same path).
    expect(osEntries.map((e) => e.entry.path)).toEqual(['usr', 'usr/lib', 'usr/lib/os-release']);
    for (const { entry, body } of [...entries, ...osEntries]) {
      expect(entry.mtime).toBe(EPOCH);
      expect(entry.path).not.toMatch(/^\.?\/|\/$/);
      expect(entry.size).toBe(body?.length ?? 0);
      if (entry.type === 'file') expect(body).toBeDefined();
    }
  });

  it('gives directories the right modes and owners', () => {
    const meta = (p: string): [string, number, number, number] => {
      const e = (map.get(p) ?? osMap.get(p))?.entry;
      return [e?.type ?? '', e?.mode ?? -1, e?.uid ?? -1, e?.gid ?? -1];
    };
    expect(meta('root')).toEqual(['directory', 0o700, 0, 0]);
    expect(meta('home')).toEqual(['directory', 0o755, 0, 0]);
    expect(meta('home/nonroot')).toEqual(['directory', 0o700, 65532, 65532]);
    expect(meta('tmp')).toEqual(['directory', 0o1777, 0, 0]);
    for (const p of ['etc', 'usr', 'usr/lib']) expect(meta(p)).toEqual(['directory', 0o755, 0, 0]);
    for (const p of ['etc/passwd', 'etc/group', 'etc/nsswitch.conf', 'usr/lib/os-release']) {
      expect(meta(p)).toEqual(['file', 0o644, 0, 0]);
    }
  });

  it('writes passwd, group and nsswitch.conf as distroless does', () => {
    expect(text(map.get('etc/passwd'))).toBe(
      'root:x:0:0:root:/root:/sbin/nologin\n' +
        'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n' +
        'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
    );
    // distroless' order (its base/testdata/base.yaml checks the whole file).
    expect(text(map.get('etc/group'))).toBe('root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n');
    expect(text(map.get('etc/passwd'))).toBe(PASSWD);
    expect(text(map.get('etc/group'))).toBe(GROUP);
    const ns = text(map.get('etc/nsswitch.conf'));
    expect(ns).toBe(NSSWITCH_CONF);
    expect(ns).toMatch(/^hosts: +files dns$/m);
    expect(ns).toMatch(/^netgroup: +nis$/m);
    expect(ns.endsWith('\n')).toBe(true);
  });

  it('writes a Distroless os-release parameterised by version and codename', () => {
    expect(text(osMap.get('usr/lib/os-release'))).toBe(
      [
        'PRETTY_NAME="Distroless"',
        'NAME="Debian GNU/Linux"',
        'ID=debian',
        'VERSION_ID="12"',
        'VERSION="Debian GNU/Linux 12 (bookworm)"',
        'VERSION_CODENAME=bookworm',
        'HOME_URL="https://www.debian.org/"',
        'SUPPORT_URL="https://www.debian.org/support"',
        'BUG_REPORT_URL="https://bugs.debian.org/"',
        '',
      ].join('\n'),
    );
    const trixie = osRelease({ versionId: '13', codename: 'trixie', prettyName: 'Mine', homeUrl: 'https://x/' });
    expect(trixie).toContain('PRETTY_NAME="Mine"\n');
    expect(trixie).toContain('VERSION="Debian GNU/Linux 13 (trixie)"\n');
    expect(trixie).toContain('HOME_URL="https://x/"\n');
  });

  it('adds /etc/os-release -> ../usr/lib/os-release only when asked', () => {
    expect(osMap.has('etc/os-release')).toBe(false);
    const withLink = byPath(
      osReleaseEntries({ epoch: EPOCH, versionId: '12', codename: 'bookworm', etcOsReleaseLink: true }),
    );
    expect(withLink.get('etc/os-release')?.entry).toMatchObject({
      type: 'symlink',
      linkname: '../usr/lib/os-release',
      size: 0,
    });
  });

  it('is deterministic and rejects bad input', () => {
    expect(baseFilesystemEntries({ epoch: EPOCH })).toEqual(entries);
    expect(osReleaseEntries({ epoch: EPOCH, versionId: '12', codename: 'bookworm' })).toEqual(osEntries);
    for (const epoch of [-1, 1.5]) {
      expect(() => baseFilesystemEntries({ epoch })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    }
    for (const bad of [
      { epoch: -1, versionId: '12', codename: 'bookworm' },
      { epoch: 1.5, versionId: '12', codename: 'bookworm' },
      { epoch: 0, versionId: '12"', codename: 'bookworm' },
      { epoch: 0, versionId: '12', codename: 'Book Worm' },
      { epoch: 0, versionId: '12', codename: 'bookworm', prettyName: 'a"b' },
    ]) {
      expect(() => osReleaseEntries(bad)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    }
  });
});

describe('buildCaBundle', () => {
  const one = fixture('test-root-one.crt');
  const two = fixture('test-root-two.crt');
  const three = fixture('test-root-three.crt');
  const noNewline = two.subarray(0, two.length - 1);
  const files: PackageFile[] = [
    { path: './usr/share/ca-certificates/mozilla/b_Root.crt', data: noNewline },
    { path: './usr/share/ca-certificates/mozilla/A Root (X), Inc.crt', data: one },
    { path: './usr/share/ca-certificates/local/zzz.crt', data: three },
    { path: './usr/share/doc/ca-certificates/copyright', data: Buffer.from('not a cert') },
    { path: './usr/share/ca-certificates/mozilla/README', data: Buffer.from('ignored') },
  ];

  it('concatenates the .crt files in C-locale path order, adding a missing final newline', () => {
    const { bundle, entries } = buildCaBundle({ files, epoch: EPOCH });
    // local/ < mozilla/; 'A' (0x41) < 'b' (0x62) in byte order
    expect(bundle).toEqual(Buffer.concat([three, one, noNewline, Buffer.from('\n')]));
    expect(entries.map((e) => [e.entry.path, e.entry.type, e.entry.mode, e.entry.mtime])).toEqual([
      ['etc', 'directory', 0o755, EPOCH],
      ['etc/ssl', 'directory', 0o755, EPOCH],
      ['etc/ssl/certs', 'directory', 0o755, EPOCH],
      [CA_BUNDLE_PATH, 'file', 0o644, EPOCH],
    ]);
    expect(entries[3]?.body).toEqual(bundle);
    expect(entries[3]?.entry.size).toBe(bundle.length);
  });

  it("names certificates as ca-certificates-java does, sorted by alias, with the file's DER", () => {
    const { certificates } = buildCaBundle({ files, epoch: EPOCH });
    expect(certificates.map((c) => [c.alias, c.file])).toEqual([
      ['debian:a_root_=x=__inc.pem', 'mozilla/A Root (X), Inc.crt'],
      ['debian:b_root.pem', 'mozilla/b_Root.crt'],
      ['debian:zzz.pem', 'local/zzz.crt'],
    ]);
    expect(certificates[0]?.der).toEqual(new X509Certificate(one).raw);
    expect(debianJavaAlias('mozilla/NetLock_Arany_=Class_Gold=_Főtanúsítvány.crt')).toBe(
      'debian:netlock_arany_=class_gold=_főtanúsítvány.pem',
    );
  });

  it('is deterministic whatever the input order', () => {
    const a = buildCaBundle({ files, epoch: EPOCH });
    const b = buildCaBundle({ files: [...files].reverse(), epoch: EPOCH });
    expect(b).toEqual(a);
  });

  it('names the file of a certificate that does not parse, or of a .crt with none', () => {
    const broken = Buffer.from(
      one.toString('latin1').replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA'),
      'latin1',
    );
    const cases: Array<[Buffer, RegExp]> = [
      [broken, /\/usr\/share\/ca-certificates\/mozilla\/bad\.crt: certificate 1 is not valid X\.509/],
      [Buffer.from('hello\n'), /mozilla\/bad\.crt: no PEM certificate/],
      [Buffer.alloc(0), /mozilla\/bad\.crt: no PEM certificate/],
    ];
    for (const [data, message] of cases) {
      const input = [...files, { path: 'usr/share/ca-certificates/mozilla/bad.crt', data }];
      let caught: unknown;
      try {
        buildCaBundle({ files: input, epoch: EPOCH });
      } catch (e) {
        caught = e;
      }
      expect(isDistrolessError(caught, 'PARSE')).toBe(true);
      expect((caught as Error).message).toMatch(message);
    }
    expect(() => buildCaBundle({ files: [], epoch: EPOCH })).toThrow(/no \.crt file/);
    expect(normalizePackagePath('./usr/x')).toBe('usr/x');
    expect(normalizePackagePath('/usr/x')).toBe('usr/x');
  });

  // The certificates of the ca-certificates package installed here (an input only): the real
  // update-ca-certificates runs on them in a private directory, so the host's own /etc state never matters.
  const SYSTEM_DIR = '/usr/share/ca-certificates';
  it('equals what the real update-ca-certificates writes for the same certificates, byte for byte', () => {
    const pkgFiles = walkCrts(SYSTEM_DIR, SYSTEM_DIR);
    const { bundle, certificates } = buildCaBundle({ files: pkgFiles, epoch: EPOCH });
    const work = mkdtempSync(join(tmpdir(), 'update-ca-'));
    try {
      const etc = join(work, 'etc');
      for (const d of [etc, join(work, 'local'), join(work, 'hooks')]) mkdirSync(d);
      // What the package's postinst writes on a fresh install: every certificate path, C-sorted.
      const conf = pkgFiles
        .map((f) => f.path.replace('./usr/share/ca-certificates/', ''))
        .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      writeFileSync(join(work, 'ca-certificates.conf'), `${conf.join('\n')}\n`);
      const args = ['--fresh', '--certsconf', join(work, 'ca-certificates.conf'), '--certsdir', SYSTEM_DIR];
      args.push('--localcertsdir', join(work, 'local'), '--etccertsdir', etc, '--hooksdir', join(work, 'hooks'));
      execFileSync('/usr/sbin/update-ca-certificates', args, { stdio: 'pipe' });
      expect(readFileSync(join(etc, 'ca-certificates.crt')).equals(bundle)).toBe(true);
      // Our Java aliases are `debian:` + the lower-cased link names it made (as ca-certificates-java names them).
      const links = readdirSync(etc)
        .filter((n) => n.endsWith('.pem') && lstatSync(join(etc, n)).isSymbolicLink())
        .map((n) => `debian:${n.toLowerCase()}`)
        .sort();
      expect(certificates.map((c) => c.alias).sort()).toEqual(links);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
