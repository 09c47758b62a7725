/**
 * Debian copyright-format license short names → SPDX license expressions.
 *
 * A DEP-5 `License:` synopsis is one or more short names joined by `or` / `and` (a comma lowers the precedence
 * of what follows it: `A or B, and C` is `(A or B) and C`), each optionally `<name> with <X> exception`.
 * Names that are SPDX identifiers (matched case-insensitively) or in the table of Debian spellings become
 * those identifiers; everything else becomes `LicenseRef-<name>` with the characters SPDX does not allow in
 * an idstring replaced by `-`. A synopsis that is not of that grammar (free text where a name belongs) is
 * reported as unparsed, never guessed at.
 */
import spdxLicenseIds from 'spdx-license-ids/index.json' with { type: 'json' };

/** Every SPDX license id that is not deprecated (the spdx-license-ids package, data of the SPDX License List). */
const SPDX_IDS: readonly string[] = spdxLicenseIds;
const BY_LOWER = new Map(SPDX_IDS.map((id) => [id.toLowerCase(), id]));

/** Debian spellings (lower-cased) that mean an SPDX id of another name. */
const DEBIAN_NAMES: Record<string, string> = {
  expat: 'MIT',
  'apache-2': 'Apache-2.0',
  'apache-1': 'Apache-1.0',
  // Debian's /usr/share/common-licenses/Artistic is Perl's ("Artistic License 1.0 (Perl)", says base-files).
  artistic: 'Artistic-1.0-Perl',
  'artistic-1': 'Artistic-1.0-Perl',
  'artistic-2': 'Artistic-2.0',
  'mpl-1': 'MPL-1.0',
  'mpl-2': 'MPL-2.0',
  cc0: 'CC0-1.0',
  'zope-2.1': 'ZPL-2.1',
  'psf-2': 'PSF-2.0',
  python: 'Python-2.0',
  'python-2': 'Python-2.0',
  'bsl-1': 'BSL-1.0',
  libpng: 'Libpng',
  'mit-0': 'MIT-0',
  // The Ubuntu Font Licence: Debian's fonts-ubuntu says UFL-1.0; SPDX calls it Ubuntu-font-1.0.
  'ufl-1.0': 'Ubuntu-font-1.0',
  ufl: 'Ubuntu-font-1.0',
};

/** GNU families with the versions SPDX has `-only` / `-or-later` ids for. */
const GNU_VERSIONS: Record<string, readonly string[]> = {
  GPL: ['1.0', '2.0', '3.0'],
  LGPL: ['2.0', '2.1', '3.0'],
  AGPL: ['1.0', '3.0'],
  GFDL: ['1.1', '1.2', '1.3'],
};

/** Exceptions by the word Debian puts before "exception"; per GPL major version where SPDX has several. */
const EXCEPTIONS: Record<string, string | Record<string, string>> = {
  autoconf: { '2': 'Autoconf-exception-2.0', '3': 'Autoconf-exception-3.0' },
  libtool: 'Libtool-exception',
  font: 'Font-exception-2.0',
  llvm: 'LLVM-exception',
  classpath: 'Classpath-exception-2.0',
  'gcc-runtime-3.1': 'GCC-exception-3.1',
  'gcc-3.1': 'GCC-exception-3.1',
  bison: 'Bison-exception-2.2',
};

/** An SPDX id for a GNU short name (`GPL-2+`, `LGPL-2.1`, `GPL2`, `GFDL-NIV-1.3+`), or undefined. */
function gnuId(name: string): string | undefined {
  const m = /^(A|L)?(GPL|FDL)-?(NIV-)?(\d)(?:\.(\d))?(\+)?$/i.exec(name.replace(/^GFDL/i, 'FDL'));
  if (!m) return undefined;
  const family = m[2]?.toUpperCase() === 'FDL' ? 'GFDL' : `${(m[1] ?? '').toUpperCase()}GPL`;
  const version = `${m[4]}.${m[5] ?? '0'}`;
  if (!GNU_VERSIONS[family]?.includes(version)) return undefined;
  if (m[3] && family !== 'GFDL') return undefined;
  const invariants = m[3] ? '-no-invariants' : '';
  return `${family}-${version}${invariants}-${m[6] ? 'or-later' : 'only'}`;
}

/** `LicenseRef-<name>`, with runs of characters outside `[A-Za-z0-9.-]` made one `-`. */
export function licenseRef(name: string): string {
  const id = name.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^[-.]+|-+$/g, '');
  return `LicenseRef-${id === '' ? 'unnamed' : id}`;
}

/** The SPDX id of one Debian short name (no operators), or its LicenseRef. */
export function spdxLicenseId(name: string): string {
  const lower = name.toLowerCase();
  return BY_LOWER.get(lower) ?? DEBIAN_NAMES[lower] ?? gnuId(name) ?? licenseRef(name);
}

/** `<name> with <X> exception` (or `<name>-<x>-exception`) as `<id> WITH <exception>` when SPDX has it. */
function withException(term: string): string | undefined {
  const m = /^(\S+)\s+with\s+(.+?)\s+exception$/i.exec(term) ?? /^(.+)-([A-Za-z]+)-exception$/i.exec(term);
  if (!m?.[1] || !m[2]) return undefined;
  const id = spdxLicenseId(m[1]);
  const known = EXCEPTIONS[m[2].toLowerCase()];
  const major = /-(\d)\.\d-/.exec(id)?.[1] ?? '';
  const exception = typeof known === 'string' ? known : known?.[major];
  if (id.startsWith('LicenseRef-') || exception === undefined) return undefined;
  return `${id} WITH ${exception}`;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+/-]*$/;

/** One term of a synopsis: a name, or a name with an exception. undefined when it is not one. */
function term(text: string): string | undefined {
  const t = text.trim().replace(/\s+/g, ' ');
  if (NAME.test(t)) return /-exception$/i.test(t) ? (withException(t) ?? licenseRef(t)) : spdxLicenseId(t);
  if (/^\S+ with .+ exception$/i.test(t)) {
    if (!NAME.test(t.split(' ')[0] ?? '')) return undefined;
    return withException(t) ?? licenseRef(t);
  }
  return undefined;
}

/** Splits `a or b and c` at the operator words, keeping `with … exception` inside its term. */
function operands(text: string, op: 'or' | 'and'): string[] {
  return text.split(new RegExp(`\\s+${op}\\s+`, 'i'));
}

function group(text: string): string | undefined {
  // `and` binds tighter than `or` (as in SPDX expressions).
  const alternatives: string[] = [];
  for (const alt of operands(text, 'or')) {
    const all = operands(alt, 'and').map(term);
    if (all.some((t) => t === undefined)) return undefined;
    alternatives.push(all.length > 1 && operands(text, 'or').length > 1 ? `(${all.join(' AND ')})` : all.join(' AND '));
  }
  return alternatives.join(' OR ');
}

/**
 * The SPDX expression of a DEP-5 `License:` synopsis (its first line), or undefined when it is empty or not
 * made of short names and operators.
 */
export function synopsisToSpdx(synopsis: string): string | undefined {
  const text = synopsis.trim();
  if (text === '') return undefined;
  // `A or B, and C`: each comma-separated part is a group; the operator word that starts it joins it to the rest.
  const parts = text.split(/\s*,\s*/);
  let expr = group(parts[0] ?? '');
  for (const part of parts.slice(1)) {
    const m = /^(and|or)\s+(.*)$/i.exec(part);
    const rest = m?.[2] === undefined ? undefined : group(m[2]);
    if (expr === undefined || rest === undefined || !m?.[1]) return undefined;
    expr = `(${expr}) ${m[1].toUpperCase()} (${rest})`;
  }
  return expr;
}

/** The LicenseRef ids an expression uses, in order of first use. */
export function licenseRefsOf(expression: string): string[] {
  return [...new Set(expression.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? [])];
}

/** Joins distinct expressions with AND, parenthesising compound ones; NOASSERTION for none. */
export function conjunction(expressions: readonly string[]): string {
  const distinct = [...new Set(expressions)];
  if (distinct.length === 0) return 'NOASSERTION';
  if (distinct.length === 1) return distinct[0] as string;
  return distinct.map((e) => (/\sOR\s/.test(e) ? `(${e})` : e)).join(' AND ');
}
