/**
 * apt's registration order of the names of one index (see ParseOptions.names in src/debian/packages.ts), as a
 * list of names held as one newline-separated string: ~140,000 names of an index cost ~3 MB so, ~9 MB as an
 * array of strings. The universe asks it for the position of the few names whose order decides a choice (none
 * at all for this repository's images; a search of trixie main amd64's list takes ~0.4 ms); a position is
 * where the name's first line starts in the text. Should a resolution ask for many, the list builds a table of
 * every position after SEARCHES_BEFORE_TABLE searches (for trixie main amd64's list: ~70 ms and ~11 MiB of heap
 * while the arch is resolved, against ~0.1 s spent on the searches before it).
 */
export class PackedNames {
  private readonly text: string;
  private searches = 0;
  private table: Map<string, number> | undefined;

  constructor(names: readonly string[]) {
    this.text = names.join('\n');
  }

  /** More than any position `positionOf` answers. */
  get span(): number {
    return this.text.length + 1;
  }

  /** Where `name` first occurs (larger for names registered later); -1 when the list lacks it. */
  positionOf(name: string): number {
    if (this.table === undefined && ++this.searches > SEARCHES_BEFORE_TABLE) this.table = positions(this.text);
    if (this.table !== undefined) return this.table.get(name) ?? -1;
    const text = this.text;
    if (name === '' || name.includes('\n')) return -1;
    if (text.startsWith(name) && (text.length === name.length || text.charCodeAt(name.length) === NEWLINE)) return 0;
    const inner = text.indexOf(`\n${name}\n`);
    if (inner >= 0) return inner + 1;
    return text.endsWith(`\n${name}`) ? text.length - name.length : -1;
  }
}

const SEARCHES_BEFORE_TABLE = 256;
const NEWLINE = 0x0a;

/** Where each line of `text` first starts. */
function positions(text: string): Map<string, number> {
  const table = new Map<string, number>();
  if (text === '') return table;
  for (let from = 0; from <= text.length;) {
    let end = text.indexOf('\n', from);
    if (end < 0) end = text.length;
    const name = text.slice(from, end);
    if (!table.has(name)) table.set(name, from);
    from = end + 1;
  }
  return table;
}
