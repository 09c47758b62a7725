/**
 * What a push has to make true, worked out from the targets before any request: the graph under each target
 * (manifests with their level — 1 for a manifest of blobs, 2 for an index of those — and blobs at level 0),
 * what each repository needs, and every (repository, tag) once.
 */
import type { Readable } from 'node:stream';
import { DistrolessError } from '../errors.js';
import type { Descriptor } from '../oci/types.js';
import { MANIFEST_MEDIA_TYPES } from './client.js';
import { checkTag } from './names.js';

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

export interface GraphNode {
  descriptor: Descriptor;
  children: Descriptor[];
  level: number;
}

/** The tags of one manifest in one repository. */
export interface TagGroup {
  repository: string;
  descriptor: Descriptor;
  tags: string[];
}

export interface PushPlan {
  /** repository → digest → node: everything each repository must hold. */
  wanted: Map<string, Map<string, GraphNode>>;
  tagGroups: TagGroup[];
  node(d: Descriptor): Promise<GraphNode>;
}

export const isManifest = (d: Descriptor): boolean => (MANIFEST_MEDIA_TYPES as readonly string[]).includes(d.mediaType);

export async function planPush(source: PushSource, targets: readonly PushTarget[]): Promise<PushPlan> {
  const tagGroups = groupTags(targets);
  const nodes = new Map<string, Promise<GraphNode>>();
  const node = (d: Descriptor): Promise<GraphNode> => {
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
  const wanted = new Map<string, Map<string, GraphNode>>();
  const collect = async (repo: string, d: Descriptor): Promise<void> => {
    const byDigest = wanted.get(repo) ?? new Map<string, GraphNode>();
    wanted.set(repo, byDigest);
    if (byDigest.has(d.digest)) return;
    const n = await node(d);
    byDigest.set(d.digest, n);
    for (const c of n.children) await collect(repo, c);
  };
  for (const t of targets) await collect(t.repository, t.descriptor);
  return { wanted, tagGroups, node };
}

/** Every (repository, tag) once, grouped by manifest; one tag naming two digests is a usage error. */
function groupTags(targets: readonly PushTarget[]): TagGroup[] {
  const owner = new Map<string, string>();
  const groups = new Map<string, TagGroup>();
  for (const t of targets) {
    if (!isManifest(t.descriptor))
      throw new DistrolessError(
        'LAYOUT_INVALID',
        `${t.repository}: ${t.descriptor.digest} is a ${t.descriptor.mediaType}, not a manifest or index`,
      );
    const key = `${t.repository}@${t.descriptor.digest}`;
    const group = groups.get(key) ?? { repository: t.repository, descriptor: t.descriptor, tags: [] };
    groups.set(key, group);
    for (const tag of [...t.tags, ...(t.immutableTags ?? [])]) {
      const name = `${t.repository}:${checkTag(tag)}`;
      const prev = owner.get(name);
      if (prev !== undefined && prev !== t.descriptor.digest)
        throw new DistrolessError('USAGE', `tag ${name} would name both ${prev} and ${t.descriptor.digest}`);
      if (prev === undefined) group.tags.push(tag);
      owner.set(name, t.descriptor.digest);
    }
  }
  return [...groups.values()].filter((g) => g.tags.length > 0);
}
