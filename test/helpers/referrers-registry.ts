/**
 * A minimal in-memory OCI registry on 127.0.0.1 that offers the distribution-spec 1.1 referrers API
 * (`GET /v2/<name>/referrers/<digest>`), standing in for registries that have it (zot, Harbor, ACR…): the
 * real docker-registry 2.8 used elsewhere does not. Blobs (monolithic upload), manifests by tag or digest,
 * and referrers computed from the stored manifests' `subject`, answered in pages of `pageSize` with `Link`
 * headers, as the spec's examples show. Every request is logged as `METHOD path`.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const INDEX = 'application/vnd.oci.image.index.v1+json';

export interface ReferrersRegistry {
  host: string;
  log: string[];
  /** Manifest bytes by `repo@digest` and `repo:tag`. */
  manifests: Map<string, { bytes: Buffer; mediaType: string }>;
  close(): Promise<void>;
}

export async function startReferrersRegistry(opts: { pageSize?: number } = {}): Promise<ReferrersRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  const log: string[] = [];
  const server = createServer((req, res) => {
    void body(req).then((data) => {
      const url = new URL(req.url ?? '/', 'http://x');
      log.push(`${req.method} ${url.pathname}`);
      route(req.method ?? 'GET', url, data, res, { blobs, manifests, pageSize: opts.pageSize ?? 100 });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    log,
    manifests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface State {
  blobs: Map<string, Buffer>;
  manifests: Map<string, { bytes: Buffer; mediaType: string }>;
  pageSize: number;
}

function route(method: string, url: URL, data: Buffer, res: ServerResponse, s: State): void {
  const path = url.pathname;
  if (path === '/v2/') return void res.writeHead(200).end('{}');
  const upload = /^\/v2\/(.+)\/blobs\/uploads\/$/.exec(path);
  if (upload !== null && method === 'POST') return void res.writeHead(202, { location: `/upload/${upload[1]}` }).end();
  if (path.startsWith('/upload/') && method === 'PUT') {
    const digest = url.searchParams.get('digest') ?? '';
    if (digestOf(data) !== digest)
      return void res.writeHead(400).end('{"errors":[{"code":"DIGEST_INVALID","message":"digest mismatch"}]}');
    s.blobs.set(digest, data);
    return void res.writeHead(201, { 'docker-content-digest': digest }).end();
  }
  const m = /^\/v2\/(.+)\/(blobs|manifests|referrers)\/([^/]+)$/.exec(path);
  if (m === null) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
  const [, repo, kind, ref] = m as unknown as [string, string, string, string];
  if (kind === 'blobs') return blob(method, ref, res, s);
  if (kind === 'manifests') return manifest(method, repo, ref, data, res, s);
  return referrers(repo, ref, url, res, s);
}

function blob(method: string, digest: string, res: ServerResponse, s: State): void {
  const bytes = s.blobs.get(digest);
  if (bytes === undefined) return void res.writeHead(404).end();
  res
    .writeHead(200, { 'content-length': bytes.length, 'docker-content-digest': digest })
    .end(method === 'HEAD' ? undefined : bytes);
}

function manifest(method: string, repo: string, ref: string, data: Buffer, res: ServerResponse, s: State): void {
  const key = (r: string): string => (r.startsWith('sha256:') ? `${repo}@${r}` : `${repo}:${r}`);
  if (method === 'PUT') {
    const mediaType = (JSON.parse(data.toString()) as { mediaType: string }).mediaType;
    const digest = digestOf(data);
    s.manifests.set(key(digest), { bytes: data, mediaType });
    if (!ref.startsWith('sha256:')) s.manifests.set(key(ref), { bytes: data, mediaType });
    const subject = (JSON.parse(data.toString()) as { subject?: { digest: string } }).subject;
    return void res
      .writeHead(201, {
        'docker-content-digest': digest,
        ...(subject === undefined ? {} : { 'oci-subject': subject.digest }),
      })
      .end();
  }
  const found = s.manifests.get(key(ref));
  if (found === undefined)
    return void res
      .writeHead(404, { 'content-type': 'application/json' })
      .end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
  const headers = {
    'content-type': found.mediaType,
    'content-length': found.bytes.length,
    'docker-content-digest': digestOf(found.bytes),
  };
  res.writeHead(200, headers).end(method === 'HEAD' ? undefined : found.bytes);
}

function referrers(repo: string, subject: string, url: URL, res: ServerResponse, s: State): void {
  const artifactType = url.searchParams.get('artifactType');
  const all = [...s.manifests]
    .filter(([k]) => k.startsWith(`${repo}@`))
    .map(([k, v]) => ({
      digest: k.slice(repo.length + 1),
      ...v,
      doc: JSON.parse(v.bytes.toString()) as {
        subject?: { digest: string };
        artifactType?: string;
        annotations?: Record<string, string>;
      },
    }))
    .filter((x) => x.doc.subject?.digest === subject && (artifactType === null || x.doc.artifactType === artifactType))
    .map((x) => ({
      mediaType: x.mediaType,
      digest: x.digest,
      size: x.bytes.length,
      artifactType: x.doc.artifactType,
      annotations: x.doc.annotations,
    }));
  const start = Number(url.searchParams.get('last') ?? 0);
  const page = all.slice(start, start + s.pageSize);
  const headers: Record<string, string> = { 'content-type': INDEX };
  if (artifactType !== null) headers['oci-filters-applied'] = 'artifactType';
  const filter = artifactType === null ? '' : `&artifactType=${encodeURIComponent(artifactType)}`;
  if (start + s.pageSize < all.length)
    headers.link = `</v2/${repo}/referrers/${subject}?last=${start + s.pageSize}${filter}>; rel="next"`;
  res.writeHead(200, headers).end(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: page }));
}

function digestOf(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
