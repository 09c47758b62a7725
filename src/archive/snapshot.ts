/**
 * Which snapshot.debian.org snapshot holds a verified Release. A timestamp on the service names the newest
 * snapshot *at or before* it, so the Release's own Date names the archive state just before that Release was
 * imported (its new .debs are not in it). The id that holds is the first snapshot at or after the Date whose
 * `dists/<suite>/InRelease` is byte-identical to the one verified from the mirror.
 *
 * Timestamps come from the service's JSON listing (`/mr/timestamp/?archive=…&after=…&before=…`, one series
 * per archive: `debian` and `debian-security` are separate). Candidates are tried oldest first; the
 * snapshot's InRelease is compared by sha256 with the mirror's, so nothing read here is trusted on its own
 * (and no Valid-Until applies: the mirror's copy was verified, with its Valid-Until, moments before).
 */
import { DistrolessError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import type { HttpClient } from './http.js';

export interface SnapshotRequest {
  /** Service root, e.g. https://snapshot.debian.org */
  service: string;
  /** Archive name on the service: the last path segment of the source URL (`debian`, `debian-security`). */
  archive: string;
  suite: string;
  /** The verified Release's Date. */
  date: Date;
  /** sha256 of the InRelease verified from the mirror. */
  inReleaseSha256: string;
  http: HttpClient;
  /** Snapshots at or after the Date to try (default 8: the service imports about every 6 hours). */
  maxCandidates?: number;
  /** How far after the Date to look (default 7 days). */
  windowMs?: number;
}

export type SnapshotChoice =
  | { id: string; tried: string[] }
  /** No snapshot holds it (yet): the reason, for a warning. */
  | { id: undefined; tried: string[]; reason: string };

const TIMESTAMP = /^\d{8}T\d{6}Z$/;

/** snapshot.debian.org timestamp (YYYYMMDDTHHMMSSZ) of a date. */
export function snapshotTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** The archive name of a source URL on the snapshot service (`https://deb.debian.org/debian-security` → `debian-security`). */
export function snapshotArchive(sourceUrl: string): string {
  return sourceUrl.replace(/\/+$/, '').split('/').pop() || 'debian';
}

/** The first snapshot at or after `date` whose InRelease is the verified one; see the module comment. */
export async function selectSnapshot(req: SnapshotRequest): Promise<SnapshotChoice> {
  const root = req.service.replace(/\/+$/, '');
  const from = snapshotTimestamp(req.date);
  const until = snapshotTimestamp(new Date(req.date.getTime() + (req.windowMs ?? 7 * 86400_000)));
  const dayBefore = snapshotTimestamp(new Date(req.date.getTime() - 86400_000));
  const query = new URLSearchParams({ archive: req.archive, after: dayBefore, before: until });
  const listUrl = `${root}/mr/timestamp/?${query.toString()}`;
  const listed = parseTimestamps(await req.http.get(listUrl, { maxBytes: 8 * 1024 * 1024 }), req.archive, listUrl);
  // Whatever the service's bounds mean (inclusive or not), only timestamps at or after the Date count.
  const candidates = listed
    .filter((t) => t >= from && t <= until)
    .sort()
    .slice(0, req.maxCandidates ?? 8);
  const tried: string[] = [];
  for (const ts of candidates) {
    tried.push(ts);
    const url = `${root}/archive/${req.archive}/${ts}/dists/${req.suite}/InRelease`;
    const bytes = await req.http.getIfExists(url, { maxBytes: 16 * 1024 * 1024 });
    if (bytes !== undefined && sha256Hex(bytes) === req.inReleaseSha256) return { id: ts, tried };
  }
  const reason =
    candidates.length === 0
      ? `${req.service} lists no ${req.archive} snapshot since ${from} (not imported yet)`
      : `none of the ${candidates.length} ${req.archive} snapshot(s) since ${from} holds this ${req.suite} InRelease`;
  return { id: undefined, tried, reason };
}

function parseTimestamps(body: Buffer, archive: string, url: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new DistrolessError('PARSE', `${url}: not JSON`);
  }
  const result = (json as { result?: unknown } | null)?.result;
  const list = result !== null && typeof result === 'object' ? (result as Record<string, unknown>)[archive] : undefined;
  if (!Array.isArray(list)) throw new DistrolessError('PARSE', `${url}: no "result.${archive}" list of timestamps`);
  return list.filter((t): t is string => typeof t === 'string' && TIMESTAMP.test(t));
}
