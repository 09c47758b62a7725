import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { unxz } from '../../src/archive/decompress.js';

describe('unxz of an index held in memory', () => {
  const plain = Buffer.from('Package: a\nVersion: 1\n\n'.repeat(5000));
  const packed = execFileSync('xz', ['-c'], { input: plain });

  it('decodes with the xz binary and, where it is missing, with the WebAssembly decoder', async () => {
    expect((await unxz(packed, { source: 'Packages.xz', xzCommand: 'xz' })).equals(plain)).toBe(true);
    expect((await unxz(packed, { source: 'Packages.xz', xzCommand: '/nonexistent/xz' })).equals(plain)).toBe(true);
    expect((await unxz(packed, { source: 'Packages.xz' })).equals(plain)).toBe(true);
  });

  it('refuses output over the cap, and the decoder serves the next stream afterwards', async () => {
    await expect(unxz(packed, { source: 'Packages.xz', maxOutputBytes: 1000 })).rejects.toMatchObject({
      code: 'PARSE',
      message: `Packages.xz: cannot unxz (more than 1000 bytes)`,
    });
    expect((await unxz(packed, { source: 'Packages.xz' })).equals(plain)).toBe(true);
  });

  it('names the source of corrupt data', async () => {
    const bad = Buffer.from(packed);
    const at = Math.floor(bad.length / 2);
    bad.writeUInt8(bad.readUInt8(at) ^ 0xff, at);
    await expect(unxz(bad, { source: 'Packages.xz' })).rejects.toMatchObject({
      code: 'PARSE',
      message: expect.stringMatching(/^Packages\.xz: cannot unxz/),
    });
  });
});
