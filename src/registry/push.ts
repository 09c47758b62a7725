/**
 * Pushing manifests, indexes and their blobs to repositories of one registry, tags last:
 *  1. every (repository, manifest) is HEADed by digest; one that is there vouches for its blobs (registries
 *     check them on PUT), so an unchanged set costs no blob request at all;
 *  2. every other blob: HEAD, else mount from a repository of this push that has it, else upload (one upload
 *     per digest: the other repositories mount it once it is there); biggest first;
 *  3. manifests by digest, children before parents (per-arch manifests, then indexes);
 *  4. tags, only now, so that a tag never names something incomplete; a tag that already names the digest is
 *     left alone.
 * A manifest or tag PUT that the registry refuses for naming a blob or manifest it does not have is answered by
 * checking those again, sending back the missing ones and trying the PUT again (see `putManifest`).
 * Immutable tags are checked before anything is sent: one that names another digest stops the push.
 * Knows descriptors and bytes, not images (the caller maps its refs to repositories and tags).
 */
import { DistrolessError } from '../errors.js';
import type { Descriptor } from '../oci/types.js';
import type { RegistryClient } from './client.js';
import { refusedChildDigests } from './errors.js';
import { isManifest, planPush, type GraphNode, type PushPlan, type PushSource, type PushTarget } from './push-plan.js';
import type { RetryEvent } from './retry.js';
import { mapLimit } from '../util/concurrency.js';

export type { PushSource, PushTarget } from './push-plan.js';

export type PushEvent =
  | {
      kind: 'blob';
      repository: string;
      digest: string;
      size: number;
      action: 'exists' | 'mounted' | 'uploaded';
      done: number;
      total: number;
    }
  | { kind: 'bytes'; repository: string; digest: string; size: number; sent: number; totalSent: number }
  | { kind: 'manifest'; repository: string; digest: string; mediaType: string; action: 'exists' | 'put' }
  | { kind: 'tag'; repository: string; tag: string; digest: string; action: 'unchanged' | 'put' }
  | ({ kind: 'retry' } & RetryEvent);

export interface PushOptions {
  /** Requests in flight at once (default 4). */
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
  /** (repository, blob) pairs, by what was done for them. */
  uploadedBlobs: number;
  mountedBlobs: number;
  existingBlobs: number;
  manifestsPut: number;
  manifestsExisting: number;
  tagsPut: number;
  tagsUnchanged: number;
}

export async function pushTargets(
  client: RegistryClient,
  source: PushSource,
  targets: readonly PushTarget[],
  opts: PushOptions = {},
): Promise<{ tags: PushedTag[]; stats: PushStats }> {
  const pusher = new Pusher(client, source, await planPush(source, targets), opts);
  await pusher.checkImmutable(targets);
  await pusher.findPresent();
  await pusher.pushBlobs();
  await pusher.pushManifests();
  await pusher.pushTags();
  return {
    tags: pusher.plan.tagGroups.flatMap((g) =>
      g.tags.map((tag) => ({
        repository: g.repository,
        tag,
        digest: g.descriptor.digest,
        mediaType: g.descriptor.mediaType,
      })),
    ),
    stats: pusher.stats,
  };
}

class Pusher {
  readonly stats: PushStats = {
    uploadedBytes: 0,
    uploadedBlobs: 0,
    mountedBlobs: 0,
    existingBlobs: 0,
    manifestsPut: 0,
    manifestsExisting: 0,
    tagsPut: 0,
    tagsUnchanged: 0,
  };
  /** `repository@digest` of what the registry has (or is vouched for). */
  private readonly present = new Set<string>();
  /** Blob digest → the repositories of this push that have it (where a blob sent again is mounted from). */
  private readonly holders = new Map<string, string[]>();
  /** `repository@digest` → the running restore of a child that a refused manifest named (one per pair). */
  private readonly restoring = new Map<string, Promise<void>>();
  private readonly limit: number;
  private readonly emit: (e: PushEvent) => void;

  constructor(
    private readonly client: RegistryClient,
    private readonly source: PushSource,
    readonly plan: PushPlan,
    opts: PushOptions,
  ) {
    this.limit = Math.max(1, opts.concurrency ?? 4);
    this.emit = opts.onProgress ?? (() => undefined);
  }

  async checkImmutable(targets: readonly PushTarget[]): Promise<void> {
    const checks = targets.flatMap((t) => (t.immutableTags ?? []).map((tag) => ({ t, tag })));
    await mapLimit(checks, this.limit, async ({ t, tag }) => {
      const now = await this.client.manifestInfo(t.repository, tag);
      if (now !== undefined && now.digest !== t.descriptor.digest) {
        const name = `${t.repository}:${tag}`;
        throw new DistrolessError(
          'REGISTRY',
          `registry ${this.client.registry}: immutable tag ${name} already names ${now.digest}, not ${t.descriptor.digest}; nothing was pushed`,
        );
      }
    });
  }

  /** 1. HEAD every manifest by digest; a present one vouches for its children. */
  async findPresent(): Promise<void> {
    await mapLimit(this.manifests(), this.limit, async ({ repo, n }) => {
      if ((await this.client.manifestInfo(repo, n.descriptor.digest)) !== undefined)
        this.present.add(`${repo}@${n.descriptor.digest}`);
    });
    for (const [repo, byDigest] of this.plan.wanted) {
      for (const n of [...byDigest.values()].sort((a, b) => b.level - a.level)) {
        if (this.present.has(`${repo}@${n.descriptor.digest}`))
          for (const c of n.children) this.present.add(`${repo}@${c.digest}`);
      }
    }
  }

  /** 2. Blobs, biggest first, one task per digest across repositories. */
  async pushBlobs(): Promise<void> {
    const blobs = new Map<string, { descriptor: Descriptor; repos: string[] }>();
    for (const [repo, byDigest] of this.plan.wanted) {
      for (const n of byDigest.values()) {
        if (n.level > 0) continue;
        const entry = blobs.get(n.descriptor.digest) ?? { descriptor: n.descriptor, repos: [] };
        entry.repos.push(repo);
        blobs.set(n.descriptor.digest, entry);
      }
    }
    const total = [...blobs.values()].reduce((s, b) => s + b.repos.length, 0);
    let done = 0;
    const finished = (repository: string, d: Descriptor, action: 'exists' | 'mounted' | 'uploaded'): void => {
      this.stats[action === 'exists' ? 'existingBlobs' : action === 'mounted' ? 'mountedBlobs' : 'uploadedBlobs']++;
      this.emit({ kind: 'blob', repository, digest: d.digest, size: d.size, action, done: ++done, total });
    };
    const ordered = [...blobs.values()].sort((a, b) => b.descriptor.size - a.descriptor.size);
    await mapLimit(ordered, this.limit, ({ descriptor, repos }) => this.pushBlob(descriptor, repos, finished));
  }

  private async pushBlob(
    d: Descriptor,
    repos: readonly string[],
    finished: (r: string, d: Descriptor, a: 'exists' | 'mounted' | 'uploaded') => void,
  ): Promise<void> {
    const have = repos.filter((r) => this.present.has(`${r}@${d.digest}`));
    this.holders.set(d.digest, have);
    for (const r of have) finished(r, d, 'exists');
    const unknown = repos.filter((r) => !have.includes(r));
    const there = await Promise.all(unknown.map((r) => this.client.blobExists(r, d.digest)));
    const missing: string[] = [];
    for (const [i, r] of unknown.entries()) {
      if (there[i] !== true) missing.push(r);
      else {
        have.push(r);
        finished(r, d, 'exists');
      }
    }
    for (const repository of missing) {
      const action = await this.sendBlob(repository, d, have[0]);
      have.push(repository);
      finished(repository, d, action);
    }
  }

  /** Mounts a blob from repository `from` when there is one and the registry agrees, else uploads it. */
  private async sendBlob(repository: string, d: Descriptor, from: string | undefined): Promise<'mounted' | 'uploaded'> {
    let session: URL | undefined;
    if (from !== undefined) {
      const mount = await this.client.mountBlob(repository, d.digest, from);
      if (mount.mounted) return 'mounted';
      session = mount.session;
    }
    let sent = 0;
    const onBytes = (n: number): void => {
      sent += n;
      this.stats.uploadedBytes += n;
      this.emit({
        kind: 'bytes',
        repository,
        digest: d.digest,
        size: d.size,
        sent,
        totalSent: this.stats.uploadedBytes,
      });
    };
    await this.client.uploadBlob(
      repository,
      { digest: d.digest, size: d.size, open: (range) => this.source.open(d, range) },
      { session, onBytes },
    );
    return 'uploaded';
  }

  /** 3. Manifests by digest, lowest level first. */
  async pushManifests(): Promise<void> {
    const all = this.manifests();
    for (const level of levelsOf(all.map((p) => p.n.level))) {
      await mapLimit(
        all.filter((p) => p.n.level === level),
        this.limit,
        async ({ repo, n }) => {
          const { digest, mediaType } = n.descriptor;
          const exists = this.present.has(`${repo}@${digest}`);
          if (!exists) await this.putManifest(repo, n, digest);
          this.stats[exists ? 'manifestsExisting' : 'manifestsPut']++;
          this.emit({ kind: 'manifest', repository: repo, digest, mediaType, action: exists ? 'exists' : 'put' });
        },
      );
    }
  }

  /**
   * 4. Tags, per-arch manifests before indexes, the tags of one manifest one after the other. A registry
   * re-links a manifest on every PUT, and distribution 2.8's filesystem driver rewrites link files in place:
   * an index PUT that checks a child while the child is being re-tagged can read an empty link.
   */
  async pushTags(): Promise<void> {
    const groups = await Promise.all(
      this.plan.tagGroups.map(async (g) => {
        const node = await this.plan.node(g.descriptor);
        return { ...g, node, level: node.level };
      }),
    );
    for (const level of levelsOf(groups.map((g) => g.level))) {
      await mapLimit(
        groups.filter((g) => g.level === level),
        this.limit,
        async ({ repository, descriptor, node, tags }) => {
          for (const tag of tags) {
            const unchanged = (await this.client.manifestInfo(repository, tag))?.digest === descriptor.digest;
            if (!unchanged) await this.putManifest(repository, node, tag);
            this.stats[unchanged ? 'tagsUnchanged' : 'tagsPut']++;
            this.emit({
              kind: 'tag',
              repository,
              tag,
              digest: descriptor.digest,
              action: unchanged ? 'unchanged' : 'put',
            });
          }
        },
      );
    }
  }

  /**
   * PUTs a manifest or index by digest or tag. The registry checks its children on every PUT, and may refuse
   * one it has: distribution 2.8's filesystem driver rewrites a link file in place (truncate, then write), so a
   * PUT that checks a blob while another client uploads or mounts that blob into the repository reads an empty
   * link and answers `400 DIGEST_INVALID; MANIFEST_BLOB_UNKNOWN <digest>` (an index likewise, while a child
   * manifest is PUT again). The children the refusal names are checked again (HEAD), the missing ones sent
   * again, and the PUT tried again after the retry policy's backoff, within its tries; after the last, the
   * registry's own line is the error.
   */
  private async putManifest(repository: string, n: GraphNode, reference: string): Promise<void> {
    const bytes = await this.source.document(n.descriptor);
    let refused: Descriptor[] = [];
    await this.client.retrying(
      { method: 'PUT', path: `/v2/${repository}/manifests/${reference}` },
      async () => {
        if (refused.length > 0) await Promise.all(refused.map((c) => this.restore(repository, c)));
        refused = [];
        try {
          await this.client.putManifest(repository, reference, bytes, n.descriptor.mediaType);
        } catch (e) {
          refused = refusedChildren(e, n) ?? [];
          throw e;
        }
      },
      (e) => refusedChildren(e, n) !== undefined,
    );
  }

  /** Makes sure a child of a refused manifest is in the repository: checked, and sent again when it is not. */
  private restore(repository: string, d: Descriptor): Promise<void> {
    const key = `${repository}@${d.digest}`;
    let work = this.restoring.get(key);
    if (work === undefined) {
      work = (async () => {
        if (isManifest(d)) {
          if ((await this.client.manifestInfo(repository, d.digest)) !== undefined) return;
          // Inside the parent's retries this PUT is tried once: its own children are made sure of first.
          const node = await this.plan.node(d);
          await Promise.all(node.children.map((c) => this.restore(repository, c)));
          await this.putManifest(repository, node, d.digest);
        } else if (!(await this.client.blobExists(repository, d.digest))) {
          const from = this.holders.get(d.digest)?.find((r) => r !== repository);
          await this.sendBlob(repository, d, from);
        }
      })().finally(() => this.restoring.delete(key));
      this.restoring.set(key, work);
    }
    return work;
  }

  private manifests(): Array<{ repo: string; n: GraphNode }> {
    return [...this.plan.wanted].flatMap(([repo, byDigest]) =>
      [...byDigest.values()].filter((n) => n.level > 0).map((n) => ({ repo, n })),
    );
  }
}

function levelsOf(levels: readonly number[]): number[] {
  return [...new Set(levels)].sort((a, b) => a - b);
}

/** The children of `n` that a refused manifest PUT says the repository lacks (see `refusedChildDigests`). */
function refusedChildren(e: unknown, n: GraphNode): Descriptor[] | undefined {
  const digests = refusedChildDigests(
    e,
    n.children.map((c) => c.digest),
  );
  if (digests === undefined) return undefined;
  return digests.map((digest) => n.children.find((c) => c.digest === digest) as Descriptor);
}
