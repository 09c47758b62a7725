import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { FAST_RETRY, createHttpClient } from '../../src/archive/index.js';
import { runBuild, type BuildOptions } from '../../src/app/build.js';
import { runUpdate } from '../../src/app/update.js';
import { loadConfig } from '../../src/config/index.js';
import { listRefs, OciLayoutWriter, readLayoutIndex, sha256Digest } from '../../src/oci/index.js';
import { makeFixture, NOW, type Fixture } from '../helpers/update-fixture.js';

/** The pid of a process that has run and exited (so no process has it, barring reuse). */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((r) => child.on('exit', r));
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

const HOST = hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';

describe('writers of one layout (builds against a signed repository on 127.0.0.1)', () => {
  let fx: Fixture;
  let opts: (out: string, images: string[]) => Promise<BuildOptions>;
  beforeAll(async () => {
    fx = await makeFixture();
    const config = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
    await runUpdate({ config, lockDir: fx.lockDir, now: NOW, check: false, keyring: fx.keyring, retry: FAST_RETRY });
    opts = async (out, images) => ({
      config: await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors }),
      lockDir: fx.lockDir,
      outDir: isAbsolute(out) ? out : join(fx.dir, out),
      cacheDir: join(fx.dir, 'cache'),
      images,
      sbomDir: false,
      http: createHttpClient({ retry: FAST_RETRY }),
    });
  });
  afterAll(async () => fx.close());

  it('two builds of different images into one layout at once: both land in index.json', async () => {
    // Warm the cache first, so the two builds race on the layout, not on downloads.
    await runBuild(await opts('warm', ['static', 'base']));
    const [a, b] = await Promise.all([
      runBuild(await opts('shared', ['static'])),
      runBuild(await opts('shared', ['base'])),
    ]);
    const refs = await listRefs(join(fx.dir, 'shared'));
    const expected = [...a.indexes, ...b.indexes].flatMap((i) => i.refs);
    expected.push(...[...a.images, ...b.images].map((i) => i.ref));
    expect(expected.length).toBeGreaterThan(20);
    expect([...refs.keys()].sort()).toEqual([...new Set(expected)].sort());
    // base's build also made static (its parent) but named no ref for it: static's refs are the static build's.
    expect(refs.get('static-test12')?.digest).toBe(a.indexes.find((i) => i.refs.includes('static-test12'))?.digest);
  });

  it('a commit waits for a live writer holding the lock, with one message, and takes over a dead one', async () => {
    const dir = join(fx.dir, 'locked');
    const w = await OciLayoutWriter.open(dir);
    const lock = join(dir, '.index.json.lock');
    // A live holder (this very process, as another writer would be): waited for.
    await writeFile(lock, `${HOST}-${process.pid}\n`);
    const messages: string[] = [];
    const waiting = await OciLayoutWriter.open(dir, { onWait: (m) => messages.push(m) });
    let committed = false;
    const commit = waiting.commit().then(() => (committed = true));
    await new Promise((r) => setTimeout(r, 400));
    expect(committed).toBe(false);
    expect(messages).toEqual([`${dir}: another writer (${HOST}-${process.pid}) is committing; waiting for it`]);
    await rm(lock);
    await commit;
    expect(await readdir(dir)).not.toContain('.index.json.lock');
    // A holder that died mid-commit (kill -9): its lock is taken over at once.
    await writeFile(lock, `${HOST}-${await deadPid()}\n`);
    await w.commit();
    expect(await readdir(dir)).not.toContain('.index.json.lock');
  });

  it('temp files of dead writers are swept from the layout and the cache; live and foreign ones are kept', async () => {
    const out = join(fx.dir, 'littered');
    await runBuild(await opts('littered', ['static']));
    const dead = await deadPid();
    const layoutBlobs = join(out, 'blobs');
    const cacheBlobs = join(fx.dir, 'cache', 'layers', 'blobs');
    const names = {
      dead: `.tmp-${HOST}-${dead}-0123456789abcdef`,
      live: `.tmp-${HOST}-${process.pid}-0123456789abcdef`,
      foreign: `.tmp-otherhost-${dead}-0123456789abcdef`,
    };
    for (const d of [layoutBlobs, cacheBlobs]) {
      await mkdir(d, { recursive: true });
      for (const n of Object.values(names)) await writeFile(join(d, n), 'partial blob');
    }
    try {
      await runBuild(await opts('littered', ['static']));
      for (const d of [layoutBlobs, cacheBlobs]) {
        const left = (await readdir(d)).filter((n) => n.startsWith('.tmp-')).sort();
        expect(left).toEqual([names.foreign, names.live].sort());
      }
    } finally {
      for (const d of [layoutBlobs, cacheBlobs])
        for (const n of Object.values(names)) await rm(join(d, n), { force: true });
    }
  });

  it('a multi-arch build from a fresh cache leaves no temp file beside the blobs', async () => {
    const out = join(fx.dir, 'clean');
    const built = await runBuild({ ...(await opts('clean', ['static', 'base'])), cacheDir: join(fx.dir, 'cache-c') });
    expect(new Set(built.images.map((i) => i.arch))).toEqual(new Set(['amd64', 'arm64']));
    expect((await readdir(join(out, 'blobs'))).filter((n) => n !== 'sha256')).toEqual([]);
    expect((await readdir(out)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
    expect((await readLayoutIndex(out)).manifests.length).toBeGreaterThan(0);
  });

  it('an output directory on a read-only file system is reported as such, naming the directory', async () => {
    const base = await mkdtemp(join(tmpdir(), 'ro-out-'));
    // A read-only tmpfs when this process may mount one (root, as in CI); else a directory it may not write.
    let expected: RegExp;
    let mounted = false;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', base], { stdio: 'ignore' });
      mounted = true;
      expected = /^cannot create the output directory .*\/ro-out-\w+\/oci: read-only file system \(EROFS\)$/;
    } catch (e) {
      if (process.getuid?.() === 0)
        throw new Error(`root but cannot mount a read-only tmpfs: ${String(e)}`, { cause: e });
      await chmod(base, 0o555);
      expected = /^cannot create the output directory .*\/ro-out-\w+\/oci: permission denied \(EACCES\)$/;
    }
    try {
      await expect(runBuild(await opts(join(base, 'oci'), ['static']))).rejects.toThrow(expected);
    } finally {
      if (mounted) execFileSync('umount', [base]);
      await chmod(base, 0o755);
      await rm(base, { recursive: true, force: true });
    }
  });

  it('a full disk: one ENOSPC line, the previous layout intact, no lock left, and a cache still good after', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test mounts a small tmpfs: run it as root (as CI does)');
    const disk = await mkdtemp(join(tmpdir(), 'full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk], { stdio: 'ignore' });
    try {
      const onDisk = async (images: string[]): Promise<BuildOptions> => ({
        ...(await opts(join(disk, 'oci'), images)),
        cacheDir: join(disk, 'cache'),
      });
      await runBuild(await onDisk(['static']));
      const index = await readFile(join(disk, 'oci', 'index.json'));
      // Fill what is left of the disk.
      const filler = join(disk, 'filler');
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
      } catch {
        // dd stops with "No space left on device": the disk is full, as wanted
      }
      const failed = await runBuild(await onDisk(['base'])).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(failed?.message).toMatch(/ENOSPC: no space left on device/);
      expect(failed?.message.split('\n')).toHaveLength(1);
      expect(await readFile(join(disk, 'oci', 'index.json'))).toEqual(index);
      expect(await readdir(join(disk, 'oci'))).not.toContain('.index.json.lock');
      // Space again: the next build succeeds, and every blob it took from the cache hashes to its name.
      await rm(filler);
      const built = await runBuild(await onDisk(['base']));
      expect(built.images.length).toBeGreaterThan(0);
      for (const dir of [join(disk, 'oci', 'blobs', 'sha256'), join(disk, 'cache', 'layers', 'blobs', 'sha256')])
        for (const name of await readdir(dir))
          expect(sha256Digest(await readFile(join(dir, name)))).toBe(`sha256:${name}`);
    } finally {
      execFileSync('umount', [disk]);
      await rm(disk, { recursive: true, force: true });
    }
  });
});
