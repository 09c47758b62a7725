/**
 * A package's `/usr/share/doc/<pkg>/copyright`, found while its data.tar streams past: either during the
 * layer build (`CopyrightCollector.layerOptions` plugs into writePackageLayer, so a cold build reads each
 * .deb once) or by a read of its own (`readDebLicense`, for .debs whose layer came from the cache).
 *
 * Every regular `usr/share/doc/<x>/copyright` and every link under `usr/share/doc` is recorded, then the
 * package's own path is resolved through the links of the same .deb. Some packages ship their doc directory
 * as a symlink to another package's (libgcc-s1 → gcc-12-base): that is reported as `{ kind: 'package' }`, and
 * the SBOM takes the licence of that package when the lock pins it for the same arch.
 */
import { posix } from 'node:path';
import { normalisePath } from '../build/package-layer.js';
import { openDeb, type DebOptions } from '../deb/deb.js';
import { DistrolessError } from '../errors.js';
import { readTar } from '../tar/reader.js';
import { TYPE } from '../tar/header.js';
import type { TarEntry } from '../tar/types.js';
import { parseCopyright, type CopyrightInfo } from './dep5.js';

/** What a .deb says about its licensing. */
export type DebLicense =
  /** The copyright file at `path` (after links) in this .deb. */
  | { kind: 'file'; path: string; info: CopyrightInfo }
  /** The copyright path leads into another package's doc directory, which this .deb does not ship. */
  | { kind: 'package'; package: string }
  /** No copyright file (or a link to nowhere inside the .deb). */
  | { kind: 'none' };

const DOC = 'usr/share/doc/';
const COPYRIGHT = /^usr\/share\/doc\/[^/]+\/copyright$/;
/**
 * bookworm's largest copyright files are a few MiB (openjdk-17's is 213 KiB); a capture over the cap fails the
 * layer build, so the cap is far above anything real.
 */
const MAX_COPYRIGHT_BYTES = 64 * 1024 * 1024;
const MAX_LINK_HOPS = 8;

export class CopyrightCollector {
  private readonly files = new Map<string, Buffer>();
  /** Link path → target path relative to the root (null: points outside the root). */
  private readonly links = new Map<string, string | null>();

  constructor(readonly pkg: string) {}

  /** Options for writePackageLayer (build/package-layer.ts): capture the copyright files, see every link. */
  get layerOptions(): {
    capture: (path: string) => boolean;
    onFile: (path: string, bytes: Buffer) => void;
    onEntry: (entry: TarEntry) => void;
    maxCaptureBytes: number;
  } {
    return {
      capture: (path) => COPYRIGHT.test(path),
      onFile: (path, bytes) => this.files.set(path, bytes),
      onEntry: (entry) => this.addLink(entry.path, entry.type, entry.linkname),
      maxCaptureBytes: MAX_COPYRIGHT_BYTES,
    };
  }

  addLink(path: string, type: string, linkname: string | undefined): void {
    if (!path.startsWith(DOC) || linkname === undefined) return;
    if (type === 'hardlink') this.links.set(path, normalisePath(linkname) || null);
    else if (type === 'symlink') {
      const target = linkname.startsWith('/')
        ? normalisePath(linkname.slice(1))
        : normalisePath(posix.join(posix.dirname(path), linkname));
      this.links.set(path, target || null);
    }
  }

  addFile(path: string, bytes: Buffer): void {
    this.files.set(path, bytes);
  }

  /** The package's licence facts, from what was seen. */
  result(): DebLicense {
    const path = this.resolve(`${DOC}${this.pkg}/copyright`);
    if (path === undefined) return { kind: 'none' };
    const bytes = this.files.get(path);
    if (bytes !== undefined) return { kind: 'file', path, info: parseCopyright(bytes.toString('utf8')) };
    const other = /^usr\/share\/doc\/([^/]+)\/copyright$/.exec(path)?.[1];
    return other !== undefined && other !== this.pkg ? { kind: 'package', package: other } : { kind: 'none' };
  }

  /** `path` with every link among its prefixes followed (within this .deb); undefined when a link leaves the root or loops. */
  private resolve(path: string): string | undefined {
    let current = path;
    for (let hop = 0; hop <= MAX_LINK_HOPS; hop++) {
      const parts = current.split('/');
      let next: string | undefined;
      for (let i = parts.length; i >= 1 && next === undefined; i--) {
        const prefix = parts.slice(0, i).join('/');
        if (!this.links.has(prefix)) continue;
        const target = this.links.get(prefix);
        if (target === null || target === undefined) return undefined;
        next = [target, ...parts.slice(i)].join('/');
      }
      if (next === undefined) return current;
      current = next;
    }
    return undefined;
  }
}

/** Reads only the copyright facts out of a .deb (its data.tar streamed once; nothing else kept). */
export async function readDebLicense(debPath: string, pkg: string, deb?: DebOptions): Promise<DebLicense> {
  const opened = await openDeb(debPath, pkg, deb);
  const collector = new CopyrightCollector(pkg);
  for await (const { header, body } of readTar(opened.dataTar(), { source: `${pkg}: ${opened.dataMember.name}` })) {
    const path = normalisePath(header.path);
    if (path === null || path === '') continue;
    if (header.typeflag === TYPE.symlink) collector.addLink(path, 'symlink', header.linkname);
    else if (header.typeflag === TYPE.hardlink) collector.addLink(path, 'hardlink', header.linkname);
    else if ((header.typeflag === TYPE.file || header.typeflag === TYPE.oldFile) && COPYRIGHT.test(path)) {
      if (header.size > MAX_COPYRIGHT_BYTES)
        throw new DistrolessError('DEB_INVALID', `${pkg}: ${path} is too large (${header.size} bytes)`);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk);
      collector.addFile(path, Buffer.concat(chunks));
    }
  }
  return collector.result();
}
