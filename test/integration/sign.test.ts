/**
 * End to end against the real docker-registry 2.8 on 127.0.0.1: update → build (the `static` image of the
 * signed fixture repository: 4 variants × amd64/arm64) → push → sign with the cosign-made key (every index
 * and per-arch digest, attested with an SPDX SBOM and SLSA provenance) → the real cosign 2.5 verifies all of
 * it offline (`--insecure-ignore-tlog`), and so does our `verify`. Negative cases are checked by both: an
 * image re-tagged to another digest (with and without the old signature copied along), a payload changed
 * after signing, a wrong key. Signing twice changes no `.sig`/`.att` manifest.
 * Needs docker-registry, openssl and cosign 2.5 (.ci/run unpacks it into /opt/cosign-2.5).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { FAST_RETRY, createHttpClient } from '../../src/archive/index.js';
import { runBuild, type BuildResult } from '../../src/app/build.js';
import { runPush } from '../../src/app/push.js';
import { runSign, type AttestSubject, type SignSummary } from '../../src/app/sign.js';
import { attestationsFor, createAttestContext } from '../../src/attest/index.js';
import { runUpdate } from '../../src/app/update.js';
import { runCli, EXIT, type CliIo } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config/index.js';
import { RegistryClient } from '../../src/registry/index.js';
import {
  KeySigner,
  createLegacyStorage,
  loadPrivateKey,
  signatureTag,
  attestationTag,
  type InTotoStatement,
} from '../../src/sign/index.js';
import { fallbackTag } from '../../src/sigstore/index.js';
import { cosignBin, cosignVerify, cosignVerifyAttestation } from '../helpers/cosign.js';
import { makeFixture, NOW, type Fixture } from '../helpers/update-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const exec = promisify(execFile);
const FIXTURES = new URL('../fixtures/cosign/', import.meta.url).pathname;
const PASSWORD = 'distroless-test-pw';
const SPDX = 'https://spdx.dev/Document';
const SLSA = 'https://slsa.dev/provenance/v1';

let fx: Fixture;
let registry: TestRegistry;
let client: RegistryClient;
let built: BuildResult;
let first: SignSummary;
let repo: string;
let keyPath: string;
let pubPath: string;

/** The config, lockfiles and cache the fixture made (the SBOMs read licences from that cache). */
function globalArgs(): string[] {
  return ['--config', fx.configPath, '--lockfiles', fx.lockDir, '--cache-dir', join(fx.dir, 'cache')];
}

async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: { HOME: fx.dir, ...env },
    cwd: fx.dir,
    isTTY: false,
    now: () => NOW,
    clock: () => 0,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

/** Every signed digest as `host/repo@digest`: 4 indexes and their 8 per-arch manifests. */
function allDigestRefs(): string[] {
  return [...new Set([...built.indexes.map((i) => i.digest), ...built.images.map((i) => i.digest)])].map(
    (d) => `${repo}@${d}`,
  );
}

async function manifestDigests(tagOf: (digest: string) => string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const ref of allDigestRefs()) {
    const digest = ref.split('@')[1] ?? '';
    out.set(digest, (await client.getManifest('distroless/static-test12', tagOf(digest))).digest);
  }
  return out;
}

async function putJsonBlob(bytes: Buffer): Promise<string> {
  const { createHash } = await import('node:crypto');
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  await client.uploadBlob('distroless/static-test12', {
    digest,
    size: bytes.length,
    open: () => Readable.from([bytes]),
  });
  return digest;
}

beforeAll(async () => {
  await cosignBin(); // fails (never skips) when cosign is missing
  fx = await makeFixture();
  const config = await loadConfig(fx.configPath, { sourceOverrides: fx.mirrors });
  await runUpdate({ config, lockDir: fx.lockDir, now: NOW, check: false, keyring: fx.keyring, retry: FAST_RETRY });
  built = await runBuild({
    config,
    lockDir: fx.lockDir,
    outDir: join(fx.dir, 'out/oci'),
    cacheDir: join(fx.dir, 'cache'),
    images: ['static'],
    http: createHttpClient({ retry: FAST_RETRY }),
  });
  registry = await startRegistry();
  repo = `${registry.host}/distroless/static-test12`;
  await runPush({
    layoutDir: join(fx.dir, 'out/oci'),
    registry: `${registry.host}/distroless`,
    insecure: true,
    retry: FAST_RETRY,
  });
  client = new RegistryClient({ registry: registry.host, insecure: true, retry: FAST_RETRY });
  keyPath = join(fx.dir, 'cosign.key');
  pubPath = join(fx.dir, 'cosign.pub');
  await copyFile(join(FIXTURES, 'cosign.key'), keyPath);
  await copyFile(join(FIXTURES, 'cosign.pub'), pubPath);
  // The CLI, as a release job runs it: every image × variant of the config (here: static), SBOM + provenance.
  const r = await cli(
    [
      'sign',
      ...globalArgs(),
      '--registry',
      `${registry.host}/distroless`,
      '--insecure',
      '--image',
      'static',
      '--key',
      'cosign.key',
      '--json',
    ],
    { COSIGN_PASSWORD: PASSWORD },
  );
  if (r.code !== EXIT.ok) throw new Error(`sign failed: ${r.stderr}`);
  first = JSON.parse(r.stdout) as SignSummary;
}, 120_000);

afterAll(async () => {
  await client?.close();
  await registry?.stop();
  await fx?.close();
});

describe('sign (legacy .sig/.att and bundle referrers, the default with a key) checked by cosign 2.5', () => {
  it('signed and attested every index and per-arch digest once, in both formats', () => {
    expect(built.indexes).toHaveLength(4);
    expect(first.digests.map((d) => `${d.name}@${d.digest}`).sort()).toEqual(allDigestRefs().sort());
    expect(first.digests.filter((d) => d.platform === undefined)).toHaveLength(4);
    expect(
      first.digests
        .filter((d) => d.platform !== undefined)
        .map((d) => d.platform)
        .sort(),
    ).toEqual([...Array(4).fill('linux/amd64'), ...Array(4).fill('linux/arm64/v8')]);
    for (const d of first.digests) {
      expect(d.results.map((r) => [r.format, r.kind, r.added, r.existing])).toEqual([
        ['legacy', 'signature', 1, 0],
        ['legacy', 'attestation', 2, 0],
        ['bundle', 'signature', 1, 0],
        ['bundle', 'attestation', 2, 0],
      ]);
    }
    expect(first).toMatchObject({ added: 12 * 6, existing: 0, replaced: 0 });
  });

  it('cosign verify --key accepts every signature; the payload names the digest and repository', async () => {
    const refs = allDigestRefs();
    const r = await cosignVerify(pubPath, refs);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const verified = r.stdout
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap(
        (line) =>
          JSON.parse(line) as Array<{
            critical: { identity: { 'docker-reference': string }; image: { 'docker-manifest-digest': string } };
          }>,
      );
    expect(
      verified
        .map((v) => `${v.critical.identity['docker-reference']}@${v.critical.image['docker-manifest-digest']}`)
        .sort(),
    ).toEqual(refs.sort());
  });

  it('cosign verify-attestation accepts the SPDX and the SLSA attestations of every digest', async () => {
    for (const type of ['spdxjson', 'slsaprovenance1']) {
      const r = await cosignVerifyAttestation(pubPath, type, allDigestRefs());
      expect(r.code).toBe(0);
      const envelopes = r.stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { payload: string });
      const statements = envelopes.map(
        (e) =>
          JSON.parse(Buffer.from(e.payload, 'base64').toString()) as {
            predicateType: string;
            predicate: { packages?: Array<{ name: string }> };
          },
      );
      expect(statements.map((st) => st.predicateType)).toEqual(Array(12).fill(type === 'spdxjson' ? SPDX : SLSA));
      // src/attest's SBOMs: the locked packages of the image are in each of them.
      if (type === 'spdxjson')
        for (const st of statements)
          expect(st.predicate.packages?.map((p) => p.name)).toEqual(expect.arrayContaining(['base-files', 'tzdata']));
    }
    // A type that was never attested is refused.
    expect((await cosignVerifyAttestation(pubPath, 'cyclonedx', allDigestRefs().slice(0, 1))).code).not.toBe(0);
  });

  it('our verify passes for the index tags (and their per-arch digests)', async () => {
    const tags = ['latest', 'nonroot', 'debug', 'debug-nonroot'].map((t) => `${repo}:${t}`);
    const r = await cli(['verify', '--insecure', '--public-key', pubPath, '--json', ...tags]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.ok);
    const summary = JSON.parse(r.stdout) as {
      ok: boolean;
      digests: Array<{ digest: string; checks: Array<{ format: string; what: string; ok: boolean }> }>;
    };
    expect(summary.ok).toBe(true);
    expect(summary.digests).toHaveLength(12);
    const checks = ['signature', `attestation ${SPDX}`, `attestation ${SLSA}`];
    expect(summary.digests.flatMap((d) => d.checks.map((c) => `${c.format} ${c.what}`))).toEqual(
      Array(12)
        .fill([...checks.map((c) => `legacy ${c}`), ...checks.map((c) => `bundle ${c}`)])
        .flat(),
    );
  });

  it('signing again adds nothing: the .sig and .att manifests keep their digests', async () => {
    const sigs = await manifestDigests(signatureTag);
    const atts = await manifestDigests(attestationTag);
    const bundles = await manifestDigests(fallbackTag);
    expect([...bundles.values()].every((d) => /^sha256:[0-9a-f]{64}$/.test(d))).toBe(true);
    const config = await loadConfig(fx.configPath);
    const signer = new KeySigner(
      await loadPrivateKey(await readFile(keyPath, 'utf8'), { source: 'cosign.key', password: PASSWORD }),
    );
    const ctx = await createAttestContext({ config, lockDir: fx.lockDir, cacheDir: join(fx.dir, 'cache') });
    const attest = (subject: AttestSubject): Promise<InTotoStatement[]> => attestationsFor(ctx, subject);
    const again = await runSign({
      storages: [createLegacyStorage(signer)],
      registry: `${registry.host}/distroless`,
      config,
      images: ['static'],
      insecure: true,
      retry: FAST_RETRY,
      attest,
    });
    expect(again).toMatchObject({ added: 0, existing: 36, replaced: 0 });
    // The CLI again, with the key in the environment this time: nothing new either.
    const r = await cli(
      ['sign', ...globalArgs(), '--registry', `${registry.host}/distroless`, '--insecure', '--image', 'static'],
      { DISTROLESS_SIGNING_KEY: await readFile(keyPath, 'utf8'), COSIGN_PASSWORD: PASSWORD },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout).toMatch(
      /12 digest\(s\) signed with key sha256:[0-9a-f]{64}: 0 added, 0 replaced, 72 already there\n$/,
    );
    expect(await manifestDigests(signatureTag)).toEqual(sigs);
    expect(await manifestDigests(attestationTag)).toEqual(atts);
    expect(await manifestDigests(fallbackTag)).toEqual(bundles);
  });

  it('a wrong key: cosign and our verify both refuse', async () => {
    await exec('openssl', [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      join(fx.dir, 'other.key'),
    ]);
    await exec('openssl', ['pkey', '-in', join(fx.dir, 'other.key'), '-pubout', '-out', join(fx.dir, 'other.pub')]);
    const ref = `${repo}:nonroot`;
    expect((await cosignVerify(join(fx.dir, 'other.pub'), [ref])).code).not.toBe(0);
    expect((await cosignVerifyAttestation(join(fx.dir, 'other.pub'), 'spdxjson', [ref])).code).not.toBe(0);
    const r = await cli(['verify', '--insecure', '--public-key', join(fx.dir, 'other.pub'), ref]);
    expect(r.code).toBe(EXIT.verifyFailed);
    expect(r.stderr).toMatch(
      /^FAILED 127\.0\.0\.1:\d+\/distroless\/static-test12@sha256:[0-9a-f]{64} signature \[legacy\]: signature does not verify with key sha256:[0-9a-f]{12}… \(payload changed, or another key\)$/m,
    );
    expect(r.stderr).toMatch(
      /attestation https:\/\/spdx\.dev\/Document \[legacy\]: attestation does not verify with key/,
    );
  });

  it('an image re-tagged to another digest fails, also when its old signature is copied along', async () => {
    // A new manifest (an existing one with an extra annotation) under the tag `retagged`: nothing signed it.
    const amd64 = built.images.find((i) => i.variant === 'latest' && i.arch === 'amd64');
    const original = await client.getManifest('distroless/static-test12', amd64?.digest ?? '');
    const doc = JSON.parse(original.bytes.toString()) as { annotations?: Record<string, string> };
    const changed = Buffer.from(
      JSON.stringify({ ...doc, annotations: { ...doc.annotations, 'test.retagged': 'yes' } }),
    );
    const other = await client.putManifest('distroless/static-test12', 'retagged', changed, original.mediaType);
    const ref = `${repo}:retagged`;
    expect((await cosignVerify(pubPath, [ref])).code).not.toBe(0);
    let r = await cli(['verify', '--insecure', '--public-key', pubPath, '--type', 'none', ref]);
    expect(r.code).toBe(EXIT.verifyFailed);
    expect(r.stderr).toContain(
      `signature [legacy]: no signatures: distroless/static-test12:${signatureTag(other)} does not exist`,
    );
    // Copy the signatures of the original digest to the new one, as an attacker moving a tag would.
    await client.putManifest(
      'distroless/static-test12',
      signatureTag(other),
      (await client.getManifest('distroless/static-test12', signatureTag(original.digest))).bytes,
      'application/vnd.oci.image.manifest.v1+json',
    );
    const cosignCopied = await cosignVerify(pubPath, [ref]);
    expect(cosignCopied.code).not.toBe(0);
    r = await cli(['verify', '--insecure', '--public-key', pubPath, '--type', 'none', ref]);
    expect(r.code).toBe(EXIT.verifyFailed);
    expect(r.stderr).toContain(`signature [legacy]: signature is for ${original.digest}, image is ${other}`);
  });

  it('a payload changed after signing fails (the old signature annotation kept on a rewritten layer)', async () => {
    const target = built.images.find((i) => i.variant === 'debug' && i.arch === 'arm64')?.digest ?? '';
    const tag = signatureTag(target);
    const manifest = JSON.parse((await client.getManifest('distroless/static-test12', tag)).bytes.toString()) as {
      config: { digest: string; size: number };
      layers: Array<{ digest: string; size: number; annotations: Record<string, string> }>;
    };
    const layer = manifest.layers[0];
    if (layer === undefined) throw new Error('no signature layer');
    const payload = (await client.getBlob('distroless/static-test12', layer.digest)).toString();
    const tampered = Buffer.from(payload.replace('"optional":null', '"optional":{"creator":"mallory"}'));
    expect(tampered.toString()).not.toBe(payload);
    const digest = await putJsonBlob(tampered);
    const rewritten = { ...manifest, layers: [{ ...layer, digest, size: tampered.length }] };
    await client.putManifest(
      'distroless/static-test12',
      tag,
      Buffer.from(JSON.stringify(rewritten)),
      'application/vnd.oci.image.manifest.v1+json',
    );
    const ref = `${repo}@${target}`;
    expect((await cosignVerify(pubPath, [ref])).code).not.toBe(0);
    const r = await cli(['verify', '--insecure', '--public-key', pubPath, '--signature-format', 'both', ref]);
    expect(r.code).toBe(EXIT.verifyFailed);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        / signature \[legacy\]: signature does not verify with key sha256:[0-9a-f]{12}… \(payload changed, or another key\)$/,
      ),
    ]);
    // By default one valid signature format is enough: the bundle still verifies, and the output says so.
    const any = await cli(['verify', '--insecure', '--public-key', pubPath, ref]);
    expect(any.code).toBe(EXIT.ok);
    expect(any.stdout).toMatch(/checked: all verified \(verified by bundle signatures\)/);
    // The attestations of that digest are untouched and still verify with cosign.
    expect((await cosignVerifyAttestation(pubPath, 'spdxjson', [ref])).code).toBe(0);
  });
});
