import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ConfigInvalidError,
  applySourceOverrides,
  configDigest,
  loadConfig,
  parseConfigText,
  imagesOf,
  matchImages,
  onlyDistros,
  parseMirrorOverrides,
} from '../../src/config/index.js';
import type { Config } from '../../src/config/index.js';
import { DistrolessError, isDistrolessError } from '../../src/errors.js';

const ROOT_CONFIG = fileURLToPath(new URL('../../distroless.yaml', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/config/${name}`, import.meta.url));
const fixtureText = (name: string): string => readFileSync(fixture(name), 'utf8');

const DEBIAN = 'https://deb.debian.org/debian';
const MINIMAL = `distros:
  debian12:
    sources: [{ url: ${DEBIAN}/, suite: bookworm, components: [main] }]
    archs: [amd64, arm64]
images:
  static: { packages: [base-files] }
  base: { from: static, packages: [libc6], entrypoint: [/bin/x, -c, -c, ''], env: { A: b } }
`;

/** The error a parse throws; fails the test when nothing is thrown. */
function invalid(text: string, file = 'distroless.yaml'): ConfigInvalidError {
  try {
    parseConfigText(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigInvalidError);
    return e as ConfigInvalidError;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('the distroless.yaml at the repository root', () => {
  it('describes the six debian12 and six debian13 images with their inheritance', async () => {
    const config = await loadConfig(ROOT_CONFIG);
    const d = config.distros['debian12'];
    expect(d?.version).toBe('12');
    expect(d?.archs).toEqual(['amd64', 'arm64', 'armhf', 's390x', 'ppc64el']);
    expect(d?.debugPackages).toEqual(['busybox-static']);
    expect(d?.snapshot).toBe('https://snapshot.debian.org');
    expect(d?.sources.map((s) => `${s.url} ${s.suite} ${s.components.join(',')}`)).toEqual([
      `${DEBIAN} bookworm main`,
      `${DEBIAN} bookworm-updates main`,
      'https://deb.debian.org/debian-security bookworm-security main',
    ]);
    const parents = (distro: string) =>
      Object.fromEntries(Object.values(imagesOf(config, distro)).map((i) => [i.name, i.from ?? null]));
    expect(parents('debian12')).toEqual({
      static: null,
      'base-nossl': 'static',
      base: 'static',
      cc: 'base',
      python3: 'cc',
      java17: 'base-nossl',
    });
    for (const image of Object.values(imagesOf(config, 'debian12'))) expect(image.archs).toEqual(d?.archs);
    // Debian 13 beside it: the same image set with java21, on six archs (riscv64 too), merged /usr.
    const t = config.distros['debian13'];
    expect(t).toMatchObject({ version: '13', mergedUsr: true, debugPackages: ['busybox-static'] });
    expect(t?.archs).toEqual(['amd64', 'arm64', 'armhf', 's390x', 'ppc64el', 'riscv64']);
    expect(t?.sources.map((s) => s.suite)).toEqual(['trixie', 'trixie-updates', 'trixie-security']);
    const { java17: _java17, ...common } = parents('debian12');
    expect(parents('debian13')).toEqual({ ...common, java21: 'base-nossl' });
    expect(config.images['static-debian13']?.packages).toContain('tzdata-legacy');
    expect(config.images['python3-debian13']?.entrypoint).toEqual(['/usr/bin/python3.13']);
    expect(Object.keys(config.images)).toHaveLength(12);
    expect(config.images['static-debian12']?.exclude).toEqual(['awk', 'debconf', 'openssl']);
    expect(d?.localePackage).toBe('libc-bin');
    expect(config.distros['debian13']?.localePackage).toBe('libc-bin');
    expect(config.images['python3-debian12']).toMatchObject({
      packages: ['python3', 'python3-distutils'],
      exclude: ['dpkg', 'python3-lib2to3'],
      entrypoint: ['/usr/bin/python3.11'],
      env: { LANG: 'C.UTF-8' },
    });
    expect(config.images['java17-debian12']?.entrypoint).toEqual(['/usr/bin/java', '-jar']);
    expect(config.images['java17-debian12']?.exclude).toEqual(
      expect.arrayContaining(['ca-certificates-java', 'java-common', 'util-linux']),
    );
    expect(config.images['cc-debian12']).toMatchObject({ exclude: [], env: {} });
    expect(config.images['cc-debian12']?.entrypoint).toBeUndefined();
  });
});

describe('parseConfigText normalisation', () => {
  it('fills distro, archs, version, defaults and strips trailing slashes', () => {
    const config = parseConfigText(MINIMAL, 'x.yaml');
    expect(config.file).toBe('x.yaml');
    expect(config.distros['debian12']).toEqual({
      name: 'debian12',
      sources: [{ url: DEBIAN, suite: 'bookworm', components: ['main'] }],
      archs: ['amd64', 'arm64'],
      debugPackages: [],
      keepSetuid: [],
      version: '12',
    });
    expect(config.images['static-debian12']).toEqual({
      name: 'static',
      distro: 'debian12',
      packages: ['base-files'],
      exclude: [],
      archs: ['amd64', 'arm64'],
      env: {},
    });
    expect(config.images['base-debian12']).toMatchObject({
      from: 'static',
      entrypoint: ['/bin/x', '-c', '-c', ''],
      env: { A: 'b' },
    });
  });

  it('takes an optional top-level compression (gzip or zstd) and names a bad one', () => {
    expect(parseConfigText(MINIMAL, 'x.yaml').compression).toBeUndefined();
    expect(parseConfigText(`compression: zstd\n${MINIMAL}`, 'x.yaml').compression).toBe('zstd');
    expect(parseConfigText(`compression: gzip\n${MINIMAL}`, 'x.yaml').compression).toBe('gzip');
    expect(invalid(`compression: xz\n${MINIMAL}`).details).toEqual([
      'distroless.yaml:1:14: compression: expected gzip or zstd, got "xz"',
    ]);
  });

  it('lets a child inherit a parent that narrows the archs', () => {
    const config = parseConfigText(
      MINIMAL.replace('packages: [base-files] }', 'packages: [base-files], archs: [arm64] }'),
      'x.yaml',
    );
    expect(config.images['base-debian12']?.archs).toEqual(['arm64']);
  });
});

describe('images of several distros (one image name, one repository per distro)', () => {
  const TWO = `distros:
  debian12:
    sources: [{ url: ${DEBIAN}, suite: bookworm, components: [main] }]
    archs: [amd64]
  debian13:
    sources: [{ url: ${DEBIAN}, suite: trixie, components: [main] }]
    archs: [amd64, riscv64]
    merged-usr: true
    images:
      static: { packages: [base-files, tzdata-legacy] }
      base: { from: static, packages: [libc6, libssl3t64] }
images:
  static: { distro: debian12, packages: [base-files] }
  base: { distro: debian12, from: static, packages: [libc6, libssl3] }
`;

  it('keys images by <image>-<distro>; `from` names an image of the same distro', () => {
    const config = parseConfigText(TWO, 'x.yaml');
    expect(Object.keys(config.images).sort()).toEqual([
      'base-debian12',
      'base-debian13',
      'static-debian12',
      'static-debian13',
    ]);
    expect(config.images['static-debian13']).toMatchObject({
      name: 'static',
      distro: 'debian13',
      scoped: true,
      archs: ['amd64', 'riscv64'],
      packages: ['base-files', 'tzdata-legacy'],
    });
    expect(config.images['base-debian13']).toMatchObject({ from: 'static', packages: ['libc6', 'libssl3t64'] });
    expect(config.images['base-debian12']).toMatchObject({ from: 'static', packages: ['libc6', 'libssl3'] });
    expect(config.distros.debian13?.mergedUsr).toBe(true);
    expect(config.distros.debian12?.mergedUsr).toBeUndefined();
    expect(imagesOf(config, 'debian13')['static']?.distro).toBe('debian13');
  });

  it('selects by image name (every distro) or by <image>-<distro>, and names the choices for a typo', () => {
    const config = parseConfigText(TWO, 'x.yaml');
    const keys = (filter?: string[]) => matchImages(config, filter).map((i) => `${i.name}-${i.distro}`);
    expect(keys(['static']).sort()).toEqual(['static-debian12', 'static-debian13']);
    expect(keys(['base-debian13'])).toEqual(['base-debian13']);
    expect(keys()).toHaveLength(4);
    expect(() => matchImages(config, ['statc'])).toThrow(
      '--image: unknown image "statc" (the config defines: static, base; or <image>-<distro>)',
    );
  });

  it('narrows to some distros (--distro): their images only; an unknown distro names the choices', () => {
    const config = parseConfigText(TWO, 'x.yaml');
    const only13 = onlyDistros(config, ['debian13']);
    expect(Object.keys(only13.distros)).toEqual(['debian13']);
    expect(Object.keys(only13.images).sort()).toEqual(['base-debian13', 'static-debian13']);
    expect(onlyDistros(config, undefined)).toBe(config);
    expect(() => onlyDistros(config, ['debian14'])).toThrow(
      '--distro: "debian14" is not a distro of the config (debian12, debian13)',
    );
  });

  it('refuses an image defined twice for one distro, a `from` across distros, and `distro:` inside a distro', () => {
    const twice = TWO.replace(
      '  static: { distro: debian12, packages: [base-files] }',
      '  static: { distro: debian13, packages: [base-files] }',
    );
    expect(invalid(twice).details.join('\n')).toContain('image "static" of distro "debian13" is defined twice');
    const across = TWO.replace(
      'base: { from: static, packages: [libc6, libssl3t64] }',
      'base: { from: only12, packages: [libc6] }',
    ).concat('  only12: { distro: debian12, packages: [netbase] }\n');
    expect(invalid(across).details).toContain(
      'distroless.yaml:11:21: distros.debian13.images.base.from: image "only12" is built on distro "debian12"; expected an image of distro "debian13"',
    );
    const scopedDistro = TWO.replace(
      'static: { packages: [base-files, tzdata-legacy] }',
      'static: { distro: debian12, packages: [base-files] }',
    );
    expect(invalid(scopedDistro).details.join('\n')).toContain(
      'distros.debian13.images.static.distro: unknown key "distro"',
    );
    const badUsr = TWO.replace('merged-usr: true', 'merged-usr: yes please');
    expect(invalid(badUsr).details.join('\n')).toContain(
      'distros.debian13.merged-usr: expected true or false, got "yes please"',
    );
  });
});

describe('validation errors', () => {
  it('reports every bad field at once, each with its line and column', () => {
    const e = invalid(fixtureText('bad-many.yaml'), 'bad-many.yaml');
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toBe('bad-many.yaml: 8 errors');
    expect(e.details).toEqual([
      'bad-many.yaml:5:16: distros.debian12.sources[0].url: expected an http(s) URL, got "ftp://deb.debian.org/debian"',
      'bad-many.yaml:9:28: images.static.packages[1]: expected a Debian package name (lower case a-z 0-9 + - ., at least 2 characters), got "Netbase"',
      'bad-many.yaml:9:37: images.static.packages[2]: duplicate "base-files" (already at images.static.packages[0])',
      'bad-many.yaml:11:11: images.base.from: unknown image "statik"; expected one of: static, cc, python3',
      'bad-many.yaml:12:5: images.base.pakages: unknown key "pakages"; did you mean "packages"?',
      'bad-many.yaml:15:20: images.cc.archs[1]: expected one of the archs of image "static" (amd64, arm64), got "s390x"',
      'bad-many.yaml:16:18: images.cc.env.LANG: expected a string (quote numbers and booleans), got number 1',
      'bad-many.yaml:19:13: images.python3.archs[0]: expected a Debian architecture name (amd64, arm64, armhf, armel, i386, s390x, ppc64el, riscv64, mips64el); "ppc64le" is the OCI/GNU spelling, write ppc64el',
    ]);
    expect(e.problems[0]).toEqual({
      file: 'bad-many.yaml',
      line: 5,
      col: 16,
      path: 'distros.debian12.sources[0].url',
      message: 'expected an http(s) URL, got "ftp://deb.debian.org/debian"',
    });
  });

  it('rejects an unknown key and suggests the near one', () => {
    const e = invalid(MINIMAL.replace('    archs:', '    arches:'));
    expect(e.details).toEqual([
      'distroless.yaml:2:3: distros.debian12.archs: missing: expected `archs`',
      'distroless.yaml:4:5: distros.debian12.arches: unknown key "arches"; did you mean "archs"?',
    ]);
  });

  it.each([
    ['arm64/v8', 'arm64'],
    ['linux/arm/v7', 'armhf'],
    ['arm', 'armhf'],
    ['x86_64', 'amd64'],
  ])('tells which Debian arch the OCI name %s means', (oci, debian) => {
    const e = invalid(MINIMAL.replace('[amd64, arm64]', `[amd64, "${oci}"]`));
    expect(e.details).toEqual([expect.stringContaining(`distroless.yaml:4:20: distros.debian12.archs[1]: `)]);
    expect(e.details[0]).toContain(`"${oci}" is the OCI/GNU spelling, write ${debian}`);
  });

  it('reports a cycle in `from` on each of its members', () => {
    const e = invalid(fixtureText('cycle.yaml'), 'cycle.yaml');
    expect(e.details).toEqual([
      'cycle.yaml:7:14: images.a.from: cycle: a → b → a; expected a chain that ends at an image without `from`',
      'cycle.yaml:8:14: images.b.from: cycle: b → a → b; expected a chain that ends at an image without `from`',
    ]);
  });

  it('reports an unknown `from`', () => {
    const e = invalid(MINIMAL.replace('from: static', 'from: nope'));
    expect(e.details).toEqual([
      'distroless.yaml:7:17: images.base.from: unknown image "nope"; expected one of: static',
    ]);
  });

  it('needs `distro` with several distros, and keeps `from` within one', () => {
    const e = invalid(fixtureText('two-distros.yaml'), 'two-distros.yaml');
    expect(e.details).toEqual([
      'two-distros.yaml:12:37: images.base13.from: image "static12" is built on distro "debian12"; expected an image of distro "debian13"',
      'two-distros.yaml:13:3: images.orphan.distro: missing: expected `distro` (one of: debian12, debian13) when there is more than one distro',
    ]);
  });

  it('flags packages that are both requested and excluded, or requested twice along `from`', () => {
    const text = MINIMAL.replace('packages: [libc6]', 'packages: [libc6, base-files, dpkg], exclude: [dpkg]');
    expect(invalid(text).details).toEqual([
      'distroless.yaml:7:43: images.base.packages[1]: duplicate "base-files": already requested by image "static"',
      'distroless.yaml:7:55: images.base.packages[2]: "dpkg" is also excluded (by image "base"); expected a package either requested or excluded',
    ]);
  });

  it('checks names, URLs, versions and shapes', () => {
    const text = `distros:
  Debian:
    sources: [{ url: "https://x.example/", suite: bookworm }]
    archs: amd64
    snapshot: file:///tmp
images:
  debug: { packages: [] }
`;
    expect(invalid(text).details).toEqual([
      'distroless.yaml:2:3: distros.Debian: bad distro name "Debian": expected lower-case letters and digits, with . _ - between them',
      'distroless.yaml:2:3: distros.Debian.version: missing: expected `version` (e.g. "12"); it cannot be derived from the name "Debian"',
      'distroless.yaml:3:15: distros.Debian.sources[0].components: missing: expected `components`',
      'distroless.yaml:4:12: distros.Debian.archs: expected a list of Debian architecture names, got "amd64"',
      'distroless.yaml:5:15: distros.Debian.snapshot: expected an http(s) URL, got "file:///tmp"',
      'distroless.yaml:7:3: images.debug: the name "debug" is reserved for the debug variant\'s packages; expected another name',
      'distroless.yaml:7:22: images.debug.packages: expected a non-empty list of Debian package names',
    ]);
  });

  it('reads the setuid keep list as image paths, and refuses relative or climbing ones', () => {
    const ok = parseConfigText(
      MINIMAL.replace('archs: [amd64, arm64]', 'archs: [amd64, arm64]\n    setuid: [/usr/bin/su, /usr/bin/newgrp]'),
      'x.yaml',
    );
    expect(ok.distros['debian12']?.keepSetuid).toEqual(['usr/bin/su', 'usr/bin/newgrp']);
    const bad = MINIMAL.replace(
      'archs: [amd64, arm64]',
      'archs: [amd64, arm64]\n    setuid: [usr/bin/su, /usr/../bin/x]',
    );
    expect(invalid(bad).details).toEqual([
      'distroless.yaml:5:14: distros.debian12.setuid[0]: expected an absolute file path such as /usr/bin/su, got "usr/bin/su"',
      'distroless.yaml:5:26: distros.debian12.setuid[1]: expected an absolute file path such as /usr/bin/su, got "/usr/../bin/x"',
    ]);
  });

  it('places an empty value at its key, and a malformed image is not also "unknown"', () => {
    const text = MINIMAL.replace('  static: { packages: [base-files] }', '  static: oops').replace(
      'archs: [amd64, arm64]',
      'archs:',
    );
    expect(invalid(text).details).toEqual([
      'distroless.yaml:4:5: distros.debian12.archs: expected a list of Debian architecture names, got nothing',
      'distroless.yaml:6:11: images.static: expected a mapping (the image\'s fields), got "oops"',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const e = invalid(fixtureText('syntax.yaml'), 'syntax.yaml');
    expect(e.message).toMatch(/^syntax\.yaml: \d+ errors?$/);
    expect(e.details[0]).toMatch(/^syntax\.yaml:5:1: \(yaml\): .+/);
    expect(e.details[0]).not.toContain('\n');
  });

  it('reports an empty file and a top level that is not a mapping', () => {
    expect(invalid('').details).toEqual([
      'distroless.yaml:1:1: (top level): expected a mapping with `distros` and `images`, got nothing',
    ]);
    expect(invalid('- a\n').details).toEqual([
      'distroless.yaml:1:1: (top level): expected a mapping with `distros` and `images`, got a list',
    ]);
  });

  it('names the path of a missing file', async () => {
    const path = fixture('does-not-exist.yaml');
    const e: unknown = await loadConfig(path).catch((err: unknown) => err);
    expect(isDistrolessError(e, 'CONFIG_NOT_FOUND')).toBe(true);
    expect((e as DistrolessError).message).toBe(`config file ${path} not found`);
  });
});

describe('mirror overrides', () => {
  it('parses ORIG=NEW lists separated by commas or whitespace', () => {
    expect(parseMirrorOverrides('')).toEqual({});
    expect(
      parseMirrorOverrides(` ${DEBIAN}/=http://127.0.0.1:8080/debian/,
      https://deb.debian.org/debian-security=http://127.0.0.1:8080/sec `),
    ).toEqual({
      [DEBIAN]: 'http://127.0.0.1:8080/debian',
      'https://deb.debian.org/debian-security': 'http://127.0.0.1:8080/sec',
    });
  });

  it.each(['nourl', `${DEBIAN}=`, `=${DEBIAN}`, `${DEBIAN}=ftp://x/y`, `${DEBIAN}=http://a/b,${DEBIAN}=http://c/d`])(
    'rejects %j',
    (text) => {
      expect(() => parseMirrorOverrides(text, 'DISTROLESS_MIRRORS')).toThrow(DistrolessError);
      expect(() => parseMirrorOverrides(text, 'DISTROLESS_MIRRORS')).toThrow(/^DISTROLESS_MIRRORS: /);
    },
  );

  it('replaces source URLs after validation and keeps the original', () => {
    const overrides = parseMirrorOverrides(`${DEBIAN}=http://127.0.0.1:8080/debian`);
    const config = parseConfigText(MINIMAL, 'x.yaml', { sourceOverrides: overrides });
    expect(config.distros['debian12']?.sources).toEqual([
      { url: 'http://127.0.0.1:8080/debian', originalUrl: DEBIAN, suite: 'bookworm', components: ['main'] },
    ]);
    const again = applySourceOverrides(config, { [DEBIAN]: 'http://mirror.example/debian' });
    expect(again.distros['debian12']?.sources[0]).toMatchObject({
      url: 'http://mirror.example/debian',
      originalUrl: DEBIAN,
    });
  });
});

describe('locale and source', () => {
  it('reads the distro locale package and the top-level source URL', () => {
    const text = MINIMAL.replace(
      '    archs: [amd64, arm64]\n',
      '    archs: [amd64, arm64]\n    locale: { package: libc-bin }\n',
    ).concat('source: https://github.com/example/images/\n');
    const config = parseConfigText(text, 'x.yaml');
    expect(config.distros['debian12']?.localePackage).toBe('libc-bin');
    expect(config.source).toBe('https://github.com/example/images');
    expect(parseConfigText(MINIMAL, 'x.yaml').source).toBeUndefined();
    expect(parseConfigText(MINIMAL, 'x.yaml').distros['debian12']?.localePackage).toBeUndefined();
  });

  it('names a bad locale, a bad source and an image that takes the reserved name "locale"', () => {
    const text = MINIMAL.replace(
      '    archs: [amd64, arm64]\n',
      '    archs: [amd64, arm64]\n    locale: { package: Libc, charset: C.utf8 }\n',
    )
      .replace('images:\n', 'images:\n  locale: { packages: [x1] }\n')
      .concat('source: ftp://example/\n');
    const details = invalid(text).details ?? [];
    expect(details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/distros\.debian12\.locale\.charset: unknown key "charset"/),
        expect.stringMatching(/distros\.debian12\.locale\.package: expected a Debian package name .* got "Libc"/),
        expect.stringMatching(/source: expected an http\(s\) URL, got "ftp:\/\/example\/"/),
      ]),
    );
    const reserved = MINIMAL.replace(
      '    archs: [amd64, arm64]\n',
      '    archs: [amd64, arm64]\n    locale: { package: libc-bin }\n',
    ).replace('images:\n', 'images:\n  locale: { packages: [x1] }\n');
    expect(invalid(reserved).details).toEqual([
      expect.stringMatching(/images\.locale: the name "locale" is reserved for the distro's locale package/),
    ]);
  });
});

describe('configDigest', () => {
  const plain = parseConfigText(MINIMAL, 'x.yaml');
  const digest = (c: Config): string => configDigest(c, 'debian12');

  it('is a sha256 that a mirror override does not change', () => {
    expect(digest(plain)).toMatch(/^sha256:[0-9a-f]{64}$/);
    const mirrored = parseConfigText(MINIMAL, 'y.yaml', { sourceOverrides: { [DEBIAN]: 'http://127.0.0.1:1/debian' } });
    expect(mirrored.distros['debian12']?.sources[0]?.url).toBe('http://127.0.0.1:1/debian');
    expect(digest(mirrored)).toBe(digest(plain));
  });

  it('ignores entrypoint and env, but follows packages, excludes, archs and sources', () => {
    const variant = (from: string, to: string): string => {
      expect(MINIMAL).toContain(from);
      return digest(parseConfigText(MINIMAL.replace(from, to), 'x.yaml'));
    };
    expect(variant("entrypoint: [/bin/x, -c, -c, ''], env: { A: b }", 'entrypoint: [/bin/y], env: { A: c }')).toBe(
      digest(plain),
    );
    expect(variant('[amd64, arm64]', '[arm64, amd64]')).toBe(digest(plain));
    expect(variant('images:\n', 'source: https://github.com/example/images\nimages:\n')).toBe(digest(plain));
    expect(digest(parseConfigText(`compression: zstd\n${MINIMAL}`, 'x.yaml'))).toBe(digest(plain)); // a build choice
    for (const [from, to] of [
      ['packages: [libc6]', 'packages: [libc6, libssl3]'],
      ['packages: [libc6]', 'packages: [libc6], exclude: [libgcc-s1]'],
      ['[amd64, arm64]', '[amd64]'],
      ['[amd64, arm64]\n', '[amd64, arm64]\n    locale: { package: libc-bin }\n'],
      ['suite: bookworm', 'suite: bookworm-updates'],
      [`${DEBIAN}/`, 'https://ftp.debian.org/debian'],
    ] as const) {
      expect(variant(from, to)).not.toBe(digest(plain));
    }
  });

  it('rejects an unknown distro', () => {
    expect(() => configDigest(plain, 'debian99')).toThrow(/no distro named "debian99"/);
  });
});
