/**
 * A tar+zstd image run by a real container engine: the committed debian12 lock's `static` image (debug
 * variant: busybox) built with `compression: zstd` from the real .debs, pulled by podman from the OCI layout
 * and run (as root, vfs storage, no network). Skopeo reads its manifest first.
 */
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runBuild, type BuildResult } from '../../src/app/build.js';
import { loadConfig } from '../../src/config/index.js';
import { describeLive } from '../helpers/live.js';
import { skopeoRaw } from '../helpers/oci-tools.js';

const exec = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const REF = 'static-debian12-debug-amd64';

describeLive('a zstd image in podman (amd64)', () => {
  let work: string;
  let layout: string;
  let built: BuildResult;
  let podman: string[];

  beforeAll(async () => {
    // Lower case: podman names an `oci:` image after its path, and a reference must be lower case; the per-run
    // TMPDIR has upper-case letters, so /tmp itself (the directory is removed in afterAll).
    work = join('/tmp', `zstd-runtime-${randomBytes(6).toString('hex')}`);
    await mkdir(work);
    layout = join(work, 'layout');
    built = await runBuild({
      config: await loadConfig(join(root, 'distroless.yaml')),
      lockDir: join(root, 'lockfiles'),
      outDir: layout,
      cacheDir: join(work, 'cache'),
      images: ['static-debian12'],
      archs: ['amd64'],
      compression: 'zstd',
      sbomDir: false,
    });
    // Its own storage under `work` (removed afterwards); the ulimits stay within what a CI container allows.
    podman = ['--storage-driver', 'vfs', '--root', join(work, 'storage'), '--runroot', join(work, 'run')];
  }, 600_000);
  afterAll(async () => {
    if (podman) await exec('podman', [...podman, 'rmi', '--all', '--force']).catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('skopeo reads zstd layers, and podman pulls the image by its digest and runs busybox in it', async () => {
    const manifest = JSON.parse(await skopeoRaw(layout, REF)) as { layers: Array<{ mediaType: string }> };
    expect(new Set(manifest.layers.map((l) => l.mediaType))).toEqual(
      new Set(['application/vnd.oci.image.layer.v1.tar+zstd']),
    );
    const digest = built.images.find(
      (i) => i.image === 'static' && i.variant === 'debug' && i.arch === 'amd64',
    )?.digest;
    expect(digest).toMatch(/^sha256:/);
    await exec('podman', [...podman, 'pull', '--quiet', `oci:${layout}:${REF}`]);
    const { stdout: digests } = await exec('podman', [...podman, 'images', '--format', '{{.Digest}}']);
    expect(digests.trim().split('\n')).toContain(digest);
    const { stdout } = await exec('podman', [
      ...podman,
      'run',
      '--rm',
      '--network',
      'none',
      '--ulimit',
      'nofile=1024:1024',
      '--ulimit',
      'nproc=1024:1024',
      `oci:${layout}:${REF}`,
      '-c',
      'echo zstd ok; ls /usr/share/zoneinfo/UTC',
    ]);
    expect(stdout).toBe('zstd ok\n/usr/share/zoneinfo/UTC\n');
  }, 300_000);
});
