/**
 * Pushing manifests, indexes and their blobs to repositories of one registry, tags last:
 *  1. every (repository, manifest) is HEADed by digest; one that is there vouches for its blobs (registries
 *     check them on PUT), so an unchanged set costs no blob request at all;
 *  2. every missing blob: HEAD, else mount from a repository of this push that has it, else upload
 *     (one upload per digest: the other repositories mount it once it is there);
 *  3. manifests by digest, children before parents (per-arch manifests, then indexes);
 *  4. tags, only now, so that a tag never names something incomplete; a tag that already names the digest
 *     is left alone.
 * Immutable tags are checked before anything is sent: one that names another digest stops the push.
 * Knows descriptors and bytes, not images (the caller maps its refs to repositories and tags).
 */
import type { Readable } from 'node:stream';
import { DistrolessError } from '../errors.js';
import type { Descriptor } from '../oci/types.js';
import { MANIFEST_MEDIA_TYPES, type RegistryClient } from './client.js';
import { checkTag } from './names.js';
import type { RetryEvent } from './retry.js';

export interface PushSource {
  /** The children of a manifest (config and layers) or index (manifests). */
  children(d: Descriptor): Promise<Descriptor[]>;
  /** The exact bytes of a manifest or index. */
  document(d: Descriptor): Promise<Buffer>;
  /** A blob's bytes, whole or a range (`end` inclusive). */
  open(d: Descriptor, range?: { start: number; end: number }): Readable;
}

export interface PushTarget {
  repository: string;
  /** A manifest or an index. */
  descriptor: Descriptor;
  tags: readonly string[];
  /** Tags that must never move: if one already names another digest, the push fails before it starts. */
  immutableTags?: readonly string[];
}

export type PushEvent =
  | { kind: 'blob'; repository: string; digest: string; size: number; action: 'exists' | 'mounted' | 'uploaded'; done: number; total: number }
  | { kind: 'bytes'; repository: string; digest: string; size: number; sent: number; totalSent: number }
  | { kind: 'manifest'; repository: string; digest: string; mediaType: string; action: 'exists' | 'put' }
  | { kind: 'tag'; repository: string; tag: string; digest: string; action: 'unchanged' | 'put' }
  | ({ kind: 'retry' } & RetryEvent);

export interface PushOptions {
  /** Blob uploads / requests in flight (default 4). */
  concurrency?: number;
  onProgress?: (event: PushEvent) => void;
}

export interface PushedTag {
  repository: string;
  tag: string;
  digest: string;
  mediaType: string;
}

export interface PushStats {
  /** Blob bytes sent (retries included). */
  uploadedBytes: number;
  /** (repository, blob) pairs by what was done for them. */
  uploadedBlobs: number;
  mountedBlobs: number;
  existingBlobs: number;
  manifestsPut: number;
  manifestsExisting: number;
  tagsPut: number;
  tagsUnchanged: number;
}

interface Node {
  descriptor: Descriptor;
  children: Descriptor[];
  /** 0 for a blob, 1 for a manifest of blobs, 2 for an index of those… */
  level: number;
}

const isManifest = (d: Descriptor): boolean => (MANIFEST_MEDIA_TYPES as readonly string[]).includes(d.mediaType);

export async function pushTargets(client: RegistryClient, source: PushSource, targets: readonly PushTarget[], opts: PushOptions = {}): Promise<{ tags: PushedTag[]; stats: PushStats }> {
  const limit = Math.max(1, opts.concurrency ?? 4);
  const emit = opts.onProgress ?? (() => undefined);
  const stats: PushStats = { uploadedBytes: 0, uploadedBlobs: 0, mountedBlobs: 0, existingBlobs: 0, manifestsPut: 0, manifestsExisting: 0, tagsPut: 0, tagsUnchanged: 0 };
  const tags = planTags(targets);
  await checkImmutable(client, targets, limit);

  // The graph of every target, and what each repository needs.
  const nodes = new Map<string, Promise<Node>>();
  const node = (d: Descriptor): Promise<Node> => {
    let n = nodes.get(d.digest);
    if (n === undefined) {
      n = (async () => {
        const children = isManifest(d) ? await source.children(d) : [];
        const levels = await Promise.all(children.map(async (c) => (await node(c)).level));
        return { descriptor: d, children, level: isManifest(d) ? 1 + Math.max(0, ...levels) : 0 };
      })();
      nodes.set(d.digest, n);
    }
    return n;
  };
  const wanted = new Map<string, Map<string, Node>>(); // repository → digest → node
  const collect = async (repo: string, d: Descriptor): Promise<void> => {
    const byDigest = wanted.get(repo) ?? new Map<string, Node>();
    wanted.set(repo, byDigest);
    if (byDigest.has(d.digest)) return;
    const n = await node(d);
    byDigest.set(d.digest, n);
    for (const c of n.children) await collect(repo, c);
  };
  for (const t of targets) await collect(t.repository, t.descriptor);

  // 1. Which manifests are there already; what they vouch for.
  const pairs = [...wanted].flatMap(([repo, m]) => [...m.values()].filter((n) => n.level > 0).map((n) => ({ repo, n })));
  const present = new Set<string>();
  await runLimited(pairs, limit, async ({ repo, n }) => {
    if ((await client.manifestInfo(repo, n.descriptor.digest)) !== undefined) present.add(`${repo}@${n.descriptor.digest}`);
  });
  for (const [repo, m] of wanted) {
    for (const n of [...m.values()].sort((a, b) => b.level - a.level)) {
      if (present.has(`${repo}@${n.descriptor.digest}`)) for (const c of n.children) present.add(`${repo}@${c.digest}`);
    }
  }

  // 2. Blobs, biggest first, one task per digest across repositories.
  const blobs = new Map<string, { descriptor: Descriptor; repos: string[] }>();
  for (const [repo, m] of wanted) {
    for (const n of m.values()) {
      if (n.level > 0) continue;
      const entry = blobs.get(n.descriptor.digest) ?? { descriptor: n.descriptor, repos: [] };
      entry.repos.push(repo);
      blobs.set(n.descriptor.digest, entry);
    }
  }
  const total = [...blobs.values()].reduce((s, b) => s + b.repos.length, 0);
  let done = 0;
  const finished = (repository: string, d: Descriptor, action: 'exists' | 'mounted' | 'uploaded'): void => {
    if (action === 'exists') stats.existingBlobs++;
    else if (action === 'mounted') stats.mountedBlobs++;
    else stats.uploadedBlobs++;
    emit({ kind: 'blob', repository, digest: d.digest, size: d.size, action, done: ++done, total });
  };
  const ordered = [...blobs.values()].sort((a, b) => b.descriptor.size - a.descriptor.size);
  await runLimited(ordered, limit, async ({ descriptor: d, repos }) => {
    const known = repos.filter((r) => present.has(`${r}@${d.digest}`));
    for (const r of known) finished(r, d, 'exists');
    const unknown = repos.filter((r) => !known.includes(r));
    const there = await Promise.all(unknown.map((r) => client.blobExists(r, d.digest)));
    const missing = unknown.filter((r, i) => {
      if (there[i] === true) {
        known.push(r);
        finished(r, d, 'exists');
      }
      return there[i] !== true;
    });
    for (const repository of missing) {
      let session: URL | undefined;
      const from = known[0];
      if (from !== undefined) {
        const mount = await client.mountBlob(repository, d.digest, from);
        if (mount.mounted) {
          known.push(repository);
          finished(repository, d, 'mounted');
          continue;
        }
        session = mount.session;
      }
      let sent = 0;
      const content = { digest: d.digest, size: d.size, open: (range?: { start: number; end: number }) => source.open(d, range) };
      await client.uploadBlob(repository, content, {
        session,
        onBytes: (n) => {
          sent += n;
          stats.uploadedBytes += n;
          emit({ kind: 'bytes', repository, digest: d.digest, size: d.size, sent, totalSent: stats.uploadedBytes });
        },
      });
      known.push(repository);
      finished(repository, d, 'uploaded');
    }
  });

  // 3. Manifests by digest, lowest level first.
  const levels = [...new Set(pairs.map((p) => p.n.level))].sort((a, b) => a - b);
  for (const level of levels) {
    await runLimited(
      pairs.filter((p) => p.n.level === level),
      limit,
      async ({ repo, n }) => {
        const { digest, mediaType } = n.descriptor;
        if (present.has(`${repo}@${digest}`)) {
          stats.manifestsExisting++;
          emit({ kind: 'manifest', repository: repo, digest, mediaType, action: 'exists' });
          return;
        }
        await client.putManifest(repo, digest, await source.document(n.descriptor), mediaType);
        stats.manifestsPut++;
        emit({ kind: 'manifest', repository: repo, digest, mediaType, action: 'put' });
      },
    );
  }

  // 4. Tags, per-arch manifests before indexes; the tags of one manifest one after the other. A registry
  // re-links a manifest on every PUT, and distribution 2.8's filesystem driver rewrites link files in place:
  // an index PUT that checks a child while the child is being re-tagged can read an empty link.
  const groups = new Map<string, { repository: string; descriptor: Descriptor; tags: string[]; level: number }>();
  for (const t of tags) {
    const key = `${t.repository}@${t.descriptor.digest}`;
    const level = (await node(t.descriptor)).level;
    const g = groups.get(key) ?? { repository: t.repository, descriptor: t.descriptor, tags: [], level };
    g.tags.push(t.tag);
    groups.set(key, g);
  }
  for (const level of [...new Set([...groups.values()].map((g) => g.level))].sort((a, b) => a - b)) {
    await runLimited(
      [...groups.values()].filter((g) => g.level === level),
      limit,
      async ({ repository, descriptor, tags: names }) => {
        for (const tag of names) {
          const now = await client.manifestInfo(repository, tag);
          const action = now?.digest === descriptor.digest ? 'unchanged' : 'put';
          if (action === 'put') await client.putManifest(repository, tag, await source.document(descriptor), descriptor.mediaType);
          if (action === 'put') stats.tagsPut++;
          else stats.tagsUnchanged++;
          emit({ kind: 'tag', repository, tag, digest: descriptor.digest, action });
        }
      },
    );
  }
  return { tags: tags.map((t) => ({ repository: t.repository, tag: t.tag, digest: t.descriptor.digest, mediaType: t.descriptor.mediaType })), stats };
}

/** Every (repository, tag) once; two targets giving one tag different digests is a usage error. */
function planTags(targets: readonly PushTarget[]): Array<{ repository: string; tag: string; descriptor: Descriptor }> {
  const byKey = new Map<string, { repository: string; tag: string; descriptor: Descriptor }>();
  for (const t of targets) {
    if (!isManifest(t.descriptor)) throw new DistrolessError('USAGE', `${t.repository}: ${t.descriptor.digest} is a ${t.descriptor.mediaType}, not a manifest or index`);
    for (const tag of [...t.tags, ...(t.immutableTags ?? [])]) {
      const key = `${t.repository}:${checkTag(tag)}`;
      const prev = byKey.get(key);
      if (prev !== undefined && prev.descriptor.digest !== t.descriptor.digest) {
        throw new DistrolessError('USAGE', `tag ${key} would name both ${prev.descriptor.digest} and ${t.descriptor.digest}`);
      }
      byKey.set(key, { repository: t.repository, tag, descriptor: t.descriptor });
    }
  }
  return [...byKey.values()];
}

async function checkImmutable(client: RegistryClient, targets: readonly PushTarget[], limit: number): Promise<void> {
  const checks = targets.flatMap((t) => (t.immutableTags ?? []).map((tag) => ({ t, tag })));
  await runLimited(checks, limit, async ({ t, tag }) => {
    const now = await client.manifestInfo(t.repository, tag);
    if (now !== undefined && now.digest !== t.descriptor.digest) {
      throw new DistrolessError(
        'REGISTRY',
        `registry ${client.registry}: immutable tag ${t.repository}:${tag} already names ${now.digest}, not ${t.descriptor.digest}; nothing was pushed`,
      );
    }
  });
}

/**
 * At most `limit` tasks at once; after the first failure no new task starts, the running ones are awaited,
 * and that first error is thrown (so a dead registry fails the push once, not once per blob).
 */
export async function runLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
