import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX_APPLETS, BUSYBOX_APPLETS_SOURCE } from '../../src/build/busybox-applets.js';
import { BUSYBOX_DEB_PATH } from '../../src/build/busybox.js';
import { describeLive } from '../helpers/live.js';

const MIRROR = 'https://deb.debian.org/debian';
const REGENERATE = 'the pinned busybox-static is gone from the pool: run scripts/gen-busybox-applets.mjs and commit the result';

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'busybox-live-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Downloads one .deb from the pool and returns the bytes of its bin/busybox (dpkg-deb does the unpacking). */
async function fetchBusybox(filename: string, sha256?: string): Promise<Buffer> {
  const res = await fetch(`${MIRROR}/${filename}`, { signal: AbortSignal.timeout(60_000) });
  if (res.status === 404) throw new Error(`${filename}: 404; ${REGENERATE}`);
  if (!res.ok) throw new Error(`${filename}: HTTP ${res.status}`);
  const deb = Buffer.from(await res.arrayBuffer());
  if (sha256 !== undefined) expect(createHash('sha256').update(deb).digest('hex')).toBe(sha256);
  const name = filename.slice(filename.lastIndexOf('/') + 1);
  const debPath = join(work, name);
  writeFileSync(debPath, deb);
  const root = join(work, name.replace(/\.deb$/, ''));
  execFileSync('dpkg-deb', ['-x', debPath, root]);
  return readFileSync(join(root, BUSYBOX_DEB_PATH));
}

/**
 * The applet names as compiled into the binary: BusyBox keeps them in one sorted, NUL-separated string
 * (`applet_names`, from applet_tables.c) that starts with "[" and "[[" when `test` is built in. Lets us check
 * binaries we cannot run.
 */
function appletTable(binary: Buffer): string[] {
  const start = binary.indexOf(Buffer.from('[\0[[\0', 'latin1'));
  if (start < 0) throw new Error('no applet name table found');
  const names: string[] = [];
  for (let at = start; ; ) {
    const end = binary.indexOf(0, at);
    if (end === at || end < 0) break;
    names.push(binary.subarray(at, end).toString('latin1'));
    at = end + 1;
  }
  return names;
}

describeLive('busybox applets against the real busybox-static', () => {
  it('the pinned amd64 binary lists exactly BUSYBOX_APPLETS', async () => {
    const { filename, sha256, banner } = BUSYBOX_APPLETS_SOURCE;
    const binary = await fetchBusybox(filename, sha256);
    expect(appletTable(binary)).toEqual(BUSYBOX_APPLETS);
    if (process.platform !== 'linux' || process.arch !== 'x64') return; // cannot run it; the table check stands
    const bin = join(work, filename.slice(filename.lastIndexOf('/') + 1).replace(/\.deb$/, ''), BUSYBOX_DEB_PATH);
    const listed = execFileSync(bin, ['--list'], { encoding: 'utf8' }).split('\n').filter((l) => l !== '');
    expect(listed).toEqual(BUSYBOX_APPLETS);
    expect(execFileSync(bin, ['--help'], { encoding: 'utf8' }).split('\n')[0]).toBe(`${banner} multi-call binary.`);
  });

  it.each(['arm64', 'armhf', 's390x', 'ppc64el'])('the %s binary of the same version has the same applets', async (arch) => {
    const filename = BUSYBOX_APPLETS_SOURCE.filename.replace(/_amd64\.deb$/, `_${arch}.deb`);
    expect(appletTable(await fetchBusybox(filename))).toEqual(BUSYBOX_APPLETS);
  });
});
