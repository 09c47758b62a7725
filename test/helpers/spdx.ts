/**
 * Validation of SPDX 2.3 JSON documents: the official JSON schema (test/fixtures/spdx, draft-07, run by ajv),
 * stricter field formats the schema leaves as plain strings (ajv-formats: `created` is a date-time in UTC,
 * the namespace a URI), and what no schema checks: unique SPDXIDs, relationships that point at elements of
 * the document, licence expressions that parse, name listed SPDX licences and exceptions, and declare every
 * LicenseRef they use.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';

const FIXTURES = new URL('../fixtures/spdx/', import.meta.url).pathname;
const require = createRequire(import.meta.url);
/** spdx-expression-parse 4 (the parser npm itself uses): SPDX 2.x expression syntax; knows every id, deprecated too. */
const parseExpression = require('spdx-expression-parse') as (expression: string) => SpdxNode;
/** The current (non-deprecated) SPDX licence and exception ids, as that parser's data packages hold them. */
const LICENSE_IDS = new Set<string>(require('spdx-license-ids') as string[]);
const EXCEPTION_IDS = new Set<string>(require('spdx-exceptions') as string[]);

type SpdxNode =
  { license: string; plus?: true; exception?: string } | { left: SpdxNode; conjunction: 'and' | 'or'; right: SpdxNode };

/** What the official schema leaves open, in the form SPDX 2.3 prescribes. */
const STRICTER = {
  type: 'object',
  required: ['documentNamespace', 'packages', 'relationships'],
  properties: {
    spdxVersion: { const: 'SPDX-2.3' },
    dataLicense: { const: 'CC0-1.0' },
    SPDXID: { const: 'SPDXRef-DOCUMENT' },
    documentNamespace: { type: 'string', format: 'uri', not: { pattern: '#' } },
    creationInfo: {
      type: 'object',
      properties: {
        created: { type: 'string', format: 'date-time', pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$' },
      },
    },
    packages: {
      type: 'array',
      items: {
        type: 'object',
        required: ['SPDXID', 'name', 'downloadLocation', 'licenseConcluded', 'licenseDeclared', 'copyrightText'],
        properties: {
          SPDXID: { type: 'string', pattern: '^SPDXRef-[A-Za-z0-9.-]+$' },
          downloadLocation: { anyOf: [{ const: 'NOASSERTION' }, { const: 'NONE' }, { type: 'string', format: 'uri' }] },
          checksums: {
            type: 'array',
            items: { type: 'object', properties: { checksumValue: { type: 'string', pattern: '^[0-9a-f]+$' } } },
          },
          supplier: { type: 'string', pattern: '^(NOASSERTION|(Person|Organization): .+)$' },
        },
      },
    },
    hasExtractedLicensingInfos: {
      type: 'array',
      items: { type: 'object', properties: { licenseId: { type: 'string', pattern: '^LicenseRef-[A-Za-z0-9.-]+$' } } },
    },
  },
};

let validators: { official: ValidateFunction; stricter: ValidateFunction } | undefined;

function compile(): { official: ValidateFunction; stricter: ValidateFunction } {
  if (validators) return validators;
  const ajv = new Ajv({ allErrors: true, strict: false });
  formats.default(ajv);
  const schema = JSON.parse(readFileSync(join(FIXTURES, 'spdx-schema-2.3.json'), 'utf8')) as object;
  validators = { official: ajv.compile(schema), stricter: ajv.compile(STRICTER) };
  return validators;
}

interface Doc {
  packages?: Array<{ SPDXID: string; licenseDeclared: string; licenseConcluded: string }>;
  relationships?: Array<{ spdxElementId: string; relatedSpdxElement: string; relationshipType: string }>;
  hasExtractedLicensingInfos?: Array<{ licenseId: string; extractedText: string }>;
}

/** Every problem found (empty for a valid document). */
export function spdxProblems(doc: unknown): string[] {
  const { official, stricter } = compile();
  const problems: string[] = [];
  if (!official(doc))
    problems.push(...(official.errors ?? []).map((e) => `schema: ${e.instancePath} ${e.message ?? ''}`));
  if (!stricter(doc))
    problems.push(...(stricter.errors ?? []).map((e) => `format: ${e.instancePath} ${e.message ?? ''}`));
  if (problems.length > 0) return problems;
  const d = doc as Doc;
  const ids = new Set<string>(['SPDXRef-DOCUMENT']);
  for (const p of d.packages ?? []) {
    if (ids.has(p.SPDXID)) problems.push(`duplicate SPDXID ${p.SPDXID}`);
    ids.add(p.SPDXID);
  }
  for (const r of d.relationships ?? []) {
    for (const id of [r.spdxElementId, r.relatedSpdxElement])
      if (!ids.has(id)) problems.push(`relationship ${r.relationshipType} names unknown element ${id}`);
  }
  if (
    (d.relationships ?? []).filter((r) => r.spdxElementId === 'SPDXRef-DOCUMENT' && r.relationshipType === 'DESCRIBES')
      .length !== 1
  ) {
    problems.push('the document must DESCRIBE exactly one element');
  }
  const declared = new Set((d.hasExtractedLicensingInfos ?? []).map((e) => e.licenseId));
  for (const e of d.hasExtractedLicensingInfos ?? [])
    if (e.extractedText.trim() === '') problems.push(`${e.licenseId}: empty extractedText`);
  for (const p of d.packages ?? []) {
    for (const expr of [p.licenseDeclared, p.licenseConcluded])
      problems.push(...licenseExpressionProblems(expr, declared).map((m) => `${p.SPDXID}: ${m}`));
  }
  return problems;
}

/**
 * Parses an SPDX 2.3 licence expression (Annex D) with spdx-expression-parse; problems with its syntax or its
 * identifiers (each licence a current SPDX id or a declared LicenseRef, each exception a current SPDX one).
 */
export function licenseExpressionProblems(expression: string, licenseRefs: ReadonlySet<string>): string[] {
  if (expression === 'NOASSERTION' || expression === 'NONE') return [];
  let tree: SpdxNode;
  try {
    tree = parseExpression(expression);
  } catch (e) {
    return [`${expression} does not parse: ${(e as Error).message}`];
  }
  const problems: string[] = [];
  const walk = (node: SpdxNode): void => {
    if ('conjunction' in node) {
      walk(node.left);
      walk(node.right);
      return;
    }
    const t = node.license;
    if (t.startsWith('LicenseRef-')) {
      if (!/^LicenseRef-[A-Za-z0-9.-]+$/.test(t)) problems.push(`bad LicenseRef ${t}`);
      else if (!licenseRefs.has(t)) problems.push(`${t} has no hasExtractedLicensingInfos entry`);
    } else if (!LICENSE_IDS.has(t)) problems.push(`${t} is not a current SPDX licence id`);
    if (node.plus) problems.push(`${t}+ (use the -or-later id)`);
    if (node.exception !== undefined && !EXCEPTION_IDS.has(node.exception))
      problems.push(`${node.exception} is not a current SPDX exception id`);
  };
  walk(tree);
  return problems;
}
