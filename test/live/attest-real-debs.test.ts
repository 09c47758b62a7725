/**
 * Licence facts from real bookworm .debs, picked fresh from the mirror's current Packages index and checked by
 * sha256: what readDebLicense finds is what dpkg-deb extracts (the copyright file's text parsed alike, and
 * libgcc-s1's doc directory a link to gcc-12-base's), and an SPDX document made of them validates against
 * the SPDX 2.3 schema with every licence id on the SPDX list.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import {
  parseCopyright,
  readDebLicense,
  spdxDocument,
  type DebLicense,
  type SbomPackage,
} from '../../src/attest/index.js';
import { parsePackagesIndex } from '../../src/debian/packages.js';
import type { PackageRecord } from '../../src/debian/types.js';
import { describeLive } from '../helpers/live.js';
import { spdxProblems } from '../helpers/spdx.js';
import { mirrorFetch } from '../helpers/mirror-fetch.js';

const run = promisify(execFile);
const MIRROR = 'http://deb.debian.org/debian';
const PACKAGES = ['base-files', 'gcc-12-base', 'libgcc-s1', 'libssl3', 'tzdata', 'zlib1g'];

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'attest-real-'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

async function download(url: string): Promise<Buffer> {
  const res = await mirrorFetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

describeLive('licence facts of real bookworm .debs', () => {
  const records = new Map<string, PackageRecord>();
  const facts = new Map<string, DebLicense>();
  const paths = new Map<string, string>();

  beforeAll(async () => {
    const index = gunzipSync(await download(`${MIRROR}/dists/bookworm/main/binary-amd64/Packages.gz`));
    for (const r of parsePackagesIndex(index, 'bookworm main amd64 Packages'))
      if (PACKAGES.includes(r.name)) records.set(r.name, r);
    for (const name of PACKAGES) {
      const record = records.get(name);
      if (!record) throw new Error(`${name} is not in bookworm main amd64`);
      const bytes = await download(`${MIRROR}/${record.filename}`);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(record.sha256);
      const path = join(work, `${name}.deb`);
      await writeFile(path, bytes);
      paths.set(name, path);
      facts.set(name, await readDebLicense(path, name));
    }
  }, 300_000);

  it.each(PACKAGES.filter((n) => n !== 'libgcc-s1'))(
    '%s: the copyright file dpkg-deb extracts, parsed',
    async (name) => {
      const { stdout } = await run(
        'sh',
        ['-c', `dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/share/doc/${name}/copyright`],
        { env: { ...process.env, DEB: paths.get(name) }, maxBuffer: 1 << 26 },
      );
      expect(stdout.length).toBeGreaterThan(100);
      expect(facts.get(name)).toEqual({
        kind: 'file',
        path: `usr/share/doc/${name}/copyright`,
        info: parseCopyright(stdout),
      });
    },
  );

  it('libgcc-s1 ships its doc directory as a link to gcc-12-base, as dpkg-deb lists it', async () => {
    const { stdout } = await run('dpkg-deb', ['-c', paths.get('libgcc-s1') ?? '']);
    expect(stdout).toMatch(/^l\S+ .* \.\/usr\/share\/doc\/libgcc-s1 -> gcc-12-base$/m);
    expect(facts.get('libgcc-s1')).toEqual({ kind: 'package', package: 'gcc-12-base' });
  });

  it('DEP-5 files map to SPDX ids; a document of them validates', () => {
    const declared = (n: string): string => {
      const f = facts.get(n);
      return f?.kind === 'file' ? f.info.declared : '';
    };
    expect(declared('zlib1g')).toBe('Zlib');
    expect(declared('libssl3')).toMatch(/\bApache-2\.0\b/);
    expect(declared('tzdata')).toMatch(/LicenseRef-public-domain/);
    const packages: SbomPackage[] = PACKAGES.map((name) => {
      const r = records.get(name) as PackageRecord;
      const f = facts.get(name);
      const license =
        f?.kind === 'file'
          ? { declared: f.info.declared, copyrightText: f.info.copyrightText, licenseRefs: f.info.licenseRefs }
          : { declared: 'NOASSERTION', copyrightText: 'NOASSERTION', licenseRefs: {} };
      const pin = {
        version: r.version,
        architecture: r.architecture,
        suite: 'bookworm',
        source: r.source,
        sourceVersion: r.sourceVersion,
        filename: r.filename,
        size: r.size,
        sha256: r.sha256,
      };
      return { name, imageArch: 'amd64', pin, downloadLocation: `${MIRROR}/${r.filename}`, requiredBy: '', license };
    });
    const doc = spdxDocument({
      name: 'live-amd64',
      subject: { name: 'live', digest: `sha256:${'0'.repeat(64)}`, ociArch: 'amd64' },
      distroVersion: '12',
      epoch: 1_700_000_000,
      archs: [{ arch: 'amd64', packages }],
    });
    expect(spdxProblems(doc)).toEqual([]);
  });
});
