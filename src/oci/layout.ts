/**
 * OCI image layout on disk (image-spec `image-layout.md`): `oci-layout`, `blobs/sha256/<hex>`, `index.json`.
 *
 * Writing is crash-safe by construction: blobs are only ever added (each published by rename once complete, so
 * an existing layout never sees a partial or changed blob), and `index.json` — the only mutable file — is
 * replaced atomically (temp + fsync + rename) by `commit()`, after every blob reachable from the new refs has
 * been checked. An interrupted build therefore leaves the previous `index.json`, and the layout it describes,
 * intact. Writers may work on one layout at once (two `build`s of different images into one directory): each
 * commit takes the layout's lock (`.index.json.lock`, waiting while another writer commits), re-reads
 * `index.json` and applies only its own ref changes to it, so every writer's refs land. On open, temp files
 * that writers killed mid-way left in `blobs/` are swept (see `sweepStaleTemps`).
 *
 * `index.json` holds one entry per ref name (`org.opencontainers.image.ref.name`), sorted by name, so
 * `skopeo copy oci:DIR:<ref>` and `umoci … --image DIR:<ref>` resolve them; entries without a ref name (left by
 * other tools) are kept, after the named ones, by digest.
 */
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { DistrolessError } from '../errors.js';
import { mapLimit } from '../util/concurrency.js';
import { writeFilesAtomically } from '../util/fs.js';
import { compareCodeUnits } from '../util/json.js';
import {
  blobExists,
  blobPath,
  importBlob,
  isDigest,
  isNotFound,
  lockOwner,
  ownerIsDead,
  sha256Digest,
  sweepStaleTemps,
  syncFile,
  writeBlobBytes,
} from './digest.js';
import { canonicalJsonBytes, type JsonBlob } from './image.js';
import { writeLayerBlob, type LayerSource, type LayerWriteOptions } from './layer.js';
import {
  IMAGE_MANIFEST_MEDIA_TYPES,
  INDEX_MEDIA_TYPES,
  MEDIA_TYPES,
  type Descriptor,
  type LayerBlob,
} from './types.js';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
const OCI_LAYOUT = '{"imageLayoutVersion":"1.0.0"}';

/** image-spec's ref grammar: components of alphanumerics joined by `-._:@+` or `--`, separated by `/`. */
const REF_RE = /^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:\/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$/;

export class OciLayoutWriter {
  readonly blobsDir: string;
  /** JSON blobs written without fsync in this session; commit() syncs them before index.json. */
  private readonly unsynced = new Set<string>();
  /** JSON writes started by writeJson and not yet awaited. */
  private readonly pending: Array<Promise<void>> = [];
  /**
   * What this session already knows of its blobs, so that commit() checks only the rest: digests found in
   * place with their size (imported, written, or there already), and the children of each document it wrote
   * (from the bytes it wrote, which it need not read back).
   */
  private readonly known = { placed: new Map<string, number>(), children: new Map<string, Descriptor[]>() };
  /** The refs this writer set (descriptor) or removed (undefined): what commit() applies to index.json. */
  private readonly changes = new Map<string, Descriptor | undefined>();

  private constructor(
    readonly dir: string,
    private named: Map<string, Descriptor>,
    private unnamed: Descriptor[],
    private readonly onWait: ((message: string) => void) | undefined,
  ) {
    this.blobsDir = join(dir, 'blobs');
  }

  /**
   * Opens `dir` as a layout, creating it when absent (with an empty `index.json`, so a layout directory is
   * valid from the start). The existing refs are kept until replaced or removed.
   */
  static async open(dir: string, opts: { onWait?: (message: string) => void } = {}): Promise<OciLayoutWriter> {
    await makeDirectory(join(dir, 'blobs', 'sha256'));
    await sweepStaleTemps(join(dir, 'blobs'));
    const marker = await readOptional(join(dir, 'oci-layout'));
    if (marker !== undefined) checkLayoutMarker(dir, marker);
    // index.json before oci-layout (renames happen in list order): a directory with the marker has an index.
    const create: Array<{ path: string; content: string | Buffer }> = [];
    const index = join(dir, 'index.json');
    if ((await readOptional(index)) === undefined) create.push({ path: index, content: indexBytes([]) });
    if (marker === undefined) create.push({ path: join(dir, 'oci-layout'), content: OCI_LAYOUT });
    if (create.length > 0) await writeFilesAtomically(create);
    const { named, unnamed } = await readEntries(dir);
    return new OciLayoutWriter(dir, named, unnamed, opts.onWait);
  }

  /** Compresses a layer tar straight into this layout (see `writeLayerBlob`). */
  async writeLayer(tar: LayerSource, opts?: LayerWriteOptions): Promise<LayerBlob> {
    const blob = await writeLayerBlob(tar, this.blobsDir, opts);
    this.known.placed.set(blob.digest, blob.size);
    return blob;
  }

  /**
   * Brings in a blob from elsewhere (e.g. `LayerCache.blobPath`): hardlinked on the same filesystem, else
   * copied. `verify` re-hashes it on the way in (see `importBlob`): for anything taken from a cache.
   */
  async importBlob(
    source: string,
    blob: { digest: string; size: number },
    opts: { verify?: boolean } = {},
  ): Promise<'present' | 'linked' | 'copied'> {
    const how = await importBlob(source, this.blobsDir, blob.digest, blob.size, opts);
    this.known.placed.set(blob.digest, blob.size);
    return how;
  }

  /** Writes a document built by `image.ts` (its exact bytes) and returns its descriptor. */
  async writeJson(doc: JsonBlob<unknown>): Promise<Descriptor> {
    // No fsync per document (a build writes ~70 of them, and each fsync costs tens of ms here): commit()
    // syncs every one written in this session, all at once, before index.json can name them. Nor is the
    // write awaited here: the descriptor comes from the bytes, and commit() waits for every write (and
    // fails with the first error), so a build does not wait for its ~100 small files one after the other.
    const path = blobPath(this.blobsDir, doc.descriptor.digest);
    const { digest, mediaType, size } = doc.descriptor;
    const write = writeBlobBytes(this.blobsDir, doc.bytes, { sync: false }).then(({ written }) => {
      this.known.placed.set(digest, size);
      if (!written) return; // there already: commit() reads it back and checks it as any other
      this.unsynced.add(path);
      const children = documentChildren(doc.value, mediaType, `${this.dir} blob ${digest}`);
      if (children !== undefined) this.known.children.set(digest, children);
    });
    write.catch(() => undefined); // not unhandled: commit() awaits it
    this.pending.push(write);
    return doc.descriptor;
  }

  /** Points `ref` at a manifest or index (replacing what it pointed at); takes effect on `commit()`. */
  setRef(ref: string, descriptor: Descriptor): void {
    if (!REF_RE.test(ref)) throw new DistrolessError('INTERNAL', `invalid OCI layout ref name ${JSON.stringify(ref)}`);
    if (!isDigest(descriptor.digest))
      throw new DistrolessError('INTERNAL', `ref ${ref}: not a sha256 digest: ${descriptor.digest}`);
    const annotations = { ...descriptor.annotations, [REF_NAME_ANNOTATION]: ref };
    const entry = { ...descriptor, annotations };
    this.named.set(ref, entry);
    this.changes.set(ref, entry);
  }

  removeRef(ref: string): boolean {
    this.changes.set(ref, undefined);
    return this.named.delete(ref);
  }

  /** The refs as they will be committed. */
  refs(): ReadonlyMap<string, Descriptor> {
    return new Map(this.named);
  }

  /**
   * Under the layout's lock: reads `index.json` again (another writer may have committed since `open`), applies
   * this writer's ref changes to it, checks that every blob reachable from every entry is present (documents
   * are re-hashed, other blobs size-checked), then atomically replaces `index.json`. Returns the entries written.
   */
  async commit(): Promise<Descriptor[]> {
    await Promise.all(this.pending.splice(0));
    await Promise.all([...this.unsynced].map(syncFile));
    this.unsynced.clear();
    return withLayoutLock(
      this.dir,
      async () => {
        const { named, unnamed } = await readEntries(this.dir);
        for (const [ref, d] of this.changes) {
          if (d === undefined) named.delete(ref);
          else named.set(ref, d);
        }
        const entries = [
          ...[...named.entries()].sort(([a], [b]) => compareCodeUnits(a, b)).map(([, d]) => d),
          ...[...unnamed].sort((a, b) => compareCodeUnits(a.digest, b.digest)),
        ];
        await reachableBlobs(this.dir, entries, this.known);
        await writeFilesAtomically([{ path: join(this.dir, 'index.json'), content: indexBytes(entries) }]);
        this.named = named;
        this.unnamed = unnamed;
        return entries;
      },
      this.onWait,
    );
  }
}

/** The named (by ref) and unnamed entries of a layout's `index.json`. */
async function readEntries(dir: string): Promise<{ named: Map<string, Descriptor>; unnamed: Descriptor[] }> {
  const named = new Map<string, Descriptor>();
  const unnamed: Descriptor[] = [];
  for (const d of (await readLayoutIndex(dir)).manifests) {
    const ref = d.annotations?.[REF_NAME_ANNOTATION];
    if (ref === undefined) unnamed.push(d);
    else named.set(ref, d);
  }
  return { named, unnamed };
}

/** How long a commit waits for another writer's (a commit takes well under a second), polled every 100 ms. */
const LOCK_WAIT_POLLS = 600;

/**
 * Runs `fn` holding `<dir>/.index.json.lock` (created exclusively; it names its holder's host and pid). A lock
 * whose holder died on this host (kill -9 mid-commit) is taken over; a live holder is waited for, with one
 * message, for up to a minute, then the commit fails naming the lock file.
 */
async function withLayoutLock<T>(dir: string, fn: () => Promise<T>, onWait?: (message: string) => void): Promise<T> {
  const path = join(dir, '.index.json.lock');
  for (let poll = 0; ; poll++) {
    try {
      const handle = await open(path, 'wx', 0o644);
      try {
        await handle.writeFile(`${lockOwner()}\n`);
      } catch (e) {
        await rm(path, { force: true }); // a full disk must not leave a lock that names nobody
        throw e;
      } finally {
        await handle.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = (await readOptional(path))?.trim() ?? '';
    if (holder !== '' && ownerIsDead(holder)) {
      await rm(path, { force: true });
      continue;
    }
    if (poll === 0) onWait?.(`${dir}: another writer (${holder || 'unknown'}) is committing; waiting for it`);
    if (poll >= LOCK_WAIT_POLLS) {
      throw new DistrolessError(
        'LAYOUT_INVALID',
        `${dir}: another writer (${holder || 'unknown'}) has held ${path} for over a minute; remove it if no build is running`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}

/** Creates a directory and its parents; a failure names the real cause (recursive mkdir says ENOENT on EROFS). */
async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM') throw e;
  }
  // One level at a time from the root, to find which directory cannot be made, and why.
  const parts = path.split(sep);
  for (let i = 1; i <= parts.length; i++) {
    const dir = parts.slice(0, i).join(sep) || sep;
    try {
      await mkdir(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      const why: Record<string, string> = {
        EROFS: 'read-only file system',
        EACCES: 'permission denied',
        EPERM: 'operation not permitted',
        ENOTDIR: 'a parent is not a directory',
      };
      throw new DistrolessError(
        'USAGE',
        `cannot create the output directory ${dir}: ${why[code ?? ''] ?? String(code)} (${code ?? 'error'})`,
        { cause: e },
      );
    }
  }
}

function indexBytes(manifests: Descriptor[]): Buffer {
  return canonicalJsonBytes({ schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests });
}

function checkLayoutMarker(dir: string, text: string): void {
  let version: unknown;
  try {
    version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  } catch {
    version = undefined;
  }
  if (version !== '1.0.0')
    throw new DistrolessError('LAYOUT_INVALID', `${join(dir, 'oci-layout')}: imageLayoutVersion is not "1.0.0"`);
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/* ── Reading ─────────────────────────────────────────────────────────────────────────────────────────────── */

/** `index.json` of a layout, its entries checked to be descriptors. */
export async function readLayoutIndex(dir: string): Promise<{ manifests: Descriptor[] }> {
  const path = join(dir, 'index.json');
  const text = await readOptional(path);
  if (text === undefined) throw new DistrolessError('LAYOUT_INVALID', `${dir} is not an OCI layout: no index.json`);
  const manifests = parseDocument(text, path).manifests;
  if (!Array.isArray(manifests)) throw new DistrolessError('LAYOUT_INVALID', `${path}: no manifests array`);
  return { manifests: manifests.map((d, i) => checkDescriptor(d, `${path} manifests[${i}]`)) };
}

/** Ref name → descriptor, for every named entry of `index.json`. */
export async function listRefs(dir: string): Promise<Map<string, Descriptor>> {
  const refs = new Map<string, Descriptor>();
  for (const d of (await readLayoutIndex(dir)).manifests) {
    const ref = d.annotations?.[REF_NAME_ANNOTATION];
    if (ref !== undefined) refs.set(ref, d);
  }
  return refs;
}

export async function resolveRef(dir: string, ref: string): Promise<Descriptor> {
  const d = (await listRefs(dir)).get(ref);
  if (d === undefined) throw new DistrolessError('LAYOUT_INVALID', `${dir} has no ref ${JSON.stringify(ref)}`);
  return d;
}

/** A blob's bytes, checked against its descriptor's size and digest (meant for documents, not layers). */
export async function readBlob(dir: string, descriptor: Descriptor): Promise<Buffer> {
  const path = blobPath(join(dir, 'blobs'), descriptor.digest);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if (isNotFound(e)) throw new DistrolessError('LAYOUT_INVALID', `${dir}: blob ${descriptor.digest} is missing`);
    throw e;
  }
  if (bytes.length !== descriptor.size || sha256Digest(bytes) !== descriptor.digest) {
    throw new DistrolessError('HASH_MISMATCH', `${dir}: blob ${descriptor.digest} does not match its descriptor`);
  }
  return bytes;
}

/** The children an index or manifest refers to (subject excluded: it is not part of the image). */
export async function childDescriptors(dir: string, descriptor: Descriptor): Promise<Descriptor[]> {
  if (!INDEX_MEDIA_TYPES.has(descriptor.mediaType) && !IMAGE_MANIFEST_MEDIA_TYPES.has(descriptor.mediaType)) return [];
  const where = `${dir} blob ${descriptor.digest}`;
  return (
    documentChildren(
      parseDocument((await readBlob(dir, descriptor)).toString('utf8'), where),
      descriptor.mediaType,
      where,
    ) ?? []
  );
}

/** The descriptors a parsed index or manifest holds; undefined for other media types. */
function documentChildren(value: unknown, mediaType: string, where: string): Descriptor[] | undefined {
  const isIndex = INDEX_MEDIA_TYPES.has(mediaType);
  if (!isIndex && !IMAGE_MANIFEST_MEDIA_TYPES.has(mediaType)) return undefined;
  const doc = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const list: unknown = isIndex ? doc.manifests : doc.layers;
  if (!Array.isArray(list))
    throw new DistrolessError('LAYOUT_INVALID', `${where}: no ${isIndex ? 'manifests' : 'layers'} array`);
  const children = list.map((d, i) => checkDescriptor(d, `${where} ${isIndex ? 'manifests' : 'layers'}[${i}]`));
  return isIndex ? children : [checkDescriptor(doc.config, `${where} config`), ...children];
}

/** Blobs a writer has seen to in this session (see OciLayoutWriter.known). */
export interface KnownBlobs {
  /** Digest → size of the blobs known to be in place with that size. */
  placed: ReadonlyMap<string, number>;
  /** Documents written from bytes in hand: their children, without reading them back. */
  children: ReadonlyMap<string, Descriptor[]>;
}

/**
 * Every blob reachable from `roots` (roots included), by digest. Fails with LAYOUT_INVALID if one is missing
 * or has the wrong size; documents along the way are also re-hashed. What `known` vouches for (a writer's
 * own blobs) is taken as checked.
 */
export async function reachableBlobs(
  dir: string,
  roots: readonly Descriptor[],
  known?: KnownBlobs,
): Promise<Map<string, Descriptor>> {
  const seen = new Map<string, Descriptor>();
  const add = (list: readonly Descriptor[]): Descriptor[] => {
    const fresh: Descriptor[] = [];
    for (const d of list) {
      if (seen.has(d.digest)) continue;
      seen.set(d.digest, d);
      fresh.push(d);
    }
    return fresh;
  };
  // Level by level, many at once: a layout of 24 images has ~150 blobs, one stat (and a read for documents) each.
  for (let level = add(roots); level.length > 0;) {
    const children = await mapLimit(level, 16, async (d) => {
      if (known?.placed.get(d.digest) !== d.size && !(await blobExists(join(dir, 'blobs'), d.digest, d.size))) {
        throw new DistrolessError(
          'LAYOUT_INVALID',
          `${dir}: blob ${d.digest} (${d.size} bytes, ${d.mediaType}) is missing`,
        );
      }
      return known?.children.get(d.digest) ?? childDescriptors(dir, d);
    });
    level = add(children.flat());
  }
  return seen;
}

/**
 * Removes blobs no entry of `index.json` reaches, and leftover temp files. Run it only when no writer is
 * working on the layout (a writer's blobs are unreachable until its commit). Returns the removed digests.
 */
export async function gcLayout(dir: string): Promise<string[]> {
  const keep = await reachableBlobs(dir, (await readLayoutIndex(dir)).manifests);
  const blobsDir = join(dir, 'blobs');
  const removed: string[] = [];
  for (const name of await readdir(join(blobsDir, 'sha256'))) {
    const digest = `sha256:${name}`;
    if (keep.has(digest)) continue;
    await rm(join(blobsDir, 'sha256', name), { force: true });
    removed.push(digest);
  }
  for (const name of await readdir(blobsDir)) {
    if (name.startsWith('.tmp-')) await rm(join(blobsDir, name), { force: true });
  }
  return removed.sort(compareCodeUnits);
}

function parseDocument(text: string, where: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new DistrolessError('LAYOUT_INVALID', `${where}: not JSON`, { cause: e });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new DistrolessError('LAYOUT_INVALID', `${where}: not a JSON object`);
  return v as Record<string, unknown>;
}

function checkDescriptor(v: unknown, where: string): Descriptor {
  const d = (typeof v === 'object' && v !== null ? v : {}) as Partial<Record<keyof Descriptor, unknown>>;
  if (typeof d.mediaType !== 'string' || typeof d.digest !== 'string' || !isDigest(d.digest)) {
    throw new DistrolessError('LAYOUT_INVALID', `${where}: not a descriptor with a mediaType and a sha256 digest`);
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) {
    throw new DistrolessError('LAYOUT_INVALID', `${where}: bad size`);
  }
  const a = d.annotations;
  if (a !== undefined && (typeof a !== 'object' || a === null || Object.values(a).some((x) => typeof x !== 'string'))) {
    throw new DistrolessError('LAYOUT_INVALID', `${where}: annotations are not string to string`);
  }
  return v as Descriptor;
}
