import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  CopyrightCollector,
  LICENSE_CACHE_VERSION,
  LicenseCache,
  attestationsFor,
  cacheLicenses,
  createAttestContext,
  debPurl,
  debSpdxId,
  downloadUrl,
  licenseLookup,
  licenseRef,
  ociPurl,
  parseCopyright,
  readDebLicense,
  sbomFor,
  spdxDocument,
  spdxLicenseId,
  synopsisToSpdx,
  writeBuildSboms
} from "./chunk-JP6CUMXV.js";
import "./chunk-OQT2GAUO.js";
import "./chunk-ZTTND34Q.js";
import "./chunk-EO4ONWKL.js";
import "./chunk-EC4REFKJ.js";
import "./chunk-252KFN6C.js";
import "./chunk-BVZWJCHG.js";
import "./chunk-FLWSX5ME.js";
import "./chunk-K4BAZ34O.js";
import "./chunk-BDURTKM7.js";
import {
  BUILDER_ID,
  BUILD_TYPE,
  githubInvocation,
  invocationId,
  slsaProvenance
} from "./chunk-NS64RFCV.js";
import "./chunk-JVYIGASL.js";
import {
  IN_TOTO_PAYLOAD_TYPE,
  SLSA_PROVENANCE_PREDICATE_TYPE,
  SPDX_PREDICATE_TYPE,
  STATEMENT_TYPE,
  inTotoStatement
} from "./chunk-B3YJ2Z46.js";
import "./chunk-BJUFX5YB.js";
import "./chunk-ONBS6DE5.js";
export {
  BUILDER_ID,
  BUILD_TYPE,
  CopyrightCollector,
  IN_TOTO_PAYLOAD_TYPE,
  LICENSE_CACHE_VERSION,
  LicenseCache,
  SLSA_PROVENANCE_PREDICATE_TYPE,
  SPDX_PREDICATE_TYPE,
  STATEMENT_TYPE,
  attestationsFor,
  cacheLicenses,
  createAttestContext,
  debPurl,
  debSpdxId,
  downloadUrl,
  githubInvocation,
  inTotoStatement,
  invocationId,
  licenseLookup,
  licenseRef,
  ociPurl,
  parseCopyright,
  readDebLicense,
  sbomFor,
  slsaProvenance,
  spdxDocument,
  spdxLicenseId,
  synopsisToSpdx,
  writeBuildSboms
};
