/**
 * Sigstore bundles stored as OCI referrers on the real docker-registry 2.8 (127.0.0.1), which has no referrers
 * API: the fallback tag `sha256-<hex>` path. Keyless bundles come from @sigstore/mock's Fulcio, Rekor and TSA
 * on 127.0.0.1 (standing in for fulcio.sigstore.dev, rekor.sigstore.dev and a timestamp authority), with an
 * OIDC token shaped like a GitHub Actions workflow's; they are read back from the registry and verified with
 * @sigstore/verify against the mock's trusted root. skopeo reads the stored documents independently.
 * Needs the Debian packages docker-registry and skopeo.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { EXIT, runCli, type CliIo } from '../../src/cli/main.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sha256Digest } from '../../src/oci/digest.js';
import { FAST_RETRY, RegistryClient } from '../../src/registry/index.js';
import {
  attachBundle,
  BUNDLE_MEDIA_TYPE,
  COSIGN_SIGN_PREDICATE_TYPE,
  createKeySigner,
  createKeylessSigner,
  fallbackTag,
  listReferrers,
  parseBundle,
  signAndAttach,
  signatureStatement,
  verifyReferrers,
  type BundleSigner,
  type InTotoStatement,
  type KeylessPolicy,
  type SignedBundle,
} from '../../src/sigstore/index.js';
import { requireTools } from '../helpers/oci-tools.js';
import { skopeoInspectRaw, startRegistry, type TestRegistry } from '../helpers/registry.js';
import {
  GITHUB_ISSUER,
  githubToken,
  startMockSigstore,
  testKey,
  WORKFLOW_IDENTITY,
  type MockSigstore,
} from '../helpers/sigstore.js';

const REPO = 'distroless/static-debian12';
const SPDX = 'https://spdx.dev/Document';
const SLSA = 'https://slsa.dev/provenance/v1';
const CREATED = '2026-11-27T06:00:00Z';

let registry: TestRegistry;
let sigstore: MockSigstore;
let client: RegistryClient;
let keyless: BundleSigner;
let policy: KeylessPolicy;
let imageA: string;
let imageB: string;

/** Pushes a one-layer OCI image (its bytes vary with `marker`); returns the manifest digest. */
async function pushImage(marker: string): Promise<string> {
  const layer = Buffer.from(`layer ${marker}`);
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(layer)] } }),
  );
  for (const bytes of [layer, config]) {
    await client.uploadBlob(REPO, {
      digest: sha256Digest(bytes),
      size: bytes.length,
      open: () => Readable.from([bytes]),
    });
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256Digest(config),
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256Digest(layer), size: layer.length },
      ],
    }),
  );
  return client.putManifest(REPO, `image-${marker}`, manifest, 'application/vnd.oci.image.manifest.v1+json');
}

function statement(predicateType: string, digest: string, predicate: object): InTotoStatement {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: `${registry.host}/${REPO}`, digest: { sha256: digest.slice(7) } }],
    predicateType,
    predicate,
  };
}

function statementsFor(digest: string): InTotoStatement[] {
  return [
    signatureStatement({ name: `${registry.host}/${REPO}`, digest }),
    statement(SPDX, digest, { spdxVersion: 'SPDX-2.3', name: 'static-debian12' }),
    statement(SLSA, digest, { buildDefinition: { buildType: 'https://example.com/distroless-action/v1' } }),
  ];
}

async function fallbackIndex(
  digest: string,
): Promise<{ manifests: { digest: string; artifactType?: string; annotations?: Record<string, string> }[] }> {
  return JSON.parse(await skopeoInspectRaw(`${registry.host}/${REPO}:${fallbackTag(digest)}`)) as never;
}

beforeAll(async () => {
  await requireTools('skopeo');
  [registry, sigstore] = await Promise.all([startRegistry(), startMockSigstore()]);
  client = new RegistryClient({ registry: registry.host, insecure: true, retry: FAST_RETRY });
  // The mock's Rekor needs `intoto` entries (it logs the proposal as is); the public Rekor takes `dsse`.
  keyless = createKeylessSigner({
    getIdentityToken: async () => githubToken(),
    fulcioURL: sigstore.url,
    rekorURL: sigstore.url,
    rekorEntryType: 'intoto',
    tsaURL: sigstore.url,
    retries: 0,
  });
  policy = {
    kind: 'keyless',
    trustedRoot: JSON.parse(JSON.stringify(sigstore.trustedRoot)) as unknown,
    identity: WORKFLOW_IDENTITY,
    issuer: GITHUB_ISSUER,
  };
  imageA = await pushImage('a');
  imageB = await pushImage('b');
});

afterAll(async () => {
  await client?.close();
  await Promise.all([registry?.stop(), sigstore?.close()]);
});

describe('keyless bundles as referrers on docker-registry 2.8 (fallback tag)', () => {
  it('has no referrers API: listing falls back to the (absent) tag', async () => {
    expect(await client.getReferrers(REPO, imageA)).toBeUndefined();
    expect(await listReferrers(client, REPO, imageA)).toEqual({ storage: 'fallback-tag', referrers: [] });
  });

  it('signs the image and attests it, each bundle a referrer listed in the fallback index', async () => {
    const attached = await signAndAttach(client, keyless, {
      repository: REPO,
      subject: imageA,
      statements: statementsFor(imageA),
      created: CREATED,
    });
    expect(attached.map((a) => [a.predicateType, a.added, a.signed, a.storage])).toEqual([
      [COSIGN_SIGN_PREDICATE_TYPE, true, true, 'fallback-tag'],
      [SPDX, true, true, 'fallback-tag'],
      [SLSA, true, true, 'fallback-tag'],
    ]);
    const index = await fallbackIndex(imageA);
    expect(index.manifests.map((m) => m.digest)).toEqual(attached.map((a) => a.referrer).sort());
    for (const entry of index.manifests) expect(entry.artifactType).toBe(BUNDLE_MEDIA_TYPE);
    expect(index.manifests.map((m) => m.annotations?.['dev.sigstore.bundle.predicateType']).sort()).toEqual(
      [SLSA, SPDX, COSIGN_SIGN_PREDICATE_TYPE].sort(),
    );
    expect(
      index.manifests.every(
        (m) =>
          m.annotations?.['dev.sigstore.bundle.content'] === 'dsse-envelope' &&
          m.annotations['org.opencontainers.image.created'] === CREATED,
      ),
    ).toBe(true);
  });

  it('stores each referrer as cosign 3 does: empty config, one bundle layer, subject = the image', async () => {
    const [first] = (await fallbackIndex(imageA)).manifests;
    const manifest = JSON.parse(await skopeoInspectRaw(`${registry.host}/${REPO}@${first?.digest}`)) as {
      artifactType: string;
      config: unknown;
      layers: { mediaType: string; digest: string }[];
      subject: unknown;
    };
    expect(manifest.artifactType).toBe(BUNDLE_MEDIA_TYPE);
    expect(manifest.config).toEqual({
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: sha256Digest('{}'),
      size: 2,
    });
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.layers[0]?.mediaType).toBe(BUNDLE_MEDIA_TYPE);
    expect(manifest.subject).toEqual({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: imageA,
      size: expect.any(Number),
    });
    const bundle = parseBundle(await client.getBlob(REPO, manifest.layers[0]?.digest ?? ''));
    expect('problem' in bundle ? bundle.problem : bundle.payloadType).toBe('application/vnd.in-toto+json');
  });

  it('reads every bundle back and verifies it against the mock trusted root and the workflow identity', async () => {
    const result = await verifyReferrers(client, {
      repository: REPO,
      subject: imageA,
      policy,
      predicateTypes: [COSIGN_SIGN_PREDICATE_TYPE, SPDX, SLSA],
    });
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.storage).toBe('fallback-tag');
    expect(result.bundles.map((b) => b.predicateType).sort()).toEqual([COSIGN_SIGN_PREDICATE_TYPE, SLSA, SPDX].sort());
    expect(
      result.bundles.every(
        (b) => b.ok && b.signer?.kind === 'certificate' && b.signer.subjectAlternativeName === WORKFLOW_IDENTITY,
      ),
    ).toBe(true);
  });

  it('the CLI verify checks them keyless too: identity, issuer and the trusted root from a file; another identity exits 1 saying why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'verify-keyless-'));
    try {
      const root = join(dir, 'trusted_root.json');
      await writeFile(root, JSON.stringify(sigstore.trustedRoot));
      const run = async (identity: string): Promise<{ code: number; stdout: string; stderr: string }> => {
        let stdout = '';
        let stderr = '';
        const io: CliIo = {
          stdout: (t) => (stdout += t),
          stderr: (t) => (stderr += t),
          env: { HOME: dir },
          cwd: dir,
          isTTY: false,
          now: () => new Date(CREATED),
          clock: () => 0,
        };
        const args = [
          'verify',
          '--insecure',
          '--certificate-identity',
          identity,
          '--certificate-oidc-issuer',
          GITHUB_ISSUER,
          '--trusted-root',
          root,
          '--json',
          `${registry.host}/${REPO}@${imageA}`,
        ];
        return { code: await runCli(args, io), stdout, stderr };
      };
      const good = await run(WORKFLOW_IDENTITY);
      expect(good.stderr).toBe('');
      expect(good.code).toBe(EXIT.ok);
      const summary = JSON.parse(good.stdout) as {
        ok: boolean;
        digests: Array<{ checks: Array<{ format: string; what: string; ok: boolean }> }>;
      };
      expect(summary.digests.flatMap((d) => d.checks.map((c) => [c.format, c.what, c.ok]))).toEqual([
        ['bundle', 'signature', true],
        ['bundle', `attestation ${SPDX}`, true],
        ['bundle', `attestation ${SLSA}`, true],
      ]);
      const other = 'https://github.com/OTHER/REPO/.github/workflows/release.yml@refs/heads/main';
      const bad = await run(other);
      expect(bad.code).toBe(EXIT.verifyFailed);
      expect(bad.stderr).toContain(`certificate identity is ${WORKFLOW_IDENTITY}, expected ${other}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails the policy of another workflow or issuer, per bundle, with the reason', async () => {
    const other = 'https://github.com/OWNER/REPO/.github/workflows/evil.yml@refs/heads/main';
    const wrongId = await verifyReferrers(client, {
      repository: REPO,
      subject: imageA,
      policy: { ...policy, identity: other },
    });
    expect(wrongId.ok).toBe(false);
    expect(wrongId.bundles.map((b) => b.reason)).toEqual(
      Array(3).fill(`certificate identity is ${WORKFLOW_IDENTITY}, expected ${other}`),
    );
    expect(wrongId.failures).toContain(`no bundle attached to ${imageA} verifies`);
    const wrongIssuer = await verifyReferrers(client, {
      repository: REPO,
      subject: imageA,
      policy: { ...policy, issuer: 'https://gitlab.com' },
    });
    expect(wrongIssuer.ok).toBe(false);
    expect(wrongIssuer.bundles[0]?.reason).toBe(`certificate issuer is ${GITHUB_ISSUER}, expected https://gitlab.com`);
  });

  it('is idempotent: signing and attaching the same statements again leaves the fallback index unchanged', async () => {
    const before = await client.getManifest(REPO, fallbackTag(imageA));
    const again = await signAndAttach(client, keyless, {
      repository: REPO,
      subject: imageA,
      statements: statementsFor(imageA),
      created: '2026-11-28T00:00:00Z',
    });
    expect(again.map((a) => [a.added, a.signed])).toEqual([
      [false, true],
      [false, true],
      [false, true],
    ]);
    const after = await client.getManifest(REPO, fallbackTag(imageA));
    expect(after.digest).toBe(before.digest);
    expect(after.bytes.equals(before.bytes)).toBe(true);
  });

  it('fails a bundle re-attached to another image: the statement names the first one', async () => {
    const [signature] = (
      await listReferrers(client, REPO, imageA, { artifactType: BUNDLE_MEDIA_TYPE })
    ).referrers.filter((r) => r.annotations?.['dev.sigstore.bundle.predicateType'] === COSIGN_SIGN_PREDICATE_TYPE);
    const manifest = JSON.parse((await client.getManifest(REPO, signature?.digest ?? '')).bytes.toString()) as {
      layers: { digest: string }[];
    };
    const bytes = await client.getBlob(REPO, manifest.layers[0]?.digest ?? '');
    const parsed = parseBundle(bytes);
    if ('problem' in parsed) throw new Error(parsed.problem);
    const copied: SignedBundle = {
      bytes,
      predicateType: COSIGN_SIGN_PREDICATE_TYPE,
      payload: parsed.payload,
      signer: { kind: 'certificate', subjectAlternativeName: WORKFLOW_IDENTITY, issuer: GITHUB_ISSUER },
    };
    const result = await attachBundle(client, { repository: REPO, subject: imageB, bundle: copied });
    expect(result).toMatchObject({ added: true, storage: 'fallback-tag' });
    const check = await verifyReferrers(client, { repository: REPO, subject: imageB, policy });
    expect(check.ok).toBe(false);
    expect(check.bundles).toHaveLength(1);
    expect(check.bundles[0]?.reason).toBe(`statement is for ${imageA}, image is ${imageB}`);
  });

  it('fails a tampered bundle among good ones without failing the good ones', async () => {
    const good = await keyless.signStatement(statement(SPDX, imageB, { name: 'b' }));
    await attachBundle(client, { repository: REPO, subject: imageB, bundle: good });
    const json = JSON.parse(good.bytes.toString()) as { dsseEnvelope: { payload: string } };
    const evil = Buffer.from(JSON.stringify(statement(SPDX, imageB, { name: 'evil' })));
    json.dsseEnvelope.payload = evil.toString('base64');
    await attachBundle(client, {
      repository: REPO,
      subject: imageB,
      bundle: { ...good, bytes: Buffer.from(JSON.stringify(json)), payload: evil },
    });
    const result = await verifyReferrers(client, { repository: REPO, subject: imageB, policy, predicateTypes: [SPDX] });
    expect(result.ok).toBe(true);
    expect(result.bundles.filter((b) => b.ok).map((b) => b.statement?.predicate)).toEqual([{ name: 'b' }]);
    expect(result.bundles.filter((b) => !b.ok).map((b) => b.reason)).toEqual(
      expect.arrayContaining([
        `statement is for ${imageA}, image is ${imageB}`,
        expect.stringMatching(/TLOG_BODY_ERROR|SIGNATURE_ERROR/),
      ]),
    );
    expect((await fallbackIndex(imageB)).manifests).toHaveLength(3);
  });
});

describe('key-signed bundles as referrers', () => {
  it('signs with a key, skips signing what is already there, and verifies with the public key only', async () => {
    const key = testKey();
    const signer = createKeySigner(key);
    const image = await pushImage('key');
    const first = await signAndAttach(client, signer, {
      repository: REPO,
      subject: image,
      statements: statementsFor(image).slice(0, 2),
    });
    expect(first.map((a) => [a.added, a.signed])).toEqual([
      [true, true],
      [true, true],
    ]);
    const before = await client.getManifest(REPO, fallbackTag(image));
    const second = await signAndAttach(client, signer, {
      repository: REPO,
      subject: image,
      statements: statementsFor(image).slice(0, 2),
    });
    expect(second.map((a) => [a.added, a.signed, a.referrer])).toEqual(first.map((a) => [false, false, a.referrer]));
    expect((await client.getManifest(REPO, fallbackTag(image))).digest).toBe(before.digest);

    const ok = await verifyReferrers(client, {
      repository: REPO,
      subject: image,
      policy: { kind: 'key', publicKeyPem: key.publicKeyPem },
      predicateTypes: [COSIGN_SIGN_PREDICATE_TYPE, SPDX],
    });
    expect(ok).toMatchObject({ ok: true, failures: [] });
    const wrong = await verifyReferrers(client, {
      repository: REPO,
      subject: image,
      policy: { kind: 'key', publicKeyPem: testKey().publicKeyPem },
      predicateTypes: [COSIGN_SIGN_PREDICATE_TYPE],
    });
    expect(wrong.ok).toBe(false);
    expect(wrong.bundles.every((b) => /^signature does not verify with the given key/.test(b.reason ?? ''))).toBe(true);
    expect(wrong.failures).toContain(`no verified ${COSIGN_SIGN_PREDICATE_TYPE} bundle for ${image}`);
  });

  it('says so when an image has no bundle, and refuses to attach to an image that is not there', async () => {
    const image = await pushImage('bare');
    const result = await verifyReferrers(client, { repository: REPO, subject: image, policy });
    expect(result).toMatchObject({ ok: false, bundles: [], failures: [`no Sigstore bundle is attached to ${image}`] });
    const missing = `sha256:${'9'.repeat(64)}`;
    const bundle = await createKeySigner(testKey()).signStatement(statement(SPDX, missing, {}));
    await expect(attachBundle(client, { repository: REPO, subject: missing, bundle })).rejects.toThrow(
      `${registry.host}/${REPO}@${missing}: no such image to attach a bundle to`,
    );
  });
});
