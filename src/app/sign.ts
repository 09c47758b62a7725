/**
 * `sign`: signatures and attestations for what `push` published. Every image × variant of the config is
 * resolved on the registry (`PREFIX/<image>-<distro>:<variant>`, or `:<variant>-<tag>` for a release's
 * immutable tags), or explicit references are; each index digest and each per-arch manifest digest is signed
 * and attested (an SBOM per arch and one for the index, plus provenance: whatever `attest` returns), by every
 * storage chosen (`legacy` `.sig`/`.att` tags, `bundle` referrers). Re-running adds nothing that is there.
 * Digests run a few at a time; the storages of one digest one after the other (one writer per tag).
 */
import { DistrolessError } from '../errors.js';
import { connect, type RegistryAccess } from './registry-access.js';
import type { AttestSubject } from '../attest/index.js';
import { imageKey, matchImages } from '../config/index.js';
import type { Config } from '../config/types.js';
import { parseRegistryTarget, repositoryName, type RegistryClient, type RetryEvent } from '../registry/index.js';
import type { InTotoStatement, SignatureStorage, SignedImage, StoreResult } from '../sign/index.js';
import { mapLimit } from '../util/concurrency.js';
import { VARIANTS, type Variant } from '../config/variants.js';
import {
  formatReference,
  parseImageReference,
  resolveImage,
  type ImageReference,
  type ResolvedImage,
} from './sign-targets.js';

/** What an attestation is about: src/attest's subject (no `arch` for an index). */
export type { AttestSubject } from '../attest/index.js';

export type AttestFn = (subject: AttestSubject) => Promise<InTotoStatement[]>;

export type { RegistryAccess } from './registry-access.js';

export interface SignCommandOptions extends RegistryAccess {
  /** Where signatures go, e.g. `[createLegacyStorage(signer)]`; one or two (`both`). */
  storages: readonly SignatureStorage[];
  /** `HOST[:PORT][/PREFIX]`: with `config`, sign every image × variant pushed there. */
  registry?: string;
  config?: Config;
  /** Only these images of the config. */
  images?: readonly string[];
  /** Sign `<variant>-<tag>` (what `push --immutable-tag <tag>` made) instead of the floating `<variant>` tags. */
  tag?: string;
  /** Explicit `host/repo:tag` or `host/repo@digest` references instead of the config's. */
  references?: readonly string[];
  /** Statements for a digest (src/attest); none when absent. Needs image/distro/variant, so the config. */
  attest?: AttestFn;
  /** Digests signed at once (default 4). */
  concurrency?: number;
  onProgress?: (event: SignEvent) => void;
}

export type SignEvent =
  | { kind: 'resolved'; reference: string; digest: string; children: number }
  | { kind: 'stored'; name: string; digest: string; platform?: string; result: StoreResult }
  | { kind: 'note'; message: string }
  | ({ kind: 'retry' } & RetryEvent);

export interface SignedDigest {
  /** The reference it was reached from (the index's, for a child). */
  reference: string;
  name: string;
  digest: string;
  mediaType: string;
  platform?: string;
  results: StoreResult[];
}

export interface SignSummary {
  digests: SignedDigest[];
  /** Signatures + attestations added, found already there, and replaced, over every digest and storage. */
  added: number;
  existing: number;
  replaced: number;
}

/** An image reference with what the config says it is (for attestation subjects). */
interface Wanted {
  ref: ImageReference;
  meta?: { image: string; distro: string; variant: string };
}

interface WorkItem {
  reference: string;
  image: SignedImage;
  platform?: string;
  subject?: AttestSubject;
}

export async function runSign(opts: SignCommandOptions): Promise<SignSummary> {
  if (opts.storages.length === 0) throw new DistrolessError('INTERNAL', 'sign: no signature storage chosen');
  const wanted = planTargets(opts);
  const clients = new RegistryClients(opts);
  try {
    const items: WorkItem[] = [];
    const seen = new Set<string>();
    for (const w of wanted) {
      const client = clients.for(w.ref.host);
      const resolved = await resolveImage(client, w.ref);
      opts.onProgress?.({
        kind: 'resolved',
        reference: formatReference(w.ref),
        digest: resolved.digest,
        children: resolved.children.length,
      });
      for (const item of workItems(client, w, resolved)) {
        const key = `${item.image.name}@${item.image.digest}`;
        if (!seen.has(key)) items.push(item);
        seen.add(key);
      }
    }
    const digests = await mapLimit(items, Math.max(1, opts.concurrency ?? 4), (item) => signOne(item, opts));
    const total = (k: 'added' | 'existing' | 'replaced'): number =>
      digests.reduce((s, d) => s + d.results.reduce((t, r) => t + r[k], 0), 0);
    return { digests, added: total('added'), existing: total('existing'), replaced: total('replaced') };
  } finally {
    await clients.close();
  }
}

/** The references to resolve: explicit ones, or every image × variant of the config under the registry. */
function planTargets(opts: SignCommandOptions): Wanted[] {
  if (opts.references !== undefined && opts.references.length > 0) {
    return opts.references.map((text) => {
      const ref = parseImageReference(text);
      const meta = opts.config === undefined ? undefined : metaFromReference(opts.config, ref, opts.tag);
      return meta === undefined ? { ref } : { ref, meta };
    });
  }
  if (opts.registry === undefined || opts.config === undefined)
    throw new DistrolessError(
      'USAGE',
      'sign: give image references, or --registry (with the config) to sign every image pushed there',
    );
  const target = parseRegistryTarget(opts.registry);
  const config = opts.config;
  return matchImages(config, opts.images).flatMap((image) =>
    VARIANTS.map((variant) => ({
      ref: {
        host: target.host,
        repository: repositoryName(target, imageKey(image.name, image.distro)),
        tag: opts.tag === undefined ? variant : `${variant}-${opts.tag}`,
      },
      meta: { image: image.name, distro: image.distro, variant },
    })),
  );
}

/** `…/<image>-<distro>:<variant>[-<tag>]` → the config's image, distro and variant (undefined if it is not one). */
function metaFromReference(config: Config, ref: ImageReference, tag: string | undefined): Wanted['meta'] {
  const last = ref.repository.split('/').at(-1) ?? '';
  const image = config.images[last];
  if (image === undefined || ref.tag === undefined) return undefined;
  const bare = tag !== undefined && ref.tag.endsWith(`-${tag}`) ? ref.tag.slice(0, -(tag.length + 1)) : ref.tag;
  const variant = VARIANTS.find((v: Variant) => v === bare);
  return variant === undefined ? undefined : { image: image.name, distro: image.distro, variant };
}

function workItems(client: RegistryClient, w: Wanted, r: ResolvedImage): WorkItem[] {
  const reference = formatReference(w.ref);
  const repository = w.ref.repository;
  const subject = (digest: string, arch?: string): AttestSubject | undefined => {
    if (w.meta === undefined) return undefined;
    const archs = r.children.flatMap((c) => (c.arch === undefined ? [] : [c.arch]));
    return {
      ...w.meta,
      ...(arch === undefined ? (archs.length > 0 ? { archs } : {}) : { arch }),
      name: r.name,
      digest,
    };
  };
  const top: WorkItem = {
    reference,
    image: { client, repository, name: r.name, digest: r.digest, mediaType: r.mediaType },
    subject: subject(r.digest),
  };
  const children = r.children.map((c): WorkItem => ({
    reference,
    image: { client, repository, name: r.name, digest: c.digest, mediaType: c.mediaType },
    ...(c.platform === undefined ? {} : { platform: c.platform }),
    // A child without a known Debian arch gets no SBOM subject (it cannot be one of ours).
    subject: c.arch === undefined ? undefined : subject(c.digest, c.arch),
  }));
  return [top, ...children];
}

async function signOne(item: WorkItem, opts: SignCommandOptions): Promise<SignedDigest> {
  const { image } = item;
  const statements = item.subject !== undefined && opts.attest !== undefined ? await opts.attest(item.subject) : [];
  if (opts.attest !== undefined && item.subject === undefined) {
    opts.onProgress?.({
      kind: 'note',
      message: `${image.name}@${image.digest}: not an image × variant of the config; signed, not attested`,
    });
  }
  const results: StoreResult[] = [];
  const stored = (result: StoreResult): void => {
    results.push(result);
    opts.onProgress?.({
      kind: 'stored',
      name: image.name,
      digest: image.digest,
      ...(item.platform === undefined ? {} : { platform: item.platform }),
      result,
    });
  };
  for (const storage of opts.storages) {
    stored(await storage.sign(image));
    if (statements.length > 0) stored(await storage.attest(image, statements));
  }
  return {
    reference: item.reference,
    name: image.name,
    digest: image.digest,
    mediaType: image.mediaType,
    ...(item.platform === undefined ? {} : { platform: item.platform }),
    results,
  };
}

/** One client per registry host, made when first needed. */
export class RegistryClients {
  private readonly clients = new Map<string, RegistryClient>();

  constructor(private readonly access: RegistryAccess & { onProgress?: (e: { kind: 'retry' } & RetryEvent) => void }) {}

  for(host: string): RegistryClient {
    let client = this.clients.get(host);
    if (client === undefined) {
      client = connect(host, this.access, { onRetry: (e) => this.access.onProgress?.({ kind: 'retry', ...e }) });
      this.clients.set(host, client);
    }
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
  }
}
