import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { appletNames, BUSYBOX_DEB_PATHS } from '../../src/build/busybox.js';
import { describeLive } from '../helpers/live.js';
import { mirrorFetch } from '../helpers/mirror-fetch.js';

const MIRROR = 'https://deb.debian.org/debian';

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'busybox-live-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** busybox-static's current pool path and sha256 for `arch`, read fresh from the bookworm main index. */
async function currentBusybox(arch: string): Promise<{ filename: string; sha256: string; version: string }> {
  const res = await mirrorFetch(`${MIRROR}/dists/bookworm/main/binary-${arch}/Packages.gz`, {
    signal: AbortSignal.timeout(60_000),
  });
  const text = gunzipSync(Buffer.from(await res.arrayBuffer())).toString('latin1');
  const stanza = text.split('\n\n').find((s) => s.startsWith('Package: busybox-static\n'));
  if (!stanza) throw new Error(`no busybox-static for ${arch}`);
  const field = (f: string): string => new RegExp(`^${f}: (.*)$`, 'm').exec(stanza)?.[1] ?? '';
  return { filename: field('Filename'), sha256: field('SHA256'), version: field('Version') };
}

/** Downloads the .deb, checks its sha256 and returns its bin/busybox (dpkg-deb does the unpacking). */
async function fetchBusybox(arch: string): Promise<{ binary: Buffer; path: string; version: string }> {
  const { filename, sha256, version } = await currentBusybox(arch);
  const deb = Buffer.from(
    await (await mirrorFetch(`${MIRROR}/${filename}`, { signal: AbortSignal.timeout(60_000) })).arrayBuffer(),
  );
  expect(createHash('sha256').update(deb).digest('hex')).toBe(sha256);
  const debPath = join(work, `busybox-${arch}.deb`);
  writeFileSync(debPath, deb);
  const root = join(work, `busybox-${arch}`);
  execFileSync('dpkg-deb', ['-x', debPath, root]);
  const path = BUSYBOX_DEB_PATHS.map((p) => join(root, p)).find((p) => existsSync(p)) ?? join(root, 'bin/busybox');
  return { binary: readFileSync(path), path, version };
}

describeLive('busybox applets read from the real busybox-static binaries', () => {
  it('the amd64 table equals what the binary itself lists (busybox --list), sh and ls among them', async () => {
    const { binary, path } = await fetchBusybox('amd64');
    const listed = execFileSync(path, ['--list'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l !== '');
    expect(appletNames(binary)).toEqual(listed);
    expect(listed).toEqual(expect.arrayContaining(['sh', 'ls', 'cat', 'wget', 'vi']));
  });

  it.each(['arm64', 'armhf', 's390x', 'ppc64el'])(
    'the %s binary (not runnable here) has the same table as amd64',
    async (arch) => {
      const [amd64, other] = await Promise.all([fetchBusybox('amd64'), fetchBusybox(arch)]);
      if (other.version !== amd64.version)
        throw new Error(`busybox-static differs between amd64 (${amd64.version}) and ${arch} (${other.version})`);
      expect(appletNames(other.binary)).toEqual(appletNames(amd64.binary));
    },
  );
});
