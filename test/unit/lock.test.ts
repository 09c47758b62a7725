import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffLockfiles, isEmptyDiff } from '../../src/lock/diff.js';
import { parseLockfile, readLockfile, serializeLockfile, writeLockfiles, lockfilePath } from '../../src/lock/io.js';
import { renderDiffText } from '../../src/lock/render.js';
import { makeLock } from '../helpers/lock.js';

describe('lockfile serialisation', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'lock-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('round-trips and is stable: keys sorted, one trailing newline', () => {
    const lock = makeLock({ amd64: { zlib1g: '1:1.2.13', 'base-files': '12.4' } });
    const text = serializeLockfile(lock);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.indexOf('"base-files"')).toBeLessThan(text.indexOf('"zlib1g"'));
    expect(serializeLockfile(parseLockfile(text, 'x.json'))).toBe(text);
  });

  it('makes a one-package bump a few-line diff', () => {
    const names = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`pkg${i}`, '1.0']));
    const before = serializeLockfile(makeLock({ amd64: names }));
    const after = serializeLockfile(makeLock({ amd64: { ...names, pkg7: '1.1' } }));
    const a = before.split('\n');
    const b = after.split('\n');
    expect(a.length).toBe(b.length);
    const changed = a.filter((line, i) => line !== b[i]).length;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(5);
  });

  it('rejects a corrupt lockfile naming the file and field', () => {
    const lock = JSON.parse(serializeLockfile(makeLock({ amd64: { a: '1' } })));
    lock.packages.amd64.a.sha256 = 'nothex';
    expect(() => parseLockfile(JSON.stringify(lock), 'lockfiles/debian12.lock.json')).toThrow(
      /lockfiles\/debian12\.lock\.json: .*packages\.amd64\.a\.sha256/,
    );
    lock.resolverVersion = 'two';
    expect(() => parseLockfile(JSON.stringify(lock), 'f.json')).toThrow(
      'f.json: 2 invalid field(s), the first: resolverVersion: Invalid input: expected number, received string',
    );
    expect(() => parseLockfile('{', 'f.json')).toThrow(/f\.json: not valid JSON/);
  });

  it('writes all lockfiles atomically and leaves no temporaries', async () => {
    const dir = await tempDir();
    const one = makeLock({ amd64: { a: '1' } });
    const two = { ...makeLock({ arm64: { b: '2' } }), distro: 'debian13' };
    await writeLockfiles(dir, [one, two]);
    expect((await readdir(dir)).sort()).toEqual(['debian12.lock.json', 'debian13.lock.json']);
    expect(await readLockfile(dir, 'debian12')).toEqual(one);
    expect(await readLockfile(dir, 'nonexistent')).toBeUndefined();
  });

  it('leaves every lockfile untouched when one write fails', async () => {
    const dir = await tempDir();
    await writeFile(lockfilePath(dir, 'debian12'), 'OLD');
    // A path under a file cannot be created: the second write fails, the first must not land.
    const bad = { ...makeLock({ amd64: { a: '1' } }), distro: 'debian12.lock.json/x' };
    await expect(writeLockfiles(dir, [makeLock({ amd64: { a: '1' } }), bad])).rejects.toThrow();
    expect(await readFile(lockfilePath(dir, 'debian12'), 'utf8')).toBe('OLD');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('lock diff', () => {
  it('groups an old → new change across archs and names the images', () => {
    const before = makeLock({
      amd64: { libssl3: '3.0.15-1~deb12u1', libc6: '2.36-9' },
      arm64: { libssl3: '3.0.15-1~deb12u1', libc6: '2.36-9' },
    });
    const after = makeLock(
      {
        amd64: { libssl3: '3.0.16-1~deb12u1', libc6: '2.36-9', tzdata: '2025b' },
        arm64: { libssl3: '3.0.16-1~deb12u1' },
      },
      'bookworm-security',
    );
    const diff = diffLockfiles(before, after);
    const ssl = diff.changes.find((c) => c.name === 'libssl3');
    expect(ssl).toMatchObject({
      kind: 'updated',
      old: '3.0.15-1~deb12u1',
      new: '3.0.16-1~deb12u1',
      archs: ['amd64', 'arm64'],
      images: ['base'],
    });
    expect(diff.changes.find((c) => c.name === 'tzdata')).toMatchObject({ kind: 'added', archs: ['amd64'] });
    expect(diff.changes.find((c) => c.name === 'libc6')).toMatchObject({ kind: 'removed', archs: ['arm64'] });
    expect(diff.closures).toEqual([
      { image: 'base', archs: ['amd64'], added: ['tzdata'], removed: [] },
      { image: 'base', archs: ['arm64'], added: [], removed: ['libc6'] },
    ]);
    const text = renderDiffText(diff, ['amd64', 'arm64']);
    expect(text).toMatch(/libssl3\s+all\s+3\.0\.15-1~deb12u1\s+→\s+3\.0\.16-1~deb12u1\s+bookworm-security/);
    expect(text).toMatch(/1 updated, 1 added, 1 removed/);
  });

  it('is empty for identical locks and says so', () => {
    const lock = makeLock({ amd64: { a: '1' } });
    const diff = diffLockfiles(lock, structuredClone(lock));
    expect(isEmptyDiff(diff)).toBe(true);
    expect(renderDiffText(diff, ['amd64'])).toBe('debian12: lockfile is up to date');
  });
});
