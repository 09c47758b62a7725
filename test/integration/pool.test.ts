import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpClient, debStore, FAST_RETRY, type PinnedDeb, type PoolProgress } from '../../src/archive/index.js';
import { serveDirectory, type TestServer } from '../helpers/http-server.js';

/** A port on 127.0.0.1 with nothing listening: connections are refused (a snapshot service out of reach). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('pinned .deb store', () => {
  let root: string;
  let server: TestServer;
  const body = Buffer.from('!<arch>\nnot really a deb, but bytes with a pinned hash\n');
  const sha256 = createHash('sha256').update(body).digest('hex');
  const filename = 'pool/main/h/hello/hello_1.0_amd64.deb';
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'pool-'));
    mkdirSync(join(root, 'pool/main/h/hello'), { recursive: true });
    writeFileSync(join(root, filename), body);
    server = await serveDirectory(root);
  });
  afterAll(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const http = createHttpClient({ retry: FAST_RETRY });
  const pinned = (bases: PinnedDeb['bases'], over: Partial<PinnedDeb> = {}): PinnedDeb => ({
    label: 'hello 1.0 (amd64)',
    filename,
    size: body.length,
    sha256,
    bases,
    ...over,
  });

  it('falls back from an unreachable snapshot to the mirror, verifies, stores, then reuses', async () => {
    const dir = mkdtempSync(join(root, 'debs-'));
    const events: PoolProgress[] = [];
    const store = debStore({
      dir,
      http,
      snapshotHttp: createHttpClient({ retry: { ...FAST_RETRY, attempts: 1 } }),
      onProgress: (e) => events.push(e),
    });
    const snapshot = `http://127.0.0.1:${await closedPort()}/archive/debian/20261120T000000Z`;
    server.resetCounts();
    const path = await store.fetch(
      pinned([
        { url: snapshot, snapshot: true },
        { url: server.url, snapshot: false },
      ]),
    );
    expect(readFileSync(path)).toEqual(body);
    expect(path).toBe(join(dir, `${sha256}.deb`));
    expect(events.map((e) => e.kind)).toEqual(['fallback', 'deb']);
    expect(server.count(`/${filename}`)).toBe(1);
    // Second time: from the store, no request.
    await store.fetch(
      pinned([
        { url: snapshot, snapshot: true },
        { url: server.url, snapshot: false },
      ]),
    );
    expect(server.count(`/${filename}`)).toBe(1);
    expect(events.at(-1)).toMatchObject({ kind: 'deb', cached: true });
  });

  it('refuses bytes that do not match the pin and keeps nothing', async () => {
    const dir = mkdtempSync(join(root, 'debs-'));
    const store = debStore({ dir, http });
    await expect(
      store.fetch(pinned([{ url: server.url, snapshot: false }], { sha256: 'f'.repeat(64) })),
    ).rejects.toThrow(/hello 1\.0 \(amd64\): no source gave the pinned .*sha256 [0-9a-f]{64}, the lock pins f{64}/);
    await expect(
      store.fetch(pinned([{ url: server.url, snapshot: false }], { size: body.length - 1 })),
    ).rejects.toThrow(/larger than|bytes, the lock pins/);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('replaces a corrupted store entry', async () => {
    const dir = mkdtempSync(join(root, 'debs-'));
    writeFileSync(join(dir, `${sha256}.deb`), Buffer.alloc(body.length, 0));
    const store = debStore({ dir, http });
    const path = await store.fetch(pinned([{ url: server.url, snapshot: false }]));
    expect(readFileSync(path)).toEqual(body);
  });
});
