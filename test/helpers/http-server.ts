/**
 * Serves a directory over HTTP on 127.0.0.1 (ephemeral port, loopback only) for integration tests, counting
 * requests per path and injecting faults: error statuses (with headers such as Retry-After) or connections
 * dropped halfway through the body.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';

export interface Fault {
  /** Answer with this status instead of the file. */
  status?: number;
  headers?: Record<string, string>;
  /** Send the headers and half the body, then destroy the socket. */
  drop?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
  /** How many matching requests to fault (default: all). */
  times?: number;
}

export interface TestServer {
  /** http://127.0.0.1:<port> (no trailing slash). */
  url: string;
  /** Requests seen for a URL path (e.g. `/dists/x/InRelease`), faulted ones included. */
  count(path: string): number;
  /** Every request path, in order. */
  readonly log: readonly string[];
  /** The most requests that were being answered at the same time. */
  maxInFlight(): number;
  /** Faults the requests whose path equals `path` or, for a RegExp, matches it. */
  fault(path: string | RegExp, fault: Fault): void;
  clearFaults(): void;
  resetCounts(): void;
  close(): Promise<void>;
}

interface ActiveFault extends Fault {
  match: string | RegExp;
  used: number;
}

export async function serveDirectory(root: string): Promise<TestServer> {
  const log: string[] = [];
  let faults: ActiveFault[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    log.push(path);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const fault = faults.find(
      (f) => (typeof f.match === 'string' ? f.match === path : f.match.test(path)) && f.used < (f.times ?? Infinity),
    );
    if (fault !== undefined) fault.used++;
    const answer = (): void => {
      // A request counts as in flight from its arrival until the server starts answering it: the client
      // cannot have seen the answer before then, so an overlap means it really had that many requests out
      // (counting until the socket closes would also count the client's next request, racily).
      inFlight--;
      if (fault?.status === undefined) return serveFile(root, path, req, res, fault?.drop === true);
      res.writeHead(fault.status, { 'content-type': 'text/plain', ...fault.headers });
      res.end(`injected ${fault.status}\n`);
    };
    if (fault?.delayMs === undefined) answer();
    else setTimeout(answer, fault.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    count: (path) => log.filter((p) => p === path).length,
    log,
    maxInFlight: () => maxInFlight,
    fault: (match, fault) => faults.push({ ...fault, match, used: 0 }),
    clearFaults: () => (faults = []),
    resetCounts: () => {
      log.splice(0, log.length);
      maxInFlight = inFlight;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

function serveFile(root: string, path: string, req: IncomingMessage, res: ServerResponse, drop: boolean): void {
  const file = normalize(join(root, path));
  if (!file.startsWith(root + sep)) {
    res.writeHead(403).end();
    return;
  }
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  if (!drop) {
    createReadStream(file).pipe(res);
    return;
  }
  createReadStream(file, { start: 0, end: Math.max(0, (size >> 1) - 1) })
    .on('end', () => res.socket?.destroy())
    .pipe(res, { end: false });
}
