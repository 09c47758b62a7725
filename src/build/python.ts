/**
 * What a python3 image needs beyond its packages: `/usr/bin/python`, which Debian leaves to the
 * python-is-python3 package and distroless links to the interpreter itself (`/usr/bin/python` →
 * `/usr/bin/python3.11` for Debian 12, python3.13 for 13). The version comes from the locked closure, so the
 * link follows whatever python3.X the lock pins.
 */
import { DistrolessError } from '../errors.js';
import { assertEpoch, symlinkEntry, withParentsSorted, type LayerEntry } from './generated.js';

export const PYTHON_LINK_PATH = 'usr/bin/python';

/** The `3.X` of the interpreter package (`python3.X-minimal`) in a closure, or undefined when it has none. */
export function pythonVersionOf(packages: readonly string[]): string | undefined {
  const versions = new Set<string>();
  for (const name of packages) {
    const m = /^python(3\.\d+)-minimal$/.exec(name);
    if (m?.[1] !== undefined) versions.add(m[1]);
  }
  if (versions.size > 1)
    throw new DistrolessError('LOCK_INVALID', `more than one Python interpreter in one image: ${[...versions].join(', ')}`);
  return [...versions][0];
}

/** `usr/bin/python` → `/usr/bin/python<version>` and its parent directories, sorted by path. */
export function pythonEntries(opts: { version: string; epoch: number }): LayerEntry[] {
  assertEpoch(opts.epoch);
  if (!/^3\.\d+$/.test(opts.version))
    throw new DistrolessError('INTERNAL', `not a Python 3 version: ${JSON.stringify(opts.version)}`);
  return withParentsSorted([symlinkEntry(PYTHON_LINK_PATH, `/usr/bin/python${opts.version}`, opts.epoch)], opts.epoch);
}
