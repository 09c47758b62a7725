/**
 * The changelog step of `update`: for each changed source package, the Debian changelog entries newer than
 * the version the previous lock had, read out of one of its new .debs
 * (`/usr/share/doc/<pkg>/changelog.Debian.gz`, and for binNMUs `changelog.Debian.<arch>.gz` first).
 *
 * - One .deb per source package, not one per arch or image: the smallest binary of the source that changed
 *   (an arch-specific one when only the binary version moved, since binNMU entries live in the arch file).
 * - Its doc directory can be a symlink to a sibling's (`/usr/share/doc/libfoo-dev -> libfoo1`): the link in
 *   the .deb is followed to the sibling's .deb when the lock pins that sibling; otherwise the next candidate.
 * - The .deb comes through the same content-addressed store as `build` (size and sha256 from the verified
 *   index, checked before it is read), so a later build, or the next update, does not download it again.
 * A source whose changelog cannot be read gets a note in the PR instead of entries; the update goes on.
 */
import { posix } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { DebStore, PinnedDeb } from '../archive/pool.js';
import type { DistroConfig } from '../config/index.js';
import { DistrolessError } from '../errors.js';
import { openDeb, type DebOptions } from '../deb/index.js';
import { cvesOf, entriesNewerThan, parseChangelog, type ChangelogEntry } from '../debian/changelog.js';
import { compareVersions } from '../debian/version.js';
import type { LockDiff, SourceChangelog } from '../lock/diff.js';
import type { LockedPackage, Lockfile } from '../lock/types.js';
import { TYPE, readTar } from '../tar/index.js';
import { mapLimit } from '../util/concurrency.js';
import { compareCodeUnits } from '../util/json.js';
import { isSecuritySuite } from './body.js';

const gunzipAsync = promisify(gunzip);
/** A changelog.Debian.gz larger than this is not read (the biggest in bookworm are well under 1 MiB). */
const MAX_CHANGELOG_GZ = 8 * 1024 * 1024;
const MAX_CHANGELOG_TEXT = 64 * 1024 * 1024;
/** .debs tried per source before giving up (each one a download). */
const MAX_DEBS_PER_SOURCE = 3;

export interface ChangelogOptions {
  distro: DistroConfig;
  previous: Lockfile | undefined;
  next: Lockfile;
  diff: LockDiff;
  store: DebStore;
  deb?: DebOptions;
  concurrency?: number;
  onProgress?: (message: string) => void;
}

interface Pin {
  name: string;
  arch: string;
  pin: LockedPackage;
}

/** The changelog of every source package that has an updated binary in `diff`, sorted by source name. */
export async function collectChangelogs(opts: ChangelogOptions): Promise<SourceChangelog[]> {
  const bySource = new Map<string, { security: boolean; names: Set<string> }>();
  for (const c of opts.diff.changes) {
    if (c.kind !== 'updated') continue;
    const s = bySource.get(c.source) ?? { security: false, names: new Set<string>() };
    s.security ||= isSecuritySuite(c.suite);
    for (const arch of c.archs) s.names.add(`${c.name}\0${arch}`);
    bySource.set(c.source, s);
  }
  const sources = [...bySource.keys()].sort(compareCodeUnits);
  return mapLimit(sources, opts.concurrency ?? 4, async (source) => {
    const { security, names } = bySource.get(source) as { security: boolean; names: Set<string> };
    return sourceChangelog(opts, source, security, names);
  });
}

async function sourceChangelog(
  opts: ChangelogOptions,
  source: string,
  security: boolean,
  /** `name\0arch` of every binary of the source that changed. */
  names: ReadonlySet<string>,
): Promise<SourceChangelog> {
  // The baseline is what the previous lock had of the binaries that changed (their source may have been renamed).
  const oldPins = pinsOf(opts.previous, (_p, name, arch) => names.has(`${name}\0${arch}`));
  const newPins = pinsOf(opts.next, (_p, name, arch) => names.has(`${name}\0${arch}`));
  const old = lowest(oldPins.map((p) => p.pin.sourceVersion));
  const cur = highest(newPins.map((p) => p.pin.sourceVersion));
  const base = { source, old: old ?? '', new: cur ?? '', security, entries: [], cves: [] };
  if (old === undefined || cur === undefined) return { ...base, note: 'not in the previous lock' };
  const binNmuOnly = compareVersions(old, cur) === 0;
  // Smallest first (the cheapest download); arch-specific first when only a binNMU moved the version.
  const candidates = uniqueByName(newPins).sort(
    (a, b) =>
      (binNmuOnly ? Number(a.pin.architecture === 'all') - Number(b.pin.architecture === 'all') : 0) ||
      a.pin.size - b.pin.size ||
      compareCodeUnits(a.name, b.name),
  );
  const tried = new Set<string>();
  const notes: string[] = [];
  const queue = [...candidates];
  while (queue.length > 0 && tried.size < MAX_DEBS_PER_SOURCE) {
    const cand = queue.shift() as Pin;
    if (tried.has(cand.name)) continue;
    tried.add(cand.name);
    let found: DocFiles;
    try {
      found = await readDocFiles(opts, cand);
    } catch (e) {
      notes.push(`${cand.name}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (found.main === undefined && found.link !== undefined) {
      // The doc dir points at a sibling's: read that sibling next, when the lock pins it.
      const sibling = siblingPin(opts, source, found.link, cand.arch);
      if (sibling && !tried.has(sibling.name)) queue.unshift(sibling);
      else notes.push(`${cand.name}: /usr/share/doc/${cand.name} links to ${found.link}, which the lock does not pin`);
      continue;
    }
    if (found.main === undefined) {
      notes.push(`${cand.name}: no /usr/share/doc/${cand.name}/changelog.Debian.gz`);
      continue;
    }
    const oldBinary = opts.previous?.packages[cand.arch]?.[cand.name]?.version ?? old;
    const entries = [
      ...(found.arch === undefined ? [] : entriesNewerThan(parseChangelog(found.arch), oldBinary)),
      ...entriesNewerThan(parseChangelog(found.main), old),
    ];
    opts.onProgress?.(
      `${source}: ${entries.length} changelog entr${entries.length === 1 ? 'y' : 'ies'} from ${cand.name}`,
    );
    return { ...base, entries, cves: cvesOf(entries), from: `${cand.name} ${cand.arch}` };
  }
  return { ...base, note: notes.join('; ') || 'no package to read' };
}

interface DocFiles {
  main?: string;
  arch?: string;
  /** Where /usr/share/doc/<name> points when it is a symlink (relative to /usr/share/doc, normalised). */
  link?: string;
}

/** Streams the .deb's data.tar once for the package's doc dir: its two changelogs or the symlink it is. */
async function readDocFiles(opts: ChangelogOptions, cand: Pin): Promise<DocFiles> {
  const path = await opts.store.fetch(pinnedDeb(opts, cand));
  const deb = await openDeb(path, cand.name, opts.deb);
  const dir = `usr/share/doc/${cand.name}`;
  const mainPath = `${dir}/changelog.Debian.gz`;
  const archPath = `${dir}/changelog.Debian.${cand.pin.architecture}.gz`;
  const out: DocFiles = {};
  for await (const { header, body } of readTar(deb.dataTar(), { source: `${cand.name}: ${deb.dataMember.name}` })) {
    const p = header.path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
    if (p === dir && header.typeflag === TYPE.symlink) {
      const target = posix.normalize(
        posix.isAbsolute(header.linkname) ? header.linkname.slice(1) : posix.join('usr/share/doc', header.linkname),
      );
      if (target.startsWith('usr/share/doc/')) out.link = target.slice('usr/share/doc/'.length);
      continue;
    }
    if (p !== mainPath && p !== archPath) continue;
    if (header.typeflag !== TYPE.file && header.typeflag !== TYPE.oldFile) continue;
    if (header.size > MAX_CHANGELOG_GZ)
      throw new DistrolessError(
        'DEB_INVALID',
        `${cand.name}: ${p} is ${header.size} bytes, more than the changelog limit`,
      );
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk);
    const text = (await gunzipAsync(Buffer.concat(chunks), { maxOutputLength: MAX_CHANGELOG_TEXT })).toString('utf8');
    if (p === mainPath) out.main = text;
    else out.arch = text;
  }
  return out;
}

/** The pin of the package a doc-dir symlink names, same arch first, when it is of the same source. */
function siblingPin(opts: ChangelogOptions, source: string, link: string, arch: string): Pin | undefined {
  const name = link.split('/')[0] ?? '';
  const archs = [arch, ...Object.keys(opts.next.packages).sort(compareCodeUnits)];
  for (const a of archs) {
    const pin = opts.next.packages[a]?.[name];
    if (pin && pin.source === source) return { name, arch: a, pin };
  }
  return undefined;
}

/** The new .deb is on the mirror (it was just resolved from the live index). */
function pinnedDeb(opts: ChangelogOptions, cand: Pin): PinnedDeb {
  const source = opts.distro.sources.find((s) => s.suite === cand.pin.suite);
  if (!source) throw new DistrolessError('LOCK_STALE', `suite ${cand.pin.suite} is not in the config`);
  return {
    label: `${cand.name} ${cand.pin.version} (${cand.arch})`,
    filename: cand.pin.filename,
    size: cand.pin.size,
    sha256: cand.pin.sha256,
    bases: [{ url: source.url, snapshot: false }],
  };
}

function pinsOf(lock: Lockfile | undefined, keep: (p: LockedPackage, name: string, arch: string) => boolean): Pin[] {
  const out: Pin[] = [];
  for (const arch of Object.keys(lock?.packages ?? {}).sort(compareCodeUnits))
    for (const [name, pin] of Object.entries(lock?.packages[arch] ?? {}))
      if (keep(pin, name, arch)) out.push({ name, arch, pin });
  return out;
}

/** One pin per package name (the first arch in sorted order). */
function uniqueByName(pins: readonly Pin[]): Pin[] {
  const seen = new Map<string, Pin>();
  for (const p of pins) if (!seen.has(p.name)) seen.set(p.name, p);
  return [...seen.values()];
}

function lowest(versions: readonly string[]): string | undefined {
  return versions.reduce<string | undefined>(
    (a, v) => (a === undefined || compareVersions(v, a) < 0 ? v : a),
    undefined,
  );
}

function highest(versions: readonly string[]): string | undefined {
  return versions.reduce<string | undefined>(
    (a, v) => (a === undefined || compareVersions(v, a) > 0 ? v : a),
    undefined,
  );
}

export type { ChangelogEntry };
