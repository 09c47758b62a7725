import { DistrolessError } from '../errors.js';
import type { Lockfile } from './types.js';

/** Seconds since the epoch of the newest Release in the lock: the default build epoch. */
export function lockEpoch(lock: Lockfile): number {
  const newest = Math.max(...lock.sources.map((s) => Date.parse(s.date)));
  if (!Number.isFinite(newest))
    throw new DistrolessError(
      'LOCK_INVALID',
      `lockfile of ${lock.distro}: no source date to derive the build epoch from`,
    );
  return Math.floor(newest / 1000);
}
