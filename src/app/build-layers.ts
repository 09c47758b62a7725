import { PassThrough, Writable, type Readable } from 'node:stream';
import { openDeb } from '../deb/index.js';
import { writePackageLayer, statusStanza, STATUS_DIR, type PackageLayerOptions } from '../build/package-layer.js';
import type { LayerEntry } from '../build/generated.js';
import { dirEntry, fileEntry } from '../build/generated.js';
import { TarWriter } from '../tar/index.js';
import {
  layerCompressionIdentity,
  layerMediaType,
  type LayerCache,
  type LayerWriteOptions,
  type OciLayoutWriter,
} from '../oci/index.js';
import type { LayerBlob } from '../oci/types.js';

/** Bumped whenever the bytes a .deb turns into can change for the same .deb (part of every cache key). */
export const LAYER_RECIPE_VERSION = 1;

/** A layer in an image, with what its history entry says. */
export interface BuiltLayer extends LayerBlob {
  createdBy: string;
}

/** A tar stream produced by `fill`, which writes entries into a TarWriter (backpressure end to end). */
export function tarStream(fill: (writer: TarWriter) => Promise<void>): Readable {
  // 64 KiB, the size the gzip stage takes its input in and the TarWriter writes in. Larger, the producer ran
  // far ahead of gzip without yielding to the event loop, and gzip compressed most of a small package after
  // the tar was done (tzdata: 55 ms of 240, measured before the writer gathered its writes); smaller, it
  // waits on every chunk.
  const out = new PassThrough({ highWaterMark: 1 << 16 });
  const writer = new TarWriter(out);
  fill(writer)
    .then(() => writer.finish())
    .catch((e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))));
  return out;
}

/**
 * A layer from the cache under `what` (every input of its bytes: the source .deb's sha256, arch, …, to which
 * the recipe version, epoch and compression identity are added), else made by `fill` — which may first fetch
 * the .deb it needs, so a cached layer needs no .deb at all — and cached. The blob is then linked into the
 * layout. `format` picks gzip (default) or zstd and the deflate workers; the workers never change the bytes.
 */
export async function cachedLayer(
  what: string,
  epoch: number,
  createdBy: string,
  fill: (writer: TarWriter) => Promise<void>,
  cache: LayerCache,
  layout: OciLayoutWriter,
  format: LayerWriteOptions,
): Promise<BuiltLayer & { hit: boolean }> {
  const compression = format.compression ?? 'gzip';
  const key = `${what}|recipe:${LAYER_RECIPE_VERSION}|epoch:${epoch}|${layerCompressionIdentity(compression, format.level)}`;
  const { blob, hit } = await cache.getOrWrite(key, () => tarStream(fill), format);
  await layout.importBlob(cache.blobPath(blob.digest), blob);
  const mediaType = compression === 'gzip' ? {} : { mediaType: layerMediaType(compression) };
  return { ...blob, ...mediaType, hit, createdBy };
}

/** Fills a tar with a generated entry list. */
export function writeEntries(entries: readonly LayerEntry[]): (writer: TarWriter) => Promise<void> {
  return async (w) => {
    for (const { entry, body } of entries) await w.add(entry, body);
  };
}

/**
 * The fill of one package's layer: its .deb (fetched on demand) streamed into the tar. `observe` sees the
 * entries as they pass (the SBOM's copyright capture) and `done` runs after the last one.
 */
export function debFill(
  debPath: () => Promise<string>,
  name: string,
  epoch: number,
  observe?: Pick<PackageLayerOptions, 'capture' | 'onFile' | 'onEntry' | 'maxCaptureBytes'> & {
    done?: () => Promise<void>;
  },
): (writer: TarWriter) => Promise<void> {
  return async (w) => {
    const { done, ...hooks } = observe ?? {};
    await writePackageLayer(await debPath(), name, w, { ...hooks, epoch });
    await done?.();
  };
}

/** Regular files of a .deb whose normalised paths match, read without building anything. */
export async function captureFiles(
  debPath: string,
  name: string,
  epoch: number,
  match: (path: string) => boolean,
): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const writer = new TarWriter(sink);
  await writePackageLayer(debPath, name, writer, {
    epoch,
    capture: match,
    onFile: (path, bytes) => files.set(path, bytes),
  });
  await writer.finish();
  return files;
}

/** The status.d entry of a package whose files are placed by a generated layer (busybox under /busybox). */
export async function statusEntries(debPath: string, name: string, epoch: number): Promise<LayerEntry[]> {
  const deb = await openDeb(debPath, name);
  const parts = STATUS_DIR.split('/');
  const dirs = parts.map((_, i) => dirEntry(parts.slice(0, i + 1).join('/'), epoch));
  return [...dirs, fileEntry(`${STATUS_DIR}/${name}`, Buffer.from(statusStanza(deb.control)), epoch)];
}
