/**
 * The legacy storage's read-modify-write against the real docker-registry on 127.0.0.1 and the real cosign
 * 2.5: a signature cosign made with the same key counts as ours (nothing added), another key's signature is
 * appended beside it (both verify), an attestation is skipped when identical, replaced when its statement
 * changed, and other keys' attestations are left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FAST_RETRY, RegistryClient } from '../../src/registry/index.js';
import { runPush } from '../../src/app/push.js';
import {
  attestationTag,
  createLegacyStorage,
  KeySigner,
  loadPrivateKey,
  parseSignatureManifest,
  signatureTag,
  type InTotoStatement,
  type SignedImage,
} from '../../src/sign/index.js';
import { cosign, cosignVerify, cosignVerifyAttestation } from '../helpers/cosign.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { makeTestLayout } from '../helpers/test-layout.js';

const exec = promisify(execFile);
const FIXTURES = new URL('../fixtures/cosign/', import.meta.url).pathname;
const REPO = 'distroless/static-debian12';
let work: string;
let registry: TestRegistry;
let client: RegistryClient;
let image: SignedImage;
let ours: KeySigner;
let theirs: KeySigner;

function statement(predicateType: string, predicate: unknown): InTotoStatement {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: image.name, digest: { sha256: image.digest.slice(7) } }],
    predicateType,
    predicate,
  };
}

async function layers(tag: string): Promise<{ digest: string; annotations: Record<string, string> }[]> {
  return parseSignatureManifest((await client.getManifest(REPO, tag)).bytes, tag);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sign-legacy-'));
  registry = await startRegistry();
  const layout = join(work, 'layout');
  const refs = await makeTestLayout(layout, {
    images: ['static'],
    archs: ['amd64'],
    variants: ['latest'],
    marker: 'sign',
  });
  await runPush({ layoutDir: layout, registry: `${registry.host}/distroless`, insecure: true, retry: FAST_RETRY });
  client = new RegistryClient({ registry: registry.host, insecure: true, retry: FAST_RETRY });
  const index = refs.get('static-debian12');
  if (index === undefined) throw new Error('no index ref');
  image = {
    client,
    repository: REPO,
    name: `${registry.host}/${REPO}`,
    digest: index.digest,
    mediaType: index.mediaType,
  };
  ours = new KeySigner(
    await loadPrivateKey(await readFile(join(FIXTURES, 'cosign.key'), 'utf8'), {
      source: 'cosign.key',
      password: 'distroless-test-pw',
    }),
  );
  await exec('openssl', [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    join(work, 'other.key'),
  ]);
  await exec('openssl', ['pkey', '-in', join(work, 'other.key'), '-pubout', '-out', join(work, 'other.pub')]);
  theirs = new KeySigner(
    await loadPrivateKey(await readFile(join(work, 'other.key'), 'utf8'), { source: 'other.key' }),
  );
});

afterAll(async () => {
  await client?.close();
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('legacy storage read-modify-write', () => {
  it("cosign's own signature with the same key counts as ours; another key's is appended; both verify", async () => {
    const ref = `${image.name}@${image.digest}`;
    const signed = await cosign(
      ['sign', '--key', join(FIXTURES, 'cosign.key'), '--tlog-upload=false', '--allow-http-registry=true', '-y', ref],
      { COSIGN_PASSWORD: 'distroless-test-pw' },
    );
    expect(signed.code).toBe(0);
    const tag = signatureTag(image.digest);
    const before = (await client.getManifest(REPO, tag)).digest;
    const again = await createLegacyStorage(ours).sign(image);
    expect(again).toMatchObject({ added: 0, existing: 1, manifestDigest: before, location: `${REPO}:${tag}` });
    const other = await createLegacyStorage(theirs).sign(image);
    expect(other).toMatchObject({ added: 1, existing: 0 });
    expect(other.manifestDigest).not.toBe(before);
    const now = await layers(tag);
    expect(now).toHaveLength(2);
    expect(now[0]?.digest).toBe(now[1]?.digest); // the same payload, two signatures
    expect((await cosignVerify(join(FIXTURES, 'cosign.pub'), [ref])).code).toBe(0);
    expect((await cosignVerify(join(work, 'other.pub'), [ref])).code).toBe(0);
  });

  it('attestations: identical ones are skipped, a changed statement replaces ours, other keys are left alone', async () => {
    const spdx = statement('https://spdx.dev/Document', { spdxVersion: 'SPDX-2.3', name: 'one' });
    const slsa1 = statement('https://slsa.dev/provenance/v1', {
      buildDefinition: { buildType: 'b', externalParameters: { run: 1 } },
      runDetails: { builder: { id: 'x' } },
    });
    const slsa2 = statement('https://slsa.dev/provenance/v1', {
      buildDefinition: { buildType: 'b', externalParameters: { run: 2 } },
      runDetails: { builder: { id: 'x' } },
    });
    const storage = createLegacyStorage(ours);
    expect(await storage.attest(image, [spdx, slsa1])).toMatchObject({ added: 2, existing: 0, replaced: 0 });
    expect(await createLegacyStorage(theirs).attest(image, [spdx])).toMatchObject({ added: 1 });
    const tag = attestationTag(image.digest);
    const before = await client.getManifest(REPO, tag);
    expect(await storage.attest(image, [spdx, slsa1])).toMatchObject({
      added: 0,
      existing: 2,
      replaced: 0,
      manifestDigest: before.digest,
    });
    const replaced = await storage.attest(image, [spdx, slsa2]);
    expect(replaced).toMatchObject({ added: 1, existing: 1, replaced: 1 });
    const now = await layers(tag);
    expect(now.map((l) => l.annotations.predicateType)).toEqual([
      'https://spdx.dev/Document',
      'https://spdx.dev/Document',
      'https://slsa.dev/provenance/v1',
    ]);
    const ref = `${image.name}@${image.digest}`;
    const slsa = await cosignVerifyAttestation(join(FIXTURES, 'cosign.pub'), 'slsaprovenance1', [ref]);
    expect(slsa.code).toBe(0);
    const payloads = slsa.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(Buffer.from((JSON.parse(l) as { payload: string }).payload, 'base64').toString()));
    expect(
      payloads.map(
        (p: { predicate: { buildDefinition: { externalParameters: { run: number } } } }) =>
          p.predicate.buildDefinition.externalParameters.run,
      ),
    ).toEqual([2]);
    expect((await cosignVerifyAttestation(join(work, 'other.pub'), 'spdxjson', [ref])).code).toBe(0);
  });

  it('refuses a statement about another digest', async () => {
    const wrong = {
      ...statement('https://spdx.dev/Document', {}),
      subject: [{ name: image.name, digest: { sha256: '0'.repeat(64) } }],
    };
    await expect(createLegacyStorage(ours).attest(image, [wrong])).rejects.toThrow(
      `attestation https://spdx.dev/Document: its subject is not ${image.digest}`,
    );
  });
});
