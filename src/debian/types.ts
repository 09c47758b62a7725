/** Shapes shared by the Debian archive client, the index parser and the resolver. */

/** One binary package stanza from a Packages index, reduced to what resolution and locking need. */
export interface PackageRecord {
  name: string;
  version: string;
  /** Debian architecture of the binary: an arch name or `all`. */
  architecture: string;
  /** Source package name (the `Source:` field without its version, or the package name). */
  source: string;
  /** Source version (from `Source: name (version)`, else the binary version). */
  sourceVersion: string;
  /** Raw relation fields, unparsed ('' when absent). */
  depends: string;
  preDepends: string;
  provides: string;
  /** `same`, `foreign`, `allowed` or '' */
  multiArch: string;
  /** Pool path relative to the archive root, e.g. `pool/main/b/base-files/base-files_12.4+deb12u12_amd64.deb`. */
  filename: string;
  size: number;
  sha256: string;
  // Hints apt uses to rank several providers of one virtual name (see resolve/resolver.ts). Optional so that
  // records built elsewhere (e.g. from a lockfile) need not carry them; absent means false / ''.
  /** `Essential: yes` */
  essential?: boolean;
  /** `Important: yes` or `Protected: yes` */
  important?: boolean;
  /** `Priority:` value, lower-cased: required, important, standard, optional, extra (or '') */
  priority?: string;
}

/** Where a package record came from. */
export interface SuiteRef {
  /** Archive root URL as configured, e.g. https://deb.debian.org/debian */
  url: string;
  suite: string;
  component: string;
}

export interface LocatedPackage extends PackageRecord {
  origin: SuiteRef;
}

export type RelationOp = '<<' | '<=' | '=' | '>=' | '>>';

export interface Relation {
  name: string;
  /** Arch qualifier after ':' (`any`, `native`, or an arch name), if present. */
  archQualifier?: string;
  op?: RelationOp;
  version?: string;
}

/** A relation group: alternatives separated by `|`. */
export type RelationGroup = Relation[];
