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
import { subjectDigestHex, TOOL_NAME, TOOL_URI } from './statement.js';

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

/**
 * The UTF-8 bytes of `JSON.stringify(spdxDocument(input), null, 2)`, made from fragments: each package's entry
 * is serialised and encoded once and shared by every document that lists it (a build's 96 documents list the
 * same few hundred packages over and over), and only the header, the image's own entry and the relationships
 * are made per document. A build writes these bytes; joining buffers skips flattening and re-encoding ~5 MB
 * of strings, which was most of the time its SBOMs took once the digests were known. `suffix` (a file's final
 * newline) is appended.
 */
export function spdxJsonBytes(input: SbomInput, suffix = ''): Buffer {
  const { rootId, debs, relationships, extracted: refs } = outline(input);
  const packages: Buffer[] = [
    Buffer.from(indent(JSON.stringify(rootPackage(input, rootId), null, 2))),
    ...debs.map(({ p, arch }) => debPackageJson(p, arch, input.distroVersion)),
  ];
  const extracted = refs.map(extractedJson);
  const shell = JSON.stringify(
    {
      ...documentHeader(input),
      packages: [PACKAGES_SLOT],
      relationships: [RELATIONSHIPS_SLOT],
      ...(extracted.length > 0 ? { hasExtractedLicensingInfos: [EXTRACTED_SLOT] } : {}),
    },
    null,
    2,
  );
  // Filled in the shell's order, each slot looked up in the shell alone (never in what is filled in).
  const parts: Buffer[] = [];
  let from = 0;
  // `separated`: the items after the first already begin with their ',\n' (the package entries do).
  const fill = (slot: string, items: readonly Buffer[], separated = false): void => {
    const token = indent(JSON.stringify(slot));
    const at = shell.indexOf(token, from);
    parts.push(Buffer.from(shell.slice(from, at)));
    items.forEach((item, i) => (i === 0 || separated ? parts.push(item) : parts.push(ELEMENT_SEPARATOR, item)));
    from = at + token.length;
  };
  fill(PACKAGES_SLOT, packages, true);
  fill(RELATIONSHIPS_SLOT, [Buffer.from(relationships.map(relationshipJson).join(',\n'))]);
  if (extracted.length > 0) fill(EXTRACTED_SLOT, extracted);
  parts.push(Buffer.from(shell.slice(from) + suffix));
  return Buffer.concat(parts);
}

/** `spdxJsonBytes` as a string. */
export function spdxJson(input: SbomInput): string {
  return spdxJsonBytes(input).toString('utf8');
}

/** Stand-ins for the arrays' elements while the rest is serialised; a NUL is in no Debian field or digest. */
const PACKAGES_SLOT = '\u0000packages';
const RELATIONSHIPS_SLOT = '\u0000relationships';
const EXTRACTED_SLOT = '\u0000extracted';
const ELEMENT_SEPARATOR = Buffer.from(',\n');

/** An array element's JSON as `JSON.stringify(document, null, 2)` places it: 4 spaces in. */
function indent(json: string): string {
  return `    ${json.replace(/\n/g, '\n    ')}`;
}

/** Each package's entry as it follows another in the array: `,\n` and the entry. */
const packageJson = new WeakMap<SbomPackage, { distroVersion: string; json: Buffer }>();

/**
 * Derives now what `spdxJsonBytes` will need of a package (its entry, its line of the namespace hash), so that
 * a caller who has the package before the digest (a build's drafts) does the work while it would otherwise wait.
 */
export function prepareSbomPackage(p: SbomPackage, distroVersion: string): void {
  debPackageJson(p, p.imageArch, distroVersion);
  packageSummary(p);
}

function debPackageJson(p: SbomPackage, arch: string, distroVersion: string): Buffer {
  const memo = packageJson.get(p);
  if (memo !== undefined && memo.distroVersion === distroVersion && p.imageArch === arch) return memo.json;
  const json = Buffer.from(
    `,\n${indent(JSON.stringify(debPackage(p, debSpdxId(arch, p.name), distroVersion), null, 2))}`,
  );
  if (p.imageArch === arch) packageJson.set(p, { distroVersion, json });
  return json;
}

function relationshipJson(r: SpdxRelationship): string {
  // The same text JSON.stringify(…, null, 2) gives an element of the array (the ids are plain ASCII, quoted as JSON).
  return `    {\n      "spdxElementId": ${JSON.stringify(r.spdxElementId)},\n      "relationshipType": "${r.relationshipType}",\n      "relatedSpdxElement": ${JSON.stringify(r.relatedSpdxElement)}\n    }`;
}

const extractedMemo = new Map<string, Buffer>();

function extractedJson(e: { licenseId: string; name: string; extractedText: string }): Buffer {
  const key = `${e.licenseId}\0${e.name}\0${e.extractedText}`;
  let json = extractedMemo.get(key);
  if (json === undefined) {
    json = Buffer.from(indent(JSON.stringify(e, null, 2)));
    if (extractedMemo.size > 10_000) extractedMemo.clear();
    extractedMemo.set(key, json);
  }
  return json;
}

function documentHeader(
  input: SbomInput,
): Pick<SpdxDocument, 'spdxVersion' | 'dataLicense' | 'SPDXID' | 'name' | 'documentNamespace' | 'creationInfo'> {
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: DOCUMENT_ID,
    name: input.name,
    documentNamespace: `${TOOL_URI}/spdx/${encodeURIComponent(input.name)}-${inputHash(input)}`,
    creationInfo: { created: epochToRfc3339(input.epoch), creators: [`Tool: ${TOOL_NAME}-${VERSION}`] },
  };
}

export function spdxDocument(input: SbomInput): SpdxDocument {
  const { rootId, debs, relationships, extracted } = outline(input);
  const packages = [
    rootPackage(input, rootId),
    ...debs.map(({ p, arch }) => debPackage(p, debSpdxId(arch, p.name), input.distroVersion)),
  ];
  return {
    ...documentHeader(input),
    packages,
    relationships,
    ...(extracted.length > 0 ? { hasExtractedLicensingInfos: extracted } : {}),
  };
}

/** What a document lists, in its order, whichever way it is then written (spdxDocument, spdxJsonBytes). */
function outline(input: SbomInput) {
  const rootId = input.subject.ociArch === undefined ? INDEX_ID : IMAGE_ID;
  const debs: Array<{ p: SbomPackage; arch: string }> = [];
  const relationships: SpdxRelationship[] = [
    { spdxElementId: DOCUMENT_ID, relationshipType: 'DESCRIBES', relatedSpdxElement: rootId },
  ];
  for (const { arch, packages } of input.archs) {
    const names = new Set(packages.map((p) => p.name));
    for (const p of packages) {
      debs.push({ p, arch });
      relationships.push({
        spdxElementId: rootId,
        relationshipType: 'CONTAINS',
        relatedSpdxElement: debSpdxId(arch, p.name),
      });
    }
    for (const p of packages) {
      if (p.requiredBy !== '' && names.has(p.requiredBy)) {
        relationships.push({
          spdxElementId: debSpdxId(arch, p.requiredBy),
          relationshipType: 'DEPENDS_ON',
          relatedSpdxElement: debSpdxId(arch, p.name),
        });
      }
    }
  }
  return { rootId, debs, relationships, extracted: extractedLicenses(input.archs.flatMap((a) => a.packages)) };
}

/**
 * The namespace's hash: of everything the document is made from (the document is a function of its input and
 * this tool's version), with each licence's texts hashed once and shared by every document that lists the
 * package — hashing each whole document (copyright texts and all) was a third of writing a build's SBOMs.
 */
function inputHash(input: SbomInput): string {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      version: VERSION,
      name: input.name,
      subject: input.subject,
      distroVersion: input.distroVersion,
      epoch: input.epoch,
    }),
  );
  for (const a of input.archs) {
    hash.update(`\n${JSON.stringify(a.arch)}`);
    for (const p of a.packages) hash.update(`\n${packageSummary(p)}`);
  }
  return hash.digest('hex');
}

const summaries = new WeakMap<SbomPackage, string>();

/** One package's line of the namespace hash (each field is JSON, so the lines cannot run into each other). */
function packageSummary(p: SbomPackage): string {
  let line = summaries.get(p);
  if (line === undefined) {
    line = JSON.stringify([p.name, p.imageArch, p.pin, p.downloadLocation, p.requiredBy, licenseHash(p.license)]);
    summaries.set(p, line);
  }
  return line;
}

const licenseHashes = new WeakMap<SbomLicense, string>();

function licenseHash(license: SbomLicense): string {
  let hash = licenseHashes.get(license);
  if (hash === undefined) {
    hash = createHash('sha256')
      .update(
        JSON.stringify([
          license.declared,
          license.copyrightText,
          Object.entries(license.licenseRefs),
          license.comment ?? null,
        ]),
      )
      .digest('hex');
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
    checksums: [{ algorithm: 'SHA256', checksumValue: subjectDigestHex(subject.digest) }],
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    comment:
      subject.ociArch === undefined
        ? `OCI image index (Debian archs: ${archs})`
        : `OCI image manifest (Debian arch ${archs})`,
    externalRefs: [
      {
        referenceCategory: 'PACKAGE-MANAGER',
        referenceType: 'purl',
        referenceLocator: ociPurl(subject.name, subject.digest, subject.ociArch),
      },
    ],
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
    externalRefs: [
      {
        referenceCategory: 'PACKAGE-MANAGER',
        referenceType: 'purl',
        referenceLocator: debPurl(p.name, pin.version, pin.architecture, distroVersion),
      },
    ],
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
  const owner = (id: string): string =>
    packages.find((p) => licenseRefsOf(p.license.declared).includes(id))?.name ?? '';
  return refs.map((r) =>
    r.extractedText !== ''
      ? r
      : {
          ...r,
          extractedText: `Named "${r.name}" without its text in /usr/share/doc/${owner(r.licenseId)}/copyright (Debian package).`,
        },
  );
}
