/**
 * Pushes that race other clients on the real docker-registry (anonymous) on 127.0.0.1, as scale-out shards do:
 * many `pushTargets` at once, of different manifests sharing layers, into one repository, while other clients
 * mount those same layers into it again and again. Distribution 2.8 rewrites a blob's link file in place on
 * every upload or mount of the blob (truncate, then write): a manifest PUT that checks the blob in between is
 * refused with `400 DIGEST_INVALID; MANIFEST_BLOB_UNKNOWN <layer>`, although the blob is there (an index PUT
 * likewise while a child manifest is PUT again). The push checks what the refusal names, sends back what is
 * really missing, and tries again; a refusal that lasts ends it with one line. Needs the Debian package
 * docker-registry.
 *
 * Deterministic: the sources hold every manifest PUT until the racers are in full swing, and a pusher's retry
 * waits (its injected sleep) until the racers have stopped, as other shards' uploads end. Without the retry on
 * refusal, a round fails unless none of its 12 manifest PUTs meets a rewrite (each meets one about 4 times in
 * 10 when checked by hand).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Descriptor } from '../../src/oci/index.js';
import {
  FAST_RETRY,
  pushTargets,
  RegistryClient,
  RegistryError,
  type PushSource,
  type PushTarget,
  type RetryEvent,
} from '../../src/registry/index.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const KiB = 1024;
const LAYER = 'application/vnd.oci.image.layer.v1.tar';
const CONFIG = 'application/vnd.oci.image.config.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const INDEX = 'application/vnd.oci.image.index.v1+json';
let registry: TestRegistry;

beforeAll(async () => {
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
});

/** Blobs, manifests and indexes in memory; `document` of a manifest or index first awaits `beforePut`. */
class MemorySource implements PushSource {
  private readonly blobs = new Map<string, { bytes: Buffer; children: Descriptor[] }>();
  beforePut: (d: Descriptor) => Promise<void> = () => Promise.resolve();

  add(bytes: Buffer, mediaType: string, children: Descriptor[] = []): Descriptor {
    const d = { mediaType, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, size: bytes.length };
    this.blobs.set(d.digest, { bytes, children });
    return d;
  }

  layer(bytes: number): Descriptor {
    return this.add(randomBytes(bytes), LAYER);
  }

  manifest(name: string, layers: Descriptor[]): Descriptor {
    const config = this.add(Buffer.from(JSON.stringify({ name })), CONFIG);
    const doc = { schemaVersion: 2, mediaType: MANIFEST, config, layers };
    return this.add(Buffer.from(JSON.stringify(doc)), MANIFEST, [config, ...layers]);
  }

  index(name: string, manifests: Descriptor[]): Descriptor {
    const entries = manifests.map((m, i) => ({ ...m, platform: { os: 'linux', architecture: `arch${i}` } }));
    const doc = { schemaVersion: 2, mediaType: INDEX, manifests: entries, annotations: { name } };
    return this.add(Buffer.from(JSON.stringify(doc)), INDEX, manifests);
  }

  children(d: Descriptor): Promise<Descriptor[]> {
    return Promise.resolve(this.get(d).children);
  }

  async document(d: Descriptor): Promise<Buffer> {
    await this.beforePut(d);
    return this.get(d).bytes;
  }

  open(d: Descriptor, range?: { start: number; end: number }): Readable {
    const b = this.get(d).bytes;
    return Readable.from([range === undefined ? b : b.subarray(range.start, range.end + 1)]);
  }

  private get(d: Descriptor): { bytes: Buffer; children: Descriptor[] } {
    const blob = this.blobs.get(d.digest);
    if (blob === undefined) throw new Error(`no blob ${d.digest}`);
    return blob;
  }
}

const client = (o: { onRetry?: (e: RetryEvent) => void; sleep?: (ms: number) => Promise<void> } = {}) =>
  new RegistryClient({ registry: registry.host, insecure: true, retry: FAST_RETRY, ...o });

/**
 * Pushes `targets` (one `pushTargets` and one client each, as separate shards) while 4 racers re-link into the
 * repository, over and over: `relink` is one such request. The racers start once every pusher is at its first
 * manifest PUT (or has ended), and those PUTs wait until the racers have made 20 requests. Once they run, the
 * racers stop at the first retry of any pusher, whose backoff waits for them to end, or when every push ended.
 */
async function raceRound(
  source: MemorySource,
  targets: PushTarget[],
  relink: () => Promise<void>,
): Promise<{ results: PromiseSettledResult<unknown>[]; retries: RetryEvent[]; racerErrors: unknown[] }> {
  const retries: RetryEvent[] = [];
  const racerErrors: unknown[] = [];
  let stop = false;
  let relinks = 0;
  let racing: Promise<void> = Promise.resolve();
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let swinging = (): void => undefined;
  const inSwing = new Promise<void>((resolve) => (swinging = resolve));
  const waiting = new Set<string>();
  let ended = 0;
  let started = false;
  const startRacers = (): void => {
    if (started || waiting.size + ended < targets.length) return;
    started = true;
    const racer = async (): Promise<void> => {
      while (!stop) {
        await relink().catch((e: unknown) => racerErrors.push(e));
        if (++relinks === 20) swinging();
      }
    };
    racing = Promise.all([racer(), racer(), racer(), racer()]).then(() => swinging());
    void inSwing.then(release);
  };
  source.beforePut = async (d) => {
    waiting.add(d.digest);
    startRacers();
    await released;
  };
  const results = await Promise.allSettled(
    targets.map((t) => {
      const c = client({
        onRetry: (e) => retries.push(e),
        sleep: async (ms) => {
          if (started) stop = true;
          await Promise.all([racing, new Promise((resolve) => setTimeout(resolve, ms))]);
        },
      });
      return pushTargets(c, source, [t], { concurrency: 4 }).finally(() => {
        ended++; // one that failed before its first manifest PUT does not hold the others back
        startRacers();
      });
    }),
  );
  stop = true;
  await racing;
  return { results, retries, racerErrors };
}

const refusals = (retries: RetryEvent[]): RetryEvent[] =>
  retries.filter((e) => e.path.includes('/manifests/') && e.reason.includes('MANIFEST_BLOB_UNKNOWN'));

const failures = (results: PromiseSettledResult<unknown>[]): string[] =>
  results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));

describe('pushes racing other clients', () => {
  it('many pushes of manifests sharing layers into one repository, while the layers are mounted into it again', async () => {
    const checker = client();
    const racerClient = client();
    let refused = 0;
    try {
      for (let round = 0; round < 3; round++) {
        const source = new MemorySource();
        const shared = Array.from({ length: 8 }, (_, i) => source.layer((32 + 8 * i) * KiB));
        const repository = `race${round}/app`;
        const seed = `race${round}/seed`;
        // The shared layers are in the repository already (another shard was first), so that the only rewrites
        // of their links are the racers': the pushers upload their own config and layer, and HEAD the rest.
        for (const l of shared) {
          await racerClient.uploadBlob(seed, { ...l, open: (range) => source.open(l, range) });
          await racerClient.mountBlob(repository, l.digest, seed);
        }
        const targets = Array.from({ length: 12 }, (_, p): PushTarget => {
          const m = source.manifest(`round ${round} pusher ${p}`, [...shared, source.layer(4 * KiB)]);
          return { repository, descriptor: m, tags: [`p${p}`] };
        });
        let next = 0;
        const { results, retries, racerErrors } = await raceRound(source, targets, async () => {
          const l = shared[next++ % shared.length] as Descriptor;
          if (!(await racerClient.mountBlob(repository, l.digest, seed)).mounted) throw new Error('not mounted');
        });
        expect(racerErrors).toEqual([]);
        expect(failures(results)).toEqual([]);
        refused += refusals(retries).length;
        for (const t of targets)
          expect((await checker.manifestInfo(repository, t.tags[0] as string))?.digest).toBe(t.descriptor.digest);
        for (const l of shared) expect(await checker.blobExists(repository, l.digest)).toBe(true);
      }
      // The race was run: some manifest PUTs were refused (and then went through).
      expect(refused).toBeGreaterThan(0);
    } finally {
      await checker.close();
      await racerClient.close();
    }
  });

  it('indexes pushed while their child manifests are PUT again by another client', async () => {
    const checker = client();
    const racerClient = client();
    let refused = 0;
    try {
      for (let round = 0; round < 3; round++) {
        const source = new MemorySource();
        const layer = source.layer(16 * KiB);
        const children = Array.from({ length: 4 }, (_, i) => source.manifest(`round ${round} child ${i}`, [layer]));
        const repository = `race-index${round}/app`;
        // The children are there first, as a shard pushed them; then 12 indexes over them at once.
        await pushTargets(
          racerClient,
          source,
          children.map((descriptor) => ({ repository, descriptor, tags: [] })),
        );
        const targets = Array.from({ length: 12 }, (_, p): PushTarget => {
          const index = source.index(`round ${round} index ${p}`, children);
          return { repository, descriptor: index, tags: [`i${p}`] };
        });
        const documents = new Map(
          await Promise.all(children.map(async (c) => [c.digest, await source.document(c)] as const)),
        );
        let next = 0;
        const { results, retries, racerErrors } = await raceRound(source, targets, async () => {
          const c = children[next++ % children.length] as Descriptor;
          await racerClient.putManifest(repository, c.digest, documents.get(c.digest) as Buffer, MANIFEST);
        });
        expect(racerErrors).toEqual([]);
        expect(failures(results)).toEqual([]);
        refused += refusals(retries).length;
        for (const t of targets)
          expect((await checker.manifestInfo(repository, t.tags[0] as string))?.digest).toBe(t.descriptor.digest);
      }
      expect(refused).toBeGreaterThan(0);
    } finally {
      await checker.close();
      await racerClient.close();
    }
  });
});

describe('a refused manifest', () => {
  it('sends a blob that is really missing again, and the PUT goes through', async () => {
    const source = new MemorySource();
    const layers = [source.layer(64 * KiB), source.layer(8 * KiB)];
    const m = source.manifest('missing', layers);
    const gone = layers[0] as Descriptor;
    // Between the blobs and the manifest PUTs, the blob's link is deleted from one of the two repositories.
    let deleted = false;
    source.beforePut = async () => {
      if (deleted) return;
      deleted = true;
      const res = await fetch(`${registry.url}/v2/missing/a/blobs/${gone.digest}`, { method: 'DELETE' });
      expect(res.status).toBe(202);
    };
    const retries: RetryEvent[] = [];
    const c = client({ onRetry: (e) => retries.push(e) });
    try {
      const targets = ['missing/a', 'missing/b'].map((repository) => ({ repository, descriptor: m, tags: ['t'] }));
      await pushTargets(c, source, targets);
      expect(refusals(retries).map((e) => [e.path, e.reason.includes(gone.digest)])).toEqual([
        ['/v2/missing/a/manifests/' + m.digest, true],
      ]);
      expect(await c.blobExists('missing/a', gone.digest)).toBe(true);
      expect((await c.manifestInfo('missing/a', 't'))?.digest).toBe(m.digest);
    } finally {
      await c.close();
    }
  });

  it('fails with one line naming the repository, the manifest and the blob when the refusal lasts; no tag is set', async () => {
    const source = new MemorySource();
    const layer = source.layer(8 * KiB);
    const m = source.manifest('refused', [layer]);
    const body = JSON.stringify({
      errors: [
        { code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' },
        { code: 'MANIFEST_BLOB_UNKNOWN', message: 'blob unknown to registry', detail: layer.digest },
      ],
    });
    const proxy = await startFaultProxy({
      upstream: registry.host,
      intercept: (req, res) => {
        if (req.method !== 'PUT' || !req.url?.includes('/manifests/')) return false;
        req.resume();
        res.writeHead(400, { 'content-type': 'application/json' }).end(body);
        return true;
      },
    });
    const c = new RegistryClient({ registry: proxy.host, insecure: true, retry: FAST_RETRY });
    try {
      const error = await pushTargets(c, source, [{ repository: 'refused/a', descriptor: m, tags: ['t'] }]).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as Error).message).toBe(
        `registry ${proxy.host}: PUT /v2/refused/a/manifests/${m.digest}: 400 Bad Request: DIGEST_INVALID provided digest did not match uploaded content; MANIFEST_BLOB_UNKNOWN blob unknown to registry (${layer.digest}) (after ${FAST_RETRY.attempts} tries)`,
      );
      const puts = proxy.seen.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'));
      expect(puts.map((r) => r.path)).toEqual(Array(FAST_RETRY.attempts).fill(`/v2/refused/a/manifests/${m.digest}`));
      // The blob was HEADed once among the blobs, then before each retry (the refusal named it): it was there,
      // and was not sent again.
      const heads = proxy.seen.filter((r) => r.method === 'HEAD' && r.path.endsWith(`/blobs/${layer.digest}`));
      expect(heads).toHaveLength(FAST_RETRY.attempts);
      expect(proxy.seen.filter((r) => r.method === 'POST' && r.path.includes('/blobs/uploads/'))).toHaveLength(2);
    } finally {
      await c.close();
      await proxy.close();
    }
  });

  it('is not tried again for a DIGEST_INVALID about the manifest itself', async () => {
    const source = new MemorySource();
    const m = source.manifest('bad', [source.layer(1 * KiB)]);
    const proxy = await startFaultProxy({
      upstream: registry.host,
      intercept: (req, res) => {
        if (req.method !== 'PUT' || !req.url?.includes('/manifests/')) return false;
        req.resume();
        const body = {
          errors: [{ code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' }],
        };
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return true;
      },
    });
    const c = new RegistryClient({ registry: proxy.host, insecure: true, retry: FAST_RETRY });
    try {
      const error = await pushTargets(c, source, [{ repository: 'bad/a', descriptor: m, tags: ['t'] }]).catch(
        (e: unknown) => e,
      );
      expect((error as Error).message).toBe(
        `registry ${proxy.host}: PUT /v2/bad/a/manifests/${m.digest}: 400 Bad Request: DIGEST_INVALID provided digest did not match uploaded content`,
      );
      expect(proxy.seen.filter((r) => r.method === 'PUT' && r.path.includes('/manifests/'))).toHaveLength(1);
    } finally {
      await c.close();
      await proxy.close();
    }
  });
});

/**
 * Signers in separate processes (each its own client) writing into one repository at once, as `sign` and
 * `attest` runs do: every referrer and signature manifest names the same few-byte config, which each signer
 * uploads or mounts, re-linking it while the others PUT their manifests. `putManifestWith` carries the same
 * repair as `pushTargets` (it is what src/sign/legacy.ts and src/sigstore/referrers.ts call).
 */
describe('manifests whose children the writer holds (signatures, referrers)', () => {
  const EMPTY = Buffer.from('{}');
  const EMPTY_TYPE = 'application/vnd.oci.empty.v1+json';
  const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
  const referrer = (payload: Buffer): Buffer =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST,
        artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        config: { mediaType: EMPTY_TYPE, digest: digestOf(EMPTY), size: EMPTY.length },
        layers: [{ mediaType: 'application/octet-stream', digest: digestOf(payload), size: payload.length }],
      }),
    );

  it('12 signers PUT referrers sharing the empty config while it is mounted into the repository again', async () => {
    const racerClient = client();
    const checker = client();
    let refused = 0;
    try {
      for (let round = 0; round < 3; round++) {
        const repository = `sign-race${round}/app`;
        const seed = `sign-race${round}/seed`;
        await racerClient.putBlobBytes(seed, EMPTY);
        await racerClient.mountBlob(repository, digestOf(EMPTY), seed);
        // The racers re-link the config over and over; the signers start once they are in full swing, and a
        // signer's retry waits (its injected sleep) until they have stopped, as other signers' uploads end.
        let stop = false;
        let relinks = 0;
        const racerErrors: unknown[] = [];
        let swinging = (): void => undefined;
        const inSwing = new Promise<void>((resolve) => (swinging = resolve));
        const racer = async (): Promise<void> => {
          while (!stop) {
            const r = await racerClient.mountBlob(repository, digestOf(EMPTY), seed).catch((e: unknown) => {
              racerErrors.push(e);
              return { mounted: true };
            });
            if (!r.mounted) racerErrors.push(new Error('not mounted'));
            if (++relinks === 20) swinging();
          }
        };
        const racing = Promise.all([racer(), racer(), racer(), racer()]);
        await inSwing;
        const retries: RetryEvent[] = [];
        const payloads = Array.from({ length: 12 }, () => randomBytes(512));
        const results = await Promise.allSettled(
          payloads.map(async (payload) => {
            const c = client({
              onRetry: (e) => retries.push(e),
              sleep: async (ms) => {
                stop = true;
                await Promise.all([racing, new Promise((resolve) => setTimeout(resolve, ms))]);
              },
            });
            try {
              await c.putBlobBytes(repository, payload);
              const bytes = referrer(payload);
              const held = [{ bytes: payload }, { bytes: EMPTY }];
              return await c.putManifestWith(repository, digestOf(bytes), bytes, MANIFEST, held);
            } finally {
              await c.close();
            }
          }),
        );
        stop = true;
        await racing;
        expect(racerErrors).toEqual([]);
        expect(failures(results)).toEqual([]);
        refused += refusals(retries).length;
        for (const payload of payloads) {
          const digest = digestOf(referrer(payload));
          expect((await checker.manifestInfo(repository, digest))?.digest).toBe(digest);
        }
      }
      expect(refused).toBeGreaterThan(0); // the race was run: some PUTs were refused, then went through
    } finally {
      await racerClient.close();
      await checker.close();
    }
  });

  it('sends a held blob and a held child manifest again when they are really gone', async () => {
    const retries: RetryEvent[] = [];
    const c = client({ onRetry: (e) => retries.push(e) });
    const repository = 'sign-missing/app';
    try {
      const payload = randomBytes(256);
      await c.putBlobBytes(repository, payload);
      await c.putBlobBytes(repository, EMPTY);
      // The config's link is deleted between its upload and the PUT (as if never uploaded).
      const del = await fetch(`${registry.url}/v2/${repository}/blobs/${digestOf(EMPTY)}`, { method: 'DELETE' });
      expect(del.status).toBe(202);
      const bytes = referrer(payload);
      const held = [{ bytes: payload }, { bytes: EMPTY }];
      expect(await c.putManifestWith(repository, digestOf(bytes), bytes, MANIFEST, held)).toBe(digestOf(bytes));
      expect(await c.blobExists(repository, digestOf(EMPTY))).toBe(true);

      // A fallback index naming that referrer, which is deleted before the index PUT.
      const index = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: INDEX,
          manifests: [{ mediaType: MANIFEST, digest: digestOf(bytes), size: bytes.length }],
        }),
      );
      const gone = await fetch(`${registry.url}/v2/${repository}/manifests/${digestOf(bytes)}`, { method: 'DELETE' });
      expect(gone.status).toBe(202);
      const child = [{ bytes, mediaType: MANIFEST }];
      expect(await c.putManifestWith(repository, 'sha256-fallback', index, INDEX, child)).toBe(digestOf(index));
      expect((await c.manifestInfo(repository, digestOf(bytes)))?.digest).toBe(digestOf(bytes));
      expect((await c.manifestInfo(repository, 'sha256-fallback'))?.digest).toBe(digestOf(index));
      // Each was refused once, naming what was gone, and then went through.
      expect(refusals(retries).map((e) => e.path)).toEqual([
        `/v2/${repository}/manifests/${digestOf(bytes)}`,
        `/v2/${repository}/manifests/sha256-fallback`,
      ]);
    } finally {
      await c.close();
    }
  });
});
