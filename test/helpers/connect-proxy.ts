/**
 * A small logging HTTP proxy on 127.0.0.1 for tests: CONNECT tunnels (https:// targets) and absolute-form
 * forwarding (http:// targets), each request logged with its target host. Names in `hosts` resolve to the
 * given address here only (e.g. `deb.example.test` → 127.0.0.1), so a request for such a name can only have
 * succeeded through the proxy.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface ProxyLogEntry {
  kind: 'connect' | 'forward';
  /** `host:port` as the client asked for it. */
  target: string;
}

export interface LoggingProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  readonly log: readonly ProxyLogEntry[];
  /** Requests seen for a host name (any port). */
  count(host: string): number;
  close(): Promise<void>;
}

export async function startLoggingProxy(hosts: Record<string, string> = {}): Promise<LoggingProxy> {
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();
  const resolve = (host: string): string => hosts[host] ?? host;
  const server = createServer((req: IncomingMessage, res) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute-form URL expected\n');
      return;
    }
    log.push({ kind: 'forward', target: target.host });
    const upstream = request(
      {
        host: resolve(target.hostname),
        port: Number(target.port || 80),
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.headersSent || res.writeHead(502).end('upstream failed\n'));
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    log.push({ kind: 'connect', target });
    const colon = target.lastIndexOf(':');
    const upstream = connect(Number(target.slice(colon + 1)), resolve(target.slice(0, colon)), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    count: (host) => log.filter((e) => e.target.replace(/:\d+$/, '') === host).length,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
