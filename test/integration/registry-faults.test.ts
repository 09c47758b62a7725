/**
 * Pushing through a fault proxy in front of the real docker-registry: 500/503, 429 + Retry-After and dropped
 * connections (before the registry saw the request, and after it handled it) still end in the same digests
 * under every tag; a registry that goes down for good ends the push with one clear line, and the real
 * registry shows that no tag moved. Needs the Debian packages docker-registry and tar.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { defaultRepoName, runPush } from '../../src/app/push.js';
import { isDistrolessError } from '../../src/errors.js';
import type { Descriptor } from '../../src/oci/index.js';
import {
  FAST_RETRY,
  RegistryClient,
  RegistryError,
  type PushEvent,
  type RetryPolicy,
} from '../../src/registry/index.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { requireTools } from '../helpers/oci-tools.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeTestLayout } from '../helpers/test-layout.js';

const MiB = 1024 * 1024;
/**
 * Fast backoff, but a Retry-After of 1 s is honoured as it is. Retries do not nest (one layer: a blob upload is
 * retried as a whole), so the tries must cover every request of one upload being faulted `maxPerKey` (2) times:
 * HEAD, POST, the PATCH chunks and the PUT → 10.
 */
const POLICY: RetryPolicy = { ...FAST_RETRY, attempts: 10, maxRetryAfterMs: 1000 };
let work: string;
let registry: TestRegistry;

beforeAll(async () => {
  await requireTools('tar');
  work = await mkdtemp(join(tmpdir(), 'registry-faults-'));
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** What every tag of `repoPrefix` names in the real registry (undefined: no such tag). */
async function tagDigests(prefix: string, refs: Map<string, Descriptor>): Promise<Map<string, string | undefined>> {
  const client = new RegistryClient({ registry: registry.host, insecure: true, retry: FAST_RETRY });
  try {
    const out = new Map<string, string | undefined>();
    for (const [ref, d] of refs) {
      const { repo, tag } = defaultRepoName(ref, d);
      out.set(`${repo}:${tag}`, (await client.manifestInfo(`${prefix}/${repo}`, tag))?.digest);
    }
    return out;
  } finally {
    await client.close();
  }
}

describe('push through faults', () => {
  it('completes with the built digests despite 500/503, 429 + Retry-After and dropped connections', async () => {
    const layout = join(work, 'flaky');
    const refs = await makeTestLayout(layout, {
      images: ['static', 'base'],
      archs: ['amd64', 'arm64'],
      variants: ['latest', 'nonroot', 'debug'],
      marker: 'flaky',
      baseBytes: 3 * MiB,
    });
    const proxy = await startFaultProxy({ upstream: registry.host, seed: 7, rate: 0.3, maxPerKey: 2, retryAfter: 1 });
    const events: PushEvent[] = [];
    try {
      const result = await runPush({
        layoutDir: layout,
        registry: `${proxy.host}/flaky`,
        insecure: true,
        retry: POLICY,
        chunkThreshold: 2 * MiB,
        chunkSize: MiB,
        onProgress: (e) => events.push(e),
      });
      const retries = events.filter((e) => e.kind === 'retry');
      console.log(
        `faults injected: ${JSON.stringify(proxy.injected)}; retries: ${retries.length}; requests: ${proxy.seen.length}`,
      );
      for (const kind of ['500', '503', '429', 'drop-request', 'drop-response'] as const)
        expect(proxy.injected[kind]).toBeGreaterThan(0);
      // By status line: a reason may also quote a digest, and 1 digest in ~70 holds the digits 429.
      const after429 = retries.filter((e) => e.kind === 'retry' && e.reason.includes('429 Too Many Requests'));
      expect(after429.length).toBeGreaterThan(0);
      expect(after429.every((e) => e.kind === 'retry' && e.delayMs === 1000) ? [] : after429).toEqual([]);
      for (const r of result.refs) {
        const ref = [...refs].find(([name, d]) => {
          const { repo, tag } = defaultRepoName(name, d);
          return r.reference === `${proxy.host}/flaky/${repo}:${tag}`;
        });
        expect(r.digest).toBe(ref?.[1].digest);
      }
      const stored = await tagDigests('flaky', refs);
      for (const [ref, d] of refs) {
        const { repo, tag } = defaultRepoName(ref, d);
        expect(stored.get(`${repo}:${tag}`)).toBe(d.digest);
      }
    } finally {
      await proxy.close();
    }
  });

  it('stops with one clear line when the registry goes down for good, and moves no tag', async () => {
    const r1 = join(work, 'r1');
    const refs1 = await makeTestLayout(r1, {
      images: ['static', 'base'],
      archs: ['amd64'],
      variants: ['latest', 'nonroot'],
      marker: 'down-r1',
      baseBytes: MiB,
    });
    await runPush({ layoutDir: r1, registry: `${registry.host}/down`, insecure: true, retry: FAST_RETRY });
    const before = await tagDigests('down', refs1);

    const r2 = join(work, 'r2');
    const refs2 = await makeTestLayout(r2, {
      images: ['static', 'base', 'cc'],
      archs: ['amd64'],
      variants: ['latest', 'nonroot'],
      marker: 'down-r2',
      baseBytes: MiB,
    });
    const proxy = await startFaultProxy({ upstream: registry.host });
    proxy.goDownAfter(2, (method, path) => method === 'PUT' && path.includes('/blobs/uploads/')); // amid the blobs
    const events: PushEvent[] = [];
    const error = await runPush({
      layoutDir: r2,
      registry: `${proxy.host}/down`,
      insecure: true,
      retry: FAST_RETRY,
      onProgress: (e) => events.push(e),
    }).catch((e: unknown) => e);
    await proxy.close();
    console.log(`registry gone: ${(error as Error).message}`);
    expect(error).toBeInstanceOf(RegistryError);
    expect(isDistrolessError(error, 'REGISTRY')).toBe(true);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(
      new RegExp(
        `^registry ${proxy.host.replace(/\./g, '\\.')}: (HEAD|GET|POST|PUT|PATCH) /v2/\\S*: .*(ECONNREFUSED|closed|reset|ECONNRESET).* \\(after 4 tries\\)$`,
      ),
    );
    expect(
      proxy.seen.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/')).length,
    ).toBeGreaterThanOrEqual(2);
    expect(events.some((e) => e.kind === 'manifest' || e.kind === 'tag')).toBe(false);
    // The real registry: every tag still names the first release, and the new image has none.
    expect(await tagDigests('down', refs1)).toEqual(before);
    for (const [ref, d] of refs1)
      expect(before.get(`${defaultRepoName(ref, d).repo}:${defaultRepoName(ref, d).tag}`)).toBe(d.digest);
    const cc = await tagDigests('down', new Map([...refs2].filter(([ref]) => ref.startsWith('cc-'))));
    expect([...cc.values()].every((d) => d === undefined)).toBe(true);
  });

  it('says which registry could not be reached when it is down from the start', async () => {
    const proxy = await startFaultProxy({ upstream: registry.host });
    const host = proxy.host;
    await proxy.close();
    const layout = join(work, 'r1');
    const error = await runPush({
      layoutDir: layout,
      registry: `${host}/down`,
      insecure: true,
      retry: FAST_RETRY,
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`registry ${host}: GET /v2/: connect ECONNREFUSED ${host} (after 4 tries)`);
  });
});
