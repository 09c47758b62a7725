/**
 * Signing in-toto statements into Sigstore bundles v0.3 and verifying them, without a registry:
 * keyless against @sigstore/mock's Fulcio, Rekor and TSA served on 127.0.0.1 (standing in for
 * fulcio.sigstore.dev, rekor.sigstore.dev and a timestamp authority; see test/helpers/sigstore.ts) and
 * verified with @sigstore/verify against a trusted root built from the mock's keys; and with a plain P-256 key.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { isDistrolessError } from '../../src/errors.js';
import {
  BUNDLE_MEDIA_TYPE,
  COSIGN_SIGN_PREDICATE_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  checkStatement,
  createKeySigner,
  createKeylessSigner,
  parseTrustedRoot,
  prepareTrust,
  publicKeyHint,
  signatureStatement,
  statementPayload,
  verifyBundle,
  type BundleSigner,
  type InTotoStatement,
  type KeylessPolicy,
  type SignedBundle,
} from '../../src/sigstore/index.js';
import {
  GITHUB_ISSUER,
  githubToken,
  startMockSigstore,
  testKey,
  WORKFLOW_IDENTITY,
  type MockSigstore,
} from '../helpers/sigstore.js';

const IMAGE = `sha256:${'1'.repeat(64)}`;
const OTHER = `sha256:${'2'.repeat(64)}`;
const SPDX: InTotoStatement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: '127.0.0.1:5000/distroless/static', digest: { sha256: '1'.repeat(64) } }],
  predicateType: 'https://spdx.dev/Document',
  predicate: { spdxVersion: 'SPDX-2.3', name: 'static', packages: [{ name: 'base-files' }] },
};

let sigstore: MockSigstore;
let keyless: BundleSigner;
let policy: KeylessPolicy;
let signed: SignedBundle;

beforeAll(async () => {
  sigstore = await startMockSigstore();
  // The mock's Rekor logs a proposal as is: only an `intoto` entry is in the canonical form verifiers expect.
  keyless = createKeylessSigner({
    getIdentityToken: async () => githubToken(),
    fulcioURL: sigstore.url,
    rekorURL: sigstore.url,
    rekorEntryType: 'intoto',
    tsaURL: sigstore.url,
    retries: 0,
  });
  policy = { kind: 'keyless', trustedRoot: sigstore.trustedRoot, identity: WORKFLOW_IDENTITY, issuer: GITHUB_ISSUER };
  signed = await keyless.signStatement(signatureStatement({ name: '127.0.0.1:5000/distroless/static', digest: IMAGE }));
});

afterAll(async () => {
  await sigstore?.close();
});

/** The parts of a serialized bundle the tests look at. */
interface SerializedBundle {
  mediaType: string;
  dsseEnvelope: { payloadType: string; payload: string };
  verificationMaterial: {
    certificate?: { rawBytes: string };
    x509CertificateChain?: unknown;
    tlogEntries: { kindVersion: unknown }[];
    timestampVerificationData: { rfc3161Timestamps: unknown[] };
  };
}

/** The bundle JSON with a change applied. */
function edited(bytes: Buffer, change: (bundle: { dsseEnvelope: { payload: string } }) => void): Buffer {
  const json = JSON.parse(bytes.toString('utf8')) as { dsseEnvelope: { payload: string } };
  change(json);
  return Buffer.from(JSON.stringify(json));
}

describe('statements', () => {
  it('makes cosign 3 signature statements and checks every problem of a given one at once', () => {
    expect(signatureStatement({ name: 'ghcr.io/o/static', digest: IMAGE })).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'ghcr.io/o/static', digest: { sha256: '1'.repeat(64) } }],
      predicateType: COSIGN_SIGN_PREDICATE_TYPE,
      predicate: {},
    });
    let error: unknown;
    try {
      checkStatement({ _type: 'x', subject: [{ digest: { sha256: 'XYZ' } }], predicate: 1 });
    } catch (e) {
      error = e;
    }
    expect(isDistrolessError(error, 'INTERNAL')).toBe(true);
    expect((error as { details: string[] }).details).toEqual([
      '_type must be https://in-toto.io/Statement/v1, got "x"',
      'predicateType must be a non-empty string',
      'predicate must be a JSON object',
      'subject[0].digest.sha256 must be lower-case hex',
    ]);
  });

  it('signs canonical bytes: the same statement built in another key order gives the same payload', () => {
    const reordered = {
      predicate: SPDX.predicate,
      predicateType: SPDX.predicateType,
      subject: SPDX.subject,
      _type: SPDX._type,
    };
    expect(statementPayload(reordered).equals(statementPayload(SPDX))).toBe(true);
    expect(statementPayload(SPDX).toString()).toMatch(/^\{"_type":"https:\/\/in-toto.io\/Statement\/v1","predicate":/);
  });
});

describe('keyless signing with the mock Fulcio, Rekor and TSA', () => {
  it('builds a v0.3 bundle: DSSE in-toto envelope, one certificate, an intoto tlog entry and a timestamp', () => {
    const bundle = JSON.parse(signed.bytes.toString('utf8')) as SerializedBundle;
    expect(bundle.mediaType).toBe(BUNDLE_MEDIA_TYPE);
    expect(bundle.dsseEnvelope.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(Buffer.from(bundle.dsseEnvelope.payload, 'base64').equals(signed.payload)).toBe(true);
    expect(bundle.verificationMaterial.certificate?.rawBytes).toEqual(expect.any(String));
    expect(bundle.verificationMaterial.x509CertificateChain).toBeUndefined();
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    expect(bundle.verificationMaterial.tlogEntries[0]?.kindVersion).toEqual({ kind: 'intoto', version: '0.0.2' });
    expect(bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps).toHaveLength(1);
    expect(signed.signer).toEqual({
      kind: 'certificate',
      subjectAlternativeName: WORKFLOW_IDENTITY,
      issuer: GITHUB_ISSUER,
    });
    expect(signed.predicateType).toBe(COSIGN_SIGN_PREDICATE_TYPE);
    expect(sigstore.requests).toEqual(
      expect.arrayContaining(['/api/v2/signingCert', '/api/v1/log/entries', '/api/v1/timestamp']),
    );
  });

  it('verifies against the trusted root, with the workflow identity exact or as an anchored RegExp', () => {
    const ok = verifyBundle(signed.bytes, IMAGE, policy);
    expect(ok).toMatchObject({ ok: true, predicateType: COSIGN_SIGN_PREDICATE_TYPE, signer: signed.signer });
    expect(ok.statement?.subject[0]?.digest.sha256).toBe('1'.repeat(64));
    const re = /^https:\/\/github\.com\/OWNER\/REPO\/\.github\/workflows\/[^/]+@refs\/heads\/main$/;
    expect(verifyBundle(signed.bytes, IMAGE, { ...policy, identity: re }).ok).toBe(true);
  });

  it('fails a wrong identity, a look-alike identity and a wrong issuer, saying which', () => {
    const other = 'https://github.com/OWNER/REPO/.github/workflows/other.yml@refs/heads/main';
    expect(verifyBundle(signed.bytes, IMAGE, { ...policy, identity: other })).toMatchObject({
      ok: false,
      reason: `certificate identity is ${WORKFLOW_IDENTITY}, expected ${other}`,
    });
    // An exact identity is compared as a string, never as a pattern (a "." must not match any character).
    expect(
      verifyBundle(signed.bytes, IMAGE, { ...policy, identity: WORKFLOW_IDENTITY.replace('.yml', 'xyml') }).ok,
    ).toBe(false);
    expect(verifyBundle(signed.bytes, IMAGE, { ...policy, identity: WORKFLOW_IDENTITY.slice(0, 30) }).ok).toBe(false);
    expect(verifyBundle(signed.bytes, IMAGE, { ...policy, issuer: 'https://accounts.google.com' })).toMatchObject({
      ok: false,
      reason: `certificate issuer is ${GITHUB_ISSUER}, expected https://accounts.google.com`,
    });
  });

  it('fails a statement about another image', () => {
    expect(verifyBundle(signed.bytes, OTHER, policy)).toMatchObject({
      ok: false,
      reason: `statement is for ${IMAGE}, image is ${OTHER}`,
    });
  });

  it('fails a tampered payload (the tlog entry and the signature no longer match it)', () => {
    const evil = signatureStatement({ name: 'x', digest: OTHER });
    const tampered = edited(signed.bytes, (b) => (b.dsseEnvelope.payload = statementPayload(evil).toString('base64')));
    const check = verifyBundle(tampered, OTHER, policy);
    expect(check.ok).toBe(false);
    expect(check.reason).toMatch(/TLOG_BODY_ERROR|SIGNATURE_ERROR/);
  });

  it('fails against another trusted root (a certificate from an untrusted CA)', async () => {
    const elsewhere = await startMockSigstore();
    try {
      const check = verifyBundle(signed.bytes, IMAGE, { ...policy, trustedRoot: elsewhere.trustedRoot });
      expect(check.ok).toBe(false);
      expect(check.reason).toMatch(/CERTIFICATE_ERROR|TIMESTAMP_ERROR/);
    } finally {
      await elsewhere.close();
    }
  });

  it('signs attestations given as statements (SPDX), verified the same way', async () => {
    const sbom = await keyless.signStatement(SPDX);
    expect(sbom.predicateType).toBe('https://spdx.dev/Document');
    expect(verifyBundle(sbom.bytes, IMAGE, policy)).toMatchObject({
      ok: true,
      predicateType: 'https://spdx.dev/Document',
      statement: SPDX,
    });
  });

  it('turns a failing identity provider or Fulcio into one SIGNING error, never quoting the token', async () => {
    const failing = createKeylessSigner({
      getIdentityToken: async () => {
        throw new Error('no ACTIONS_ID_TOKEN_REQUEST_URL');
      },
      fulcioURL: sigstore.url,
      rekorURL: sigstore.url,
      retries: 0,
    });
    await expect(failing.signStatement(SPDX)).rejects.toThrow(
      /^keyless signing \(https:\/\/spdx.dev\/Document\): error retrieving identity token: no ACTIONS_ID_TOKEN_REQUEST_URL$/,
    );
    const garbage = createKeylessSigner({
      getIdentityToken: async () => 'secret-not-a-jwt',
      fulcioURL: sigstore.url,
      rekorURL: sigstore.url,
      retries: 0,
    });
    const error = await garbage.signStatement(SPDX).catch((e: unknown) => e);
    expect(isDistrolessError(error, 'SIGNING')).toBe(true);
    expect(String((error as Error).message)).toBe(
      'keyless signing (https://spdx.dev/Document): the identity token is not a JWT',
    );
    expect((error as Error).cause).toBeUndefined();
    const down = createKeylessSigner({
      getIdentityToken: async () => githubToken(),
      fulcioURL: `${sigstore.url}/nowhere`,
      rekorURL: sigstore.url,
      retries: 0,
    });
    await expect(down.signStatement(SPDX)).rejects.toThrow(
      /^keyless signing \(https:\/\/spdx.dev\/Document\): error creating signing certificate - \(404\) Not Found$/,
    );
    expect(() => createKeylessSigner({ getIdentityToken: async () => '', rekorURL: false })).toThrow(
      /needs a transparency log or a timestamp authority/,
    );
  });

  it('a Rekor `dsse` proposal is what the mock cannot log canonically: such a bundle fails its tlog check', async () => {
    const dsse = createKeylessSigner({
      getIdentityToken: async () => githubToken(),
      fulcioURL: sigstore.url,
      rekorURL: sigstore.url,
      rekorEntryType: 'dsse',
      retries: 0,
    });
    const check = verifyBundle((await dsse.signStatement(SPDX)).bytes, IMAGE, policy);
    expect(check.ok).toBe(false);
    expect(check.reason).toMatch(/TLOG_BODY_ERROR/);
  });
});

describe('signing with a key', () => {
  const key = testKey();
  const other = testKey();
  const signer = createKeySigner(key);
  let bundle: SignedBundle;

  beforeAll(async () => {
    bundle = await signer.signStatement(SPDX);
  });

  it('names the key by its hint, logs nothing, and verifies with the public key', () => {
    const json = JSON.parse(bundle.bytes.toString('utf8')) as {
      verificationMaterial: { publicKey: { hint: string }; tlogEntries: unknown[] };
    };
    expect(json.verificationMaterial.publicKey.hint).toBe(publicKeyHint(key.publicKeyPem));
    expect(json.verificationMaterial.tlogEntries ?? []).toEqual([]);
    expect(signer.identity).toEqual({ kind: 'key', hint: publicKeyHint(key.publicKeyPem) });
    expect(verifyBundle(bundle.bytes, IMAGE, { kind: 'key', publicKeyPem: key.publicKeyPem })).toMatchObject({
      ok: true,
      signer: signer.identity,
      statement: SPDX,
    });
  });

  it('fails the wrong key, a tampered payload, another image, and a keyless policy', () => {
    expect(verifyBundle(bundle.bytes, IMAGE, { kind: 'key', publicKeyPem: other.publicKeyPem })).toMatchObject({
      ok: false,
      reason: `signature does not verify with the given key: the bundle names key ${publicKeyHint(key.publicKeyPem)}, the given key is ${publicKeyHint(other.publicKeyPem)}`,
    });
    const evil = { ...SPDX, predicate: { spdxVersion: 'SPDX-2.3', name: 'evil' } };
    const tampered = edited(bundle.bytes, (b) => (b.dsseEnvelope.payload = statementPayload(evil).toString('base64')));
    expect(verifyBundle(tampered, IMAGE, { kind: 'key', publicKeyPem: key.publicKeyPem })).toMatchObject({
      ok: false,
      reason: 'signature verification failed (SIGNATURE_ERROR)',
    });
    expect(verifyBundle(bundle.bytes, OTHER, { kind: 'key', publicKeyPem: key.publicKeyPem })).toMatchObject({
      ok: false,
      reason: `statement is for ${IMAGE}, image is ${OTHER}`,
    });
    expect(verifyBundle(bundle.bytes, IMAGE, policy).reason).toBe(
      `signed with key ${publicKeyHint(key.publicKeyPem)}, not keylessly (no certificate)`,
    );
    expect(verifyBundle(signed.bytes, IMAGE, { kind: 'key', publicKeyPem: key.publicKeyPem }).reason).toBe(
      `signed keylessly by ${WORKFLOW_IDENTITY} (issuer ${GITHUB_ISSUER}), not with the given key`,
    );
  });

  it("takes a key whose sign() answers with a @sigstore/sign Signature (as src/sign's KeySigner does)", async () => {
    const wrapped = {
      publicKeyPem: key.publicKeyPem,
      sign: async (data: Buffer) => ({
        signature: await key.sign(data),
        key: { $case: 'publicKey' as const, publicKey: key.publicKeyPem },
      }),
    };
    const other = await createKeySigner(wrapped).signStatement(SPDX);
    expect(verifyBundle(other.bytes, IMAGE, { kind: 'key', publicKeyPem: key.publicKeyPem }).ok).toBe(true);
  });

  it('can be logged in Rekor too, and then checked against the trusted root', async () => {
    const logged = await createKeySigner(key, {
      rekorURL: sigstore.url,
      rekorEntryType: 'intoto',
      retries: 0,
    }).signStatement(SPDX);
    const withRoot = { kind: 'key' as const, publicKeyPem: key.publicKeyPem, trustedRoot: sigstore.trustedRoot };
    expect(verifyBundle(logged.bytes, IMAGE, withRoot).ok).toBe(true);
    // With a root, an unlogged bundle lacks the tlog entry the root makes required.
    expect(verifyBundle(bundle.bytes, IMAGE, withRoot)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/expected 1 (timestamps|tlog entries), got 0/),
    });
  });
});

describe('trust material', () => {
  it('rejects what is not a trusted root or not a key, and malformed bundles, with reasons', () => {
    expect(() => parseTrustedRoot({ mediaType: 'application/json' })).toThrow(
      /trusted root: mediaType "application\/json"/,
    );
    expect(() => prepareTrust({ kind: 'key', publicKeyPem: 'nope' })).toThrow(/^public key: not a PEM public key/);
    expect(() =>
      prepareTrust({ ...policy, trustedRoot: { ...sigstore.trustedRoot, certificateAuthorities: [] } }),
    ).toThrow(/no certificate authority/);
    expect(verifyBundle(Buffer.from('{'), IMAGE, policy)).toMatchObject({
      ok: false,
      reason: 'the bundle is not JSON',
    });
    const v02 = JSON.stringify({
      ...JSON.parse(signed.bytes.toString('utf8')),
      mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.2',
    });
    expect(verifyBundle(Buffer.from(v02), IMAGE, policy).reason).toBe(
      `the bundle's mediaType is "application/vnd.dev.sigstore.bundle+json;version=0.2", not ${BUNDLE_MEDIA_TYPE}`,
    );
  });
});
