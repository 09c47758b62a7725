/**
 * Checks cosign legacy signatures and attestations of one digest with a public key, as `cosign verify --key`
 * and `cosign verify-attestation --key --type` do offline, plus the payload's docker-reference (skopeo's
 * strictness). A signature passes when at least one layer passes every check; each required predicate type
 * needs at least one valid attestation. Reasons name what is wrong ("signature is for sha256:X, image is
 * sha256:Y"). Bad signatures are failed checks, not exceptions; registry failures still throw.
 */
import type { KeyObject } from 'node:crypto';
import { isDistrolessError } from '../errors.js';
import { RegistryError } from '../registry/index.js';
import { keyFingerprint } from './keys.js';
import {
  attestationTag,
  parseSignatureManifest,
  PREDICATE_TYPE_ANNOTATION,
  SIGNATURE_ANNOTATION,
  signatureTag,
  type LayerDescriptor,
} from './legacy-manifest.js';
import {
  DSSE_MEDIA_TYPE,
  INTOTO_PAYLOAD_TYPE,
  pae,
  parseEnvelope,
  parseSimpleSigning,
  parseStatement,
  SIMPLE_SIGNING_MEDIA_TYPE,
} from './payload.js';
import { verifySignature } from './signer.js';
import type { Check, SignatureVerifier, SignedImage, VerifyPolicy } from './types.js';

export function createLegacyVerifier(publicKey: KeyObject): SignatureVerifier {
  return new LegacyVerifier(publicKey);
}

/** A layer's outcome: the predicate type it proves (attestations), or why it does not count. */
type LayerOutcome = { ok: true; predicateType?: string } | { ok: false; reason: string; predicateType?: string };

class LegacyVerifier implements SignatureVerifier {
  readonly format = 'legacy' as const;
  private readonly keyName: string;

  constructor(private readonly publicKey: KeyObject) {
    this.keyName = `key ${keyFingerprint(publicKey).slice(0, 19)}…`;
  }

  async verify(image: SignedImage, policy: VerifyPolicy): Promise<Check[]> {
    try {
      return [await this.signatures(image), ...(await this.attestations(image, policy))];
    } catch (e) {
      // A `.sig`/`.att` tag that is not a signature manifest at all: a failed check, not a crash.
      if (isDistrolessError(e, 'SIGNATURE_INVALID'))
        return [{ format: this.format, what: 'signature', ok: false, detail: e.message }];
      throw e;
    }
  }

  private async signatures(image: SignedImage): Promise<Check> {
    const tag = signatureTag(image.digest);
    const check = (ok: boolean, detail: string): Check => ({ format: this.format, what: 'signature', ok, detail });
    const layers = await readLayers(image, tag);
    if (layers === undefined) return check(false, `no signatures: ${image.repository}:${tag} does not exist`);
    const outcomes = await Promise.all(
      layers.filter((l) => l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE).map((l) => this.signatureLayer(image, l)),
    );
    const good = outcomes.filter((o) => o.ok).length;
    if (good > 0)
      return check(true, `${good} of ${outcomes.length} signature(s) in ${tag} verified with ${this.keyName}`);
    if (outcomes.length === 0) return check(false, `${tag} holds no simple-signing layer`);
    return check(false, reasons(outcomes));
  }

  private async signatureLayer(image: SignedImage, layer: LayerDescriptor): Promise<LayerOutcome> {
    const payload = await image.client.getBlob(image.repository, layer.digest);
    let claim;
    try {
      claim = parseSimpleSigning(payload);
    } catch (e) {
      if (isDistrolessError(e, 'SIGNATURE_INVALID')) return { ok: false, reason: e.message };
      throw e;
    }
    if (claim.digest !== image.digest)
      return { ok: false, reason: `signature is for ${claim.digest}, image is ${image.digest}` };
    if (claim.dockerReference !== image.name)
      return { ok: false, reason: `signature is for repository ${claim.dockerReference}, image is in ${image.name}` };
    const sig = Buffer.from(layer.annotations[SIGNATURE_ANNOTATION] ?? '', 'base64');
    if (!verifySignature(this.publicKey, payload, sig))
      return { ok: false, reason: `signature does not verify with ${this.keyName} (payload changed, or another key)` };
    return { ok: true };
  }

  private async attestations(image: SignedImage, policy: VerifyPolicy): Promise<Check[]> {
    if (policy.predicateTypes.length === 0) return [];
    const tag = attestationTag(image.digest);
    const layers = await readLayers(image, tag);
    const check = (type: string, ok: boolean, detail: string): Check => ({
      format: this.format,
      what: `attestation ${type}`,
      ok,
      detail,
    });
    if (layers === undefined)
      return policy.predicateTypes.map((t) =>
        check(t, false, `no attestations: ${image.repository}:${tag} does not exist`),
      );
    const outcomes = await Promise.all(
      layers.filter((l) => l.mediaType === DSSE_MEDIA_TYPE).map((l) => this.attestationLayer(image, l)),
    );
    return policy.predicateTypes.map((type) => {
      const mine = outcomes.filter((o) => o.predicateType === type);
      const good = mine.filter((o) => o.ok).length;
      if (good > 0) return check(type, true, `${good} of ${mine.length} verified with ${this.keyName}`);
      if (mine.length > 0) return check(type, false, reasons(mine));
      const found = [...new Set(outcomes.map((o) => o.predicateType ?? '?'))];
      return check(type, false, `none in ${tag} (found: ${found.join(', ') || 'nothing'})`);
    });
  }

  private async attestationLayer(image: SignedImage, layer: LayerDescriptor): Promise<LayerOutcome> {
    const annotated = layer.annotations[PREDICATE_TYPE_ANNOTATION];
    const fail = (reason: string, predicateType = annotated): LayerOutcome => ({ ok: false, reason, predicateType });
    try {
      const envelope = parseEnvelope(await image.client.getBlob(image.repository, layer.digest));
      if (envelope.payloadType !== INTOTO_PAYLOAD_TYPE)
        return fail(`payloadType is ${envelope.payloadType}, not ${INTOTO_PAYLOAD_TYPE}`);
      const signed = pae(envelope.payloadType, envelope.body);
      const verified = envelope.signatures.some((s) => verifySignature(this.publicKey, signed, s.sig));
      const statement = parseStatement(envelope.body);
      if (!verified)
        return fail(
          `attestation does not verify with ${this.keyName} (payload changed, or another key)`,
          statement.predicateType,
        );
      const hex = image.digest.slice('sha256:'.length);
      if (!statement.subject.some((s) => s.digest?.sha256 === hex)) {
        const named = statement.subject.map((s) => `sha256:${s.digest?.sha256 ?? '?'}`).join(', ');
        return fail(`attestation is for ${named}, image is ${image.digest}`, statement.predicateType);
      }
      return { ok: true, predicateType: statement.predicateType };
    } catch (e) {
      if (isDistrolessError(e, 'SIGNATURE_INVALID')) return fail(e.message);
      throw e;
    }
  }
}

/** The layers of `repository:tag`, or undefined when the tag does not exist. */
async function readLayers(image: SignedImage, tag: string): Promise<LayerDescriptor[] | undefined> {
  try {
    const { bytes } = await image.client.getManifest(image.repository, tag);
    return parseSignatureManifest(bytes, `${image.repository}:${tag}`);
  } catch (e) {
    if (e instanceof RegistryError && e.status === 404) return undefined;
    throw e;
  }
}

function reasons(outcomes: readonly LayerOutcome[]): string {
  return [...new Set(outcomes.flatMap((o) => (o.ok ? [] : [o.reason])))].join('; ');
}
