import { PassThrough, type Readable } from 'node:stream';
import { openDeb } from '../deb/index.js';
import {
  controlField,
  writePackageLayer,
  statusStanza,
  STATUS_DIR,
  type PackageLayerOptions,
} from '../build/package-layer.js';
import { DistrolessError } from '../errors.js';
import type { LockedPackage } from '../lock/types.js';
import type { LayerEntry } from '../build/generated.js';
import { dirEntry, fileEntry } from '../build/generated.js';
import { TarWriter } from '../tar/index.js';
import { isDistrolessError } from '../errors.js';
import {
  layerCompressionIdentity,
  layerMediaType,
  type LayerCache,
  type LayerSource,
  type LayerWriteOptions,
  type OciLayoutWriter,
} from '../oci/index.js';
import type { LayerBlob } from '../oci/types.js';

/**
 * Bumped whenever the bytes a .deb turns into can change for the same .deb (part of every cache key).
 * 2: setuid/setgid bits cleared unless the config keeps them.
 */
export const LAYER_RECIPE_VERSION = 2;

/** A layer in an image, with what its history entry says. */
export interface BuiltLayer extends LayerBlob {
  createdBy: string;
}

/**
 * The tar `fill` writes, as the layer writer takes it: for gzip (the default) a producer, whose TarWriter writes
 * straight into the deflate chunks (`LayerSink`, src/oci/layer.ts); for zstd a stream.
 */
export function layerSource(fill: (writer: TarWriter) => Promise<void>, format: LayerWriteOptions): LayerSource {
  if ((format.compression ?? 'gzip') !== 'gzip') return tarStream(fill);
  return {
    produce: async (sink) => {
      const writer = new TarWriter(sink);
      await fill(writer);
      await writer.finish();
    },
  };
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
 * layout; a cached one is re-hashed on the way in, and one whose bytes no longer match its digest (changed in
 * place) is evicted and the layer built again. `format` picks gzip (default) or zstd and the deflate workers;
 * the workers never change the bytes.
 */
export async function cachedLayer(
  what: string,
  epoch: number,
  createdBy: string,
  fill: (writer: TarWriter) => Promise<void>,
  cache: LayerCache,
  layout: OciLayoutWriter,
  format: LayerWriteOptions,
  onEvict?: (message: string) => void,
): Promise<BuiltLayer & { hit: boolean }> {
  const compression = format.compression ?? 'gzip';
  const key = `${what}|recipe:${LAYER_RECIPE_VERSION}|epoch:${epoch}|${layerCompressionIdentity(compression, format.level)}`;
  const mediaType = compression === 'gzip' ? {} : { mediaType: layerMediaType(compression) };
  const cached = await cache.getOrWrite(key, () => layerSource(fill, format), format);
  try {
    await layout.importBlob(cache.blobPath(cached.blob.digest), cached.blob, { verify: cached.hit });
    return { ...cached.blob, ...mediaType, hit: cached.hit, createdBy };
  } catch (e) {
    if (!cached.hit || !isDistrolessError(e, 'HASH_MISMATCH')) throw e;
  }
  onEvict?.(`layer cache: ${createdBy}: blob ${cached.blob.digest} does not match its digest; built again`);
  await cache.evict(key, cached.blob.digest);
  const { blob, hit } = await cache.getOrWrite(key, () => layerSource(fill, format), format);
  // A second caller may share this rebuild and see it as a hit: it has just been written, so the check holds.
  await layout.importBlob(cache.blobPath(blob.digest), blob, { verify: hit });
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
  observe?: Pick<
    PackageLayerOptions,
    'capture' | 'onFile' | 'onEntry' | 'maxCaptureBytes' | 'mergedUsr' | 'keepSetuid'
  > & {
    done?: () => Promise<void>;
    /** The lock's pin: the .deb's control fields must equal it (checkControl). */
    pin?: PinnedControl;
  },
): (writer: TarWriter) => Promise<void> {
  return async (w) => {
    const { done, pin, ...hooks } = observe ?? {};
    const info = await writePackageLayer(await debPath(), name, w, { ...hooks, epoch });
    // Before the layer is finished (the tar ends after this fill), so a .deb that is not its pin leaves no layer.
    if (pin) checkControl(info.control, name, pin);
    await done?.();
  };
}

/** What a lock says a .deb is: the fields its control file must carry. */
export type PinnedControl = Pick<LockedPackage, 'version' | 'architecture' | 'source' | 'sourceVersion'>;

/**
 * The cache key of a package's layer: the .deb's sha256 and every pinned fact the image reports about it
 * (status.d, SBOM, provenance), so that a lock edited in any of them misses the cache and is checked against
 * the .deb itself.
 */
export function debLayerKey(name: string, pin: PinnedControl & Pick<LockedPackage, 'sha256' | 'size'>): string {
  return `deb:${pin.sha256}|size:${pin.size}|${name}=${pin.version}|arch:${pin.architecture}|src:${pin.source}=${pin.sourceVersion}`;
}

/**
 * The .deb's own control fields (Package, Version, Architecture, Source) must be what the lock pins: the image's
 * status.d, SBOM and provenance report the lock's values. `Source:` absent means the package's own name and
 * version; `Source: name (version)` gives a different source version.
 */
export function checkControl(control: string, name: string, pin: PinnedControl): void {
  const source = /^(\S+)(?:\s+\((\S+)\))?$/.exec(controlField(control, 'Source') ?? '');
  const version = controlField(control, 'Version');
  const shipped: Array<[string, string | undefined, string]> = [
    ['Package', controlField(control, 'Package'), name],
    ['Version', version, pin.version],
    ['Architecture', controlField(control, 'Architecture'), pin.architecture],
    ['Source', source?.[1] ?? controlField(control, 'Package'), pin.source],
    ['source version', source?.[2] ?? version, pin.sourceVersion],
  ];
  for (const [field, got, want] of shipped)
    if (got !== want)
      throw new DistrolessError(
        'LOCK_INVALID',
        `${name}: the lock pins ${field} ${JSON.stringify(want)}, the .deb says ${JSON.stringify(got ?? '(none)')}`,
      );
}

/** Regular files of a .deb whose normalised paths match, read without building anything. */
export async function captureFiles(
  debPath: string,
  name: string,
  epoch: number,
  match: (path: string) => boolean,
): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const writer = new TarWriter({ write: () => undefined }); // the entries are checked, then dropped
  await writePackageLayer(debPath, name, writer, {
    epoch,
    capture: match,
    onFile: (path, bytes) => files.set(path, bytes),
  });
  await writer.finish();
  return files;
}

/** The status.d entry of a package whose files are placed by a generated layer (busybox under /busybox). */
export async function statusEntries(
  debPath: string,
  name: string,
  epoch: number,
  pin?: PinnedControl,
): Promise<LayerEntry[]> {
  const deb = await openDeb(debPath, name);
  if (pin) checkControl(deb.control, name, pin);
  const parts = STATUS_DIR.split('/');
  const dirs = parts.map((_, i) => dirEntry(parts.slice(0, i + 1).join('/'), epoch));
  return [...dirs, fileEntry(`${STATUS_DIR}/${name}`, Buffer.from(statusStanza(deb.control)), epoch)];
}
