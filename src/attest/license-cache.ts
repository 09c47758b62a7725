/**
 * Licence facts per .deb, cached by the .deb's sha256 so that a build whose layers all come from the cache
 * (and which therefore opens no .deb) can still write SBOMs:
 *
 *   <cacheDir>/licenses/<sha256>.json   {"version","sha256","package","license": DebLicense}, written atomically
 *
 * `version` covers the parser (dep5.ts, licenses.ts): bump it when their output can change for the same
 * file, and every entry is read again from its .deb once.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { limiter } from '../util/concurrency.js';
import { writeFilesAtomically } from '../util/fs.js';
import { CopyrightCollector, readDebLicense, type DebLicense } from './copyright.js';
import type { DebOptions } from '../deb/deb.js';

export const LICENSE_CACHE_VERSION = 1;

/** One pinned .deb, as the lookup needs it. */
export interface DebRef {
  name: string;
  sha256: string;
}

export class LicenseCache {
  /** Facts a layer build in this process is about to capture (see `expect`), by `<sha256>/<name>`. */
  private readonly expected = new Map<
    string,
    { facts: Promise<DebLicense | undefined>; settle: (license?: DebLicense) => void }
  >();

  constructor(readonly dir: string) {}

  path(sha256: string): string {
    return join(this.dir, `${sha256}.json`);
  }

  /**
   * Announces that this process may capture the facts of `deb` (its layer is looked up, and built when not
   * cached): until `settle` is called, `get` waits instead of reporting them missing, so a reader that runs
   * beside the build (the SBOMs) does not read the .deb a second time. `settle(facts)` hands over what was
   * captured; `settle()` (a cached layer, a failed build) lets `get` read the disk cache as usual. Every
   * `expect` of the same .deb gets the same `settle`, and only its first call counts.
   */
  expect(deb: DebRef): { settle: (license?: DebLicense) => void } {
    const key = `${deb.sha256}/${deb.name}`;
    let entry = this.expected.get(key);
    if (entry === undefined) {
      let settle: (license?: DebLicense) => void = () => undefined;
      const facts = new Promise<DebLicense | undefined>((resolve) => (settle = resolve));
      entry = { facts, settle };
      this.expected.set(key, entry);
    }
    return { settle: entry.settle };
  }

  /** The cached facts of a .deb, or undefined (none, unreadable, or from another parser version). */
  async get(deb: DebRef): Promise<DebLicense | undefined> {
    const captured = await this.expected.get(`${deb.sha256}/${deb.name}`)?.facts;
    if (captured !== undefined) return captured;
    const text = await readFile(this.path(deb.sha256), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const entry = JSON.parse(text) as {
        version?: unknown;
        sha256?: unknown;
        package?: unknown;
        license?: { kind?: unknown };
      };
      if (entry.version !== LICENSE_CACHE_VERSION || entry.sha256 !== deb.sha256 || entry.package !== deb.name)
        return undefined;
      const kind = entry.license?.kind;
      return kind === 'file' || kind === 'package' || kind === 'none' ? (entry.license as DebLicense) : undefined;
    } catch {
      return undefined;
    }
  }

  async put(deb: DebRef, license: DebLicense): Promise<void> {
    const entry = { version: LICENSE_CACHE_VERSION, sha256: deb.sha256, package: deb.name, license };
    await writeFilesAtomically([{ path: this.path(deb.sha256), content: `${JSON.stringify(entry)}\n` }]);
  }

  /**
   * Hooks for one package layer build: pass `layerOptions` to writePackageLayer, then `save()` once the layer
   * is written. A failed cache write is reported to `onError` and does not fail the build.
   */
  capture(
    deb: DebRef,
    onError: (e: unknown) => void = () => undefined,
  ): { layerOptions: CopyrightCollector['layerOptions']; save: () => Promise<void> } {
    const collector = new CopyrightCollector(deb.name);
    const { settle } = this.expect(deb);
    return {
      layerOptions: collector.layerOptions,
      save: () => {
        const facts = collector.result();
        settle(facts);
        return this.put(deb, facts).catch(onError);
      },
    };
  }
}

export interface LicenseLookupOptions {
  cache?: LicenseCache;
  /**
   * Local path of a verified .deb when its facts are not cached (undefined: not available). A build passes its
   * .deb store; createAttestContext looks in `<cacheDir>/debs`.
   */
  debPath?: (deb: DebRef) => Promise<string | undefined>;
  deb?: DebOptions;
  /** .debs read at once when facts are missing (default 2: each read runs an xz process). */
  concurrency?: number;
}

/** Licence facts of a .deb: from the cache, else read from the .deb (and cached), else undefined. */
export type LicenseLookup = (deb: DebRef) => Promise<DebLicense | undefined>;

/** A lookup that asks each .deb once per instance, however many images contain it. */
export function licenseLookup(opts: LicenseLookupOptions): LicenseLookup {
  const memo = new Map<string, Promise<DebLicense | undefined>>();
  const slot = limiter(opts.concurrency ?? 2);
  const lookup = async (deb: DebRef): Promise<DebLicense | undefined> => {
    const cached = await opts.cache?.get(deb);
    if (cached !== undefined) return cached;
    const path = await opts.debPath?.(deb);
    if (path === undefined) return undefined;
    const license = await slot(() => readDebLicense(path, deb.name, opts.deb));
    await opts.cache?.put(deb, license).catch(() => undefined); // a cache that cannot be written only costs a re-read
    return license;
  };
  return (deb) => {
    const key = `${deb.sha256}/${deb.name}`;
    let p = memo.get(key);
    if (p === undefined) {
      p = lookup(deb);
      memo.set(key, p);
    }
    return p;
  };
}
