/**
 * `runPush` against the real docker-registry (anonymous) on 127.0.0.1: every ref lands as distroless-style
 * tags, skopeo reads the indexes with their platforms and copies every tag back with the built digests, large
 * blobs go up in chunks, shared layers are mounted across repositories, a re-push sends no blob byte and
 * re-PUTs nothing, and an immutable tag is never moved.
 * Needs the Debian packages docker-registry, skopeo and tar.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultRepoName, runPush, type PushSummary } from '../../src/app/push.js';
import { isDistrolessError } from '../../src/errors.js';
import { listRefs, type Descriptor } from '../../src/oci/index.js';
import { FAST_RETRY, RegistryClient, type PushEvent } from '../../src/registry/index.js';
import { requireTools } from '../helpers/oci-tools.js';
import { skopeoInspectRaw, skopeoPull, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeTestLayout } from '../helpers/test-layout.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';

const MiB = 1024 * 1024;
let work: string;
let registry: TestRegistry;
let layout: string;
let refs: Map<string, Descriptor>;
let first: PushSummary;
const events: PushEvent[] = [];

/** Every layout ref as `host/prefix/repo:tag` → digest. */
function expectedTags(host: string, all: Map<string, Descriptor>): Map<string, string> {
  return new Map(
    [...all].map(([ref, d]) => {
      const { repo, tag } = defaultRepoName(ref, d);
      return [`${host}/distroless/${repo}:${tag}`, d.digest];
    }),
  );
}

beforeAll(async () => {
  await requireTools('skopeo', 'tar');
  work = await mkdtemp(join(tmpdir(), 'registry-push-'));
  registry = await startRegistry();
  layout = join(work, 'layout');
  refs = await makeTestLayout(layout, {
    images: ['static', 'base'],
    archs: ['amd64', 'arm64'],
    variants: ['latest', 'nonroot', 'debug'],
    marker: 'r1',
    baseBytes: 3 * MiB,
  });
  first = await runPush({
    layoutDir: layout,
    registry: `${registry.host}/distroless`,
    insecure: true,
    retry: FAST_RETRY,
    chunkThreshold: 2 * MiB,
    chunkSize: 1 * MiB,
    concurrency: 3,
    onProgress: (e) => events.push(e),
  });
});

afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('push to docker-registry (anonymous)', () => {
  it('names every ref distroless-style and tags each with its digest', () => {
    const expected = expectedTags(registry.host, refs);
    expect(new Map(first.refs.map((r) => [r.reference, r.digest]))).toEqual(expected);
    expect(first.refs.map((r) => r.reference)).toContain(`${registry.host}/distroless/static-debian12:nonroot`);
    expect(first.refs.map((r) => r.reference)).toContain(`${registry.host}/distroless/base-debian12:debug-arm64`);
    expect(first.tagsPut).toBe(expected.size);
  });

  it('uploads each blob once (large ones in chunks) and mounts shared layers into the other repository', () => {
    const uploaded = events.filter((e) => e.kind === 'blob' && e.action === 'uploaded');
    const digests = uploaded.map((e) => (e.kind === 'blob' ? e.digest : ''));
    expect(new Set(digests).size).toBe(digests.length);
    expect(first.mountedBlobs).toBeGreaterThan(0);
    // The 3 MiB base layer of each arch went up in 1 MiB PATCHes: its byte events come in chunk-sized steps.
    const big = events.filter((e) => e.kind === 'bytes' && e.size > 2 * MiB);
    expect(big.length).toBeGreaterThanOrEqual(2 * 3);
    expect(first.uploadedBytes).toBe(uploaded.reduce((s, e) => s + (e.kind === 'blob' ? e.size : 0), 0));
    const last = events.filter((e) => e.kind === 'blob').at(-1);
    expect(last?.kind === 'blob' && last.done === last.total).toBe(true);
  });

  it('pushes tags only after every manifest', () => {
    const firstTag = events.findIndex((e) => e.kind === 'tag');
    const lastManifest = events.map((e) => e.kind).lastIndexOf('manifest');
    expect(firstTag).toBeGreaterThan(lastManifest);
  });

  it('shows the index with its platforms to skopeo, and skopeo copies every tag back with the same digests', async () => {
    const raw = JSON.parse(await skopeoInspectRaw(`${registry.host}/distroless/static-debian12:nonroot`)) as {
      mediaType: string;
      manifests: Array<{ platform: { architecture: string; os: string; variant?: string } }>;
    };
    expect(raw.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(raw.manifests.map((m) => m.platform)).toEqual([
      { architecture: 'amd64', os: 'linux' },
      { architecture: 'arm64', os: 'linux', variant: 'v8' },
    ]);
    const out = join(work, 'pulled');
    for (const r of first.refs)
      await skopeoPull(r.reference, out, r.reference.split('/').slice(1).join('/').replace(/[/:]/g, '-'));
    const pulled = await listRefs(out);
    for (const r of first.refs)
      expect(pulled.get(r.reference.split('/').slice(1).join('/').replace(/[/:]/g, '-'))?.digest).toBe(r.digest);
  });

  it('lists the tags of a repository', async () => {
    const client = new RegistryClient({ registry: registry.host, insecure: true, retry: FAST_RETRY });
    try {
      const tags = await client.listTags('distroless/static-debian12');
      expect(tags.sort()).toEqual([
        'debug',
        'debug-amd64',
        'debug-arm64',
        'latest',
        'latest-amd64',
        'latest-arm64',
        'nonroot',
        'nonroot-amd64',
        'nonroot-arm64',
      ]);
      expect(await client.listTags('distroless/nothing-here')).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('re-pushes an unchanged layout without sending a blob byte or re-PUTting a manifest', async () => {
    const again = await runPush({
      layoutDir: layout,
      registry: `${registry.host}/distroless`,
      insecure: true,
      retry: FAST_RETRY,
    });
    console.log(
      `re-push of an unchanged layout: ${JSON.stringify({ uploadedBytes: again.uploadedBytes, uploadedBlobs: again.uploadedBlobs, manifestsPut: again.manifestsPut, tagsPut: again.tagsPut, firstPushBytes: first.uploadedBytes })}`,
    );
    expect(again.uploadedBytes).toBe(0);
    expect(again.uploadedBlobs).toBe(0);
    expect(again.mountedBlobs).toBe(0);
    expect(again.manifestsPut).toBe(0);
    expect(again.tagsPut).toBe(0);
    expect(again.tagsUnchanged).toBe(first.tagsPut);
    expect(again.refs).toEqual(first.refs);
  });

  it('moves tags to a new release, adds immutable tags, and never moves an immutable tag', async () => {
    const r2 = join(work, 'layout-r2');
    const refs2 = await makeTestLayout(r2, {
      images: ['static', 'base'],
      archs: ['amd64', 'arm64'],
      variants: ['latest', 'nonroot', 'debug'],
      marker: 'r2',
    });
    const second = await runPush({
      layoutDir: r2,
      registry: `${registry.host}/distroless`,
      insecure: true,
      retry: FAST_RETRY,
      immutableTag: '20261127',
    });
    const byRef = new Map(second.refs.map((r) => [r.reference, r.digest]));
    expect(byRef.get(`${registry.host}/distroless/static-debian12:nonroot`)).toBe(
      refs2.get('static-debian12-nonroot')?.digest,
    );
    expect(byRef.get(`${registry.host}/distroless/static-debian12:nonroot-20261127`)).toBe(
      refs2.get('static-debian12-nonroot')?.digest,
    );
    expect(byRef.has(`${registry.host}/distroless/static-debian12:nonroot-amd64-20261127`)).toBe(false);

    const r3 = join(work, 'layout-r3');
    await makeTestLayout(r3, {
      images: ['static', 'base'],
      archs: ['amd64', 'arm64'],
      variants: ['latest', 'nonroot', 'debug'],
      marker: 'r3',
    });
    const failed = await runPush({
      layoutDir: r3,
      registry: `${registry.host}/distroless`,
      insecure: true,
      retry: FAST_RETRY,
      immutableTag: '20261127',
    }).catch((e: unknown) => e);
    expect(isDistrolessError(failed, 'REGISTRY')).toBe(true);
    expect((failed as Error).message).toMatch(
      /immutable tag distroless\/\S+-debian12:\S+-20261127 already names sha256:[0-9a-f]{64}, not sha256:/,
    );
    const client = new RegistryClient({ registry: registry.host, insecure: true, retry: FAST_RETRY });
    try {
      expect((await client.manifestInfo('distroless/static-debian12', 'nonroot'))?.digest).toBe(
        refs2.get('static-debian12-nonroot')?.digest,
      );
    } finally {
      await client.close();
    }
  });
});

describe('small blobs from memory (signatures, envelopes, configs)', () => {
  it('pushes one blob once when many ask for it at once, and not at all when the repository has it', async () => {
    const proxy = await startFaultProxy({ upstream: registry.host });
    const client = new RegistryClient({ registry: proxy.host, insecure: true, retry: FAST_RETRY });
    try {
      const bytes = Buffer.from('{}');
      const uploads = (): number =>
        proxy.seen.filter((r) => r.method === 'POST' && r.path.includes('/blobs/uploads/')).length;
      const results = await Promise.all(Array.from({ length: 6 }, () => client.putBlobBytes('inflight/a', bytes)));
      expect(new Set(results.map((r) => r.digest))).toEqual(
        new Set(['sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a']),
      );
      expect(uploads()).toBe(1);
      expect(await client.blobExists('inflight/a', results[0]?.digest ?? '')).toBe(true);
      await client.putBlobBytes('inflight/a', bytes);
      expect(uploads()).toBe(1);
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});
