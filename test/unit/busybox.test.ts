import { describe, expect, it } from '@jest/globals';
import { appletNames, BUSYBOX_LINK_TARGET, busyboxEntries } from '../../src/build/busybox.js';
import { compareBytes } from '../../src/build/generated.js';

const EPOCH = 1_700_000_000;
/** A stand-in binary with an applet table laid out as BusyBox compiles it (sorted, NUL-separated, NUL-ended). */
const APPLETS = ['[', '[[', 'ash', 'busybox', 'cat', 'ls', 'sh', 'vi', 'wget'];
const BINARY = Buffer.concat([
  Buffer.from('\x7fELF pretend busybox\0\0'),
  Buffer.from(`${APPLETS.join('\0')}\0\0`, 'latin1'),
  Buffer.from('more code'),
]);

describe('appletNames', () => {
  it('reads the applet table compiled into the binary', () => {
    expect(appletNames(BINARY)).toEqual(APPLETS);
  });
  it('refuses a binary without a table', () => {
    expect(() => appletNames(Buffer.from('\x7fELF nothing here'))).toThrow(/no applet name table/);
    expect(() => appletNames(Buffer.from('[\0[[\0zz\0aa\0\0'))).toThrow(/does not look like one/);
  });
});

describe('busyboxEntries', () => {
  const entries = busyboxEntries({ binary: BINARY, epoch: EPOCH });

  it('puts the binary at busybox/busybox and one link per applet, sorted by path', () => {
    const [dir, ...rest] = entries;
    expect(dir?.entry).toEqual({
      path: 'busybox',
      type: 'directory',
      mode: 0o755,
      uid: 0,
      gid: 0,
      mtime: EPOCH,
      size: 0,
    });
    const bin = rest.find((e) => e.entry.path === 'busybox/busybox');
    expect(bin?.entry).toEqual({
      path: 'busybox/busybox',
      type: 'file',
      mode: 0o755,
      uid: 0,
      gid: 0,
      mtime: EPOCH,
      size: BINARY.length,
    });
    expect(bin?.body).toBe(BINARY);
    const links = rest.filter((e) => e.entry.type === 'symlink');
    // `busybox` is listed as an applet by Debian's binary; it is the file, not a link.
    expect(links).toHaveLength(APPLETS.length - 1);
    expect(rest).toHaveLength(APPLETS.length);
    for (const { entry, body } of links) {
      expect(entry).toMatchObject({
        type: 'symlink',
        linkname: BUSYBOX_LINK_TARGET,
        uid: 0,
        gid: 0,
        mtime: EPOCH,
        size: 0,
      });
      expect(body).toBeUndefined();
    }
    const paths = entries.map((e) => e.entry.path);
    expect([...paths].sort(compareBytes)).toEqual(paths);
    expect(paths).toContain('busybox/sh');
    expect(paths.slice(1, 3)).toEqual(['busybox/[', 'busybox/[[']);
  });

  it('is deterministic and takes an explicit applet list', () => {
    expect(busyboxEntries({ binary: BINARY, epoch: EPOCH })).toEqual(entries);
    const small = busyboxEntries({ binary: BINARY, epoch: 0, applets: ['sh', 'ls', 'busybox'] });
    expect(small.map((e) => e.entry.path)).toEqual(['busybox', 'busybox/busybox', 'busybox/ls', 'busybox/sh']);
  });

  it('rejects bad applet names, duplicates, an empty binary and a bad epoch', () => {
    for (const applets of [['a/b'], ['..'], [''], ['sh', 'sh']]) {
      expect(() => busyboxEntries({ binary: BINARY, epoch: 0, applets })).toThrow(
        expect.objectContaining({ code: 'DEB_INVALID' }),
      );
    }
    expect(() => busyboxEntries({ binary: Buffer.alloc(0), epoch: 0 })).toThrow(/empty/);
    expect(() => busyboxEntries({ binary: BINARY, epoch: -5 })).toThrow(/epoch/);
  });
});
