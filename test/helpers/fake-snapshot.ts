/**
 * A stateful fake of snapshot.debian.org on 127.0.0.1 (the real service cannot be reached from the test
 * machines). It behaves as the real one does where the tool depends on it:
 * - separate series of timestamps per archive (`debian`, `debian-security`), each snapshot a full copy of the
 *   archive's files at that moment (a file removed from the archive later is still in the older snapshots);
 * - `/archive/<archive>/<ts>/<path>` with `<ts>` an exact snapshot serves that snapshot's file, or 404 when the
 *   file was not (yet) in the archive then; any other timestamp redirects (301) to the newest snapshot at or
 *   before it, and is a 404 when there is none;
 * - `/mr/timestamp/` JSON: `{"_api":"0.3","_comment":"notset","result":{"<archive>":[...]}}`, filtered by
 *   `archive=`, `after=` and `before=` when given.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

export interface FakeSnapshot {
  url: string;
  /** Imports the files under `root` (an archive root on disk) as the snapshot `ts` of `archive`. */
  importDirectory(archive: string, ts: string, root: string): void;
  /** Imports exactly these files as the snapshot `ts` of `archive`. */
  importFiles(archive: string, ts: string, files: ReadonlyMap<string, Buffer>): void;
  /** Removes one file from one snapshot (e.g. to make a build fall back to the mirror). */
  forget(archive: string, ts: string, path: string): void;
  /** Removes a whole snapshot (as if it had not been taken yet). */
  forgetSnapshot(archive: string, ts: string): void;
  /** Every request path (with query), in order. */
  readonly log: readonly string[];
  close(): Promise<void>;
}

const TS = /^\d{8}T\d{6}Z$/;

function walk(root: string, dir = root, out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(root, path, out);
    else out.set(relative(root, path).split('\\').join('/'), readFileSync(path));
  }
  return out;
}

export async function startFakeSnapshot(): Promise<FakeSnapshot> {
  const archives = new Map<string, Map<string, Map<string, Buffer>>>();
  const log: string[] = [];
  const series = (archive: string): string[] => [...(archives.get(archive)?.keys() ?? [])].sort();

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    log.push(url.pathname + url.search);
    const send = (status: number, body: string | Buffer, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
      res.end(body);
    };
    if (url.pathname === '/mr/timestamp/' || url.pathname === '/mr/timestamp') {
      const only = url.searchParams.get('archive');
      const after = url.searchParams.get('after') ?? '';
      const before = url.searchParams.get('before') ?? '99999999T999999Z';
      const names = only === null ? [...archives.keys()].sort() : [only];
      if (only !== null && !archives.has(only)) return send(404, 'unknown archive\n');
      const result = Object.fromEntries(names.map((a) => [a, series(a).filter((t) => t >= after && t <= before)]));
      return send(200, JSON.stringify({ _api: '0.3', _comment: 'notset', result }), {
        'content-type': 'application/json',
      });
    }
    const m = /^\/archive\/([^/]+)\/([^/]+)\/(.*)$/.exec(decodeURIComponent(url.pathname));
    if (!m) return send(404, 'not found\n');
    const [, archive = '', ts = '', path = ''] = m;
    const snaps = archives.get(archive);
    if (!snaps || !TS.test(ts)) return send(404, 'not found\n');
    const exact = snaps.get(ts);
    if (exact === undefined) {
      const at = series(archive)
        .filter((t) => t <= ts)
        .pop();
      if (at === undefined) return send(404, 'no snapshot at or before this time\n');
      return send(301, '', { location: `/archive/${archive}/${at}/${path}` });
    }
    const file = exact.get(path);
    if (file === undefined) return send(404, 'not in this snapshot\n');
    return send(200, file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const importFiles = (archive: string, ts: string, files: ReadonlyMap<string, Buffer>): void => {
    if (!TS.test(ts)) throw new Error(`not a snapshot timestamp: ${ts}`);
    let snaps = archives.get(archive);
    if (!snaps) archives.set(archive, (snaps = new Map()));
    snaps.set(ts, new Map(files));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    importDirectory: (archive, ts, root) => importFiles(archive, ts, walk(root)),
    importFiles,
    forget: (archive, ts, path) => void archives.get(archive)?.get(ts)?.delete(path),
    forgetSnapshot: (archive, ts) => void archives.get(archive)?.delete(ts),
    log,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
