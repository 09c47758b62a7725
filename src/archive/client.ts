/**
 * The archive client: InRelease → signature check → Release rules → for each component × arch the Packages
 * index, fetched by hash when the archive offers it, its size and sha256 checked against the signed Release
 * before it is decompressed, and the decompressed text checked again when the Release lists it.
 * Callers parse the returned text, or hand a sink that parses the decompressed bytes as they come
 * (`readIndexFile`, src/debian/packages.ts): nothing here reads a Packages stanza.
 */
import { createHash } from 'node:crypto';
import { DistrolessError } from '../errors.js';
import { redactUrl } from '../util/http/url.js';
import { sha256Hex } from '../util/hash.js';
import { settleAll } from '../util/concurrency.js';
import type { IndexCache } from './cache.js';
import { compressionOf, decompressChunks } from './decompress.js';
import type { HttpClient } from './http.js';
import type { Keyring } from './keys.js';
import { verifyClearsigned, type Signer } from './pgp.js';
import { checkRelease, parseRelease, type Release, type ReleaseEntry } from './release.js';

export type ArchiveProgress =
  | { kind: 'release'; url: string; signers: string[] }
  | { kind: 'index'; url: string; bytes: number; cached: boolean }
  | { kind: 'missing-arch'; suite: string; arch: string };

export interface ReleaseRequest {
  /** Archive root, e.g. https://deb.debian.org/debian */
  url: string;
  suite: string;
  trustedKeys: Keyring;
  now: Date;
  http: HttpClient;
  /** Tolerated clock difference for signature times and the Release Date (default 5 minutes). */
  maxClockSkewMs?: number;
  onProgress?: (event: ArchiveProgress) => void;
}

export interface FetchedRelease {
  url: string;
  suite: string;
  inReleaseUrl: string;
  /** sha256 and size of the InRelease file as downloaded. */
  inReleaseSha256: string;
  inReleaseSize: number;
  release: Release;
  date: Date;
  validUntil: Date | undefined;
  /** Good signatures from trusted keys. */
  signers: Signer[];
  /** Key IDs of signatures by keys not trusted: ignored. */
  unknownKeyIds: string[];
}

export interface IndicesRequest {
  components: readonly string[];
  /** Debian architecture names. */
  archs: readonly string[];
  http: HttpClient;
  cache?: IndexCache;
  /** Use this xz binary instead of the bundled decoder (see decompress.ts). */
  xzCommand?: string;
  onProgress?: (event: ArchiveProgress) => void;
}

export type SuiteIndicesRequest = ReleaseRequest & Omit<IndicesRequest, 'http' | 'onProgress'>;

/** Where one index came from; `FetchedIndex` adds its text, `ReadIndex` what a sink kept of it. */
export interface IndexOrigin {
  component: string;
  arch: string;
  /** Path inside dists/<suite>/ of the file fetched, e.g. main/binary-amd64/Packages.gz */
  path: string;
  /** sha256 and size of the file fetched (compressed), as listed in the Release. */
  sha256: string;
  size: number;
  /** Where the bytes came from (a by-hash URL when used); `cache:` when from the cache. */
  source: string;
}

export interface FetchedIndex extends IndexOrigin {
  /** The decompressed Packages text. */
  text: string;
}

export interface ReadIndex<T> extends IndexOrigin {
  /** What the sink returned. */
  value: T;
}

/**
 * Takes one index's decompressed bytes piece by piece, in order, and returns what the caller keeps of it:
 * an index is never held whole unless the sink holds it.
 */
export interface IndexSink<T> {
  write(chunk: Buffer): void;
  end(): T;
}

export interface SuiteIndicesOf<I> {
  release: FetchedRelease;
  /** In the order components × archs were asked for, missing archs left out. */
  indices: I[];
  /** Archs asked for that the Release's Architectures field does not list. */
  missingArchs: string[];
}

export type SuiteIndices = SuiteIndicesOf<FetchedIndex>;

const MAX_INRELEASE_BYTES = 16 * 1024 * 1024;
const MAX_INDEX_TEXT_BYTES = 1024 * 1024 * 1024;
/** `.gz` first: zlib decodes the bookworm amd64 index ~3× faster than the bundled xz decoder (decompress.ts). */
const INDEX_SUFFIXES = ['.gz', '.xz', ''] as const;

export function suiteUrl(url: string, suite: string): string {
  return `${url.replace(/\/+$/, '')}/dists/${suite}`;
}

/** Fetches dists/<suite>/InRelease, verifies its signatures, parses and checks the signed Release. */
export async function fetchRelease(req: ReleaseRequest): Promise<FetchedRelease> {
  // Messages name URLs with any credentials blanked (a mirror may carry them: see src/util/http/url.ts).
  const inReleaseUrl = redactUrl(`${suiteUrl(req.url, req.suite)}/InRelease`);
  const bytes = await req.http.getIfExists(`${suiteUrl(req.url, req.suite)}/InRelease`, {
    maxBytes: MAX_INRELEASE_BYTES,
  });
  if (bytes === undefined) {
    throw new DistrolessError(
      'INDEX_MISSING',
      `${inReleaseUrl}: not found (is "${req.suite}" a suite of ${redactUrl(req.url)}?)`,
    );
  }
  const skew = { now: req.now, maxClockSkewMs: req.maxClockSkewMs };
  const verified = await verifyClearsigned(bytes.toString('utf8'), req.trustedKeys, { source: inReleaseUrl, ...skew });
  const release = parseRelease(verified.text, inReleaseUrl);
  checkRelease(release, { suite: req.suite, now: req.now, source: inReleaseUrl, maxFutureSkewMs: req.maxClockSkewMs });
  req.onProgress?.({ kind: 'release', url: inReleaseUrl, signers: verified.signers.map((s) => s.fingerprint) });
  return {
    url: req.url,
    suite: req.suite,
    inReleaseUrl,
    inReleaseSha256: sha256Hex(bytes),
    inReleaseSize: bytes.length,
    release,
    date: release.date,
    validUntil: release.validUntil,
    signers: verified.signers,
    unknownKeyIds: verified.unknownKeyIds,
  };
}

/** fetchRelease, then the Packages index of every component × arch the suite carries. */
export async function fetchSuiteIndices(req: SuiteIndicesRequest): Promise<SuiteIndices> {
  const release = await fetchRelease(req);
  return fetchIndices(release, req);
}

/** The Packages indices for an already verified Release (e.g. one whose InRelease hash changed), as text. */
export async function fetchIndices(fetched: FetchedRelease, req: IndicesRequest): Promise<SuiteIndices> {
  const files = await downloadIndices(fetched, req);
  const indices = await settleAll(
    files.indices.map(async (f) => {
      const { value, ...origin } = await readIndexFile(f, textSink(), req.xzCommand);
      return { ...origin, text: value };
    }),
  );
  return { ...files, indices };
}

/** One index file as downloaded (or taken from the cache) and checked against the signed Release, compressed. */
export interface IndexFile extends IndexOrigin {
  bytes: Buffer;
  /** The Release's entry for the decompressed file, when it lists one beside the compressed one. */
  plain?: ReleaseEntry;
}

/**
 * The compressed Packages index of every component × arch asked for, each checked against the signed Release
 * (size and sha256) before anything reads it. Decompressing and parsing is a separate step (readIndexFile),
 * so that a caller can download the next indices while it parses the current ones.
 */
export async function downloadIndices(
  fetched: FetchedRelease,
  req: IndicesRequest,
): Promise<SuiteIndicesOf<IndexFile>> {
  const listed = fetched.release.architectures;
  const present = req.archs.filter((a) => listed.length === 0 || listed.includes(a));
  const missingArchs = req.archs.filter((a) => !present.includes(a));
  for (const arch of missingArchs) req.onProgress?.({ kind: 'missing-arch', suite: fetched.suite, arch });
  const jobs = req.components.flatMap((component) =>
    present.map((arch) => downloadIndex(fetched, component, arch, req)),
  );
  return { release: fetched, indices: await settleAll(jobs), missingArchs };
}

/**
 * Decompresses a verified index file into `sink` piece by piece; when the Release lists the decompressed
 * file too, its size and sha256 are checked before the sink's `end`.
 */
export async function readIndexFile<T>(file: IndexFile, sink: IndexSink<T>, xzCommand?: string): Promise<ReadIndex<T>> {
  const { bytes, plain, ...origin } = file;
  const opts = { source: file.source, maxOutputBytes: MAX_INDEX_TEXT_BYTES, xzCommand };
  const hash = plain === undefined ? null : createHash('sha256');
  let size = 0;
  for await (const chunk of decompressChunks(bytes, compressionOf(file.path), opts)) {
    hash?.update(chunk);
    size += chunk.length;
    sink.write(chunk);
  }
  if (hash !== null && plain !== undefined)
    checkDigest(size, hash.digest('hex'), plain, `${file.source} (decompressed)`);
  return { ...origin, value: sink.end() };
}

/**
 * Joins the pieces and reads them as latin1, which maps bytes 1:1 into a one-byte V8 string: ~10× faster than
 * UTF-8 decoding a 50 MB index and half the memory. Every field we read (names, versions, relations, paths,
 * hashes) is ASCII; free text such as Description or Maintainer is not used and may show as mojibake.
 */
function textSink(): IndexSink<string> {
  const pieces: Buffer[] = [];
  return { write: (chunk) => pieces.push(chunk), end: () => Buffer.concat(pieces).toString('latin1') };
}

/** The index files the Release lists for component × arch, in the order the client tries them. */
export function listedIndexEntries(release: Release, component: string, arch: string): ReleaseEntry[] {
  const base = `${component}/binary-${arch}/Packages`;
  return INDEX_SUFFIXES.flatMap((s) => release.sha256.get(base + s) ?? []);
}

async function downloadIndex(
  fetched: FetchedRelease,
  component: string,
  arch: string,
  req: IndicesRequest,
): Promise<IndexFile> {
  const base = `${component}/binary-${arch}/Packages`;
  const candidates = listedIndexEntries(fetched.release, component, arch);
  if (candidates.length === 0) {
    throw new DistrolessError(
      'INDEX_MISSING',
      `${fetched.inReleaseUrl}: no ${base} index is listed (component ${component}, arch ${arch})`,
    );
  }
  // Like apt, a variant the mirror does not have (404) gives way to the next one listed.
  for (const entry of candidates) {
    const got = await fetchVerified(fetched, entry, req);
    if (got === undefined) continue;
    const plain = fetched.release.sha256.get(base);
    return {
      component,
      arch,
      path: entry.path,
      sha256: entry.sha256,
      size: entry.size,
      source: got.source,
      bytes: got.bytes,
      ...(plain !== undefined && plain !== entry ? { plain } : {}),
    };
  }
  const listed = candidates.map((e) => e.path).join(', ');
  throw new DistrolessError(
    'INDEX_MISSING',
    `${redactUrl(suiteUrl(fetched.url, fetched.suite))}: none of ${listed} is found, although the Release lists them`,
  );
}

/**
 * The bytes of `entry`, from the cache or the archive (by hash first when offered), checked against it;
 * undefined when the archive has neither path (404).
 */
async function fetchVerified(
  fetched: FetchedRelease,
  entry: ReleaseEntry,
  req: IndicesRequest,
): Promise<{ bytes: Buffer; source: string } | undefined> {
  const cached = await req.cache?.get(entry.sha256);
  if (cached !== undefined && cached.length === entry.size && sha256Hex(cached) === entry.sha256) {
    req.onProgress?.({ kind: 'index', url: `cache:${entry.sha256}`, bytes: cached.length, cached: true });
    return { bytes: cached, source: `cache:${entry.sha256}` };
  }
  const plainUrl = `${suiteUrl(fetched.url, fetched.suite)}/${entry.path}`;
  const dir = entry.path.slice(0, entry.path.lastIndexOf('/') + 1);
  const byHashUrl = `${suiteUrl(fetched.url, fetched.suite)}/${dir}by-hash/SHA256/${entry.sha256}`;
  const limit = { maxBytes: entry.size };
  let fromPlain = false;
  let bytes = fetched.release.acquireByHash ? await req.http.getIfExists(byHashUrl, limit) : undefined;
  if (bytes === undefined) {
    fromPlain = true;
    bytes = await req.http.getIfExists(plainUrl, limit);
  }
  if (bytes === undefined) return undefined;
  const source = redactUrl(fromPlain ? plainUrl : byHashUrl);
  // Without the by-hash copy, a file that does not match is most often a mirror caught mid-sync.
  checkBytes(bytes, entry, source, fromPlain && fetched.release.acquireByHash ? MID_SYNC_HINT : '');
  req.onProgress?.({ kind: 'index', url: source, bytes: bytes.length, cached: false });
  await req.cache?.put(entry.sha256, bytes);
  return { bytes, source };
}

const MID_SYNC_HINT =
  ' (its by-hash copy is missing too: the mirror looks inconsistent or mid-sync; try later or another mirror)';

function checkBytes(bytes: Buffer, entry: ReleaseEntry, source: string, hint = ''): void {
  checkDigest(bytes.length, bytes.length === entry.size ? sha256Hex(bytes) : '', entry, source, hint);
}

/** Throws unless `size` and `actual` (a sha256, hex) are the entry's. */
function checkDigest(size: number, actual: string, entry: ReleaseEntry, source: string, hint = ''): void {
  if (size !== entry.size) {
    throw new DistrolessError(
      'SIZE_MISMATCH',
      `${source}: ${size} bytes, the Release says ${entry.size} for ${entry.path}${hint}`,
    );
  }
  if (actual !== entry.sha256) {
    throw new DistrolessError(
      'HASH_MISMATCH',
      `${source}: sha256 ${actual}, the Release says ${entry.sha256} for ${entry.path}${hint}`,
    );
  }
}
