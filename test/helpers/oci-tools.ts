/**
 * Independent checkers for OCI layouts (docs/architecture.md#testing): skopeo, umoci, oci-image-tool and runc,
 * as Debian bookworm packages them, plus GNU tar to make small layer tars. Nothing is skipped: a missing tool fails the
 * test with the Debian package to install.
 */
import { execFile } from 'node:child_process';
import { chmod, lchown, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Tool → the Debian package that ships it. */
const PACKAGES = {
  skopeo: 'skopeo',
  umoci: 'umoci',
  'oci-image-tool': 'oci-image-tool',
  runc: 'runc',
  tar: 'tar',
} as const;
export type Tool = keyof typeof PACKAGES;

/** Runs a tool; a missing binary or a failure throws an Error naming the command, its stderr and the package. */
export async function run(
  tool: Tool,
  args: readonly string[],
  opts: { cwd?: string } = {},
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(tool, args, { cwd: opts.cwd, env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    if (err.code === 'ENOENT') {
      throw new Error(
        `${tool} is not installed: apt-get install ${PACKAGES[tool]} (Debian package "${PACKAGES[tool]}")`,
        { cause: e },
      );
    }
    throw new Error(
      `${tool} ${args.join(' ')} failed: ${(err.stderr ?? '').trim() || (err.stdout ?? '').trim() || err.message}`,
      { cause: e },
    );
  }
}

/** Fails (never skips) when any of `tools` is missing. */
export async function requireTools(...tools: Tool[]): Promise<void> {
  const missing: string[] = [];
  for (const tool of tools) {
    try {
      await exec('sh', ['-c', `command -v ${tool}`]);
    } catch {
      missing.push(tool);
    }
  }
  if (missing.length > 0) {
    const pkgs = missing.map((t) => PACKAGES[t as Tool]).join(' ');
    throw new Error(`missing tools: ${missing.join(', ')} — install them with: apt-get install ${pkgs}`);
  }
}

/**
 * `oci-image-tool validate` of a layout directory: `oci-layout`, `index.json`, and every ref's manifests,
 * configs and layers (schemas, media types, sizes, digests). Bookworm's 1.0.0-rc1 calls this type `image`
 * (its `imageLayout` is unimplemented), and its `--ref name=…` filter drops the wrong entries when two
 * neighbours do not match, so we always validate all refs.
 */
export async function validateLayout(dir: string): Promise<void> {
  await run('oci-image-tool', ['validate', '--type', 'image', dir]);
}

/** `skopeo inspect --raw` of an `oci:DIR:ref` image: the exact manifest/index bytes. */
export async function skopeoRaw(dir: string, ref: string): Promise<string> {
  return (await run('skopeo', ['inspect', '--raw', `oci:${dir}:${ref}`])).stdout;
}

/** `skopeo inspect` (the parsed summary: Architecture, Os, Env, Layers, …) of a per-platform image. */
export async function skopeoInspect(dir: string, ref: string): Promise<Record<string, unknown>> {
  return JSON.parse((await run('skopeo', ['inspect', `oci:${dir}:${ref}`])).stdout) as Record<string, unknown>;
}

/** `skopeo copy --preserve-digests` between two OCI layouts (fails rather than rewrite a manifest). */
export async function skopeoCopy(
  fromDir: string,
  fromRef: string,
  toDir: string,
  toRef: string,
  all = false,
): Promise<void> {
  await run('skopeo', [
    'copy',
    '--preserve-digests',
    ...(all ? ['--all'] : []),
    `oci:${fromDir}:${fromRef}`,
    `oci:${toDir}:${toRef}`,
  ]);
}

/** `umoci unpack` into `bundle` (must not exist); rootless when not run as root (owners are then not restored). */
export async function umociUnpack(dir: string, ref: string, bundle: string): Promise<void> {
  const rootless = process.getuid?.() !== 0;
  await run('umoci', ['unpack', ...(rootless ? ['--rootless'] : []), '--image', `${dir}:${ref}`, bundle]);
}

/** Runs an unpacked bundle with runc (non-interactive), returning what the container printed. */
export async function runcRun(bundle: string, id: string): Promise<{ stdout: string; stderr: string }> {
  const configPath = join(bundle, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as { process: { terminal?: boolean } };
  config.process.terminal = false;
  await writeFile(configPath, JSON.stringify(config));
  const state = await mkdtemp(join(tmpdir(), 'runc-state-'));
  try {
    return await run('runc', ['--root', state, 'run', '--bundle', bundle, id]);
  } finally {
    await rm(state, { recursive: true, force: true });
  }
}

/** One entry of a test layer. Owners default to 0; mtimes are all `--mtime`. */
export interface TarSpec {
  path: string;
  type: 'dir' | 'file' | 'symlink';
  mode?: number;
  uid?: number;
  gid?: number;
  content?: string | Buffer;
  target?: string;
}

/**
 * A small layer tar made by GNU tar from a staged directory: entries in the given order, numeric owners per
 * entry (one `tar -r` append per owner group), mtime fixed. Returns the archive bytes.
 */
export async function makeTar(entries: readonly TarSpec[], mtime = 0): Promise<Buffer> {
  const work = await mkdtemp(join(tmpdir(), 'oci-tar-'));
  const root = join(work, 'root');
  try {
    await mkdir(root);
    for (const e of entries) {
      const p = join(root, e.path);
      await mkdir(dirname(p), { recursive: true });
      if (e.type === 'dir') await mkdir(p, { recursive: true });
      else if (e.type === 'file') await writeFile(p, e.content ?? '');
      else await symlink(e.target ?? '', p);
      if (e.type !== 'symlink') await chmod(p, e.mode ?? (e.type === 'dir' ? 0o755 : 0o644));
      if (process.getuid?.() === 0) await lchown(p, 0, 0);
    }
    const out = join(work, 'layer.tar');
    const groups = new Map<string, string[]>();
    for (const e of entries) {
      const owner = `${e.uid ?? 0}:${e.gid ?? 0}`;
      groups.set(owner, [...(groups.get(owner) ?? []), e.path]);
    }
    let first = true;
    for (const [owner, paths] of groups) {
      const [uid, gid] = owner.split(':');
      const mode = first ? '-cf' : '-rf';
      first = false;
      await run('tar', [
        '--format=gnu',
        '--no-recursion',
        `--mtime=@${mtime}`,
        `--owner=${uid}`,
        `--group=${gid}`,
        '--numeric-owner',
        '-C',
        root,
        mode,
        out,
        '--',
        ...paths,
      ]);
    }
    return await readFile(out);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
