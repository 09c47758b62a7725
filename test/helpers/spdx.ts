/**
 * Validation of SPDX 2.3 JSON documents: the official JSON schema (test/fixtures/spdx, draft-07, run by ajv),
 * stricter field formats the schema leaves as plain strings (ajv-formats: `created` is a date-time in UTC,
 * the namespace a URI), and what no schema checks: unique SPDXIDs, relationships that point at elements of
 * the document, licence expressions that parse, name listed SPDX licences and exceptions, and declare every
 * LicenseRef they use.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';

const FIXTURES = new URL('../fixtures/spdx/', import.meta.url).pathname;
const LICENSE_IDS = new Set<string>(JSON.parse(readFileSync(join(FIXTURES, 'license-ids.json'), 'utf8')) as string[]);
const EXCEPTION_IDS = new Set<string>(
  JSON.parse(readFileSync(join(FIXTURES, 'exception-ids.json'), 'utf8')) as string[],
);

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

/** Parses an SPDX 2.3 licence expression (Annex D); problems with its syntax or its identifiers. */
export function licenseExpressionProblems(expression: string, licenseRefs: ReadonlySet<string>): string[] {
  if (expression === 'NOASSERTION' || expression === 'NONE') return [];
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
  const problems: string[] = [];
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const term = (): void => {
    const t = tokens[pos++];
    if (t === '(') {
      expr();
      if (tokens[pos++] !== ')') problems.push(`missing ) in ${expression}`);
      return;
    }
    if (t === undefined || ['AND', 'OR', 'WITH', ')'].includes(t)) {
      problems.push(`expected a licence at ${t ?? 'the end'} in ${expression}`);
      return;
    }
    if (t.startsWith('LicenseRef-')) {
      if (!/^LicenseRef-[A-Za-z0-9.-]+$/.test(t)) problems.push(`bad LicenseRef ${t}`);
      else if (!licenseRefs.has(t)) problems.push(`${t} has no hasExtractedLicensingInfos entry`);
    } else if (!LICENSE_IDS.has(t)) problems.push(`${t} is not an SPDX licence id`);
    if (peek() === 'WITH') {
      pos++;
      const exception = tokens[pos++];
      if (exception === undefined || !EXCEPTION_IDS.has(exception))
        problems.push(`${exception ?? '(none)'} is not an SPDX exception id`);
    }
  };
  const expr = (): void => {
    term();
    while (peek() === 'AND' || peek() === 'OR') {
      pos++;
      term();
    }
  };
  expr();
  if (pos !== tokens.length) problems.push(`trailing tokens in ${expression}`);
  return problems;
}
