/**
 * Attestations of built images: SPDX 2.3 SBOMs and SLSA provenance v1, as in-toto Statements (for src/sign
 * to wrap in DSSE envelopes), and SPDX files beside an OCI layout. Licence facts come from each .deb's
 * /usr/share/doc/<pkg>/copyright, cached per .deb sha256 under `<cacheDir>/licenses`.
 */
export {
  createAttestContext,
  cacheLicenses,
  downloadUrl,
  type AttestContext,
  type AttestContextOptions,
  type LockedDistro,
} from './context.js';
export { attestationsFor, sbomDraft, sbomInput, type AttestSubject, type SbomDraft } from './subject.js';
export {
  inTotoStatement,
  IN_TOTO_PAYLOAD_TYPE,
  SLSA_PROVENANCE_PREDICATE_TYPE,
  SPDX_PREDICATE_TYPE,
  STATEMENT_TYPE,
  type InTotoStatement,
  type StatementSubject,
} from './statement.js';
export {
  spdxDocument,
  spdxJson,
  spdxJsonBytes,
  debSpdxId,
  type SbomInput,
  type SbomLicense,
  type SbomPackage,
  type SpdxDocument,
  type SpdxPackage,
} from './spdx.js';
export {
  BUILD_TYPE,
  BUILDER_ID,
  githubInvocation,
  invocationId,
  slsaProvenance,
  type GitHubInvocation,
  type ProvenanceInput,
  type ResourceDescriptor,
  type SlsaProvenance,
} from './provenance.js';
export { debPurl, ociPurl } from './purl.js';
export { parseCopyright, type CopyrightInfo } from './dep5.js';
export { licenseRef, spdxLicenseId, synopsisToSpdx } from './licenses.js';
export { CopyrightCollector, readDebLicense, type DebLicense } from './copyright.js';
export {
  LicenseCache,
  licenseLookup,
  LICENSE_CACHE_VERSION,
  type DebRef,
  type LicenseLookup,
  type LicenseLookupOptions,
} from './license-cache.js';
export { buildSbomWriter, type BuildSbomOptions, type BuildSbomWriter, type PlannedSbom } from './files.js';
