import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  CopyrightCollector,
  debPurl,
  debSpdxId,
  githubInvocation,
  inTotoStatement,
  LicenseCache,
  licenseLookup,
  ociPurl,
  parseCopyright,
  readDebLicense,
  slsaProvenance,
  spdxDocument,
  spdxLicenseId,
  synopsisToSpdx,
  type SbomInput,
} from '../../src/attest/index.js';
import { writePackageLayer } from '../../src/build/package-layer.js';
import { TarWriter } from '../../src/tar/index.js';
import { makeDeb } from '../helpers/make-deb.js';
import { licenseExpressionProblems, spdxProblems } from '../helpers/spdx.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('in-toto statements', () => {
  it('has the v1 shape, with the digest as hex under sha256', () => {
    const s = inTotoStatement({ name: 'ghcr.io/acme/base-debian12', digest: DIGEST }, 'https://spdx.dev/Document', {
      x: 1,
    });
    expect(Object.keys(s)).toEqual(['_type', 'subject', 'predicateType', 'predicate']);
    expect(s).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'ghcr.io/acme/base-debian12', digest: { sha256: 'ab'.repeat(32) } }],
      predicateType: 'https://spdx.dev/Document',
      predicate: { x: 1 },
    });
  });

  it('refuses a digest that is not sha256:<64 hex>', () => {
    expect(() => inTotoStatement({ name: 'x', digest: 'sha256:ABC' }, 't', {})).toThrow(
      /expected a sha256:<64 hex> digest/,
    );
    expect(() => inTotoStatement({ name: 'x', digest: `sha512:${'a'.repeat(64)}` }, 't', {})).toThrow(/sha256/);
  });
});

describe('package URLs', () => {
  it('Debian packages: epoch colon kept, + encoded, qualifiers sorted', () => {
    expect(debPurl('libc6', '2.36-9+deb12u13', 'amd64', '12')).toBe(
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u13?arch=amd64&distro=debian-12',
    );
    expect(debPurl('busybox-static', '1:1.35.0-4+b4', 'arm64', '12')).toBe(
      'pkg:deb/debian/busybox-static@1:1.35.0-4%2Bb4?arch=arm64&distro=debian-12',
    );
    expect(debPurl('libstdc++6', '12.2.0-14~x', 'all', '13')).toBe(
      'pkg:deb/debian/libstdc%2B%2B6@12.2.0-14~x?arch=all&distro=debian-13',
    );
  });

  it('OCI images: name is the last path segment, repository_url for registry references', () => {
    expect(ociPurl('ghcr.io/Acme/Base-debian12:latest', DIGEST, 'arm64')).toBe(
      `pkg:oci/base-debian12@${DIGEST}?arch=arm64&repository_url=ghcr.io/Acme/Base-debian12`,
    );
    expect(ociPurl('127.0.0.1:5000/distroless/static-debian12', DIGEST)).toBe(
      `pkg:oci/static-debian12@${DIGEST}?repository_url=127.0.0.1:5000/distroless/static-debian12`,
    );
    expect(ociPurl('static-debian12', DIGEST, 'amd64')).toBe(`pkg:oci/static-debian12@${DIGEST}?arch=amd64`);
  });
});

describe('Debian licence names → SPDX', () => {
  it.each([
    ['GPL-2+', 'GPL-2.0-or-later'],
    ['GPL-2', 'GPL-2.0-only'],
    ['GPL-2.0+', 'GPL-2.0-or-later'],
    ['LGPL-2.1+', 'LGPL-2.1-or-later'],
    ['LGPL-2', 'LGPL-2.0-only'],
    ['LGPL-3+', 'LGPL-3.0-or-later'],
    ['GFDL-NIV-1.3+', 'GFDL-1.3-no-invariants-or-later'],
    ['Expat', 'MIT'],
    ['expat', 'MIT'],
    ['BSD-3-clause', 'BSD-3-Clause'],
    ['zlib', 'Zlib'],
    ['Apache-2', 'Apache-2.0'],
    ['Artistic', 'Artistic-1.0-Perl'],
    ['libpng', 'Libpng'],
    ['public-domain', 'LicenseRef-public-domain'],
    ['MIT/X11', 'LicenseRef-MIT-X11'],
    ['__AUTO_PERMISSIVE__', 'LicenseRef-AUTO-PERMISSIVE'],
    ['GPL', 'LicenseRef-GPL'],
    ['GPL-4+', 'LicenseRef-GPL-4'],
    // SPDX ids our own short table lacked (bash, coreutils, curl, perl name them): the whole SPDX list now.
    ['HPND-sell-variant', 'HPND-sell-variant'],
    ['BSD-4-Clause-UC', 'BSD-4-Clause-UC'],
    ['MIT-CMU', 'MIT-CMU'],
    ['X11-distribute-modifications-variant', 'X11-distribute-modifications-variant'],
    // SPDX spells it MS-PL; the Ubuntu Font Licence is Ubuntu-font-1.0 (UFL-1.0 is no SPDX id).
    ['Ms-PL', 'MS-PL'],
    ['UFL-1.0', 'Ubuntu-font-1.0'],
  ])('%s → %s', (name, id) => {
    expect(spdxLicenseId(name)).toBe(id);
  });

  it.each([
    ['GPL-2+ or Artistic', 'GPL-2.0-or-later OR Artistic-1.0-Perl'],
    ['MPL-1.1 or GPL-2+ or LGPL-2.1+', 'MPL-1.1 OR GPL-2.0-or-later OR LGPL-2.1-or-later'],
    ['libpng OR Apache-2.0 OR BSD-3-clause', 'Libpng OR Apache-2.0 OR BSD-3-Clause'],
    ['Sleepycat and BSD-3-clause', 'Sleepycat AND BSD-3-Clause'],
    ['GPL-2+ or MIT and Zlib', 'GPL-2.0-or-later OR (MIT AND Zlib)'],
    ['GPL-2+ or MIT, and Zlib', '(GPL-2.0-or-later OR MIT) AND (Zlib)'],
    ['GPL-3+ with AutoConf exception', 'GPL-3.0-or-later WITH Autoconf-exception-3.0'],
    ['GPL-2+ with Autoconf exception', 'GPL-2.0-or-later WITH Autoconf-exception-2.0'],
    ['GPL-2+-libtool-exception', 'GPL-2.0-or-later WITH Libtool-exception'],
    ['GPL2 with Classpath exception', 'GPL-2.0-only WITH Classpath-exception-2.0'],
    ['Apache-2.0 with LLVM exception', 'Apache-2.0 WITH LLVM-exception'],
    [
      'BSD-3-clause-Cambridge with BINARY LIBRARY-LIKE PACKAGES exception',
      'LicenseRef-BSD-3-clause-Cambridge-with-BINARY-LIBRARY-LIKE-PACKAGES-exception',
    ],
  ])('synopsis %j → %j', (synopsis, expression) => {
    expect(synopsisToSpdx(synopsis)).toBe(expression);
    const refs = new Set(expression.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []);
    expect(licenseExpressionProblems(expression, refs)).toEqual([]);
  });

  it('every current SPDX licence id, in any case, is itself (spdx-license-ids)', () => {
    const ids = createRequire(import.meta.url)('spdx-license-ids') as string[];
    expect(ids.length).toBeGreaterThan(600);
    const wrong = ids.filter((id) => spdxLicenseId(id) !== id || spdxLicenseId(id.toUpperCase()) !== id);
    expect(wrong).toEqual([]);
  });

  it('free text where a name belongs is not a synopsis', () => {
    expect(synopsisToSpdx('Permission to use, copy, modify, and distribute this software and its')).toBeUndefined();
    expect(synopsisToSpdx('')).toBeUndefined();
  });
});

const DEP5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: demo
Source: https://example.org/demo

Files: *
Copyright: 1995-2020, The Demo Authors
\t   2004 Someone Else <se@example.org>
License: GPL-2+

Files: lib/*
Copyright: 2011 Lib People
License: Expat or GPL-2+

Files: data/*
Copyright: The Internet Assigned Numbers Authority (IANA)
License: public-domain
 This database is in the public domain.

# a comment
Files: odd/*
Copyright: 2001 Odd One
License: Permission is hereby granted, free of charge, to any person obtaining
 a copy of this software.

Files: debian/*
Copyright: 2020 Debian Maintainer
License: BSD-BY-LC-NE

License: BSD-BY-LC-NE
 Redistribution is allowed, but not for commercial use.
 .
 Second paragraph.
`;

describe('copyright files', () => {
  it('DEP-5: declared licence, copyright lines, LicenseRef texts, unparsed synopses', () => {
    const info = parseCopyright(DEP5);
    expect(info.format).toBe('dep5');
    expect(info.declared).toBe(
      'GPL-2.0-or-later AND (MIT OR GPL-2.0-or-later) AND LicenseRef-public-domain AND LicenseRef-BSD-BY-LC-NE',
    );
    expect(info.copyrightText).toBe(
      [
        '1995-2020, The Demo Authors',
        '2004 Someone Else <se@example.org>',
        '2011 Lib People',
        'The Internet Assigned Numbers Authority (IANA)',
        '2001 Odd One',
        '2020 Debian Maintainer',
      ].join('\n'),
    );
    expect(info.licenseRefs).toEqual({
      'LicenseRef-public-domain': 'This database is in the public domain.',
      'LicenseRef-BSD-BY-LC-NE': 'Redistribution is allowed, but not for commercial use.\n\nSecond paragraph.',
    });
    expect(info.unparsed).toEqual(['Permission is hereby granted, free of charge, to any person obtaining']);
  });

  it('free text: NOASSERTION, but the Copyright lines are kept', () => {
    const info = parseCopyright(
      'This is the Debian prepackaged version.\n\nCopyright (C) 1995-2011 Software in the Public Interest.\n  Copyright © 2020 Someone\nCopyrighted works...\n',
    );
    expect(info).toEqual({
      format: 'text',
      declared: 'NOASSERTION',
      copyrightText: 'Copyright (C) 1995-2011 Software in the Public Interest.\nCopyright © 2020 Someone',
      licenseRefs: {},
      unparsed: [],
    });
    expect(parseCopyright('No copyright lines here.').copyrightText).toBe('NOASSERTION');
  });
});

describe('copyright files in .debs (dpkg-deb built)', () => {
  let dir: string;
  const debs: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'attest-debs-'));
    const doc = (p: string) => `usr/share/doc/${p}`;
    debs.plain = await makeDeb(dir, {
      name: 'plain',
      files: [
        { path: `${doc('plain')}/copyright`, content: DEP5 },
        { path: 'usr/lib/x', content: 'x' },
      ],
    });
    // The doc directory is a link to another package's (libgcc-s1 → gcc-12-base in bookworm).
    debs.other = await makeDeb(dir, {
      name: 'linked-out',
      files: [{ path: doc('linked-out'), type: 'symlink', target: 'gcc-12-base' }],
    });
    // The doc directory is a link to a directory of the same .deb.
    debs.inside = await makeDeb(dir, {
      name: 'linked-in',
      files: [
        {
          path: `${doc('linked-in-common')}/copyright`,
          content:
            'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2024 In\nLicense: Zlib\n',
        },
        { path: doc('linked-in'), type: 'symlink', target: 'linked-in-common' },
      ],
    });
    // The copyright file itself is an absolute symlink into the same .deb.
    debs.file = await makeDeb(dir, {
      name: 'file-link',
      files: [
        { path: `${doc('file-link-data')}/copyright`, content: 'Copyright 2001 Free Text\n' },
        { path: `${doc('file-link')}/copyright`, type: 'symlink', target: '/usr/share/doc/file-link-data/copyright' },
      ],
    });
    debs.loop = await makeDeb(dir, {
      name: 'looped',
      files: [
        { path: doc('looped'), type: 'symlink', target: 'looped2' },
        { path: doc('looped2'), type: 'symlink', target: 'looped' },
      ],
    });
    debs.none = await makeDeb(dir, { name: 'nothing', files: [{ path: 'etc/nothing', content: '' }] });
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reads the copyright file, follows links inside the .deb, and names another package’s doc dir', async () => {
    const plain = await readDebLicense(debs.plain as string, 'plain');
    expect(plain).toMatchObject({
      kind: 'file',
      path: 'usr/share/doc/plain/copyright',
      info: { format: 'dep5', declared: parseCopyright(DEP5).declared },
    });
    expect(await readDebLicense(debs.other as string, 'linked-out')).toEqual({
      kind: 'package',
      package: 'gcc-12-base',
    });
    expect(await readDebLicense(debs.inside as string, 'linked-in')).toMatchObject({
      kind: 'file',
      path: 'usr/share/doc/linked-in-common/copyright',
      info: { declared: 'Zlib', copyrightText: '2024 In' },
    });
    expect(await readDebLicense(debs.file as string, 'file-link')).toMatchObject({
      kind: 'file',
      path: 'usr/share/doc/file-link-data/copyright',
      info: { format: 'text', copyrightText: 'Copyright 2001 Free Text' },
    });
    expect(await readDebLicense(debs.loop as string, 'looped')).toEqual({ kind: 'none' });
    expect(await readDebLicense(debs.none as string, 'nothing')).toEqual({ kind: 'none' });
  });

  it('a layer build that captures gives the same facts as a read of the .deb', async () => {
    for (const [name, path] of [
      ['plain', debs.plain],
      ['linked-out', debs.other],
      ['linked-in', debs.inside],
      ['file-link', debs.file],
    ] as const) {
      const collector = new CopyrightCollector(name);
      const writer = new TarWriter(new Writable({ write: (_c, _e, done) => done() }));
      await writePackageLayer(path as string, name, writer, { epoch: 1_700_000_000, ...collector.layerOptions });
      await writer.finish();
      expect(collector.result()).toEqual(await readDebLicense(path as string, name));
    }
  });

  it('caches facts per .deb sha256 and reads each .deb once', async () => {
    const cache = new LicenseCache(join(dir, 'licenses'));
    const deb = { name: 'plain', sha256: 'cd'.repeat(32) };
    let reads = 0;
    const lookup = licenseLookup({ cache, debPath: async () => (reads++, debs.plain) });
    const first = await lookup(deb);
    expect(first?.kind).toBe('file');
    expect(await lookup(deb)).toBe(first);
    expect(reads).toBe(1);
    // A new lookup (another run) finds the cache file, so no .deb is needed at all.
    const cachedOnly = licenseLookup({
      cache,
      debPath: async () => {
        throw new Error('must not read the .deb');
      },
    });
    expect(await cachedOnly(deb)).toEqual(first);
    // An entry of another parser version, or for another package, is a miss.
    const entry = JSON.parse(await readFile(cache.path(deb.sha256), 'utf8'));
    await writeFile(cache.path(deb.sha256), JSON.stringify({ ...entry, version: 0 }));
    expect(await cache.get(deb)).toBeUndefined();
    await writeFile(cache.path(deb.sha256), JSON.stringify(entry));
    expect(await cache.get({ ...deb, name: 'other' })).toBeUndefined();
    expect(await cache.get(deb)).toEqual(first);
  });
});

function input(digest = DIGEST, epoch = 1_763_620_800): SbomInput {
  const pin = (name: string, v: string) => ({
    version: v,
    architecture: 'amd64',
    suite: 'bookworm',
    source: name,
    sourceVersion: v,
    filename: `pool/main/x/${name}/${name}_${v}_amd64.deb`,
    size: 1,
    sha256: name.length.toString(16).padStart(64, '0'),
  });
  const lic = {
    declared: 'GPL-2.0-or-later AND LicenseRef-public-domain',
    copyrightText: '2020 X',
    licenseRefs: { 'LicenseRef-public-domain': 'PD.' },
  };
  const pkg = (name: string, requiredBy: string) => ({
    name,
    imageArch: 'amd64',
    pin: pin(name, '1.0-1'),
    downloadLocation: `https://deb.debian.org/debian/pool/main/x/${name}.deb`,
    requiredBy,
    license: lic,
  });
  return {
    name: 'base-debian12-latest-amd64',
    subject: { name: 'base-debian12', digest, ociArch: 'amd64' },
    distroVersion: '12',
    epoch,
    archs: [{ arch: 'amd64', packages: [pkg('libc6', ''), pkg('libgcc-s1', 'libc6'), pkg('libstdc++6', '')] }],
  };
}

describe('SPDX documents', () => {
  it('are deterministic: created is the epoch, the namespace follows the content', () => {
    const a = spdxDocument(input());
    expect(JSON.stringify(spdxDocument(input()))).toBe(JSON.stringify(a));
    expect(a.creationInfo.created).toBe('2025-11-20T06:40:00Z');
    const other = spdxDocument(input(`sha256:${'cd'.repeat(32)}`));
    expect(other.documentNamespace).not.toBe(a.documentNamespace);
    expect(spdxDocument(input(DIGEST, 1)).documentNamespace).not.toBe(a.documentNamespace);
    expect(a.documentNamespace).toMatch(
      /^https:\/\/github\.com\/distroless-action\/distroless-action\/spdx\/base-debian12-latest-amd64-[0-9a-f]{64}$/,
    );
  });

  it('describe the image, contain each package, and record who pulled what in', () => {
    const doc = spdxDocument(input());
    expect(spdxProblems(doc)).toEqual([]);
    expect(doc.packages.map((p) => p.SPDXID)).toEqual([
      'SPDXRef-Image',
      'SPDXRef-Package-deb-amd64-libc6',
      'SPDXRef-Package-deb-amd64-libgcc-s1',
      'SPDXRef-Package-deb-amd64-libstdcPlusPlus6',
    ]);
    expect(debSpdxId('amd64', 'libstdc++6')).toBe('SPDXRef-Package-deb-amd64-libstdcPlusPlus6');
    expect(doc.relationships).toContainEqual({
      spdxElementId: 'SPDXRef-DOCUMENT',
      relationshipType: 'DESCRIBES',
      relatedSpdxElement: 'SPDXRef-Image',
    });
    expect(doc.relationships).toContainEqual({
      spdxElementId: 'SPDXRef-Package-deb-amd64-libc6',
      relationshipType: 'DEPENDS_ON',
      relatedSpdxElement: 'SPDXRef-Package-deb-amd64-libgcc-s1',
    });
    expect(doc.relationships.filter((r) => r.relationshipType === 'CONTAINS')).toHaveLength(3);
    expect(doc.hasExtractedLicensingInfos).toEqual([
      { licenseId: 'LicenseRef-public-domain', name: 'public-domain', extractedText: 'PD.' },
    ]);
    const libc = doc.packages[1];
    expect(libc).toMatchObject({
      versionInfo: '1.0-1',
      supplier: 'Organization: Debian',
      checksums: [{ algorithm: 'SHA256', checksumValue: '5'.padStart(64, '0') }],
      sourceInfo: 'built package from: libc6 1.0-1',
    });
    expect(libc?.externalRefs).toEqual([
      {
        referenceCategory: 'PACKAGE-MANAGER',
        referenceType: 'purl',
        referenceLocator: 'pkg:deb/debian/libc6@1.0-1?arch=amd64&distro=debian-12',
      },
    ]);
  });

  it('the validator catches what the schema alone does not', () => {
    const doc = spdxDocument(input());
    const broken = {
      ...doc,
      relationships: [
        ...doc.relationships,
        { spdxElementId: 'SPDXRef-Image', relationshipType: 'CONTAINS', relatedSpdxElement: 'SPDXRef-nope' },
      ],
    };
    expect(spdxProblems(broken)).toEqual(['relationship CONTAINS names unknown element SPDXRef-nope']);
    const withLicense = (licenseDeclared: string): unknown => ({
      ...doc,
      packages: doc.packages.map((p, i) => (i === 1 ? { ...p, licenseDeclared } : p)),
    });
    expect(spdxProblems(withLicense('GPL-2.0 AND LicenseRef-x'))).toEqual([
      'SPDXRef-Package-deb-amd64-libc6: GPL-2.0 is not a current SPDX licence id',
      'SPDXRef-Package-deb-amd64-libc6: LicenseRef-x has no hasExtractedLicensingInfos entry',
    ]);
    for (const bad of ['GPL-2+', 'Ms-PL', 'UFL-1.0', 'MIT AND', 'MIT WITH Nope-exception'])
      expect(spdxProblems(withLicense(bad))).toEqual([
        expect.stringMatching(new RegExp(`^SPDXRef-Package-deb-amd64-libc6: .* does not parse`)),
      ]);
    expect(spdxProblems(withLicense('GPL-2.0-or-later WITH GPL-CC-1.0'))).toEqual([]);
    expect(spdxProblems({ ...doc, creationInfo: { created: 'yesterday', creators: ['Tool: x'] } })[0]).toMatch(
      /format: \/creationInfo\/created/,
    );
    expect(spdxProblems({ ...doc, spdxVersion: undefined })[0]).toMatch(/^schema: .*spdxVersion/);
  });
});

describe('SLSA provenance', () => {
  it('names builder, build type, parameters, dependencies and the workflow run', () => {
    const invocation = githubInvocation({
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'acme/images',
      GITHUB_RUN_ID: '42',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_WORKFLOW_REF: 'acme/images/.github/workflows/build.yml@refs/heads/main',
      GITHUB_SHA: 'f'.repeat(40),
    });
    expect(githubInvocation({ GITHUB_REPOSITORY: 'acme/images' })).toBeUndefined();
    const p = slsaProvenance({
      configPath: 'distroless.yaml',
      image: 'base',
      distro: 'debian12',
      variant: 'nonroot',
      arch: 'amd64',
      epoch: 1_763_620_800,
      snapshots: [{ suite: 'bookworm', snapshot: '20261120T060000Z', date: '2026-11-20T06:00:00Z' }],
      lockfiles: [{ path: 'lockfiles/debian12.lock.json', sha256: '1'.repeat(64) }],
      config: { path: 'distroless.yaml', sha256: '2'.repeat(64), configDigest: `sha256:${'3'.repeat(64)}` },
      debs: [
        {
          name: 'libc6',
          arch: 'amd64',
          version: '2.36-9',
          url: 'https://deb.debian.org/debian/pool/main/g/glibc/libc6_2.36-9_amd64.deb',
          sha256: '4'.repeat(64),
        },
      ],
      ...(invocation ? { invocation } : {}),
    });
    expect(p.buildDefinition.buildType).toBe(
      'https://github.com/distroless-action/distroless-action/buildtypes/debian-image/v1',
    );
    expect(p.buildDefinition.externalParameters).toEqual({
      config: 'distroless.yaml',
      image: 'base',
      distro: 'debian12',
      variant: 'nonroot',
      arch: 'amd64',
      workflow: {
        ref: 'refs/heads/main',
        repository: 'https://github.com/acme/images',
        path: '.github/workflows/build.yml',
      },
    });
    expect(p.buildDefinition.resolvedDependencies).toEqual([
      { uri: 'git+https://github.com/acme/images@refs/heads/main', digest: { gitCommit: 'f'.repeat(40) } },
      { uri: 'lockfiles/debian12.lock.json', digest: { sha256: '1'.repeat(64) } },
      {
        uri: 'distroless.yaml',
        digest: { sha256: '2'.repeat(64) },
        annotations: { configDigest: `sha256:${'3'.repeat(64)}` },
      },
      {
        uri: 'https://deb.debian.org/debian/pool/main/g/glibc/libc6_2.36-9_amd64.deb',
        digest: { sha256: '4'.repeat(64) },
        name: 'libc6',
        annotations: { arch: 'amd64', version: '2.36-9' },
      },
    ]);
    expect(p.runDetails).toEqual({
      builder: {
        id: 'https://github.com/distroless-action/distroless-action',
        version: { 'distroless-action': '0.1.0' },
      },
      metadata: { invocationId: 'https://github.com/acme/images/actions/runs/42/attempts/2' },
    });
  });
});
