/**
 * An HTTP proxy on 127.0.0.x in front of a registry that misbehaves on purpose: a share of requests is answered
 * with 500 or 503, with 429 + Retry-After, dropped before it reaches the registry, or dropped after the registry
 * handled it (the client never hears the answer). Whether the n-th request of a key (method + path, upload
 * session ids folded) is faulted, and how, is a seeded hash of (seed, key, n): the same requests fail on every
 * run whatever the interleaving of concurrent ones. Bounded: no key is faulted more than `maxPerKey` times, so
 * a client that retries enough always gets through. It can also go down for good (connections refused).
 * The Host header is passed through, so the registry's Location headers point back at the proxy.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultKind = '500' | '503' | '429' | 'drop-request' | 'drop-response';

export interface FaultProxyOptions {
  /** `host:port` of the registry. */
  upstream: string;
  seed?: number;
  /** Share of requests to fault, 0–1 (default 0: a plain proxy). */
  rate?: number;
  kinds?: readonly FaultKind[];
  maxPerKey?: number;
  /** Retry-After of the 429s, in seconds. */
  retryAfter?: number;
  /** Address to listen on (default 127.0.0.1); another loopback address is another host. */
  listen?: string;
  /** Answers a request itself when it returns true (e.g. a redirect); called before any fault. */
  intercept?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** Headers added to every forwarded request (e.g. the storage's own credentials). */
  addHeaders?: Record<string, string>;
}

export interface FaultProxy {
  /** `127.0.0.x:<port>` */
  host: string;
  url: string;
  /** Faults injected, by kind. */
  readonly injected: Record<FaultKind, number>;
  /** Every request seen: method, path and the Authorization header it carried. */
  readonly seen: ReadonlyArray<{ method: string; path: string; authorization: string | undefined }>;
  /**
   * After `n` more requests (only those `match` accepts count), stop for good: the listener closes and open
   * connections are cut.
   */
  goDownAfter(n: number, match?: (method: string, path: string) => boolean): void;
  close(): Promise<void>;
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a, 32 bits. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export async function startFaultProxy(o: FaultProxyOptions): Promise<FaultProxy> {
  const kinds = o.kinds ?? ['500', '503', '429', 'drop-request', 'drop-response'];
  const perKey = new Map<string, number>();
  const seenPerKey = new Map<string, number>();
  const injected: Record<FaultKind, number> = { '500': 0, '503': 0, '429': 0, 'drop-request': 0, 'drop-response': 0 };
  const seen: Array<{ method: string; path: string; authorization: string | undefined }> = [];
  let downAfter = Infinity;
  let downMatch: (method: string, path: string) => boolean = () => true;
  let counted = 0;
  const [upHost = '127.0.0.1', upPort = '80'] = o.upstream.split(':');

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push({ method: req.method ?? '', path, authorization: req.headers.authorization });
    if (counted >= downAfter) {
      goDown();
      return;
    }
    if (downMatch(req.method ?? '', path)) counted++;
    if (o.intercept?.(req, res) === true) return;
    const key = `${req.method} ${path.replace(/\/blobs\/uploads\/[^/]+$/, '/blobs/uploads/*')}`;
    const n = (seenPerKey.get(key) ?? 0) + 1;
    seenPerKey.set(key, n);
    const random = seededRandom(hash(`${o.seed ?? 1}\n${key}\n${n}`));
    const fault =
      random() < (o.rate ?? 0) && (perKey.get(key) ?? 0) < (o.maxPerKey ?? 2)
        ? kinds[Math.floor(random() * kinds.length)]
        : undefined;
    if (fault !== undefined) {
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      injected[fault]++;
    }
    if (fault === 'drop-request') {
      req.socket.destroy();
      return;
    }
    if (fault === '500' || fault === '503' || fault === '429') {
      const headers: Record<string, string> = { 'content-type': 'application/json', connection: 'close' };
      if (fault === '429') headers['retry-after'] = String(o.retryAfter ?? 1);
      req.resume();
      res.writeHead(Number(fault), headers).end(`{"errors":[{"code":"UNAVAILABLE","message":"injected ${fault}"}]}`);
      return;
    }
    forward(req, res, fault === 'drop-response');
  });

  const forward = (req: IncomingMessage, res: ServerResponse, dropAnswer: boolean): void => {
    const up = request(
      {
        host: upHost,
        port: Number(upPort),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, ...o.addHeaders },
      },
      (upRes) => {
        if (dropAnswer) {
          upRes.resume();
          upRes.on('end', () => res.socket?.destroy());
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.socket?.destroy());
    req.pipe(up);
  };

  const goDown = (): void => {
    server.close();
    server.closeAllConnections();
  };

  await new Promise<void>((resolve) => server.listen(0, o.listen ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const host = `${o.listen ?? '127.0.0.1'}:${port}`;
  return {
    host,
    url: `http://${host}`,
    injected,
    seen,
    goDownAfter: (n, match) => {
      downMatch = match ?? (() => true);
      counted = 0;
      downAfter = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        if (!server.listening) resolve();
      }),
  };
}
