/**
 * Small OCI layouts shaped like the distroless set, for registry tests: images × variants × archs, named as
 * `build` names them (`static-debian12`, `static-debian12-nonroot`, `static-debian12-nonroot-amd64`, …).
 * Layers are shared the way the real set shares them: every image starts with the same base layer (which can
 * carry a large random file, to make uploads big enough for chunking), each image adds one layer on top of its
 * parent's, and debug variants one more. `marker` changes every layer, for a "new release" of the set.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { refNames } from '../../src/app/build-plan.js';
import type { Variant } from '../../src/config/variants.js';
import {
  buildImageConfig,
  buildIndex,
  buildManifest,
  debianPlatform,
  OciLayoutWriter,
  platformTagSuffix,
  type Descriptor,
  type LayerBlob,
  type Platform,
} from '../../src/oci/index.js';
import { makeTar } from './oci-tools.js';

const EPOCH = 1_795_759_200; // 2026-11-27T06:00:00Z

export interface TestLayoutSpec {
  /** Image names, each built on the previous one (e.g. static, base). */
  images: readonly string[];
  archs: readonly string[];
  variants: readonly Variant[];
  marker: string;
  /** Bytes of random data in the shared base layer (default 64 KiB). */
  baseBytes?: number;
}

/** Writes the layout and returns its refs. */
export async function makeTestLayout(dir: string, spec: TestLayoutSpec): Promise<Map<string, Descriptor>> {
  const w = await OciLayoutWriter.open(dir);
  const layer = async (name: string, content: Buffer | string): Promise<LayerBlob> =>
    w.writeLayer(
      Readable.from([
        await makeTar(
          [
            { path: 'etc', type: 'dir' },
            { path: `etc/${name}`, type: 'file', content },
          ],
          EPOCH,
        ),
      ]),
    );
  const perIndex = new Map<string, Array<Descriptor & { platform: Platform }>>();
  for (const arch of spec.archs) {
    const platform = debianPlatform(arch);
    const stack: LayerBlob[] = [
      await layer(
        'base',
        Buffer.concat([Buffer.from(`${spec.marker} ${arch}\n`), randomBytes(spec.baseBytes ?? 64 * 1024)]),
      ),
    ];
    const debug = await layer('busybox', `busybox ${spec.marker} ${arch}\n`);
    for (const image of spec.images) {
      stack.push(await layer(`image-${image}`, `${image} ${spec.marker} ${arch}\n`));
      for (const variant of spec.variants) {
        const layers = variant.startsWith('debug') ? [...stack, debug] : [...stack];
        const config = buildImageConfig({
          platform,
          epoch: EPOCH,
          env: ['PATH=/usr/bin:/bin'],
          user: variant.endsWith('nonroot') ? '65532' : '0',
          labels: { 'test.marker': spec.marker },
          layers: layers.map((l, i) => ({ diffId: l.diffId, createdBy: `test layer ${i}` })),
        });
        await w.writeJson(config);
        const manifest = { ...(await w.writeJson(buildManifest({ config, layers }))), platform };
        const [ref = ''] = refNames(image, 'debian12', variant, platformTagSuffix(arch));
        w.setRef(ref, manifest);
        const key = `${image}\n${variant}`;
        perIndex.set(key, [...(perIndex.get(key) ?? []), manifest]);
      }
    }
  }
  for (const [key, manifests] of perIndex) {
    const [image = '', variant = 'latest'] = key.split('\n') as [string, Variant];
    const index = await w.writeJson(buildIndex({ manifests }));
    for (const ref of refNames(image, 'debian12', variant)) w.setRef(ref, index);
  }
  await w.commit();
  return new Map(w.refs());
}
