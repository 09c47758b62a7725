/**
 * A generic deb822 reader (Release files, control files, small indices).
 *
 * Format: `Field: value` lines; a line starting with a space or a tab continues the previous field;
 * paragraphs (stanzas) are separated by blank lines (empty or whitespace only). Lines starting with `#`
 * outside a value are comments and skipped. CRLF line ends are tolerated.
 *
 * Field names are matched case-insensitively (Debian Policy 5.1): the returned maps are keyed by the
 * LOWER-CASED field name. Use `deb822Field()` to look a field up by any spelling.
 *
 * Values: the first line is trimmed; each continuation line is appended after a '\n' with its
 * surrounding whitespace trimmed (a Description's ` .` stays `.`). A multi-line field with an empty first
 * line (e.g. a Release `SHA256:` list) therefore starts with '\n'; `deb822Lines()` splits it.
 *
 * For the 50 MB Packages indices use `parsePackagesIndex()` in packages.ts, which skips unneeded fields.
 */
import { DistrolessError } from '../errors.js';

/** One paragraph: lower-cased field name → value. Insertion order is the order in the text. */
export type Deb822Paragraph = Map<string, string>;

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const HASH = 0x23;

/** Parses every paragraph of a deb822 text. Throws DistrolessError('PARSE') on a malformed line. */
export function parseDeb822(text: string, what = 'deb822 text'): Deb822Paragraph[] {
  const out: Deb822Paragraph[] = [];
  let current: Deb822Paragraph | null = null;
  let lastKey = '';
  let lineNo = 0;
  let pos = 0;
  const len = text.length;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = len;
    lineNo++;
    const first = text.charCodeAt(pos);
    if (isBlank(text, pos, end)) {
      current = null;
    } else if (first === SPACE || first === TAB) {
      if (current === null) throw parseError(what, lineNo, 'continuation line outside a field');
      const prev = current.get(lastKey) ?? '';
      current.set(lastKey, `${prev}\n${text.slice(pos, end).trim()}`);
    } else if (first !== HASH) {
      const colon = text.indexOf(':', pos);
      if (colon < 0 || colon >= end || colon === pos) throw parseError(what, lineNo, 'expected "Field: value"');
      const key = text.slice(pos, colon).toLowerCase();
      if (current === null) {
        current = new Map();
        out.push(current);
      }
      if (current.has(key))
        throw parseError(what, lineNo, `field "${text.slice(pos, colon)}" repeated in one paragraph`);
      current.set(key, text.slice(colon + 1, end).trim());
      lastKey = key;
    }
    pos = end + 1;
  }
  return out;
}

/** Looks a field up case-insensitively. */
export function deb822Field(paragraph: Deb822Paragraph, name: string): string | undefined {
  return paragraph.get(name.toLowerCase());
}

/** The non-empty lines of a multi-line value (e.g. the entries of a Release `SHA256:` field). */
export function deb822Lines(value: string): string[] {
  return value.split('\n').filter((l) => l.length > 0);
}

/** True when the line [pos, end) holds only spaces, tabs or a CR. */
export function isBlank(text: string, pos: number, end: number): boolean {
  for (let i = pos; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== CR) return false;
  }
  return true;
}

/**
 * A copy of `s` that does not keep a large parent string alive. V8 represents a slice of 13+ characters as
 * a view into its parent; records holding such views would pin a 50–100 MB index in memory for as long as
 * they live. Concatenating and slicing forces a flat copy of just the value.
 */
export function own(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

function parseError(what: string, lineNo: number, message: string): DistrolessError {
  return new DistrolessError('PARSE', `${what}: line ${lineNo}: ${message}`);
}
