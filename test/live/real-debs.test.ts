/**
 * Real bookworm .debs through writePackageLayer, checked against dpkg-deb: the layer lists the same entries
 * (names, types, modes, sizes, link targets) as `dpkg-deb -c`, in the same order, plus status.d; the
 * file contents are the same bytes as `dpkg-deb --fsys-tarfile`. The .debs are picked fresh from the
 * mirror's current Packages index (never a pinned version, which the pool drops) and checked by sha256.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { writePackageLayer } from '../../src/build/package-layer.js';
import { parsePackagesIndex } from '../../src/debian/packages.js';
import type { PackageRecord } from '../../src/debian/types.js';
import { TarWriter } from '../../src/tar/writer.js';
import { describeLive } from '../helpers/live.js';
import { mirrorFetch } from '../helpers/mirror-fetch.js';

const run = promisify(execFile);
const MIRROR = 'http://deb.debian.org/debian';
const PACKAGES = ['base-files', 'tzdata', 'libc6'];
const EPOCH = 1_700_000_000;

let work = '';
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'real-debs-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function download(url: string): Promise<Buffer> {
  const res = await mirrorFetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

interface Listed {
  perms: string;
  size: string;
  name: string;
  link: string;
}

/** Parses GNU tar's verbose listing (what `dpkg-deb -c` prints too), names normalised to layer paths. */
function parseListing(text: string): Listed[] {
  const out: Listed[] = [];
  for (const line of text.trim().split('\n')) {
    const m = /^(\S{10}) \S+\s+(\d+) \d{4}-\d\d-\d\d \d\d:\d\d (.*)$/.exec(line);
    if (m === null) throw new Error(`unexpected listing line: ${line}`);
    const [, perms = '', size = '', rest = ''] = m;
    const split = perms.startsWith('l') ? rest.split(' -> ') : perms.startsWith('h') ? rest.split(' link to ') : [rest];
    const norm = (p: string): string => p.replace(/^\.\//, '').replace(/\/$/, '');
    const name = norm(split[0] ?? '');
    if (name === '' || name === '.') continue; // the root entry, which the layer drops
    out.push({ perms, size, name, link: perms.startsWith('h') ? norm(split[1] ?? '') : (split[1] ?? '') });
  }
  return out;
}

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describeLive('real bookworm .debs → package layers', () => {
  let records: PackageRecord[] = [];

  beforeAll(async () => {
    const index = gunzipSync(await download(`${MIRROR}/dists/bookworm/main/binary-amd64/Packages.gz`));
    records = parsePackagesIndex(index, 'bookworm main amd64 Packages').filter((r) => PACKAGES.includes(r.name));
  }, 180_000);

  it.each(PACKAGES)(
    '%s: the layer matches dpkg-deb -c and --fsys-tarfile',
    async (name) => {
      const record = records.find((r) => r.name === name);
      if (record === undefined) throw new Error(`${name} is not in bookworm main amd64`);
      const bytes = await download(`${MIRROR}/${record.filename}`);
      expect(bytes.length).toBe(record.size);
      expect(sha256(bytes)).toBe(record.sha256);
      const deb = join(work, `${name}.deb`);
      await writeFile(deb, bytes);

      const layer = join(work, `${name}.tar`);
      const out = createWriteStream(layer);
      const writer = new TarWriter(out);
      const info = await writePackageLayer(deb, name, writer, { epoch: EPOCH });
      await writer.finish();
      await finished(out);

      const env = { ...process.env, LC_ALL: 'C', TZ: 'UTC' };
      const expected = parseListing((await run('dpkg-deb', ['-c', deb], { env, maxBuffer: 1 << 26 })).stdout);
      const listing = (
        await run('tar', ['--numeric-owner', '--quoting-style=literal', '-tvf', layer], { env, maxBuffer: 1 << 26 })
      ).stdout;
      const actual = parseListing(listing);
      expect(expected.length).toBeGreaterThan(10);
      const status = actual.filter((e) => e.name.startsWith('var/lib/dpkg/status.d/'));
      expect(status.map((e) => e.name)).toEqual([
        `var/lib/dpkg/status.d/${name}`,
        `var/lib/dpkg/status.d/${name}.md5sums`,
      ]);
      const generated = new Set([
        'var',
        'var/lib',
        'var/lib/dpkg',
        'var/lib/dpkg/status.d',
        ...status.map((e) => e.name),
      ]);
      expect(actual.filter((e) => !generated.has(e.name) || expected.some((x) => x.name === e.name))).toEqual(expected);
      for (const line of listing.trim().split('\n')) expect(line).toMatch(/^\S{10} \d+\/\d+ /); // numeric owners

      expect(info.fileCount).toBe(expected.filter((e) => e.perms.startsWith('-')).length);
      const shellEnv = { ...env, DEB: deb, LAYER: layer };
      const theirs = await run('sh', ['-c', 'dpkg-deb --fsys-tarfile "$DEB" | tar -xO | sha256sum'], { env: shellEnv });
      const ours = await run('sh', ['-c', `tar -xOf "$LAYER" --exclude='var/lib/dpkg/status.d/*' | sha256sum`], {
        env: shellEnv,
      });
      expect(ours.stdout).toBe(theirs.stdout);
    },
    300_000,
  );
});
