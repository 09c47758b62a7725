/**
 * What a shard hands to `assemble`: the per-arch manifests it pushed by digest. One JSON file per shard
 * (a CI artifact), read back and checked here, field by field, before anything trusts it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from '../util/zod.js';
import { DistrolessError } from '../errors.js';
import { VARIANTS, type Variant } from '../config/variants.js';

export const SHARD_RESULT_VERSION = 1;

export interface ShardManifest {
  image: string;
  distro: string;
  variant: Variant;
  /** Debian architecture name. */
  arch: string;
  platform: { os: string; architecture: string; variant?: string };
  /** Repository (with the registry prefix, without the host) the manifest was pushed to. */
  repository: string;
  digest: string;
  /** Bytes of the manifest itself (what an index entry records). */
  size: number;
  mediaType: string;
}

export interface ShardResult {
  version: typeof SHARD_RESULT_VERSION;
  /** The shard id, e.g. `python3-debian12-amd64`. */
  shard: string;
  /** The push target, normalised: `host[:port][/prefix]`. */
  registry: string;
  /** Build epoch (seconds): the `created` of every image, and of the indexes `assemble` makes. */
  epoch: number;
  manifests: ShardManifest[];
}

const digest = z.string().check(z.regex(/^sha256:[0-9a-f]{64}$/, 'a sha256 digest'));
const schema = z.strictObject({
  version: z.literal(SHARD_RESULT_VERSION),
  shard: z.string().check(z.minLength(1)),
  registry: z.string().check(z.minLength(1)),
  epoch: z.int().check(z.nonnegative()),
  manifests: z.array(
    z.strictObject({
      image: z.string().check(z.minLength(1)),
      distro: z.string().check(z.minLength(1)),
      variant: z.enum(VARIANTS),
      arch: z.string().check(z.minLength(1)),
      platform: z.strictObject({ os: z.string(), architecture: z.string(), variant: z.optional(z.string()) }),
      repository: z.string().check(z.minLength(1)),
      digest,
      size: z.int().check(z.positive()),
      mediaType: z.string().check(z.minLength(1)),
    }),
  ),
});

/** Parses and checks one shard result; `file` names it in errors. */
export function parseShardResult(text: string, file: string): ShardResult {
  const data = z.parseJsonDocument(schema, text, file, 'PARSE', (issues) => `not a shard result: ${issues[0] ?? ''}`);
  // Rebuilt without undefined members, so the object equals what a shard wrote (exactOptionalPropertyTypes).
  const manifests = data.manifests.map((m) => {
    const { variant, ...p } = m.platform;
    return { ...m, platform: variant === undefined ? p : { ...p, variant } };
  });
  return { ...data, manifests };
}

/**
 * Shard results from files and directories (every `*.json` directly inside, by name), each read once. Nothing
 * found at all is an error: an empty set would assemble nothing.
 */
export async function readShardResults(paths: readonly string[]): Promise<ShardResult[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
      throw new DistrolessError(
        'USAGE',
        `--results: ${path}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`,
      );
    });
    if (!info.isDirectory()) files.push(path);
    else
      for (const name of (await readdir(path)).filter((n) => n.endsWith('.json')).sort()) files.push(join(path, name));
  }
  const unique = [...new Set(files)];
  if (unique.length === 0)
    throw new DistrolessError(
      'USAGE',
      `--results: no shard result (*.json) in ${paths.join(', ') || '(nothing given)'}`,
    );
  return Promise.all(unique.map(async (f) => parseShardResult(await readFile(f, 'utf8'), f)));
}
