/**
 * Bundle referrers without docker-registry: the referrer manifest and fallback index documents, parsing
 * referrers indexes (the distribution-spec 1.1 examples' shape), telling a registry with the referrers API from
 * one without by its recorded answers (distribution 2.8: `404 page not found`, text/plain), and the API branch
 * end to end against an in-memory registry that has the API (test/helpers/referrers-registry.ts; the real
 * docker-registry 2.8 has not, see test/integration/sigstore-referrers.test.ts for the fallback tag).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isDistrolessError } from '../../src/errors.js';
import { sha256Digest } from '../../src/oci/digest.js';
import { FAST_RETRY, RegistryClient } from '../../src/registry/index.js';
import {
  attachBundle,
  BUNDLE_MEDIA_TYPE,
  COSIGN_SIGN_PREDICATE_TYPE,
  createKeySigner,
  fallbackTag,
  listReferrers,
  signAndAttach,
  signatureStatement,
  verifyReferrers,
} from '../../src/sigstore/index.js';
import {
  bundleAnnotations,
  bundleReferrerManifest,
  EMPTY_CONFIG,
  mergeReferrersIndex,
  parseReferrersIndex,
} from '../../src/sigstore/referrers-index.js';
import { startReferrersRegistry, type ReferrersRegistry } from '../helpers/referrers-registry.js';
import { testKey } from '../helpers/sigstore.js';

const SUBJECT = {
  mediaType: 'application/vnd.oci.image.index.v1+json',
  digest: `sha256:${'c'.repeat(64)}`,
  size: 1234,
};
const d = (c: string): string => `sha256:${c.repeat(64)}`;

describe('referrer documents', () => {
  it('makes the referrer manifest cosign 3 stores: empty config, one bundle layer, subject, annotations', () => {
    expect(EMPTY_CONFIG.digest).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    const annotations = bundleAnnotations('https://slsa.dev/provenance/v1', '2026-11-27T06:00:00Z');
    const doc = bundleReferrerManifest({ subject: SUBJECT, bundle: { digest: d('b'), size: 4971 }, annotations });
    expect(JSON.parse(doc.bytes.toString())).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: EMPTY_CONFIG.digest, size: 2 },
      layers: [{ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', digest: d('b'), size: 4971 }],
      subject: SUBJECT,
      annotations: {
        'dev.sigstore.bundle.content': 'dsse-envelope',
        'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1',
        'org.opencontainers.image.created': '2026-11-27T06:00:00Z',
      },
    });
    expect(doc.descriptor).toEqual({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha256Digest(doc.bytes),
      size: doc.bytes.length,
      artifactType: BUNDLE_MEDIA_TYPE,
      annotations,
    });
    expect(bundleAnnotations('x')).not.toHaveProperty(['org.opencontainers.image.created']);
    expect(fallbackTag(d('c'))).toBe(`sha256-${'c'.repeat(64)}`);
  });

  it('merges into the fallback index sorted by artifact type then digest, once per digest, byte-stable', () => {
    const a = {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: d('a'),
      size: 1,
      artifactType: BUNDLE_MEDIA_TYPE,
    };
    const b = { ...a, digest: d('b') };
    const notation = { ...a, digest: d('9'), artifactType: 'application/vnd.cncf.notary.signature' };
    const one = mergeReferrersIndex([b, notation], a);
    const other = mergeReferrersIndex([a, notation], b);
    expect(one.bytes.equals(other.bytes)).toBe(true);
    expect(
      (JSON.parse(one.bytes.toString()) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest),
    ).toEqual([d('9'), d('a'), d('b')]);
    expect(mergeReferrersIndex(parseReferrersIndex([one.bytes], 'x'), a).descriptor.digest).toBe(one.descriptor.digest);
    expect(JSON.parse(one.bytes.toString())).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });
  });

  it('parses referrers index pages (the spec example shape), empty and null lists, and rejects malformed ones', () => {
    const page1 = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          size: 1234,
          digest: d('a'),
          artifactType: 'application/vnd.example.sbom.v1',
          annotations: {
            'org.opencontainers.image.created': '2022-01-01T14:42:55Z',
            'org.example.sbom.format': 'json',
          },
        },
      ],
    });
    const page2 = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1, digest: d('b') }],
    });
    expect(parseReferrersIndex([Buffer.from(page1), Buffer.from(page2)], 'x')).toEqual([
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 1234,
        digest: d('a'),
        artifactType: 'application/vnd.example.sbom.v1',
        annotations: { 'org.opencontainers.image.created': '2022-01-01T14:42:55Z', 'org.example.sbom.format': 'json' },
      },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1, digest: d('b') },
    ]);
    expect(
      parseReferrersIndex(
        [Buffer.from('{"schemaVersion":2,"manifests":[]}'), Buffer.from('{"schemaVersion":2,"manifests":null}')],
        'x',
      ),
    ).toEqual([]);
    expect(() => parseReferrersIndex([Buffer.from('<html>')], 'r/x')).toThrow('r/x: the referrers index is not JSON');
    expect(() =>
      parseReferrersIndex([Buffer.from('{"manifests":[{"digest":"sha512:ab","size":1,"mediaType":"m"}]}')], 'r/x'),
    ).toThrow('r/x: manifests[0] is not a descriptor with mediaType, a sha256 digest and size');
  });
});

describe('detecting the referrers API', () => {
  let server: Server;
  let client: RegistryClient;
  /** Recorded answers by repository: [status, content type, body]. */
  const answers: Record<string, [number, string, string]> = {
    // docker-registry 2.8 (no route): recorded with curl against the Debian package.
    'distribution-2.8': [404, 'text/plain; charset=utf-8', '404 page not found\n'],
    'bad-request': [400, 'application/json', '{"errors":[{"code":"UNSUPPORTED","message":"referrers"}]}'],
    'not-acceptable': [406, 'text/plain', ''],
    'json-not-index': [200, 'application/json', '{"manifests":[]}'],
    'api-empty': [
      200,
      'application/vnd.oci.image.index.v1+json',
      '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}',
    ],
    denied: [
      403,
      'application/json',
      '{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}',
    ],
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end('{}');
      if (req.url?.startsWith('/v2/blobby/blobs/')) return void res.writeHead(200).end('{"bundle":1}');
      const repo = /^\/v2\/([^/]+)\/referrers\//.exec(req.url ?? '')?.[1] ?? '';
      const [status, type, body] = answers[repo] ?? [500, 'text/plain', 'unexpected'];
      res.writeHead(status, { 'content-type': type }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new RegistryClient({
      registry: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      insecure: true,
      retry: FAST_RETRY,
    });
  });

  afterAll(async () => {
    await client?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('reads 404, 400, 406 and a non-index answer as "no API", an OCI index as the API, and fails other errors', async () => {
    for (const repo of ['distribution-2.8', 'bad-request', 'not-acceptable', 'json-not-index']) {
      expect([repo, await client.getReferrers(repo, d('1'))]).toEqual([repo, undefined]);
    }
    const pages = await client.getReferrers('api-empty', d('1'));
    expect(pages?.map((p) => p.toString())).toEqual([answers['api-empty']?.[2]]);
    const denied = await client.getReferrers('denied', d('1')).catch((e: unknown) => e);
    expect(isDistrolessError(denied, 'AUTH')).toBe(true);
  });

  it('returns a small blob only when its bytes have the digest asked for', async () => {
    const good = sha256Digest('{"bundle":1}');
    expect((await client.getBlob('blobby', good)).toString()).toBe('{"bundle":1}');
    await expect(client.getBlob('blobby', d('1'))).rejects.toThrow(
      `GET /v2/blobby/blobs/${d('1')}: 200 blob content has digest ${good}`,
    );
    await expect(client.getBlob('blobby', good, 4)).rejects.toThrow(/blob is larger than 4 bytes/);
  });
});

describe('bundles as referrers on a registry with the referrers API', () => {
  let registry: ReferrersRegistry;
  let client: RegistryClient;
  let image: string;
  const key = testKey();
  const repo = 'distroless/base';

  beforeAll(async () => {
    registry = await startReferrersRegistry({ pageSize: 1 });
    client = new RegistryClient({ registry: registry.host, insecure: true, retry: FAST_RETRY });
    const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
    await client.uploadBlob(repo, {
      digest: sha256Digest(config),
      size: config.length,
      open: () => Readable.from([config]),
    });
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: sha256Digest(config),
          size: config.length,
        },
        layers: [],
      }),
    );
    image = await client.putManifest(repo, 'latest', manifest, 'application/vnd.oci.image.manifest.v1+json');
  });

  afterAll(async () => {
    await client?.close();
    await registry?.close();
  });

  it('pushes the referrer by digest and leaves the index to the registry: no fallback tag', async () => {
    const statements = [
      signatureStatement({ name: `${registry.host}/${repo}`, digest: image }),
      {
        ...signatureStatement({ name: 'x', digest: image }),
        predicateType: 'https://spdx.dev/Document',
        predicate: { spdxVersion: 'SPDX-2.3' },
      },
    ];
    const mark = registry.log.length;
    const attached = await signAndAttach(client, createKeySigner(key), {
      repository: repo,
      subject: image,
      statements,
      created: '2026-11-27T06:00:00Z',
    });
    expect(attached.map((a) => [a.added, a.storage])).toEqual([
      [true, 'referrers-api'],
      [true, 'referrers-api'],
    ]);
    expect(registry.log.filter((l) => l.startsWith('PUT /v2/') && l.includes('/manifests/sha256'))).toEqual(
      attached.map((a) => `PUT /v2/${repo}/manifests/${a.referrer}`),
    );
    expect(registry.manifests.has(`${repo}:${fallbackTag(image)}`)).toBe(false);
    // The empty config and the bundle blob went up before the manifest that names them.
    const manifestPut = registry.log.indexOf(`PUT /v2/${repo}/manifests/${attached[0]?.referrer}`);
    expect(registry.log.slice(mark, manifestPut).filter((l) => l.startsWith('PUT /upload/'))).toHaveLength(2);
  });

  it('lists the referrers through the API across pages, filtered by artifact type', async () => {
    const mark = registry.log.length;
    const listing = await listReferrers(client, repo, image, { artifactType: BUNDLE_MEDIA_TYPE });
    expect(registry.log.slice(mark)).toEqual([
      `GET /v2/${repo}/referrers/${image}`,
      `GET /v2/${repo}/referrers/${image}`,
    ]); // one page each
    expect(listing.storage).toBe('referrers-api');
    expect(listing.referrers.map((r) => r.annotations?.['dev.sigstore.bundle.predicateType']).sort()).toEqual(
      [COSIGN_SIGN_PREDICATE_TYPE, 'https://spdx.dev/Document'].sort(),
    );
    expect(
      (await listReferrers(client, repo, image, { artifactType: 'application/vnd.example.other' })).referrers,
    ).toEqual([]);
  });

  it('adds nothing for an equivalent bundle, and verifies what it reads through the API', async () => {
    const count = registry.manifests.size;
    const again = await attachBundle(client, {
      repository: repo,
      subject: image,
      bundle: await createKeySigner(key).signStatement(
        signatureStatement({ name: `${registry.host}/${repo}`, digest: image }),
      ),
    });
    expect(again).toMatchObject({ added: false, storage: 'referrers-api' });
    expect(registry.manifests.size).toBe(count);
    const result = await verifyReferrers(client, {
      repository: repo,
      subject: image,
      policy: { kind: 'key', publicKeyPem: key.publicKeyPem },
      predicateTypes: [COSIGN_SIGN_PREDICATE_TYPE, 'https://spdx.dev/Document'],
    });
    expect(result).toMatchObject({ ok: true, storage: 'referrers-api', failures: [] });
    expect(result.bundles).toHaveLength(2);
  });
});
