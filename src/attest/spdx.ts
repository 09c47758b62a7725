/**
 * SPDX 2.3 JSON documents (https://spdx.github.io/spdx-spec/v2.3/) for one image (image × variant × arch) or
 * one multi-arch index (every arch's packages, each package once per arch).
 *
 * Deterministic by construction: `created` is the build epoch, packages are ordered by arch (index order)
 * then name, SPDXIDs are derived from arch and package name, and the documentNamespace ends in a hash of the
 * rest of the document, so equal inputs give byte-identical documents and different ones different URIs.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { LockedPackage } from '../lock/types.js';
import { epochToRfc3339 } from '../oci/index.js';
import { VERSION } from '../version.js';
import { licenseRefsOf } from './licenses.js';
import { debPurl, ociPurl } from './purl.js';
import { sha256Hex, TOOL_NAME, TOOL_URI } from './statement.js';

/** Licence facts of one package as the document states them. */
export interface SbomLicense {
  /** SPDX expression or NOASSERTION. */
  declared: string;
  /** Copyright lines or NOASSERTION. */
  copyrightText: string;
  /** LicenseRef id → its text from the copyright file ('' when the file gives none). */
  licenseRefs: Record<string, string>;
  /** Why the facts are what they are, when that is not obvious (a shared doc directory, unparsed synopses). */
  comment?: string;
}

export interface SbomPackage {
  name: string;
  /** Debian arch of the image the package is in (for `all` packages, not the package's own Architecture). */
  imageArch: string;
  pin: LockedPackage;
  /** Pool URL of the .deb. */
  downloadLocation: string;
  /** Package that pulled this one in ('' when the image asked for it; see LockedImageArch). */
  requiredBy: string;
  license: SbomLicense;
}

export interface SbomInput {
  /** The document name, e.g. the layout ref `python3-debian12-latest-amd64`. */
  name: string;
  /** What the document describes: an image manifest (with its OCI arch) or an index (`ociArch` undefined). */
  subject: { name: string; digest: string; ociArch?: string };
  /** For purls: `12` → `distro=debian-12`. */
  distroVersion: string;
  /** Build epoch (seconds): the document's `created`. */
  epoch: number;
  /** Debian archs in document order (index order), each with its packages. */
  archs: ReadonlyArray<{ arch: string; packages: readonly SbomPackage[] }>;
}

export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  packageFileName?: string;
  supplier?: string;
  downloadLocation: string;
  filesAnalyzed: false;
  checksums?: Array<{ algorithm: 'SHA256'; checksumValue: string }>;
  sourceInfo?: string;
  licenseConcluded: string;
  licenseDeclared: string;
  licenseComments?: string;
  copyrightText: string;
  comment?: string;
  externalRefs: Array<{ referenceCategory: 'PACKAGE-MANAGER'; referenceType: 'purl'; referenceLocator: string }>;
  primaryPackagePurpose?: 'CONTAINER';
}

export interface SpdxRelationship {
  spdxElementId: string;
  relationshipType: 'DESCRIBES' | 'CONTAINS' | 'DEPENDS_ON';
  relatedSpdxElement: string;
}

export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  relationships: SpdxRelationship[];
  hasExtractedLicensingInfos?: Array<{ licenseId: string; name: string; extractedText: string }>;
}

const DOCUMENT_ID = 'SPDXRef-DOCUMENT';
const IMAGE_ID = 'SPDXRef-Image';
const INDEX_ID = 'SPDXRef-ImageIndex';
export const DEBIAN_SUPPLIER = 'Organization: Debian';

/** `SPDXRef-Package-deb-<arch>-<name>`: Debian names are lower case, so `+` → `Plus` cannot collide. */
export function debSpdxId(imageArch: string, name: string): string {
  return `SPDXRef-Package-deb-${imageArch}-${name.replace(/\+/g, 'Plus')}`.replace(/[^A-Za-z0-9.-]/g, '-');
}

export function spdxDocument(input: SbomInput): SpdxDocument {
  const rootId = input.subject.ociArch === undefined ? INDEX_ID : IMAGE_ID;
  const packages: SpdxPackage[] = [rootPackage(input, rootId)];
  const relationships: SpdxRelationship[] = [{ spdxElementId: DOCUMENT_ID, relationshipType: 'DESCRIBES', relatedSpdxElement: rootId }];
  for (const { arch, packages: debs } of input.archs) {
    const names = new Set(debs.map((p) => p.name));
    for (const p of debs) {
      const id = debSpdxId(arch, p.name);
      packages.push(debPackage(p, id, input.distroVersion));
      relationships.push({ spdxElementId: rootId, relationshipType: 'CONTAINS', relatedSpdxElement: id });
    }
    for (const p of debs) {
      if (p.requiredBy !== '' && names.has(p.requiredBy)) {
        relationships.push({ spdxElementId: debSpdxId(arch, p.requiredBy), relationshipType: 'DEPENDS_ON', relatedSpdxElement: debSpdxId(arch, p.name) });
      }
    }
  }
  const extracted = extractedLicenses(input.archs.flatMap((a) => a.packages));
  const body = {
    spdxVersion: 'SPDX-2.3' as const,
    dataLicense: 'CC0-1.0' as const,
    SPDXID: DOCUMENT_ID as typeof DOCUMENT_ID,
    name: input.name,
    documentNamespace: '',
    creationInfo: { created: epochToRfc3339(input.epoch), creators: [`Tool: ${TOOL_NAME}-${VERSION}`] },
    packages,
    relationships,
    ...(extracted.length > 0 ? { hasExtractedLicensingInfos: extracted } : {}),
  };
  return { ...body, documentNamespace: `${TOOL_URI}/spdx/${encodeURIComponent(input.name)}-${inputHash(input)}` };
}

/**
 * The namespace's hash: of everything the document is made from (the document is a function of its input and
 * this tool's version), with each licence's texts hashed once and shared by every document that lists the
 * package — hashing each whole document (copyright texts and all) was a third of writing a build's SBOMs.
 */
function inputHash(input: SbomInput): string {
  const archs = input.archs.map((a) => ({
    arch: a.arch,
    packages: a.packages.map((p) => [p.name, p.imageArch, p.pin, p.downloadLocation, p.requiredBy, licenseHash(p.license)]),
  }));
  const summary = { version: VERSION, name: input.name, subject: input.subject, distroVersion: input.distroVersion, epoch: input.epoch, archs };
  return createHash('sha256').update(JSON.stringify(summary)).digest('hex');
}

const licenseHashes = new WeakMap<SbomLicense, string>();

function licenseHash(license: SbomLicense): string {
  let hash = licenseHashes.get(license);
  if (hash === undefined) {
    hash = createHash('sha256').update(JSON.stringify([license.declared, license.copyrightText, Object.entries(license.licenseRefs), license.comment ?? null])).digest('hex');
    licenseHashes.set(license, hash);
  }
  return hash;
}

function rootPackage(input: SbomInput, id: string): SpdxPackage {
  const { subject } = input;
  const archs = input.archs.map((a) => a.arch).join(', ');
  return {
    SPDXID: id,
    name: subject.name,
    versionInfo: subject.digest,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    checksums: [{ algorithm: 'SHA256', checksumValue: sha256Hex(subject.digest) }],
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    comment: subject.ociArch === undefined ? `OCI image index (Debian archs: ${archs})` : `OCI image manifest (Debian arch ${archs})`,
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: ociPurl(subject.name, subject.digest, subject.ociArch) }],
    primaryPackagePurpose: 'CONTAINER',
  };
}

function debPackage(p: SbomPackage, id: string, distroVersion: string): SpdxPackage {
  const { pin, license } = p;
  return {
    SPDXID: id,
    name: p.name,
    versionInfo: pin.version,
    packageFileName: posix.basename(pin.filename),
    supplier: DEBIAN_SUPPLIER,
    downloadLocation: p.downloadLocation,
    filesAnalyzed: false,
    checksums: [{ algorithm: 'SHA256', checksumValue: pin.sha256 }],
    sourceInfo: `built package from: ${pin.source} ${pin.sourceVersion}`,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: license.declared,
    ...(license.comment === undefined ? {} : { licenseComments: license.comment }),
    copyrightText: license.copyrightText,
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: debPurl(p.name, pin.version, pin.architecture, distroVersion) }],
  };
}

/** One entry per LicenseRef the packages declare, sorted by id; the text from the first package that gives one. */
function extractedLicenses(packages: readonly SbomPackage[]): NonNullable<SpdxDocument['hasExtractedLicensingInfos']> {
  const out = new Map<string, { licenseId: string; name: string; extractedText: string }>();
  for (const p of packages) {
    for (const id of licenseRefsOf(p.license.declared)) {
      const text = p.license.licenseRefs[id] ?? '';
      const have = out.get(id);
      if (have !== undefined && (have.extractedText !== '' || text === '')) continue;
      out.set(id, { licenseId: id, name: id.slice('LicenseRef-'.length), extractedText: text });
    }
  }
  const refs = [...out.values()].sort((a, b) => (a.licenseId < b.licenseId ? -1 : a.licenseId > b.licenseId ? 1 : 0));
  const owner = (id: string): string => packages.find((p) => licenseRefsOf(p.license.declared).includes(id))?.name ?? '';
  return refs.map((r) => (r.extractedText !== '' ? r : { ...r, extractedText: `Named "${r.name}" without its text in /usr/share/doc/${owner(r.licenseId)}/copyright (Debian package).` }));
}
