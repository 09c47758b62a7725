/**
 * The CA bundle `/etc/ssl/certs/ca-certificates.crt`, built as Debian's update-ca-certificates builds it on a
 * system with the default /etc/ca-certificates.conf, without running it.
 *
 * How Debian does it (ca-certificates 20230311, bookworm):
 * - the package's config/postinst write /etc/ca-certificates.conf with every `*.crt` under
 *   /usr/share/ca-certificates, as paths relative to that directory, piped through `sort` (maintainer scripts run
 *   in the C locale, so byte order; verified: this machine's conf equals `LC_ALL=C sort` of the file list);
 * - update-ca-certificates reads the conf top to bottom and appends each file with `sed -e '$a\'`, i.e. the
 *   bytes unchanged plus a `\n` when the file does not end with one (an empty file adds nothing);
 * - local certificates (/usr/local/share/ca-certificates) would follow; an image has none.
 * The result was compared byte for byte with a real system's bundle (test/unit/generated.test.ts).
 *
 * It also yields, for the Java keystore, one certificate per file with the alias Debian's ca-certificates-java
 * gives it: `debian:` + the /etc/ssl/certs link name update-ca-certificates makes (basename without `.crt`,
 * ` `→`_`, `(`/`)`→`=`, `,`→`_`, plus `.pem`), lower-cased by the JKS store.
 */
import { X509Certificate } from 'node:crypto';
import { DistrolessError } from '../errors.js';
import { assertEpoch, compareBytes, fileEntry, withParentsSorted, type LayerEntry } from './generated.js';

/** The package whose certificates make the bundle; an image that has it gets the CA bundle layer. */
export const CA_CERTIFICATES_PACKAGE = 'ca-certificates';

/** One regular file of a package, path as it appears in data.tar (`./` or `/` prefixes are accepted). */
export interface PackageFile {
  path: string;
  data: Buffer;
}

/** A certificate to trust, named as Debian's ca-certificates-java names it. */
export interface TrustedCertificate {
  /** e.g. `debian:isrg_root_x1.pem` (lower case). */
  alias: string;
  /** The source file, relative to usr/share/ca-certificates, e.g. `mozilla/ISRG_Root_X1.crt`. */
  file: string;
  /** DER encoding of the file's first certificate. */
  der: Buffer;
}

export interface CaBundle {
  /** The bytes of /etc/ssl/certs/ca-certificates.crt. */
  bundle: Buffer;
  /** One per distinct alias, sorted by alias (a later file with the same link name replaces an earlier one). */
  certificates: TrustedCertificate[];
  /** etc, etc/ssl, etc/ssl/certs (0755) and the bundle (0644), sorted. */
  entries: LayerEntry[];
}

export const CA_CERTS_DIR = 'usr/share/ca-certificates/';
export const CA_BUNDLE_PATH = 'etc/ssl/certs/ca-certificates.crt';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----\r?\n[\s\S]*?-----END CERTIFICATE-----/g;

/** Strips a leading `./` or `/` (data.tar spells paths `./usr/...`). */
export function normalizePackagePath(path: string): string {
  return path.replace(/^\.?\/+/, '');
}

/** The alias ca-certificates-java gives the certificate in `file` (any path; only the basename counts). */
export function debianJavaAlias(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1).replace(/\.crt$/, '');
  const pem = base.replace(/ /g, '_').replace(/[()]/g, '=').replace(/,/g, '_') + '.pem';
  return `debian:${pem}`.toLowerCase();
}

/** The conf order: the `.crt` files under usr/share/ca-certificates, relative to it, in C-locale order. */
export function selectCaFiles(files: readonly PackageFile[]): Array<{ file: string; data: Buffer }> {
  const selected = new Map<string, Buffer>();
  for (const f of files) {
    const path = normalizePackagePath(f.path);
    if (!path.startsWith(CA_CERTS_DIR) || !path.endsWith('.crt')) continue;
    const file = path.slice(CA_CERTS_DIR.length);
    if (selected.has(file)) throw new DistrolessError('PARSE', `ca-certificates: ${path} is listed twice`);
    selected.set(file, f.data);
  }
  return [...selected.entries()].sort(([a], [b]) => compareBytes(a, b)).map(([file, data]) => ({ file, data }));
}

/** Parses every PEM certificate in one file; throws PARSE naming the file when there is none or one is bad. */
export function parsePemCertificates(file: string, data: Buffer): X509Certificate[] {
  const blocks = data.toString('latin1').match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new DistrolessError('PARSE', `${file}: no PEM certificate`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (e) {
      throw new DistrolessError('PARSE', `${file}: certificate ${i + 1} is not valid X.509`, { cause: e });
    }
  });
}

/** What `sed -e '$a\'` prints for the file: unchanged, plus a newline if the last line lacks one. */
function withFinalNewline(data: Buffer): Buffer {
  if (data.length === 0 || data[data.length - 1] === 0x0a) return data;
  return Buffer.concat([data, Buffer.from('\n')]);
}

/** Builds the bundle from the ca-certificates package's files (other files of the package are ignored). */
export function buildCaBundle(opts: { files: readonly PackageFile[]; epoch: number }): CaBundle {
  assertEpoch(opts.epoch);
  const selected = selectCaFiles(opts.files);
  if (selected.length === 0) {
    throw new DistrolessError('PARSE', `ca-certificates: no .crt file under /${CA_CERTS_DIR}`);
  }
  const parts: Buffer[] = [];
  const byAlias = new Map<string, TrustedCertificate>();
  for (const { file, data } of selected) {
    const [first] = parsePemCertificates(`/${CA_CERTS_DIR}${file}`, data);
    if (first === undefined) continue; // unreachable: parsePemCertificates throws on a file with none
    parts.push(withFinalNewline(data));
    const alias = debianJavaAlias(file);
    byAlias.set(alias, { alias, file, der: first.raw });
  }
  const bundle = Buffer.concat(parts);
  const certificates = [...byAlias.values()].sort((a, b) => compareBytes(a.alias, b.alias));
  const entries = withParentsSorted([fileEntry(CA_BUNDLE_PATH, bundle, opts.epoch, 0o644)], opts.epoch);
  return { bundle, certificates, entries };
}
