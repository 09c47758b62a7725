/**
 * `build` writes SPDX SBOMs beside the OCI layout: one per image × variant × arch and one per index, for the
 * digests the build made, valid against the SPDX 2.3 schema, with licence facts from the packages' copyright
 * files. Runs the CLI in-process against the signed test repository on 127.0.0.1 (update-fixture.ts), whose
 * packages here ship copyright files (DEP-5, free text, none).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHttpClient, FAST_RETRY } from '../../src/archive/index.js';
import { attestationsFor, createAttestContext } from '../../src/attest/index.js';
import { runCli, EXIT, type CliIo } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/index.js';
import { makeFixture, mainPackages, MAIN_URL, NOW, SECURITY_URL, type Fixture } from '../helpers/update-fixture.js';
import { spdxProblems } from '../helpers/spdx.js';

const DEP5 = (license: string, text = '') =>
  `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2024 Test Authors\nLicense: ${license}\n${text}`;
const COPYRIGHT: Record<string, string> = {
  'base-files': DEP5('GPL-2+'),
  tzdata: DEP5('public-domain', ' This database is in the public domain.\n'),
  libc6: 'GNU C Library.\n\nCopyright (C) 1991-2023 Free Software Foundation, Inc.\n',
  'busybox-static': DEP5('GPL-2'),
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('build writes SBOM files beside the layout', () => {
  let fx: Fixture;
  let common: string[];
  const cli = async (args: string[], mirrors = common): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env: { HOME: fx.dir },
      cwd: fx.dir,
      isTTY: false,
      now: () => NOW,
      clock: () => 0,
    };
    return { code: await runCli([...mirrors, ...args], io), stdout, stderr };
  };
  const docs = async (dir: string): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const f of (await readdir(dir)).sort()) out.set(f, await readFile(join(dir, f), 'utf8'));
    return out;
  };

  beforeAll(async () => {
    const packages = mainPackages().map((p) =>
      COPYRIGHT[p.name]
        ? { ...p, files: { ...p.files, [`usr/share/doc/${p.name}/copyright`]: COPYRIGHT[p.name] as string } }
        : p,
    );
    fx = await makeFixture({ main: { packages } });
    const keys = join(fx.dir, 'keys.asc');
    await writeFile(keys, fx.keys.map((k) => k.armoredPublic).join('\n'));
    common = [
      '--keyring',
      keys,
      '--mirror',
      `${MAIN_URL}=${fx.mainServer.url}`,
      '--mirror',
      `${SECURITY_URL}=${fx.securityServer.url}`,
      '--cache-dir',
      join(fx.dir, 'cache'),
    ];
    const update = await cli(['update']);
    expect(update.code).toBe(EXIT.ok);
  });
  afterAll(async () => fx.close());

  it('one valid SPDX document per image × variant × arch and per index, describing the built digests', async () => {
    const r = await cli(['build', '--json']);
    expect(r.code).toBe(EXIT.ok);
    const result = JSON.parse(r.stdout);
    const dir = join(fx.dir, 'out', 'sbom');
    const files = await docs(dir);
    const expected = [
      ...result.images.map(
        (i: { image: string; variant: string; arch: string }) => `${i.image}-test12-${i.variant}-${i.arch}.spdx.json`,
      ),
      ...result.indexes.map((x: { image: string; variant: string }) => `${x.image}-test12-${x.variant}.spdx.json`),
    ].sort();
    expect([...files.keys()]).toEqual(expected);
    expect(files.size).toBe(2 * 4 * 2 + 2 * 4);
    expect(result.sboms).toEqual(expected.map((f) => join(dir, f)));
    for (const [file, text] of files) {
      const doc = JSON.parse(text);
      expect({ file, problems: spdxProblems(doc) }).toEqual({ file, problems: [] });
      expect(doc.name).toBe(file.replace(/\.spdx\.json$/, ''));
    }
    const image = result.images.find((i: { ref: string }) => i.ref === 'base-test12-debug-arm64');
    const doc = JSON.parse(files.get('base-test12-debug-arm64.spdx.json') ?? '{}');
    expect(doc.packages[0]).toMatchObject({ SPDXID: 'SPDXRef-Image', name: 'base-test12', versionInfo: image.digest });
    expect(doc.creationInfo.created).toBe(new Date(result.epoch * 1000).toISOString().replace('.000Z', 'Z'));
    const byName = new Map(doc.packages.map((p: { name: string }) => [p.name, p]));
    expect([...byName.keys()].sort()).toEqual([
      'base-files',
      'base-test12',
      'busybox-static',
      'gcc-12-base',
      'libc6',
      'libgcc-s1',
      'tzdata',
    ]);
    expect(byName.get('base-files')).toMatchObject({
      licenseDeclared: 'GPL-2.0-or-later',
      copyrightText: '2024 Test Authors',
      downloadLocation: expect.stringMatching(/^https:\/\/archive\.test\/debian\/pool\//),
    });
    expect(byName.get('tzdata')).toMatchObject({ licenseDeclared: 'LicenseRef-public-domain' });
    expect(doc.hasExtractedLicensingInfos).toEqual([
      {
        licenseId: 'LicenseRef-public-domain',
        name: 'public-domain',
        extractedText: 'This database is in the public domain.',
      },
    ]);
    expect(byName.get('libc6')).toMatchObject({
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'Copyright (C) 1991-2023 Free Software Foundation, Inc.',
      versionInfo: '2.36-9',
    });
    // busybox's layer is a generated one (not a package layer): its facts come from reading its .deb once.
    expect(byName.get('busybox-static')).toMatchObject({ licenseDeclared: 'GPL-2.0-only' });
    expect(byName.get('libgcc-s1')).toMatchObject({
      licenseDeclared: 'NOASSERTION',
      licenseComments: 'The package ships no /usr/share/doc/libgcc-s1/copyright.',
    });
    const index = JSON.parse(files.get('base-test12-debug.spdx.json') ?? '{}');
    const built = result.indexes.find(
      (x: { image: string; variant: string }) => x.image === 'base' && x.variant === 'debug',
    );
    expect(index.packages[0]).toMatchObject({ SPDXID: 'SPDXRef-ImageIndex', versionInfo: built.digest });
    expect(index.packages).toHaveLength(1 + 2 * 6);
  });

  it('a cached rebuild reads no .deb: same documents with the .debs gone and the archive unreachable', async () => {
    const before = await docs(join(fx.dir, 'out', 'sbom'));
    await rm(join(fx.dir, 'cache', 'debs'), { recursive: true, force: true });
    const offline = common.map((a) =>
      a.replace(fx.mainServer.url, 'http://127.0.0.1:9').replace(fx.securityServer.url, 'http://127.0.0.1:9'),
    );
    const r = await cli(['build', '--sbom-dir', 'elsewhere'], offline);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(/layers: 0 built, \d+ from cache/);
    expect(r.stdout).toMatch(/24 SPDX SBOM\(s\) in .*elsewhere\n/);
    expect(await docs(join(fx.dir, 'elsewhere'))).toEqual(before);
  });

  it('attestations made elsewhere (a signing job) download the .debs they lack, or say NOASSERTION', async () => {
    const config = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
    const subject = {
      image: 'base',
      distro: 'test12',
      variant: 'debug',
      arch: 'amd64',
      name: '127.0.0.1:5000/base-test12',
      digest: `sha256:${'1'.repeat(64)}`,
    };
    const offline = await createAttestContext({ config, lockDir: fx.lockDir, cacheDir: join(fx.dir, 'signer-a') });
    const bare = (await attestationsFor(offline, subject))[0].predicate;
    expect(bare.packages.find((p) => p.name === 'base-files')).toMatchObject({
      licenseDeclared: 'NOASSERTION',
      licenseComments: expect.stringMatching(/not available/),
    });
    const online = await createAttestContext({
      config,
      lockDir: fx.lockDir,
      cacheDir: join(fx.dir, 'signer-b'),
      download: createHttpClient({ retry: FAST_RETRY }),
    });
    const [sbom, provenance] = await attestationsFor(online, subject);
    expect(spdxProblems(sbom.predicate)).toEqual([]);
    const byName = new Map(sbom.predicate.packages.map((p) => [p.name, p]));
    expect(byName.get('base-files')).toMatchObject({ licenseDeclared: 'GPL-2.0-or-later' });
    expect(byName.get('busybox-static')).toMatchObject({ licenseDeclared: 'GPL-2.0-only' });
    expect((await readdir(join(fx.dir, 'signer-b', 'licenses'))).length).toBe(sbom.predicate.packages.length - 1);
    // The .debs are named by their pool URLs as the config writes them, not by the mirror that served them.
    const debs = provenance.predicate.buildDefinition.resolvedDependencies.filter((d) => d.uri.endsWith('.deb'));
    expect(
      debs.map((d) => d.uri).every((u) => u.startsWith(`${MAIN_URL}/pool/`) || u.startsWith(`${SECURITY_URL}/pool/`)),
    ).toBe(true);
    expect(debs).toHaveLength(6);
  });

  it('--no-sbom writes none', async () => {
    const r = await cli(['build', '--output', 'plain/oci', '--no-sbom', '--json']);
    expect(r.code).toBe(EXIT.ok);
    expect(JSON.parse(r.stdout).sboms).toEqual([]);
    expect(await readdir(join(fx.dir, 'plain'))).toEqual(['oci']);
  });
});
