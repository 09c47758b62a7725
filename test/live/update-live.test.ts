import { afterAll, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { runUpdate } from '../../src/app/update.js';
import { readLockfile } from '../../src/lock/io.js';
import { isDistrolessError } from '../../src/errors.js';
import { describeLive } from '../helpers/live.js';
import { mirrorFetch } from '../helpers/mirror-fetch.js';

const root = new URL('../..', import.meta.url).pathname;

/**
 * Independent check of a refusal: does the mirror really serve, for this index, bytes that differ from what
 * the (same) InRelease lists, with no by-hash copy? Plain HTTP and string matching, none of our code.
 */
async function mirrorReallyInconsistent(url: string, suite: string, path: string): Promise<boolean> {
  const inRelease = await (await mirrorFetch(`${url}/dists/${suite}/InRelease`)).text();
  const line = inRelease.split('\n').find((l) => l.trim().endsWith(` ${path}`) && /^ [0-9a-f]{64} /.test(l));
  if (!line) return false;
  const [hash] = line.trim().split(/\s+/);
  const byHash = await mirrorFetch(`${url}/dists/${suite}/${path.replace(/[^/]+$/, '')}by-hash/SHA256/${hash}`);
  if (byHash.ok) return false;
  const body = Buffer.from(await (await mirrorFetch(`${url}/dists/${suite}/${path}`)).arrayBuffer());
  return createHash('sha256').update(body).digest('hex') !== hash;
}

describeLive('update against the real Debian mirror (fresh resolution, never a committed lock)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  it('resolves the default config for every arch whose indices verify, and refuses only truly broken ones', async () => {
    const config = await loadConfig(join(root, 'distroless.yaml'));
    const distro = config.distros.debian12;
    if (!distro) throw new Error('default config lacks debian12');
    const lockDir = await mkdtemp(join(tmpdir(), 'live-lock-'));
    dirs.push(lockDir);
    const resolved: string[] = [];
    for (const arch of distro.archs) {
      try {
        await runUpdate({
          config,
          lockDir,
          now: new Date(),
          check: false,
          archs: [arch],
          cacheDir: join(lockDir, '.cache'),
        });
        resolved.push(arch);
      } catch (e) {
        // A refusal is only acceptable when the mirror really is inconsistent for that index.
        if (!isDistrolessError(e) || !['HASH_MISMATCH', 'SIZE_MISMATCH'].includes(e.code)) throw e;
        const m = /^(https?:\/\/\S+?)\/dists\/([^/]+)\/(\S+?): /.exec(e.message);
        if (!m) throw e;
        const [, url = '', suite = '', path = ''] = m;
        const indexPath = path.replace(/by-hash\/SHA256\/[0-9a-f]+$/, 'Packages.xz');
        expect(await mirrorReallyInconsistent(url, suite, indexPath)).toBe(true);
      }
    }
    // The two archs most users build must always resolve.
    expect(resolved).toEqual(expect.arrayContaining(['amd64', 'arm64']));
    const lock = await readLockfile(lockDir, 'debian12');
    if (!lock) throw new Error('no lock');
    for (const arch of resolved) {
      const images = Object.fromEntries(
        Object.entries(lock.images).map(([name, byArch]) => [name, Object.keys(byArch[arch]?.packages ?? {})]),
      );
      expect(images.static?.sort()).toEqual(['base-files', 'ca-certificates', 'media-types', 'netbase', 'tzdata']);
      expect(images['base-nossl']).toEqual(expect.arrayContaining(['libc6', 'base-files']));
      expect(images.base).toEqual(expect.arrayContaining(['libc6', 'libssl3']));
      expect(images.cc).toEqual(expect.arrayContaining(['libstdc++6', 'libgomp1', 'libgcc-s1']));
      expect(images.python3).toEqual(
        expect.arrayContaining(['python3.11', 'libpython3.11-stdlib', 'libssl3', 'libsqlite3-0']),
      );
      expect(images.python3).not.toEqual(expect.arrayContaining(['dpkg']));
      expect(images.java17).toEqual(expect.arrayContaining(['openjdk-17-jre-headless']));
      expect(images.debug).toEqual(['busybox-static']);
      for (const image of Object.values(images))
        expect(image).not.toEqual(expect.arrayContaining(['debconf', 'perl-base', 'bash', 'dash']));
      for (const pin of Object.values(lock.packages[arch] ?? {})) {
        expect(pin.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(['bookworm', 'bookworm-updates', 'bookworm-security']).toContain(pin.suite);
        expect(pin.filename).toMatch(/^pool\/(updates\/)?main\//);
      }
    }
  }, 240_000);
});
