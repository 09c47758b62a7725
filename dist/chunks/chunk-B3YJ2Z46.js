import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/attest/statement.ts
var TOOL_NAME = "distroless-action";
var TOOL_URI = "https://github.com/distroless-action/distroless-action";
var STATEMENT_TYPE = "https://in-toto.io/Statement/v1";
var IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
var SPDX_PREDICATE_TYPE = "https://spdx.dev/Document";
var SLSA_PROVENANCE_PREDICATE_TYPE = "https://slsa.dev/provenance/v1";
var SHA256 = /^sha256:([0-9a-f]{64})$/;
function sha256Hex(digest) {
  const m = SHA256.exec(digest);
  if (!m?.[1]) throw new DistrolessError("USAGE", `attestation subject: expected a sha256:<64 hex> digest, got ${JSON.stringify(digest)}`);
  return m[1];
}
function inTotoStatement(subject, predicateType, predicate) {
  if (subject.name === "") throw new DistrolessError("USAGE", "attestation subject: empty name");
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subject.name, digest: { sha256: sha256Hex(subject.digest) } }],
    predicateType,
    predicate
  };
}

export {
  TOOL_NAME,
  TOOL_URI,
  STATEMENT_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  SPDX_PREDICATE_TYPE,
  SLSA_PROVENANCE_PREDICATE_TYPE,
  sha256Hex,
  inTotoStatement
};
