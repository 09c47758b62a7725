/**
 * An OCI distribution-spec client for one registry: blobs (HEAD, cross-repository mount, monolithic or chunked
 * upload), manifests (HEAD, GET, PUT with their media type) and tag listing. It knows descriptors and bytes,
 * not images. The transport chain is built here, in one place: user agent → retry → auth → undici.
 */
import { createHash } from 'node:crypto';
import { pipeline, Readable, Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import { DistrolessError } from '../errors.js';
import { MEDIA_TYPES } from '../oci/types.js';
import { anonymousKeychain, type Keychain } from './auth/keychain.js';
import { withAuth } from './auth/transport.js';
import { ERROR_READ_LIMIT, refusedChildDigests, statusError } from './errors.js';
import { checkRepository, pullScope, pushScope } from './names.js';
import { parseRetryAfter } from '../util/http/index.js';
import {
  DEFAULT_RETRY,
  retryOperation,
  withRetry,
  type RetryEvent,
  type RetryOptions,
  type RetryPolicy,
} from './retry.js';
import { Secrets } from './secrets.js';
import {
  undiciTransport,
  withUserAgent,
  type RegistryRequest,
  type RegistryResponse,
  type Transport,
} from './transport.js';

/** What a manifest request accepts (the `Accept` list, in order of preference). */
export const MANIFEST_MEDIA_TYPES = [
  MEDIA_TYPES.index,
  MEDIA_TYPES.manifest,
  MEDIA_TYPES.dockerManifestList,
  MEDIA_TYPES.dockerManifest,
] as const;
const MANIFEST_LIMIT = 4 * 1024 * 1024;

export interface RegistryClientOptions {
  /** `host[:port]`. */
  registry: string;
  /** Plain http instead of https (a registry on this machine). */
  insecure?: boolean;
  keychain?: Keychain;
  retry?: RetryPolicy;
  /** Shared with the caller, who may mask them; the client adds every credential and token it uses. */
  secrets?: Secrets;
  userAgent?: string;
  /** Blobs larger than this go up in PATCH chunks (default 256 MiB); smaller ones in one PUT. */
  chunkThreshold?: number;
  /** Size of a PATCH chunk (default 64 MiB). */
  chunkSize?: number;
  onRetry?: (event: RetryEvent) => void;
  sleep?: (ms: number) => Promise<void>;
  /** Default: the one the edge installed (see src/util/http/dispatcher.ts). */
  dispatcher?: Dispatcher;
}

/** A blob to upload: its descriptor and a way to read it (again, on a retry), whole or a byte range. */
export interface BlobContent {
  digest: string;
  size: number;
  /** `end` is inclusive. */
  open(range?: { start: number; end: number }): Readable;
}

export interface ManifestInfo {
  digest: string;
  mediaType: string;
  size: number;
}

export class RegistryClient {
  readonly registry: string;
  readonly secrets: Secrets;
  private readonly origin: URL;
  private readonly transport: Transport;
  private readonly retry: RetryOptions;
  private readonly chunkThreshold: number;
  private readonly chunkSize: number;
  /** Small-blob uploads in flight, by `repository@digest` (see putBlobBytes). */
  private readonly blobsInFlight = new Map<string, Promise<void>>();

  constructor(o: RegistryClientOptions) {
    this.registry = o.registry;
    this.origin = new URL(`${o.insecure ? 'http' : 'https'}://${o.registry}`);
    this.secrets = o.secrets ?? new Secrets();
    this.retry = {
      policy: o.retry ?? DEFAULT_RETRY,
      secrets: this.secrets,
      ...(o.sleep ? { sleep: o.sleep } : {}),
      ...(o.onRetry ? { onRetry: o.onRetry } : {}),
    };
    this.chunkThreshold = o.chunkThreshold ?? 256 * 1024 * 1024;
    this.chunkSize = o.chunkSize ?? 64 * 1024 * 1024;
    const base = undiciTransport({ dispatcher: o.dispatcher, policy: this.retry.policy, secrets: this.secrets });
    const ua = o.userAgent ?? 'distroless-action';
    const plain = withUserAgent(withRetry(base, this.retry), ua);
    const auth = withAuth(base, {
      origin: this.origin,
      keychain: o.keychain ?? anonymousKeychain,
      secrets: this.secrets,
      plain,
    });
    this.transport = withUserAgent(withRetry(auth, this.retry), ua);
  }

  /** Checks that the registry answers `/v2/` (authenticating as needed). */
  async ping(): Promise<void> {
    await this.call({ method: 'GET', url: this.url('/v2/') }, [200]);
  }

  /** Whether the repository has the blob. */
  async blobExists(repository: string, digest: string): Promise<boolean> {
    const url = this.url(`/v2/${checkRepository(repository)}/blobs/${digest}`);
    const res = await this.call({ method: 'HEAD', url, scopes: [pushScope(repository)] }, [200, 404]);
    await res.discard();
    return res.status === 200;
  }

  /**
   * A small blob (a signature payload, an envelope, a config) from memory: uploaded unless the repository has
   * it. Concurrent calls for the same blob share one upload: two uploads of one digest at once (signers
   * working in parallel all push the same empty config) left distribution 2.8 answering "blob unknown" to a
   * manifest that named it.
   */
  async putBlobBytes(repository: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const key = `${repository}@${digest}`;
    let work = this.blobsInFlight.get(key);
    if (work === undefined) {
      work = (async () => {
        if (await this.blobExists(repository, digest)) return;
        const open = (range?: { start: number; end: number }): Readable =>
          Readable.from([range === undefined ? bytes : bytes.subarray(range.start, range.end + 1)]);
        await this.uploadBlob(repository, { digest, size: bytes.length, open });
      })().finally(() => this.blobsInFlight.delete(key));
      this.blobsInFlight.set(key, work);
    }
    await work;
    return { digest, size: bytes.length };
  }

  /**
   * Asks the registry to link a blob of repository `from` into `repository`. When it will not (the source does
   * not have it, or mounting is not supported), the upload session it opened instead is returned.
   */
  async mountBlob(
    repository: string,
    digest: string,
    from: string,
  ): Promise<{ mounted: true } | { mounted: false; session: URL }> {
    const url = this.url(`/v2/${checkRepository(repository)}/blobs/uploads/`);
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', checkRepository(from));
    const res = await this.call({ method: 'POST', url, scopes: [pushScope(repository), pullScope(from)] }, [201, 202]);
    await res.discard();
    return res.status === 201 ? { mounted: true } : { mounted: false, session: this.location(res) };
  }

  /**
   * Uploads a blob: one PUT, or PATCH chunks and a closing PUT for large ones. A failed try starts over as a
   * whole (after checking that the blob did not arrive after all). `onBytes(n)` is told of every chunk sent.
   */
  async uploadBlob(
    repository: string,
    blob: BlobContent,
    opts: { session?: URL; onBytes?: (n: number) => void } = {},
  ): Promise<void> {
    checkRepository(repository);
    const path = `/v2/${repository}/blobs/uploads/`;
    await retryOperation(this.retry, { registry: this.registry, method: 'PUT', path }, async (attempt) => {
      if (attempt > 1 && (await this.blobExists(repository, blob.digest))) return;
      const session = attempt === 1 && opts.session !== undefined ? opts.session : await this.startUpload(repository);
      await this.sendBlob(repository, blob, session, opts.onBytes ?? (() => undefined));
    });
  }

  private async startUpload(repository: string): Promise<URL> {
    const res = await this.call(
      { method: 'POST', url: this.url(`/v2/${repository}/blobs/uploads/`), scopes: [pushScope(repository)] },
      [202],
    );
    await res.discard();
    return this.location(res);
  }

  private async sendBlob(
    repository: string,
    blob: BlobContent,
    session: URL,
    onBytes: (n: number) => void,
  ): Promise<void> {
    const scopes = [pushScope(repository)];
    const headers = { 'content-type': 'application/octet-stream' };
    let location = session;
    if (blob.size > this.chunkThreshold) {
      for (let start = 0; start < blob.size; start += this.chunkSize) {
        const end = Math.min(blob.size, start + this.chunkSize) - 1;
        const body = { size: end - start + 1, open: () => counting(blob.open({ start, end }), onBytes) };
        const req: RegistryRequest = {
          method: 'PATCH',
          url: location,
          headers: { ...headers, 'content-range': `${start}-${end}` },
          body,
          scopes,
          retry: false,
        };
        const res = await this.call(req, [202, 204]);
        await res.discard();
        location = this.location(res);
      }
      const res = await this.call(
        { method: 'PUT', url: withDigest(location, blob.digest), scopes, retry: false, commit: true },
        [201, 204],
      );
      return res.discard();
    }
    const body = { size: blob.size, open: () => counting(blob.open(), onBytes) };
    const res = await this.call(
      { method: 'PUT', url: withDigest(location, blob.digest), headers, body, scopes, retry: false, commit: true },
      [201, 204],
    );
    return res.discard();
  }

  /** A manifest's digest, media type and size (HEAD), or undefined when the repository does not have it. */
  async manifestInfo(repository: string, reference: string): Promise<ManifestInfo | undefined> {
    const url = this.url(`/v2/${checkRepository(repository)}/manifests/${reference}`);
    const res = await this.call(
      { method: 'HEAD', url, headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') }, scopes: [pushScope(repository)] },
      [200, 404],
    );
    await res.discard();
    if (res.status === 404) return undefined;
    const digest = res.header('docker-content-digest') ?? (reference.startsWith('sha256:') ? reference : '');
    return {
      digest,
      mediaType: (res.header('content-type') ?? '').split(';')[0] ?? '',
      size: Number(res.header('content-length') ?? 0),
    };
  }

  async getManifest(
    repository: string,
    reference: string,
  ): Promise<{ bytes: Buffer; mediaType: string; digest: string }> {
    const url = this.url(`/v2/${checkRepository(repository)}/manifests/${reference}`);
    const res = await this.call(
      { method: 'GET', url, headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') }, scopes: [pullScope(repository)] },
      [200],
    );
    const bytes = Buffer.from(await res.text(MANIFEST_LIMIT), 'utf8');
    return {
      bytes,
      mediaType: (res.header('content-type') ?? '').split(';')[0] ?? '',
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    };
  }

  /** PUTs a manifest or index (by digest or by tag) with its media type; returns its digest. */
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const url = this.url(`/v2/${checkRepository(repository)}/manifests/${reference}`);
    const res = await this.call(
      { method: 'PUT', url, headers: { 'content-type': mediaType }, body: bytes, scopes: [pushScope(repository)] },
      [200, 201, 204],
    );
    await res.discard();
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const said = res.header('docker-content-digest');
    if (said !== undefined && said !== digest) {
      throw statusError(
        { registry: this.registry, method: 'PUT', url },
        {
          status: res.status,
          statusText: `stored the manifest as ${said}, not ${digest}`,
          body: '',
          attempts: res.attempts,
        },
        this.secrets,
        false,
      );
    }
    return digest;
  }

  /**
   * `putManifest` for a manifest whose children the caller holds in memory (a signature's payloads and config, a
   * bundle and its empty config, the referrer manifest a fallback index adds), with the repair `pushTargets`
   * makes (src/registry/push.ts). Distribution 2.8 refuses a PUT while another client re-links one of its
   * children into the repository (`MANIFEST_BLOB_UNKNOWN`, often with `DIGEST_INVALID`), although the child is
   * there; signers in other processes do that all the time, since every referrer shares the same empty config.
   * The children the refusal names are checked, sent again when really missing (a child with a `mediaType` is
   * a manifest, PUT by digest), and the PUT is tried again under the retry policy; after its last try, the
   * registry's own line is the error.
   */
  async putManifestWith(
    repository: string,
    reference: string,
    bytes: Buffer,
    mediaType: string,
    children: ReadonlyArray<{ bytes: Buffer; mediaType?: string }>,
  ): Promise<string> {
    const held = new Map(children.map((c) => [`sha256:${createHash('sha256').update(c.bytes).digest('hex')}`, c]));
    const digests = [...held.keys()];
    let refused: string[] = [];
    return this.retrying(
      { method: 'PUT', path: `/v2/${checkRepository(repository)}/manifests/${reference}` },
      async () => {
        for (const digest of refused.splice(0)) {
          const child = held.get(digest) as { bytes: Buffer; mediaType?: string };
          if (child.mediaType === undefined)
            await this.putBlobBytes(repository, child.bytes); // HEAD first
          else if ((await this.manifestInfo(repository, digest)) === undefined) {
            await this.putManifest(repository, digest, child.bytes, child.mediaType);
          }
        }
        try {
          return await this.putManifest(repository, reference, bytes, mediaType);
        } catch (e) {
          refused = refusedChildDigests(e, digests) ?? [];
          throw e;
        }
      },
      (e) => refusedChildDigests(e, digests) !== undefined,
    );
  }

  /**
   * Runs an operation of several requests under this client's retry policy, as a whole: a try that failed with
   * a retryable error, or one `retryIf` accepts, starts over after the policy's backoff. The requests inside are
   * tried once each (retries do not nest), so the policy's tries bound the whole.
   */
  async retrying<T>(
    describe: { method: string; path: string },
    task: (attempt: number) => Promise<T>,
    retryIf?: (e: unknown) => boolean,
  ): Promise<T> {
    return retryOperation(this.retry, { registry: this.registry, ...describe }, task, retryIf);
  }

  /** Every tag of a repository (following `Link` pagination); [] when the repository does not exist. */
  async listTags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let url: URL | undefined = this.url(`/v2/${checkRepository(repository)}/tags/list`);
    url.searchParams.set('n', '1000');
    while (url !== undefined) {
      const res: RegistryResponse = await this.call(
        { method: 'GET', url, scopes: [pullScope(repository)] },
        [200, 404],
      );
      const text = await res.text(MANIFEST_LIMIT);
      if (res.status === 404) return [];
      tags.push(...((JSON.parse(text) as { tags?: string[] | null }).tags ?? []));
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.header('link') ?? '')?.[1];
      url = next === undefined ? undefined : new URL(next, url);
    }
    return tags;
  }

  /**
   * A small text blob (JSON: signatures, bundles, attestations), checked against its digest. Read as UTF-8,
   * so a binary blob fails the digest check rather than coming back altered.
   */
  async getBlob(repository: string, digest: string, limit = MANIFEST_LIMIT): Promise<Buffer> {
    const url = this.url(`/v2/${checkRepository(repository)}/blobs/${digest}`);
    const res = await this.call({ method: 'GET', url, scopes: [pullScope(repository)] }, [200]);
    const bytes = Buffer.from(await res.text(limit + 1), 'utf8');
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (bytes.length > limit || actual !== digest) {
      const statusText =
        bytes.length > limit ? `blob is larger than ${limit} bytes` : `blob content has digest ${actual}`;
      throw statusError(
        { registry: this.registry, method: 'GET', url },
        { status: res.status, statusText, body: '', attempts: res.attempts },
        this.secrets,
        false,
      );
    }
    return bytes;
  }

  /**
   * The referrers API (distribution-spec 1.1, `GET /v2/<repo>/referrers/<digest>`): the bytes of each page of
   * the image index listing the manifests whose `subject` is `digest` (pages follow `Link: <…>; rel="next"`).
   * Undefined when the registry does not offer the API: it answers 404, 400 or 406, or with something other
   * than an OCI index (distribution 2.8, GHCR and Docker Hub do not offer it: use the `sha256-<hex>` tag).
   */
  async getReferrers(repository: string, digest: string, artifactType?: string): Promise<Buffer[] | undefined> {
    const pages: Buffer[] = [];
    let url: URL | undefined = this.url(`/v2/${checkRepository(repository)}/referrers/${digest}`);
    if (artifactType !== undefined) url.searchParams.set('artifactType', artifactType);
    const accept = { accept: MEDIA_TYPES.index };
    while (url !== undefined) {
      const res: RegistryResponse = await this.call(
        { method: 'GET', url, headers: accept, scopes: [pullScope(repository)] },
        [200, 400, 404, 406],
      );
      const isIndex = (res.header('content-type') ?? '').split(';')[0]?.trim() === accept.accept;
      const text = await res.text(MANIFEST_LIMIT);
      if (res.status !== 200 || !isIndex) {
        if (pages.length === 0) return undefined;
        throw statusError(
          { registry: this.registry, method: 'GET', url },
          { status: res.status, statusText: 'referrers page is not an OCI index', body: text, attempts: res.attempts },
          this.secrets,
          false,
        );
      }
      pages.push(Buffer.from(text, 'utf8'));
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.header('link') ?? '')?.[1];
      url = next === undefined ? undefined : new URL(next, url);
      if (pages.length > 100)
        throw new DistrolessError(
          'REGISTRY',
          `registry ${this.registry}: more than 100 pages of referrers for ${digest}`,
        );
    }
    return pages;
  }

  /** Nothing to release: connections belong to the shared dispatcher. Kept for callers that close clients. */
  async close(): Promise<void> {
    return Promise.resolve();
  }

  private url(path: string): URL {
    return new URL(path, this.origin);
  }

  private location(res: RegistryResponse): URL {
    const loc = res.header('location');
    if (loc === undefined) {
      const info = { registry: this.registry, method: 'POST', url: res.url };
      throw statusError(
        info,
        { status: res.status, statusText: 'response has no Location header', body: '', attempts: res.attempts },
        this.secrets,
        false,
      );
    }
    return new URL(loc, res.url);
  }

  /** Sends a request; a status outside `expected` becomes a RegistryError with the (capped, redacted) body. */
  private async call(req: RegistryRequest, expected: readonly number[]): Promise<RegistryResponse> {
    const res = await this.transport(req);
    if (expected.includes(res.status)) return res;
    const body = req.method === 'HEAD' ? '' : await res.text(ERROR_READ_LIMIT).catch(() => '');
    const retryable = this.retry.policy.retryStatuses.includes(res.status);
    const retryAfterMs = parseRetryAfter(res.header('retry-after') ?? null, res.header('date') ?? null);
    const info = { registry: this.registry, method: req.method, url: req.url };
    throw statusError(
      info,
      { status: res.status, statusText: res.statusText, body, attempts: res.attempts, retryAfterMs },
      this.secrets,
      retryable,
    );
  }
}

function withDigest(location: URL, digest: string): URL {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url;
}

/** Passes a blob stream through, telling `onBytes` the size of every chunk. */
function counting(source: Readable, onBytes: (n: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
  return pipeline(source, counter, () => undefined);
}
