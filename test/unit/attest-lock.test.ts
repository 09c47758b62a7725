/**
 * Attestations for every image × variant × arch and every index of the committed lockfiles/debian12.lock.json
 * with the repository's distroless.yaml, validated against the SPDX 2.3 JSON schema. The licence facts come
 * from test .debs built with dpkg-deb under the real package names (DEP-5 and free-text copyright files, a
 * doc directory linked to gcc-12-base as bookworm's libgcc-s1 has it, none at all), cached under the real
 * pins' sha256, as a build leaves them. test/live/attest-real-debs.test.ts does the same with real .debs.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  attestationsFor,
  buildSbomWriter,
  createAttestContext,
  LicenseCache,
  readDebLicense,
  sbomDraft,
  sbomInput,
  spdxDocument,
  spdxJson,
  type AttestContext,
  type AttestSubject,
  type DebLicense,
  type SpdxDocument,
} from '../../src/attest/index.js';
import { VARIANTS } from '../../src/config/variants.js';
import { loadConfig, onlyDistros } from '../../src/config/index.js';
import type { Config } from '../../src/config/types.js';
import type { Lockfile } from '../../src/lock/types.js';
import { makeDeb, type DebFile } from '../helpers/make-deb.js';
import { spdxProblems } from '../helpers/spdx.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const LOCK_DIR = join(ROOT, 'lockfiles');
const GCC_LINKED = new Set(['libgcc-s1', 'libgomp1', 'libstdc++6']);

const dep5 = (name: string, i: number): string =>
  [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    `Upstream-Name: ${name}`,
    '',
    'Files: *',
    `Copyright: ${2000 + i} The ${name} authors`,
    i % 2 === 0 ? 'License: GPL-2+ or Expat' : 'License: LGPL-2.1+ with Libtool exception',
    '',
    'Files: debian/*',
    `Copyright: ${2010 + i} Debian ${name} maintainers`,
    i % 3 === 0 ? 'License: public-domain' : 'License: BSD-3-clause',
    '',
    'License: public-domain',
    ' Placed in the public domain.',
    '',
  ].join('\n');

/** The test package for one real name: what its copyright situation looks like. */
function files(name: string, i: number): DebFile[] {
  const doc = `usr/share/doc/${name}`;
  if (GCC_LINKED.has(name)) return [{ path: doc, type: 'symlink', target: 'gcc-12-base' }];
  if (name === 'gcc-12-base' || name === 'libc6')
    return [{ path: `${doc}/copyright`, content: `Free text.\n\nCopyright (C) 1991-2023 The ${name} authors.\n` }];
  if (i % 5 === 4) return [{ path: `${doc}/README`, content: 'no copyright file\n' }];
  return [{ path: `${doc}/copyright`, content: dep5(name, i) }];
}

describe('attestations of the committed debian12 lock', () => {
  let dir: string;
  let config: Config;
  let ctx: AttestContext;
  let lock: Lockfile;
  const facts = new Map<string, DebLicense>();
  const subjects: AttestSubject[] = [];
  const digest = (s: string): string => `sha256:${createHash('sha256').update(s).digest('hex')}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'attest-lock-'));
    config = onlyDistros(await loadConfig(join(ROOT, 'distroless.yaml')), ['debian12']);
    lock = JSON.parse(await readFile(join(LOCK_DIR, 'debian12.lock.json'), 'utf8')) as Lockfile;
    const names = [...new Set(Object.values(lock.packages).flatMap((p) => Object.keys(p)))].sort();
    const cache = new LicenseCache(join(dir, 'cache', 'licenses'));
    for (const [i, name] of names.entries()) {
      const deb = await makeDeb(dir, { name, files: files(name, i), compression: 'none' });
      facts.set(name, await readDebLicense(deb, name));
    }
    for (const pins of Object.values(lock.packages))
      for (const [name, pin] of Object.entries(pins))
        await cache.put({ name, sha256: pin.sha256 }, facts.get(name) as DebLicense);
    ctx = await createAttestContext({ config, lockDir: LOCK_DIR, cacheDir: join(dir, 'cache') });
    for (const image of Object.values(config.images).map((i) => i.name)) {
      const archs = Object.keys(lock.images[image] ?? {});
      for (const variant of VARIANTS) {
        for (const arch of archs)
          subjects.push({
            image,
            distro: 'debian12',
            variant,
            arch,
            name: `ghcr.io/acme/${image}-debian12`,
            digest: digest(`${image}/${variant}/${arch}`),
          });
        subjects.push({
          image,
          distro: 'debian12',
          variant,
          name: `ghcr.io/acme/${image}-debian12`,
          digest: digest(`${image}/${variant}`),
        });
      }
    }
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('the test .debs cover every copyright situation', () => {
    expect(facts.get('libgcc-s1')).toEqual({ kind: 'package', package: 'gcc-12-base' });
    expect(facts.get('libc6')).toMatchObject({ kind: 'file', info: { format: 'text' } });
    expect([...facts.values()].filter((f) => f.kind === 'none').length).toBeGreaterThan(3);
    expect([...facts.values()].filter((f) => f.kind === 'file' && f.info.format === 'dep5').length).toBeGreaterThan(30);
  });

  it('every image, variant, arch and index: valid SPDX 2.3, the closure of the lock, SLSA over the same .debs', async () => {
    // six images × four variants × (five archs + the index)
    expect(Object.keys(lock.packages).sort()).toEqual(['amd64', 'arm64', 'armhf', 'ppc64el', 's390x']);
    expect(subjects).toHaveLength(6 * 4 * 6);
    for (const subject of subjects) {
      const [sbom, provenance] = await attestationsFor(ctx, subject);
      const doc = sbom.predicate;
      expect({ subject: subject.digest, problems: spdxProblems(doc) }).toEqual({
        subject: subject.digest,
        problems: [],
      });
      expect(sbom.subject).toEqual([{ name: subject.name, digest: { sha256: subject.digest.slice(7) } }]);
      expect(sbom.predicateType).toBe('https://spdx.dev/Document');
      expect(provenance.predicateType).toBe('https://slsa.dev/provenance/v1');
      const archs = subject.arch ? [subject.arch] : Object.keys(lock.images[subject.image] ?? {});
      const expected = archs.flatMap((a) => [
        ...Object.keys(lock.images[subject.image]?.[a]?.packages ?? {}).map((n) => `${a}/${n}`),
        ...(subject.variant.startsWith('debug')
          ? Object.keys(lock.images.debug?.[a]?.packages ?? {}).map((n) => `${a}/${n}`)
          : []),
      ]);
      const debs = doc.packages.slice(1);
      expect(debs.map((p) => `${p.SPDXID.split('-')[3]}/${p.name}`).sort()).toEqual(expected.sort());
      const shas = new Set(debs.map((p) => p.checksums?.[0]?.checksumValue));
      const deps = provenance.predicate.buildDefinition.resolvedDependencies.filter((d) => d.uri.endsWith('.deb'));
      expect(new Set(deps.map((d) => d.digest.sha256))).toEqual(shas);
      expect(provenance.predicate.buildDefinition.externalParameters).toMatchObject({
        image: subject.image,
        variant: subject.variant,
        arch: subject.arch ?? 'index',
      });
    }
  });

  it('spdxJson gives the bytes of JSON.stringify(spdxDocument, null, 2) for every document', async () => {
    for (const subject of subjects) {
      const input = sbomInput(subject, await sbomDraft(ctx, subject));
      expect(spdxJson(input)).toBe(JSON.stringify(spdxDocument(input), null, 2));
    }
  });

  it('the build writer drafts ahead, takes captured facts without the disk, and writes each document once', async () => {
    const cache = new LicenseCache(join(dir, 'writer-cache', 'licenses'));
    for (const pins of Object.values(lock.packages))
      for (const [name, pin] of Object.entries(pins))
        if (name !== 'tzdata') await cache.put({ name, sha256: pin.sha256 }, facts.get(name) as DebLicense);
    // tzdata is "being built": its facts arrive through the capture only, after the drafts have started.
    const tzdata = lock.packages.amd64?.tzdata as Lockfile['packages'][string][string];
    const { settle } = cache.expect({ name: 'tzdata', sha256: tzdata.sha256 });
    const sbomDir = join(dir, 'sbom');
    const writer = buildSbomWriter({
      config,
      lockDir: LOCK_DIR,
      cacheDir: join(dir, 'writer-cache'),
      dir: sbomDir,
      licenses: cache,
    });
    writer.plan([
      { image: 'static', distro: 'debian12', variant: 'latest', arch: 'amd64' },
      { image: 'static', distro: 'debian12', variant: 'latest', archs: ['amd64'] },
    ]);
    const images = [{ image: 'static', distro: 'debian12', variant: 'latest', arch: 'amd64', digest: digest('s1') }];
    const indexes = [{ image: 'static', distro: 'debian12', variant: 'latest', digest: digest('s2') }];
    const written = writer.write(images, indexes);
    const pending = await Promise.race([
      written.then(() => 'written'),
      new Promise((r) => setTimeout(() => r('waiting'), 50)),
    ]);
    expect(pending).toBe('waiting'); // the documents wait for the capture rather than reading tzdata's .deb
    settle(facts.get('tzdata'));
    const paths = await written;
    expect(paths).toEqual([
      join(sbomDir, 'static-debian12-latest-amd64.spdx.json'),
      join(sbomDir, 'static-debian12-latest.spdx.json'),
    ]);
    const text = await readFile(paths[0] as string, 'utf8');
    const [expected] = await attestationsFor(ctx, {
      image: 'static',
      distro: 'debian12',
      variant: 'latest',
      arch: 'amd64',
      name: 'static-debian12',
      digest: digest('s1'),
    });
    expect(text).toBe(`${JSON.stringify(expected.predicate, null, 2)}\n`);
    expect(JSON.parse(text).packages.find((p: { name: string }) => p.name === 'tzdata').licenseDeclared).not.toBe(
      'NOASSERTION',
    );
  });

  it('an abandoned build writer fetches no more .debs and settles only after the fetches in flight', async () => {
    // No facts cached: every package of the draft is fetched, except tzdata, whose layer is "being built".
    const cache = new LicenseCache(join(dir, 'abandon-cache', 'licenses'));
    const tzdata = lock.packages.amd64?.tzdata as Lockfile['packages'][string][string];
    const { settle } = cache.expect({ name: 'tzdata', sha256: tzdata.sha256 });
    const calls: string[] = [];
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const writer = buildSbomWriter({
      config,
      lockDir: LOCK_DIR,
      cacheDir: join(dir, 'abandon-cache'),
      dir: join(dir, 'abandon-sbom'),
      licenses: cache,
      fetchDeb: async (_distro, arch, name) => {
        calls.push(`${arch}/${name}`);
        await gate;
        throw new Error(`${name}: the download failed`);
      },
    });
    writer.plan([{ image: 'static', distro: 'debian12', variant: 'latest', arch: 'amd64' }]);
    const others = Object.keys(lock.images.static?.amd64?.packages ?? {}).filter((n) => n !== 'tzdata');
    expect(others.length).toBeGreaterThan(2);
    for (let i = 0; i < 1000 && calls.length < others.length; i++) await new Promise((r) => setTimeout(r, 5));
    expect(calls.sort()).toEqual(others.map((n) => `amd64/${n}`).sort());
    const abandoned = writer.abandon();
    expect(writer.abandon()).toBe(abandoned);
    settle(); // the layer failed: tzdata's facts are not on disk, and the .deb must not be fetched now
    const early = await Promise.race([
      abandoned.then(() => 'settled'),
      new Promise((r) => setTimeout(() => r('waiting'), 50)),
    ]);
    expect(early).toBe('waiting'); // the fetches in flight are waited for
    open();
    await abandoned;
    expect(calls).not.toContain('amd64/tzdata');
    expect(calls).toHaveLength(others.length);
    writer.plan([{ image: 'base', distro: 'debian12', variant: 'latest', arch: 'amd64' }]);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toHaveLength(others.length); // nothing new is drafted either
  });

  it('packages carry version, purl, pool URL, .deb sha256 and source; libgcc-s1 has gcc-12-base’s licence', async () => {
    const [sbom] = await attestationsFor(ctx, {
      image: 'cc',
      distro: 'debian12',
      variant: 'latest',
      arch: 'arm64',
      name: 'cc-debian12',
      digest: digest('cc'),
    });
    const pkg = (name: string) => sbom.predicate.packages.find((p) => p.name === name);
    const pin = lock.packages.arm64?.['libssl3'];
    const source = lock.sources.find((s) => s.suite === pin?.suite);
    expect(pkg('libssl3')).toMatchObject({
      SPDXID: 'SPDXRef-Package-deb-arm64-libssl3',
      versionInfo: pin?.version,
      downloadLocation: `${source?.url}/${pin?.filename}`,
      checksums: [{ algorithm: 'SHA256', checksumValue: pin?.sha256 }],
      sourceInfo: `built package from: ${pin?.source} ${pin?.sourceVersion}`,
      externalRefs: [
        {
          referenceCategory: 'PACKAGE-MANAGER',
          referenceType: 'purl',
          referenceLocator: `pkg:deb/debian/libssl3@${pin?.version.replace(/\+/g, '%2B')}?arch=arm64&distro=debian-12`,
        },
      ],
    });
    expect(pkg('gcc-12-base')?.copyrightText).toBe('Copyright (C) 1991-2023 The gcc-12-base authors.');
    expect(pkg('libgcc-s1')).toMatchObject({
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'Copyright (C) 1991-2023 The gcc-12-base authors.',
      licenseComments: expect.stringMatching(
        /^\/usr\/share\/doc\/libgcc-s1 is a link to \/usr\/share\/doc\/gcc-12-base: the copyright file of gcc-12-base /,
      ),
    });
    const withLicense = sbom.predicate.packages.filter((p) => p.licenseDeclared !== 'NOASSERTION');
    expect(withLicense.length).toBeGreaterThan(3);
    expect(sbom.predicate.packages[0]).toMatchObject({
      SPDXID: 'SPDXRef-Image',
      name: 'cc-debian12',
      primaryPackagePurpose: 'CONTAINER',
    });
  });

  it('an index holds each package once per arch; its archs can be given', async () => {
    const index = (
      await attestationsFor(ctx, {
        image: 'static',
        distro: 'debian12',
        variant: 'debug',
        name: 'static-debian12',
        digest: digest('idx'),
      })
    )[0].predicate;
    const perArch = Object.keys(lock.images.static ?? {}).map(
      (a) =>
        Object.keys(lock.images.static?.[a]?.packages ?? {}).length +
        Object.keys(lock.images.debug?.[a]?.packages ?? {}).length,
    );
    expect(index.packages).toHaveLength(1 + perArch.reduce((a, b) => a + b, 0));
    expect(index.packages[0]?.SPDXID).toBe('SPDXRef-ImageIndex');
    expect(index.packages[0]?.externalRefs[0]?.referenceLocator).toBe(`pkg:oci/static-debian12@${digest('idx')}`);
    const one = await attestationsFor(ctx, {
      image: 'static',
      distro: 'debian12',
      variant: 'latest',
      archs: ['arm64'],
      name: 'x',
      digest: digest('a'),
    });
    expect(one[0].predicate.packages.slice(1).every((p) => p.SPDXID.startsWith('SPDXRef-Package-deb-arm64-'))).toBe(
      true,
    );
    expect(one[1].predicate.buildDefinition.externalParameters).toMatchObject({ arch: 'index', archs: ['arm64'] });
  });

  it('is deterministic, and names the lockfile and config by the sha256 of their bytes', async () => {
    const s: AttestSubject = {
      image: 'python3',
      distro: 'debian12',
      variant: 'nonroot',
      arch: 'amd64',
      name: 'p',
      digest: digest('p'),
    };
    const [a, b] = [await attestationsFor(ctx, s), await attestationsFor(ctx, s)];
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const deps = a[1].predicate.buildDefinition.resolvedDependencies;
    const sha = async (f: string) =>
      createHash('sha256')
        .update(await readFile(f))
        .digest('hex');
    expect(deps).toContainEqual({
      uri: 'lockfiles/debian12.lock.json',
      digest: { sha256: await sha(join(LOCK_DIR, 'debian12.lock.json')) },
    });
    expect(deps).toContainEqual({
      uri: 'distroless.yaml',
      digest: { sha256: await sha(join(ROOT, 'distroless.yaml')) },
      annotations: { configDigest: lock.configDigest },
    });
    expect(a[1].predicate.buildDefinition.internalParameters).toEqual({
      buildEpoch: ctx.distros.debian12?.epoch,
      snapshots: lock.sources.map((x) => ({ suite: x.suite, snapshot: x.snapshot, date: x.date })),
    });
    expect((a[0].predicate as SpdxDocument).creationInfo.created).toBe(
      new Date((ctx.distros.debian12?.epoch ?? 0) * 1000).toISOString().replace('.000Z', 'Z'),
    );
  });

  it('without licence facts every package is NOASSERTION, and the documents stay valid', async () => {
    const bare = await createAttestContext({ config, lockDir: LOCK_DIR, cacheDir: join(dir, 'empty-cache') });
    const [sbom] = await attestationsFor(bare, {
      image: 'base',
      distro: 'debian12',
      variant: 'latest',
      arch: 's390x',
      name: 'b',
      digest: digest('b'),
    });
    expect(spdxProblems(sbom.predicate)).toEqual([]);
    expect(
      sbom.predicate.packages
        .slice(1)
        .every((p) => p.licenseDeclared === 'NOASSERTION' && /not available/.test(p.licenseComments ?? '')),
    ).toBe(true);
  });

  it('refuses unknown images, variants and archs, and a lock made for another config', async () => {
    const base: AttestSubject = {
      image: 'base',
      distro: 'debian12',
      variant: 'latest',
      arch: 'amd64',
      name: 'b',
      digest: digest('b'),
    };
    await expect(attestationsFor(ctx, { ...base, image: 'nope' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(attestationsFor(ctx, { ...base, variant: 'slim' })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/unknown variant slim/),
    });
    await expect(attestationsFor(ctx, { ...base, arch: 'riscv64' })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringMatching(/arch riscv64 is not in the lock/),
    });
    await expect(attestationsFor(ctx, { ...base, digest: 'sha256:x' })).rejects.toMatchObject({ code: 'INTERNAL' });
    const changed: Config = {
      ...config,
      images: {
        ...config.images,
        'base-debian12': { ...(config.images['base-debian12'] as Config['images'][string]), packages: ['libc6'] },
      },
    };
    const stale = await createAttestContext({ config: changed, lockDir: LOCK_DIR });
    await expect(attestationsFor(stale, base)).rejects.toMatchObject({ code: 'LOCK_STALE' });
  });
});
