import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildCaBundle, type PackageFile, type TrustedCertificate } from '../../src/build/cacerts.js';
import { JAVA_CACERTS_PATH, javaEntries, javaHome } from '../../src/build/java.js';
import { JKS_MAGIC, modifiedUtf8, readJks, writeJks } from '../../src/build/jks.js';
import { isDistrolessError } from '../../src/errors.js';

const EPOCH = 1_700_000_000;
const FIXTURES = new URL('../fixtures/certs/', import.meta.url).pathname;
const der = (name: string): Buffer => new X509Certificate(readFileSync(join(FIXTURES, name))).raw;

const CERTS = [
  { alias: 'debian:test_root_two_=ec=.pem', der: der('test-root-two.crt') },
  { alias: 'debian:Test_Root_One.pem', der: der('test-root-one.crt') },
  { alias: 'debian:test_root_three_é.pem', der: der('test-root-three.crt') },
];

/** `keytool -list` in English, dates in UTC; returns stdout and stderr together, and the exit status. */
function keytoolList(file: string, storepass = 'changeit'): { status: number | null; out: string } {
  const locale = ['-J-Duser.language=en', '-J-Duser.country=US', '-J-Duser.timezone=UTC'];
  // No perf data file: the JVM would otherwise leave /tmp/hsperfdata_<user> behind.
  const jvm = ['-J-XX:-UsePerfData'];
  const r = spawnSync('keytool', [...jvm, ...locale, '-list', '-keystore', file, '-storepass', storepass], {
    encoding: 'utf8',
  });
  if (r.error) throw new Error(`keytool not runnable (apt-get install openjdk-17-jre-headless): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

function systemCaFiles(dir = '/usr/share/ca-certificates'): PackageFile[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.crt'))
    .map((d) => join(d.parentPath, d.name))
    .map((p) => ({ path: `usr/share/ca-certificates/${relative(dir, p)}`, data: readFileSync(p) }));
}

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'jks-test-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('writeJks / readJks', () => {
  it('writes the JKS header, sorted lower-cased aliases, the epoch date, and reads back what it wrote', () => {
    const jks = writeJks(CERTS, { dateMs: EPOCH * 1000 });
    expect(jks.readUInt32BE(0)).toBe(JKS_MAGIC);
    expect(jks.readUInt32BE(4)).toBe(2);
    expect(jks.readUInt32BE(8)).toBe(3);
    const entries = readJks(jks);
    expect(entries.map((e) => e.alias)).toEqual([
      'debian:test_root_one.pem',
      'debian:test_root_three_é.pem',
      'debian:test_root_two_=ec=.pem',
    ]);
    expect(entries.every((e) => e.date === EPOCH * 1000 && e.certType === 'X.509')).toBe(true);
    expect(entries[0]?.der).toEqual(der('test-root-one.crt'));
    expect(writeJks([...CERTS].reverse(), { dateMs: EPOCH * 1000 })).toEqual(jks);
  });

  it('encodes aliases in Java modified UTF-8', () => {
    expect(modifiedUtf8('a\0é€😀')).toEqual(Buffer.from('61c080c3a9e282aceda0bdedb880', 'hex'));
    const jks = writeJks([{ alias: 'x😀\0', der: der('test-root-one.crt') }], { dateMs: 0 });
    expect(readJks(jks)[0]?.alias).toBe('x😀\0');
  });

  it('refuses tampering, a wrong password, duplicates and bad dates', () => {
    const jks = writeJks(CERTS, { dateMs: 0 });
    const tampered = Buffer.from(jks);
    tampered[100] = (tampered[100] ?? 0) ^ 1;
    expect(() => readJks(tampered)).toThrow(/integrity check failed/);
    expect(() => readJks(jks, 'wrong')).toThrow(/integrity check failed/);
    expect(() => readJks(jks.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'PARSE' }));
    expect(readJks(writeJks(CERTS, { dateMs: 0, password: 'secret' }), 'secret')).toHaveLength(3);
    let caught: unknown;
    try {
      writeJks([CERTS[0]!, { alias: 'DEBIAN:test_root_two_=EC=.pem', der: der('test-root-one.crt') }], { dateMs: 0 });
    } catch (e) {
      caught = e;
    }
    expect(isDistrolessError(caught, 'INTERNAL')).toBe(true);
    expect(() => writeJks(CERTS, { dateMs: -1 })).toThrow(/creation date/);
  });
});

describe('keytool reads what we write', () => {
  it('lists every entry of a small store, with our aliases and dates', () => {
    const file = join(work, 'small.jks');
    writeFileSync(file, writeJks(CERTS, { dateMs: EPOCH * 1000 }));
    const { status, out } = keytoolList(file);
    expect(status).toBe(0);
    expect(out).toMatch(/Keystore type: JKS/);
    expect(out).toMatch(/Your keystore contains 3 entries/);
    expect(out).toMatch(/^debian:test_root_one\.pem, Nov 14, 2023, trustedCertEntry,/m);
    expect(out).toMatch(/^debian:test_root_two_=ec=\.pem, Nov 14, 2023, trustedCertEntry,/m);
  });

  it('refuses a tampered store and a wrong password', () => {
    // keytool parses the certificates before it checks the hash: change what still parses (a date, the hash).
    const dateOffset = 12 + 4 + 2 + 'debian:test_root_one.pem'.length;
    for (const offset of [dateOffset + 7, -1]) {
      const jks = writeJks(CERTS, { dateMs: EPOCH * 1000 });
      const at = offset < 0 ? jks.length + offset : offset;
      jks[at] = (jks[at] ?? 0) ^ 0x01;
      const file = join(work, 'tampered.jks');
      writeFileSync(file, jks);
      const tampered = keytoolList(file);
      expect(tampered.status).not.toBe(0);
      expect(tampered.out).toMatch(/tampered with, or password was incorrect/);
      expect(() => readJks(jks)).toThrow(/integrity check failed/);
    }
    const good = join(work, 'good.jks');
    writeFileSync(good, writeJks(CERTS, { dateMs: 0 }));
    expect(keytoolList(good, 'nottheone').status).not.toBe(0);
  });

  const haveSystem = existsSync('/usr/share/ca-certificates/mozilla');
  (haveSystem ? it : it.skip)("lists every certificate of this system's ca-certificates package", () => {
    const { certificates } = buildCaBundle({ files: systemCaFiles(), epoch: EPOCH });
    const file = join(work, 'system.jks');
    writeFileSync(file, writeJks(certificates, { dateMs: EPOCH * 1000 }));
    const { status, out } = keytoolList(file);
    expect(status).toBe(0);
    expect(out).toMatch(new RegExp(`Your keystore contains ${certificates.length} entries`));
    const listed = out
      .split('\n')
      .filter((l) => l.includes('trustedCertEntry'))
      .map((l) => l.split(', ')[0]);
    expect(listed).toHaveLength(certificates.length);
    expect(new Set(listed)).toEqual(new Set(certificates.map((c) => c.alias)));
  });
});

describe('javaEntries', () => {
  const certificates: TrustedCertificate[] = CERTS.map((c) => ({ ...c, file: `${c.alias}.crt` }));

  it('links /usr/bin/java into the JVM of the arch and writes the keystore, sorted with parents', () => {
    const entries = javaEntries({ debArch: 'arm64', certificates, epoch: EPOCH });
    expect(entries.map((e) => [e.entry.path, e.entry.type, e.entry.mode])).toEqual([
      ['etc', 'directory', 0o755],
      ['etc/ssl', 'directory', 0o755],
      ['etc/ssl/certs', 'directory', 0o755],
      ['etc/ssl/certs/java', 'directory', 0o755],
      [JAVA_CACERTS_PATH, 'file', 0o644],
      ['usr', 'directory', 0o755],
      ['usr/bin', 'directory', 0o755],
      ['usr/bin/java', 'symlink', 0o777],
    ]);
    expect(entries.every((e) => e.entry.mtime === EPOCH && e.entry.uid === 0 && e.entry.gid === 0)).toBe(true);
    expect(entries[7]?.entry.linkname).toBe('/usr/lib/jvm/java-17-openjdk-arm64/bin/java');
    const store = entries[4]?.body ?? Buffer.alloc(0);
    expect(entries[4]?.entry.size).toBe(store.length);
    expect(readJks(store).map((e) => [e.alias, e.date])).toEqual(
      [...CERTS]
        .map((c) => [c.alias.toLowerCase(), EPOCH * 1000])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(javaEntries({ debArch: 'arm64', certificates, epoch: EPOCH })).toEqual(entries);
  });

  it('uses the Debian architecture names openjdk-17 uses for its directory', () => {
    for (const arch of ['amd64', 'arm64', 'armhf', 's390x', 'ppc64el']) {
      expect(javaHome(arch)).toBe(`/usr/lib/jvm/java-17-openjdk-${arch}`);
    }
    expect(javaHome('amd64', 21)).toBe('/usr/lib/jvm/java-21-openjdk-amd64');
    expect(() => javaHome('../x')).toThrow(/not a Debian architecture/);
    expect(() => javaEntries({ debArch: 'amd64', certificates: [], epoch: EPOCH })).toThrow(/no certificates/);
  });
});
