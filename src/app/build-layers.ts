import { PassThrough, Writable, type Readable } from 'node:stream';
import { openDeb } from '../deb/index.js';
import { writePackageLayer, statusStanza, STATUS_DIR } from '../build/package-layer.js';
import type { LayerEntry } from '../build/generated.js';
import { dirEntry, fileEntry } from '../build/generated.js';
import { TarWriter } from '../tar/index.js';
import { gzipIdentity, type LayerCache, type OciLayoutWriter } from '../oci/index.js';
import type { LayerBlob } from '../oci/types.js';

/** Bumped whenever the bytes a .deb turns into can change for the same .deb (part of every cache key). */
export const LAYER_RECIPE_VERSION = 1;

/** A layer in an image, with what its history entry says. */
export interface BuiltLayer extends LayerBlob {
  createdBy: string;
}

/** A tar stream produced by `fill`, which writes entries into a TarWriter (backpressure end to end). */
export function tarStream(fill: (writer: TarWriter) => Promise<void>): Readable {
  const out = new PassThrough();
  const writer = new TarWriter(out);
  fill(writer)
    .then(() => writer.finish())
    .catch((e: unknown) => out.destroy(e instanceof Error ? e : new Error(String(e))));
  return out;
}

export function entriesTar(entries: readonly LayerEntry[]): Readable {
  return tarStream(async (w) => {
    for (const { entry, body } of entries) await w.add(entry, body);
  });
}

export interface PackageLayerRequest {
  name: string;
  version: string;
  debPath: string;
  sha256: string;
  epoch: number;
}

/**
 * The layer of one pinned package: from the layer cache when this .deb was turned into a layer before with
 * the same recipe, epoch and gzip, else built (streamed: deb → tar → gzip → blob) and cached.
 */
export async function packageLayer(req: PackageLayerRequest, cache: LayerCache, layout: OciLayoutWriter): Promise<BuiltLayer & { hit: boolean }> {
  const key = `deb:${req.sha256}|recipe:${LAYER_RECIPE_VERSION}|epoch:${req.epoch}|${gzipIdentity()}`;
  const { blob, hit } = await cache.getOrWrite(key, () => tarStream((w) => writePackageLayer(req.debPath, req.name, w, { epoch: req.epoch }).then(() => undefined)));
  await layout.importBlob(cache.blobPath(blob.digest), blob);
  return { ...blob, hit, createdBy: `deb ${req.name} ${req.version}` };
}

/** Writes a generated layer (small: passwd, CA bundle, keystore, busybox) straight into the layout. */
export async function generatedLayer(entries: readonly LayerEntry[], createdBy: string, layout: OciLayoutWriter): Promise<BuiltLayer> {
  const blob = await layout.writeLayer(entriesTar(entries));
  return { ...blob, createdBy };
}

/** Regular files of a .deb whose normalised paths match, read without building anything. */
export async function captureFiles(debPath: string, name: string, epoch: number, match: (path: string) => boolean): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const writer = new TarWriter(sink);
  await writePackageLayer(debPath, name, writer, { epoch, capture: match, onFile: (path, bytes) => files.set(path, bytes) });
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
