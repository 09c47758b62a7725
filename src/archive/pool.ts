/**
 * Pinned .deb files, fetched from the snapshot service first and the mirror pool second, checked by size and
 * sha256 before anyone reads them, and kept in a content-addressed store (`<dir>/<sha256>.deb`) that CI caches
 * and later builds reuse. A stored file is hashed again before it is handed out.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DistrolessError, isDistrolessError } from '../errors.js';
import { sha256File } from '../util/hash.js';
import { redactUrl } from '../util/http/index.js';
import type { HttpClient } from './http.js';

export interface PinnedDeb {
  /** For messages: `libc6 2.36-9 (amd64)` */
  label: string;
  /** Pool path relative to the archive root. */
  filename: string;
  size: number;
  sha256: string;
  /** Archive roots to try, in order (snapshot first when known, then the mirror). */
  bases: Array<{ url: string; snapshot: boolean }>;
}

export type PoolProgress =
  | { kind: 'deb'; label: string; url: string; bytes: number; cached: boolean }
  | { kind: 'fallback'; label: string; url: string; reason: string };

export interface DebStoreOptions {
  dir: string;
  http: HttpClient;
  /** Used for snapshot URLs: should fail fast (one try), since the mirror is the fallback. */
  snapshotHttp?: HttpClient;
  onProgress?: (e: PoolProgress) => void;
}

export interface DebStore {
  /** Local path of the verified .deb. */
  fetch(deb: PinnedDeb): Promise<string>;
}

export function debStore(opts: DebStoreOptions): DebStore {
  let snapshotDown = false; // after one network failure, stop asking the snapshot service in this run
  const inFlight = new Map<string, Promise<string>>();

  async function fetchOnce(deb: PinnedDeb): Promise<string> {
    await mkdir(opts.dir, { recursive: true });
    const path = join(opts.dir, `${deb.sha256}.deb`);
    if (await verifiedFile(path, deb)) {
      opts.onProgress?.({ kind: 'deb', label: deb.label, url: path, bytes: deb.size, cached: true });
      return path;
    }
    const errors: string[] = [];
    for (const base of deb.bases) {
      if (base.snapshot && snapshotDown) continue;
      const fullUrl = `${base.url.replace(/\/+$/, '')}/${deb.filename}`;
      const url = redactUrl(fullUrl); // for messages: a mirror may carry credentials
      const temp = `${path}.${randomBytes(6).toString('hex')}.part`;
      try {
        const http = base.snapshot ? (opts.snapshotHttp ?? opts.http) : opts.http;
        const got = await http.download(fullUrl, temp, { maxBytes: deb.size });
        if (got === undefined) throw new DistrolessError('HTTP', `GET ${url}: not found`);
        check(deb, url, got);
        await rename(temp, path);
        opts.onProgress?.({ kind: 'deb', label: deb.label, url, bytes: got.size, cached: false });
        return path;
      } catch (e) {
        await rm(temp, { force: true });
        if (base.snapshot && isDistrolessError(e, 'NETWORK')) snapshotDown = true;
        const reason = e instanceof Error ? e.message : String(e);
        errors.push(reason);
        opts.onProgress?.({ kind: 'fallback', label: deb.label, url, reason });
      }
    }
    throw new DistrolessError(
      'NETWORK',
      `${deb.label}: no source gave the pinned ${deb.filename}: ${errors.join('; ') || 'no source configured'}`,
    );
  }

  return {
    fetch(deb) {
      let p = inFlight.get(deb.sha256);
      if (!p) {
        p = fetchOnce(deb).finally(() => inFlight.delete(deb.sha256));
        inFlight.set(deb.sha256, p);
      }
      return p;
    },
  };
}

function check(deb: PinnedDeb, url: string, got: { size: number; sha256: string }): void {
  if (got.size !== deb.size)
    throw new DistrolessError('SIZE_MISMATCH', `${url}: ${got.size} bytes, the lock pins ${deb.size} for ${deb.label}`);
  if (got.sha256 !== deb.sha256)
    throw new DistrolessError(
      'HASH_MISMATCH',
      `${url}: sha256 ${got.sha256}, the lock pins ${deb.sha256} for ${deb.label}`,
    );
}

/**
 * True when `path` exists with the pinned size and sha256 (a corrupt store entry is removed). A stored file
 * with the pinned sha256 but another size means the lock's size is wrong (the sha256 fixes the content): an
 * error, the same as a download of it would give, and the file is kept.
 */
async function verifiedFile(path: string, deb: PinnedDeb): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  if (!st) return false;
  const sha256 = await hashFile(path);
  if (sha256 === deb.sha256) {
    if (st.size === deb.size) return true;
    throw new DistrolessError(
      'SIZE_MISMATCH',
      `${deb.label}: the lock pins ${deb.size} bytes, but its sha256 ${deb.sha256} is a file of ${st.size} bytes`,
    );
  }
  await rm(path, { force: true });
  return false;
}

export async function hashFile(path: string): Promise<string> {
  return (await sha256File(path)).hex;
}
