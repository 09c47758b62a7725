import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DEFAULT_PREDICATE_TYPES,
  DSSE_MEDIA_TYPE,
  KeySigner,
  PREDICATE_TYPE_ANNOTATION,
  SIGNATURE_ANNOTATION,
  SIGNATURE_FORMATS,
  SIMPLE_SIGNING_MEDIA_TYPE,
  attestationTag,
  createLegacyStorage,
  createLegacyVerifier,
  keyFingerprint,
  loadPrivateKey,
  loadPublicKey,
  pae,
  parseEnvelope,
  parseSignatureManifest,
  parseSimpleSigning,
  parseStatement,
  publicKeyPem,
  serializeEnvelope,
  signatureConfig,
  signatureManifest,
  signatureTag,
  simpleSigningPayload,
  statementBytes,
  verifySignature
} from "./chunk-FIDXUFBQ.js";
import "./chunk-XZB375P5.js";
import "./chunk-GTICI2R2.js";
import "./chunk-BDURTKM7.js";
import {
  IN_TOTO_PAYLOAD_TYPE,
  SLSA_PROVENANCE_PREDICATE_TYPE,
  SPDX_PREDICATE_TYPE
} from "./chunk-B3YJ2Z46.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  DEFAULT_PREDICATE_TYPES,
  DSSE_MEDIA_TYPE,
  IN_TOTO_PAYLOAD_TYPE as INTOTO_PAYLOAD_TYPE,
  KeySigner,
  PREDICATE_TYPE_ANNOTATION,
  SIGNATURE_ANNOTATION,
  SIGNATURE_FORMATS,
  SIMPLE_SIGNING_MEDIA_TYPE,
  SLSA_PROVENANCE_PREDICATE_TYPE as SLSA_PREDICATE_TYPE,
  SPDX_PREDICATE_TYPE,
  attestationTag,
  createLegacyStorage,
  createLegacyVerifier,
  keyFingerprint,
  loadPrivateKey,
  loadPublicKey,
  pae,
  parseEnvelope,
  parseSignatureManifest,
  parseSimpleSigning,
  parseStatement,
  publicKeyPem,
  serializeEnvelope,
  signatureConfig,
  signatureManifest,
  signatureTag,
  simpleSigningPayload,
  statementBytes,
  verifySignature
};
