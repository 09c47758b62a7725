/**
 * Payload bytes, PAE, and the legacy `.sig`/`.att` manifest shapes, against what cosign 2.5 itself pushed
 * (test/fixtures/cosign/recorded, see the README there): same bytes, same digests, and cosign's own
 * signatures verify over our payload and PAE.
 */
import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  attestationTag,
  DSSE_MEDIA_TYPE,
  INTOTO_PAYLOAD_TYPE,
  loadPublicKey,
  pae,
  parseEnvelope,
  parseSignatureManifest,
  parseSimpleSigning,
  parseStatement,
  serializeEnvelope,
  SIMPLE_SIGNING_MEDIA_TYPE,
  signatureConfig,
  signatureManifest,
  signatureTag,
  simpleSigningPayload,
  verifySignature,
} from '../../src/sign/index.js';

const RECORDED = new URL('../fixtures/cosign/recorded/', import.meta.url).pathname;
const read = (name: string): Buffer => readFileSync(`${RECORDED}${name}`);
const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const IMAGE = 'sha256:0f9d07ec8db7a368cd13c177813fadf7fc1819890bebd77d96b9920a0f69ea45';
const cosignPub = loadPublicKey(read('cosign.pub').toString(), 'recorded/cosign.pub');

describe('simple-signing payload', () => {
  it('is byte for byte what cosign signs', () => {
    const ours = simpleSigningPayload('127.0.0.1:5999/test/img', IMAGE);
    expect(ours.toString()).toBe(
      '{"critical":{"identity":{"docker-reference":"127.0.0.1:5999/test/img"},"image":{"docker-manifest-digest":"sha256:0f9d07ec8db7a368cd13c177813fadf7fc1819890bebd77d96b9920a0f69ea45"},"type":"cosign container image signature"},"optional":null}',
    );
    expect(ours).toEqual(read('simplesigning.json'));
    expect(parseSimpleSigning(ours)).toEqual({ dockerReference: '127.0.0.1:5999/test/img', digest: IMAGE });
  });

  it('refuses a non-digest, and a payload of another type', () => {
    expect(() => simpleSigningPayload('r', 'sha256:abc')).toThrow('not a sha256 digest: "sha256:abc"');
    expect(() =>
      parseSimpleSigning(Buffer.from('{"critical":{"type":"x","image":{"docker-manifest-digest":"d"}}}')),
    ).toThrow(/type is "x", not "cosign container image signature"/);
    expect(() => parseSimpleSigning(Buffer.from('nope'))).toThrow('the signature payload is not JSON');
  });
});

describe('DSSE', () => {
  it('PAE is "DSSEv1 <len> <type> <len> <body>" with byte lengths', () => {
    expect(pae('application/vnd.in-toto+json', Buffer.from('{"a":"é"}')).toString()).toBe(
      'DSSEv1 28 application/vnd.in-toto+json 10 {"a":"é"}',
    );
    expect(pae('t', Buffer.alloc(0)).toString()).toBe('DSSEv1 1 t 0 ');
  });

  it("cosign's attestation signature verifies over our PAE of its payload; our envelope serialises as cosign's", () => {
    const blob = read('spdx-envelope.json');
    const env = parseEnvelope(blob);
    expect(env.payloadType).toBe(INTOTO_PAYLOAD_TYPE);
    const [sig] = env.signatures;
    expect(sig?.keyid).toBe('');
    expect(verifySignature(cosignPub, pae(env.payloadType, env.body), sig?.sig ?? Buffer.alloc(0))).toBe(true);
    expect(verifySignature(cosignPub, env.body, sig?.sig ?? Buffer.alloc(0))).toBe(false);
    expect(serializeEnvelope(env.payloadType, env.body, env.signatures)).toEqual(blob);
    const statement = parseStatement(env.body);
    expect(statement.predicateType).toBe('https://spdx.dev/Document');
    expect(statement.subject[0]?.digest.sha256).toBe(IMAGE.slice(7));
  });
});

describe('legacy storage documents', () => {
  it('tags', () => {
    expect(signatureTag(IMAGE)).toBe('sha256-0f9d07ec8db7a368cd13c177813fadf7fc1819890bebd77d96b9920a0f69ea45.sig');
    expect(attestationTag(IMAGE)).toBe('sha256-0f9d07ec8db7a368cd13c177813fadf7fc1819890bebd77d96b9920a0f69ea45.att');
    expect(() => signatureTag('sha512:00')).toThrow(/not a sha256 digest/);
  });

  it('the .sig manifest and config are byte for byte what cosign pushed for the same layer', () => {
    const recorded = read('sig-manifest.json');
    const layers = parseSignatureManifest(recorded, 'recorded .sig');
    expect(layers).toHaveLength(1);
    expect(layers[0]).toMatchObject({
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      digest: sha256(read('simplesigning.json')),
    });
    const config = signatureConfig(layers);
    expect(JSON.parse(recorded.toString()).config.digest).toBe(sha256(config));
    expect(signatureManifest(config, layers)).toEqual(recorded);
    // The recorded signature is cosign's, over exactly the payload blob.
    const sig = Buffer.from(layers[0]?.annotations['dev.cosignproject.cosign/signature'] ?? '', 'base64');
    expect(verifySignature(cosignPub, read('simplesigning.json'), sig)).toBe(true);
  });

  it('the .att manifest with two predicate types and its config match cosign too', () => {
    const recorded = read('att-manifest.json');
    const layers = parseSignatureManifest(recorded, 'recorded .att');
    expect(
      layers.map((l) => [
        l.mediaType,
        l.annotations.predicateType,
        l.annotations['dev.cosignproject.cosign/signature'],
      ]),
    ).toEqual([
      [DSSE_MEDIA_TYPE, 'https://spdx.dev/Document', ''],
      [DSSE_MEDIA_TYPE, 'https://slsa.dev/provenance/v1', ''],
    ]);
    expect(signatureConfig(layers)).toEqual(read('att-config.json'));
    expect(signatureManifest(signatureConfig(layers), layers)).toEqual(recorded);
  });

  it('refuses what is not an image manifest', () => {
    expect(() =>
      parseSignatureManifest(
        Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}'),
        'r:t',
      ),
    ).toThrow('r:t: not an image manifest ("application/vnd.oci.image.index.v1+json")');
    expect(() => parseSignatureManifest(Buffer.from('{"schemaVersion":2,"layers":[{"digest":1}]}'), 'r:t')).toThrow(
      'r:t: layer 0 is not a descriptor',
    );
  });
});
