import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FAST_RETRY } from '../../src/archive/index.js';
import { runUpdate } from '../../src/app/update.js';
import { loadConfig } from '../../src/config/index.js';
import { renderPrBody, TRACKER_URL } from '../../src/update-pr/body.js';
import { buildDebianRepo, type TestRepo } from '../helpers/debian-repo.js';
import { serveDirectory, type TestServer } from '../helpers/http-server.js';
import {
  mainPackages,
  makeFixture,
  NOW,
  PUBLISHED,
  SECURITY_URL,
  MAIN_URL,
  type Fixture,
} from '../helpers/update-fixture.js';

/** glibc's changelog as the security upload ships it: four revisions on top of the locked 2.36-9+deb12u1. */
function glibcChangelog(top: number): string {
  const entries: string[] = [];
  for (let u = top; u >= 1; u--)
    entries.push(
      `glibc (2.36-9+deb12u${u}) bookworm-security; urgency=${u % 2 ? 'high' : 'medium'}\n\n` +
        `  * debian/patches/any/local-CVE-2026-${1000 + u}.patch: fix revision ${u}.\n` +
        `    Second line of revision ${u}.\n\n` +
        ` -- Aurelien Jarno <aurel32@debian.org>  Mon, 0${u} Nov 2026 10:00:00 +0100\n`,
    );
  entries.push(
    `glibc (2.36-9) unstable; urgency=medium\n\n  * Fix CVE-2023-4911 (old, already locked).\n\n -- Aurelien Jarno <aurel32@debian.org>  Sun, 01 Jan 2023 10:00:00 +0100\n`,
  );
  return entries.join('\n');
}

function libc(version: string, top: number) {
  return {
    name: 'libc6',
    version,
    architecture: 'amd64',
    fields: { Depends: 'libgcc-s1', Source: 'glibc' },
    files: { 'usr/share/doc/libc6/changelog.Debian.gz': gzipSync(glibcChangelog(top)) },
  };
}

/** gcc-12 as Debian lays it out: libgcc-s1's doc dir is a symlink to gcc-12-base's, which holds the changelog. */
function gccPackages(version: string): ReturnType<typeof mainPackages> {
  const log =
    `gcc-12 (${version}) bookworm; urgency=medium\n\n  * Update to the branch (CVE-2026-2222).\n\n -- Matthias Klose <doko@debian.org>  Mon, 02 Nov 2026 10:00:00 +0100\n\n` +
    `gcc-12 (12.2.0-14) bookworm; urgency=medium\n\n  * Old entry.\n\n -- Matthias Klose <doko@debian.org>  Mon, 02 Jan 2023 10:00:00 +0100\n`;
  return mainPackages().map((p) => {
    if (p.name === 'libgcc-s1')
      return {
        ...p,
        version,
        fields: { Depends: `gcc-12-base (= ${version})`, Source: 'gcc-12' },
        symlinks: { 'usr/share/doc/libgcc-s1': 'gcc-12-base' },
      };
    if (p.name === 'busybox-static')
      // A binNMU: the binary version moves (+b1), the source version does not; the entry is in the arch file.
      return {
        ...p,
        version: '1:1.35.0-4+b1',
        fields: { Source: 'busybox (1:1.35.0-4)' },
        files: {
          ...p.files,
          'usr/share/doc/busybox-static/changelog.Debian.gz': gzipSync(
            'busybox (1:1.35.0-4) unstable; urgency=medium\n\n  * Already locked.\n\n -- Chris Boot <bootc@debian.org>  Mon, 02 Jan 2023 10:00:00 +0100\n',
          ),
          [`usr/share/doc/busybox-static/changelog.Debian.${p.architecture}.gz`]: gzipSync(
            `busybox (1:1.35.0-4+b1) bookworm; urgency=low, binary-only=yes\n\n  * Binary-only non-maintainer upload for ${p.architecture}; no source changes.\n  * Rebuild against libc6 2.36-9+deb12u4.\n\n -- ${p.architecture} Build Daemon <buildd@x>  Tue, 03 Nov 2026 10:00:00 +0000\n`,
          ),
        },
      };
    if (p.name === 'gcc-12-base')
      return {
        ...p,
        version,
        fields: { Source: 'gcc-12' },
        files: {
          'usr/share/doc/gcc-12-base/changelog.Debian.gz': gzipSync(log),
          // Padding: gcc-12-base is the larger .deb, so the collector reads libgcc-s1 first and must follow its link.
          'usr/share/doc/gcc-12-base/README': 'x'.repeat(20000),
        },
      };
    return p;
  });
}

describe('update --changelogs: entries and CVEs out of the new .debs (127.0.0.1 archive)', () => {
  let fx: Fixture;
  const extra: Array<{ repo: TestRepo; server: TestServer }> = [];
  let cacheDir: string;
  beforeAll(async () => {
    fx = await makeFixture({
      security: { packages: [libc('2.36-9+deb12u1', 1)] },
    });
    cacheDir = await mkdtemp(join(tmpdir(), 'changelog-cache-'));
  });
  afterEach(async () => {
    for (const e of extra.splice(0)) {
      await e.server.close();
      e.repo.remove();
    }
  });
  afterAll(async () => {
    await fx.close();
    await rm(cacheDir, { recursive: true, force: true });
  });

  async function serve(suite: 'stable' | 'stable-security', opts: Parameters<typeof buildDebianRepo>[0]) {
    const repo = await buildDebianRepo(opts);
    const server = await serveDirectory(repo.root);
    extra.push({ repo, server });
    return { [suite === 'stable' ? MAIN_URL : SECURITY_URL]: server.url };
  }

  async function update(mirrors: Record<string, string>, changelogs: boolean, lockDir = fx.lockDir) {
    const config = await loadConfig(fx.configPath, { sourceOverrides: { ...fx.mirrors, ...mirrors } });
    return runUpdate({
      config,
      lockDir,
      now: NOW,
      check: false,
      keyring: fx.keyring,
      retry: FAST_RETRY,
      cacheDir,
      changelogs,
    });
  }

  it('a lock several Debian revisions behind: every entry in between, none older; CVEs linked and counted', async () => {
    await update({}, false); // the committed lock: libc6 2.36-9+deb12u1, gcc-12 12.2.0-14
    const security = await serve('stable-security', {
      suite: 'stable-security',
      archs: ['amd64'],
      packages: [libc('2.36-9+deb12u4', 4)],
      date: PUBLISHED,
      validUntil: new Date(PUBLISHED.getTime() + 7 * 86400_000),
      variants: ['.xz'],
      signWith: [fx.keys[1] as NonNullable<Fixture['keys'][number]>],
    });
    const main = await serve('stable', {
      suite: 'stable',
      archs: ['amd64', 'arm64'],
      packages: gccPackages('12.2.0-15'),
      date: PUBLISHED,
      signWith: [fx.keys[0] as NonNullable<Fixture['keys'][number]>],
    });
    const result = await update({ ...security, ...main }, true, fx.lockDir);
    const diff = result.distros[0]?.diff;
    const glibc = diff?.changelogs?.find((c) => c.source === 'glibc');
    expect(glibc).toMatchObject({ old: '2.36-9+deb12u1', new: '2.36-9+deb12u4', security: true, from: 'libc6 amd64' });
    expect(glibc?.entries.map((e) => e.version)).toEqual(['2.36-9+deb12u4', '2.36-9+deb12u3', '2.36-9+deb12u2']);
    expect(glibc?.entries.map((e) => e.urgency)).toEqual(['medium', 'high', 'medium']);
    expect(glibc?.cves).toEqual(['CVE-2026-1004', 'CVE-2026-1003', 'CVE-2026-1002']);
    // libgcc-s1's doc dir is a link to gcc-12-base: the link in the .deb is followed to the sibling's .deb.
    const gcc = diff?.changelogs?.find((c) => c.source === 'gcc-12');
    expect(gcc).toMatchObject({ old: '12.2.0-14', new: '12.2.0-15', security: false, from: 'gcc-12-base amd64' });
    expect(gcc?.entries.map((e) => e.version)).toEqual(['12.2.0-15']);

    // The binNMU: the arch changelog's entry (newer than the old binary version), none of the source's.
    const busybox = diff?.changelogs?.find((c) => c.source === 'busybox');
    expect(busybox).toMatchObject({ old: '1:1.35.0-4', new: '1:1.35.0-4', from: 'busybox-static amd64' });
    expect(busybox?.entries.map((e) => e.version)).toEqual(['1:1.35.0-4+b1']);
    expect(busybox?.entries[0]?.lines[0]).toBe('  * Binary-only non-maintainer upload for amd64; no source changes.');

    const body = renderPrBody(result.distros.map((d) => d.diff));
    expect(body).toMatch(/^\*\*4 packages updated across 2 images; 1 from stable-security; 4 CVEs fixed\*\*$/m);
    expect(body).toContain(`[CVE-2026-1004](${TRACKER_URL}CVE-2026-1004)`);
    expect(body).toContain(`[CVE-2026-2222](${TRACKER_URL}CVE-2026-2222)`);
    expect(body).not.toContain('CVE-2026-1001');
    expect(body).not.toContain('CVE-2023-4911');
    expect(body).toContain(
      '<details><summary>🔒 <b>glibc</b> <code>2.36-9+deb12u1</code> → <code>2.36-9+deb12u4</code>: 3 entries, 3 CVEs</summary>',
    );
    expect(body).toContain('**2.36-9+deb12u3** (bookworm-security; urgency=high)');
    expect(body).toContain(
      '- debian/patches/any/local-[CVE-2026-1003](https://security-tracker.debian.org/tracker/CVE-2026-1003).patch: fix revision 3. Second line of revision 3.',
    );
    // Each .deb was fetched once, into the content-addressed store build uses.
    const stored = (await readdir(join(cacheDir, 'debs'))).filter((f) => f.endsWith('.deb'));
    expect(stored).toHaveLength(4); // libc6, libgcc-s1 (the link), gcc-12-base, busybox-static
  });
});
