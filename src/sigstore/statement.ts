/**
 * In-toto statements: the one cosign 3 signs as an image signature, a shape check for the ones we are given
 * (SPDX SBOM, SLSA provenance), and their canonical bytes (sorted keys, so the same statement always gives
 * the same DSSE payload and a re-run can recognise what it stored before).
 */
import { DistrolessError } from '../errors.js';
import { digestHex, isDigest } from '../oci/digest.js';
import { canonicalJsonBytes } from '../oci/image.js';
import { COSIGN_SIGN_PREDICATE_TYPE, IN_TOTO_STATEMENT_V1, type InTotoStatement } from './types.js';

/**
 * cosign 3's image signature: a statement about the image digest with predicate type
 * `https://sigstore.dev/cosign/sign/v1` and an empty predicate. `name` is the repository (`host/repo`).
 */
export function signatureStatement(subject: { name: string; digest: string }): InTotoStatement {
  return {
    _type: IN_TOTO_STATEMENT_V1,
    subject: [{ name: subject.name, digest: { sha256: digestHex(subject.digest) } }],
    predicateType: COSIGN_SIGN_PREDICATE_TYPE,
    predicate: {},
  };
}

/** Checks the shape of a statement (every problem at once); returns it typed. */
export function checkStatement(value: unknown, what = 'in-toto statement'): InTotoStatement {
  const problems = statementProblems(value);
  if (problems.length > 0) {
    throw new DistrolessError(
      'INTERNAL',
      `${what}: ${problems.length === 1 ? problems[0] : `${problems.length} problems`}`,
      { details: problems },
    );
  }
  return value as InTotoStatement;
}

export function statementProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['not a JSON object'];
  const s = value as Record<string, unknown>;
  const problems: string[] = [];
  if (s._type !== IN_TOTO_STATEMENT_V1 && s._type !== 'https://in-toto.io/Statement/v0.1') {
    problems.push(`_type must be ${IN_TOTO_STATEMENT_V1}, got ${JSON.stringify(s._type)}`);
  }
  if (typeof s.predicateType !== 'string' || s.predicateType === '')
    problems.push('predicateType must be a non-empty string');
  if (!('predicate' in s) || typeof s.predicate !== 'object' || s.predicate === null)
    problems.push('predicate must be a JSON object');
  if (!Array.isArray(s.subject) || s.subject.length === 0) {
    problems.push('subject must be a non-empty array');
  } else {
    s.subject.forEach((sub: unknown, i) => problems.push(...subjectProblems(sub, i)));
  }
  return problems;
}

function subjectProblems(sub: unknown, i: number): string[] {
  const digest = (sub as { digest?: unknown } | null)?.digest;
  if (typeof digest !== 'object' || digest === null || Object.keys(digest).length === 0)
    return [`subject[${i}].digest must be an object of algorithm → hex`];
  const bad = Object.entries(digest).filter(([, v]) => typeof v !== 'string' || !/^[0-9a-f]+$/.test(v));
  return bad.map(([k]) => `subject[${i}].digest.${k} must be lower-case hex`);
}

/** The DSSE payload of a statement: canonical JSON (keys sorted), UTF-8. */
export function statementPayload(statement: InTotoStatement): Buffer {
  return canonicalJsonBytes(statement);
}

/** The `sha256:<hex>` digests a statement is about. */
export function statementDigests(statement: InTotoStatement): string[] {
  return statement.subject
    .map((s) => s.digest.sha256)
    .filter((h): h is string => h !== undefined)
    .map((h) => `sha256:${h}`);
}

/** Parses a DSSE payload back into a statement, or says why it is not one. */
export function parseStatement(payload: Buffer): { statement: InTotoStatement } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return { problem: 'the DSSE payload is not JSON' };
  }
  const problems = statementProblems(value);
  if (problems.length > 0) return { problem: `the DSSE payload is not an in-toto statement: ${problems.join('; ')}` };
  return { statement: value as InTotoStatement };
}

/** Whether `digest` is among the statement's subjects. */
export function statementCovers(statement: InTotoStatement, digest: string): boolean {
  return isDigest(digest) && statementDigests(statement).includes(digest);
}
