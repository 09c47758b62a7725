/**
 * Compact package records for whole indices (`update` holds one arch's, ~70,000 stanzas for trixie amd64).
 *
 * Resolution reads every record's name, version, architecture, Provides and Multi-Arch (to pick candidates
 * and index virtual names) but the other fields (Source, relations, pool path, size, hash, ranking hints) only
 * for the few hundred packages it visits. Those are packed, as latin1 text, into fixed-size blocks of an
 * arena outside V8's heap and decoded the first time one of them is read. A plain record of the same stanza
 * costs ~650 bytes of heap; a stored one ~150 bytes of heap plus ~250 bytes in the arena, and the collector
 * never has to trace the packed part (docs/architecture.md, "update in bounded memory").
 */
import { Buffer } from 'node:buffer';
import type { LocatedPackage, PackageRecord, SuiteRef } from './types.js';

const BLOCK = 1024 * 1024;
/** Separates the packed fields. */
const PACK_SEPARATOR = '\0';

/** Append-only storage of packed field texts in 1 MiB blocks (a larger text gets a block of its own). */
export class FieldArena {
  private readonly blocks: Buffer[] = [];
  private current: Buffer = Buffer.alloc(0);
  private used = 0;

  /** Stores `text` (latin1); returns where it starts (its length is the caller's to keep). */
  put(text: string): number {
    const length = text.length;
    if (this.used + length > this.current.length) {
      this.current = Buffer.allocUnsafeSlow(Math.max(BLOCK, length));
      this.blocks.push(this.current);
      this.used = 0;
    }
    this.current.write(text, this.used, length, 'latin1');
    const at = (this.blocks.length - 1) * BLOCK + this.used;
    this.used += length;
    return at;
  }

  read(at: number, length: number): string {
    const offset = at % BLOCK;
    return (this.blocks[(at - offset) / BLOCK] as Buffer).toString('latin1', offset, offset + length);
  }
}

/** The packed fields, in this order. */
export interface PackedFields {
  source: string;
  sourceVersion: string;
  depends: string;
  preDepends: string;
  filename: string;
  size: number;
  sha256: string;
  essential: boolean;
  important: boolean;
  priority: string;
}

/** The fields a packed text is read against: what it leaves out is derived from them. */
export interface HotFields {
  name: string;
  version: string;
  architecture: string;
}

/**
 * Packs the cold fields of a record into one text: the sha256 as its 32 bytes, then the other fields separated
 * by PACK_SEPARATOR, leaving out what the hot fields give (a Source or source version equal to the binary's;
 * a pool file named `<name>_<version without epoch>_<arch>.deb`, the usual case, keeps only its folder).
 * Undefined when a value holds PACK_SEPARATOR (a NUL byte, never in a real index), which would make the text
 * ambiguous.
 */
export function packFields(f: PackedFields, hot: HotFields): string | undefined {
  const base = `/${debName(hot)}`;
  const fields = [
    f.source === hot.name ? '' : f.source,
    f.sourceVersion === hot.version ? '' : f.sourceVersion,
    f.depends,
    f.preDepends,
    f.filename.endsWith(base) ? f.filename.slice(0, f.filename.length - base.length + 1) : f.filename,
    String(f.size),
    f.essential ? '1' : '',
    f.important ? '1' : '',
    f.priority,
  ].join(PACK_SEPARATOR);
  let separators = 0;
  for (let at = fields.indexOf(PACK_SEPARATOR); at >= 0; at = fields.indexOf(PACK_SEPARATOR, at + 1)) separators++;
  if (separators !== PACKED_COUNT - 1) return undefined;
  return Buffer.from(f.sha256, 'hex').toString('latin1') + fields;
}

/** How many separated texts a packed record holds after its hash. */
const PACKED_COUNT = 9;
const SHA256_BYTES = 32;

function unpackFields(text: string, hot: HotFields): PackedFields {
  const v = text.slice(SHA256_BYTES).split(PACK_SEPARATOR);
  const filename = v[4] ?? '';
  return {
    source: v[0] || hot.name,
    sourceVersion: v[1] || hot.version,
    depends: v[2] ?? '',
    preDepends: v[3] ?? '',
    // A filename never ends in '/': one that does is a folder to which the usual name is appended.
    filename: filename.endsWith('/') ? filename + debName(hot) : filename,
    size: Number(v[5]),
    sha256: Buffer.from(text.slice(0, SHA256_BYTES), 'latin1').toString('hex'),
    essential: v[6] === '1',
    important: v[7] === '1',
    priority: v[8] ?? '',
  };
}

/** The file name Debian gives a binary package: `<name>_<version without epoch>_<arch>.deb`. */
function debName(hot: HotFields): string {
  const colon = hot.version.indexOf(':');
  return `${hot.name}_${colon < 0 ? hot.version : hot.version.slice(colon + 1)}_${hot.architecture}.deb`;
}

/**
 * A record whose hot fields are properties and whose cold fields are read from the arena on first use (then
 * kept). It reads like any PackageRecord, but its cold fields are getters: copy one with `plainRecord`, not
 * with object spread.
 */
export class StoredPackage implements LocatedPackage {
  #cold: PackedFields | undefined;

  constructor(
    readonly name: string,
    readonly version: string,
    readonly architecture: string,
    readonly provides: string,
    readonly multiArch: string,
    readonly origin: SuiteRef,
    private readonly arena: FieldArena,
    private readonly at: number,
    private readonly length: number,
  ) {}

  private cold(): PackedFields {
    return (this.#cold ??= unpackFields(this.arena.read(this.at, this.length), this));
  }

  get source(): string {
    return this.cold().source;
  }
  get sourceVersion(): string {
    return this.cold().sourceVersion;
  }
  get depends(): string {
    return this.cold().depends;
  }
  get preDepends(): string {
    return this.cold().preDepends;
  }
  get filename(): string {
    return this.cold().filename;
  }
  get size(): number {
    return this.cold().size;
  }
  get sha256(): string {
    return this.cold().sha256;
  }
  get essential(): boolean {
    return this.cold().essential;
  }
  get important(): boolean {
    return this.cold().important;
  }
  get priority(): string {
    return this.cold().priority;
  }
}

/** Every field of a record as own properties (for a StoredPackage: its getters read). */
export function plainRecord(r: PackageRecord): PackageRecord {
  return {
    name: r.name,
    version: r.version,
    architecture: r.architecture,
    source: r.source,
    sourceVersion: r.sourceVersion,
    depends: r.depends,
    preDepends: r.preDepends,
    provides: r.provides,
    multiArch: r.multiArch,
    filename: r.filename,
    size: r.size,
    sha256: r.sha256,
    essential: r.essential ?? false,
    important: r.important ?? false,
    priority: r.priority ?? '',
  };
}
