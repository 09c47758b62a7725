import { Command, CommanderError, Option } from 'commander';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadConfig, parseMirrorOverrides } from '../config/index.js';
import { DistrolessError, errorMessage, isDistrolessError } from '../errors.js';
import type { Config } from '../config/types.js';
import { renderDiffText, textTable } from '../lock/render.js';
import { makeProgress } from './progress.js';
import type * as ScaleOut from './scale-out.js';
import { cliKeychain } from './credentials.js';
import { registerPublish } from './publish.js';
import { registerSign, registerVerify } from './sign.js';
import { VERSION } from '../version.js';

/** Everything the CLI takes from the process, passed in so tests can run it in-process. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
  isTTY: boolean;
  now: () => Date;
  clock: () => number;
}

/** Exit codes: 0 ok, 1 `--check` found the lock out of date or `verify` found a bad or missing signature, 2 error. */
export const EXIT = { ok: 0, outOfDate: 1, verifyFailed: 1, error: 2 } as const;

export interface GlobalOpts {
  config: string;
  lockfiles: string;
  mirror: string[];
  keyring: string[];
  cacheDir?: string;
  progress?: boolean;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('distroless-action')
    .description('Build and maintain distroless container images from Debian packages.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addOption(new Option('-c, --config <file>', 'config file').default('distroless.yaml'))
    .addOption(new Option('-l, --lockfiles <dir>', 'lockfile directory').default('lockfiles'))
    .addOption(
      new Option('-m, --mirror <orig=new>', 'replace a source URL (repeatable; env DISTROLESS_MIRRORS="A=B,C=D")')
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option(
        '-k, --keyring <file>',
        'trust the armored OpenPGP public keys in this file instead of the shipped Debian archive keys (repeatable)',
      )
        .argParser(collect)
        .default([]),
    )
    .addOption(new Option('--cache-dir <dir>', 'cache for verified indices (env DISTROLESS_CACHE_DIR)'))
    .addOption(new Option('--progress', 'show progress on stderr even when it is not a terminal'))
    .addOption(new Option('--no-progress', 'never show progress'));

  program
    .command('update')
    .description('resolve every image against the Debian archive, rewrite the lockfiles and print what changed')
    .option('--check', 'write nothing; exit 1 when the committed lockfiles are out of date')
    .option('--json', 'print the diff as JSON on stdout')
    .option(
      '-a, --arch <list>',
      'resolve only these Debian archs (comma-separated); the others keep their locked state',
    )
    .action(async (opts: { check?: boolean; json?: boolean; arch?: string }) => {
      exitCode = await updateCommand(program.opts<GlobalOpts>(), opts, io);
    });

  program
    .command('list')
    .description('list the locked packages of one image and arch (reads the lockfile, no network)')
    .requiredOption('-i, --image <name>', 'image name from the config, e.g. python3')
    .option('-a, --arch <arch>', 'Debian arch (amd64, arm64, armhf, s390x, ppc64el)', 'amd64')
    .option('--json', 'print JSON')
    .action(async (opts: { image: string; arch: string; json?: boolean }) => {
      exitCode = await listCommand(program.opts<GlobalOpts>(), opts, io);
    });

  program
    .command('build')
    .description('build every image × variant × arch from the lockfiles into an OCI image layout (no registry needed)')
    .option('-o, --output <dir>', 'OCI image layout directory', 'out/oci')
    .option('-i, --image <list>', 'only these images (comma-separated)')
    .option('-a, --arch <list>', 'only these Debian archs (comma-separated)')
    .option('--json', 'print the result as JSON')
    .option(
      '--sbom-dir <dir>',
      'where the SPDX SBOMs of the built images go (default: "sbom" beside the output directory)',
    )
    .option('--no-sbom', 'write no SBOM files')
    .addOption(
      new Option('--compression <kind>', "layer compression (default: the config's, else gzip)").choices([
        'gzip',
        'zstd',
      ]),
    )
    .option(
      '--deflate-workers <n>',
      'threads deflating big gzip layers (default: one per core; never changes the bytes)',
    )
    .action(async (opts: BuildOpts) => {
      exitCode = await buildCommand(program.opts<GlobalOpts>(), opts, io);
    });

  program
    .command('push')
    .description('push a built OCI layout to a registry: blobs, then manifests and indexes, then tags (tags last)')
    .requiredOption('-r, --registry <host/prefix>', 'target, e.g. ghcr.io/acme or 127.0.0.1:5000/distroless')
    .option('-o, --output <dir>', 'the OCI image layout that build wrote', 'out/oci')
    .option(
      '--immutable-tag <tag>',
      'also tag every index <tag>-suffixed for this release, e.g. the lock date or the commit; never moved once set',
    )
    .option('--insecure', 'plain http (for a registry on localhost)')
    .option('-u, --username <name>', 'registry user; the password or token comes from DISTROLESS_REGISTRY_PASSWORD')
    .option('--json', 'print the pushed references as JSON')
    .action(async (opts: PushOpts) => {
      exitCode = await pushCommand(opts, io);
    });

  // Scale-out (design.md §8): plan → one build-shard per matrix entry → assemble. See scale-out.ts.
  program
    .command('plan')
    .description(
      'print the shards (image × locked arch) of a scale-out build; --json prints the GitHub Actions matrix on one line',
    )
    .option('-i, --image <list>', 'only these images (comma-separated)')
    .option('-a, --arch <list>', 'only these Debian archs (comma-separated)')
    .option('--json', 'print {"include":[…]} for strategy.matrix')
    .action(async (opts: ScaleOut.PlanOpts) => {
      exitCode = await scaleOut(program.opts<GlobalOpts>(), io, (m, ctx) => m.planCommand(ctx, opts));
    });

  program
    .command('build-shard')
    .description(
      'build one shard of the plan (every variant of one image for one arch) and push its manifests by digest, without tags',
    )
    .requiredOption('-s, --shard <id>', 'shard id from "plan", e.g. python3-debian12-amd64')
    .requiredOption('-r, --registry <host/prefix>', 'target, e.g. ghcr.io/acme or 127.0.0.1:5000/distroless')
    .option('-o, --output <dir>', 'OCI image layout directory', 'out/oci')
    .option('--result <file>', 'write the shard result (JSON, the input of "assemble") to this file')
    .option('--insecure', 'plain http (for a registry on localhost)')
    .option('-u, --username <name>', 'registry user; the password or token comes from DISTROLESS_REGISTRY_PASSWORD')
    .option('--json', 'print the shard result as JSON')
    .action(async (opts: ScaleOut.ShardOpts) => {
      exitCode = await scaleOut(program.opts<GlobalOpts>(), io, (m, ctx) => m.shardCommand(ctx, opts));
    });

  program
    .command('assemble')
    .description(
      'from every shard result: check the shards are complete and pushed, push the indexes, then every tag (tags last)',
    )
    .requiredOption('-r, --registry <host/prefix>', 'the target every shard pushed to')
    .requiredOption('--results <path...>', 'shard result files, or directories of them (*.json)')
    .option('-i, --image <list>', 'the image selection "plan" was given (comma-separated)')
    .option('-a, --arch <list>', 'the arch selection "plan" was given (comma-separated)')
    .option('--immutable-tag <tag>', 'also tag every index <tag>-suffixed for this release; never moved once set')
    .option('--insecure', 'plain http (for a registry on localhost)')
    .option('-u, --username <name>', 'registry user; the password or token comes from DISTROLESS_REGISTRY_PASSWORD')
    .option('--json', 'print the references and the indexes (with their per-arch digests) as JSON')
    .action(async (opts: ScaleOut.AssembleOpts) => {
      exitCode = await scaleOut(program.opts<GlobalOpts>(), io, (m, ctx) => m.assembleCommand(ctx, opts));
    });

  registerPublish(program, io, (code) => {
    exitCode = code;
  });
  registerSign(program, io, (code) => {
    exitCode = code;
  });
  registerVerify(program, io, (code) => {
    exitCode = code;
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.error;
    io.stderr(`error: ${errorMessage(e)}\n`);
    if (isDistrolessError(e)) for (const line of e.details) io.stderr(`  ${line}\n`);
    return EXIT.error;
  }
}

export function parseArchList(text: string, config: Config): string[] {
  const known = new Set(Object.values(config.distros).flatMap((d) => d.archs));
  const archs = text
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const unknown = archs.filter((a) => !known.has(a));
  if (archs.length === 0 || unknown.length > 0) {
    throw new DistrolessError(
      'USAGE',
      `--arch: ${unknown.join(', ') || '(empty)'} is not an arch of the config (${[...known].join(', ')})`,
    );
  }
  return archs;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function loadFromOpts(g: GlobalOpts, io: CliIo) {
  const overrides = {
    ...parseMirrorOverrides(io.env.DISTROLESS_MIRRORS ?? ''),
    ...parseMirrorOverrides(g.mirror.join(',')),
  };
  return loadConfig(resolve(io.cwd, g.config), { sourceOverrides: overrides });
}

export function cacheDir(g: GlobalOpts, io: CliIo): string {
  if (g.cacheDir) return resolve(io.cwd, g.cacheDir);
  if (io.env.DISTROLESS_CACHE_DIR) return resolve(io.cwd, io.env.DISTROLESS_CACHE_DIR);
  const base = io.env.XDG_CACHE_HOME || join(io.env.HOME || homedir(), '.cache');
  return join(base, 'distroless-action');
}

// Each command loads its own modules when it runs: a build never pays for openpgp or undici at start-up.
async function updateCommand(
  g: GlobalOpts,
  opts: { check?: boolean; json?: boolean; arch?: string },
  io: CliIo,
): Promise<number> {
  const [{ runUpdate }, { readKeyringFiles }] = await Promise.all([
    import('../app/update.js'),
    import('../app/keyring-files.js'),
  ]);
  const config = await loadFromOpts(g, io);
  const archs = opts.arch === undefined ? undefined : parseArchList(opts.arch, config);
  const progress = makeProgress({ enabled: g.progress ?? io.isTTY, write: io.stderr, clock: io.clock });
  const result = await runUpdate({
    config,
    lockDir: resolve(io.cwd, g.lockfiles),
    cacheDir: cacheDir(g, io),
    now: io.now(),
    check: opts.check ?? false,
    ...(archs ? { archs } : {}),
    ...(g.keyring.length > 0 ? { keyring: await readKeyringFiles(g.keyring, '--keyring', io.cwd) } : {}),
    onProgress: progress,
  });
  if (opts.json) {
    io.stdout(
      `${JSON.stringify({ changed: result.changed, written: result.written, distros: result.distros }, null, 2)}\n`,
    );
  } else {
    for (const d of result.distros) io.stdout(`${renderDiffText(d.diff, d.archs)}\n`);
    if (result.written)
      io.stdout(
        `wrote ${result.distros
          .filter((d) => d.changed)
          .map((d) => d.lockfile)
          .join(', ')}\n`,
      );
  }
  if (opts.check && result.changed) {
    io.stderr('error: lockfiles are out of date; run "distroless-action update"\n');
    return EXIT.outOfDate;
  }
  return EXIT.ok;
}

interface BuildOpts {
  output: string;
  image?: string;
  arch?: string;
  json?: boolean;
  sbomDir?: string;
  /** false with --no-sbom */
  sbom: boolean;
  compression?: 'gzip' | 'zstd';
  deflateWorkers?: string;
}

async function buildCommand(g: GlobalOpts, opts: BuildOpts, io: CliIo): Promise<number> {
  const { runBuild } = await import('../app/build.js');
  const config = await loadFromOpts(g, io);
  const progress = makeProgress({ enabled: g.progress ?? io.isTTY, write: io.stderr, clock: io.clock });
  const epoch = sourceDateEpoch(io.env.SOURCE_DATE_EPOCH);
  const result = await runBuild({
    config,
    lockDir: resolve(io.cwd, g.lockfiles),
    outDir: resolve(io.cwd, opts.output),
    cacheDir: cacheDir(g, io),
    ...(epoch === undefined ? {} : { epoch }),
    ...(opts.image
      ? {
          images: opts.image
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
    ...(opts.arch ? { archs: parseArchList(opts.arch, config) } : {}),
    ...(!opts.sbom ? { sbomDir: false as const } : opts.sbomDir ? { sbomDir: resolve(io.cwd, opts.sbomDir) } : {}),
    ...(opts.compression ? { compression: opts.compression } : {}),
    ...(opts.deflateWorkers === undefined
      ? {}
      : { deflateWorkers: wholeNumber('--deflate-workers', opts.deflateWorkers) }),
    onProgress: progress,
    onWarning: (m) => io.stderr(`warning: ${m}\n`),
  });
  if (opts.json) {
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = result.images.map((i) => [i.image, i.variant, i.arch, mib(i.size), i.digest]);
  io.stdout(`${textTable(['IMAGE', 'VARIANT', 'ARCH', 'SIZE', 'DIGEST'], rows)}\n`);
  io.stdout(
    `${result.indexes.length} index(es), ${result.images.length} image(s) in ${result.layout} (layers: ${result.layers.built} built, ${result.layers.cached} from cache; epoch ${result.epoch})\n`,
  );
  if (result.sboms.length > 0) io.stdout(`${result.sboms.length} SPDX SBOM(s) in ${dirname(result.sboms[0] ?? '')}\n`);
  return EXIT.ok;
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

function wholeNumber(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new DistrolessError('USAGE', `${flag}: expected a whole number, got "${value}"`);
  return Number(value);
}

/** SOURCE_DATE_EPOCH, when set, must be whole seconds. */
export function sourceDateEpoch(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value))
    throw new DistrolessError('USAGE', `SOURCE_DATE_EPOCH: expected whole seconds since 1970, got "${value}"`);
  return Number(value);
}

interface PushOpts {
  registry: string;
  output: string;
  immutableTag?: string;
  insecure?: boolean;
  username?: string;
  json?: boolean;
  progress?: boolean;
}

async function pushCommand(opts: PushOpts, io: CliIo): Promise<number> {
  const { runPush } = await import('../app/push.js');
  const keychain = await cliKeychain(io, opts.registry, opts.username);
  const progress = makeProgress({ enabled: io.isTTY, write: io.stderr, clock: io.clock });
  let sent = 0;
  const summary = await runPush({
    layoutDir: resolve(io.cwd, opts.output),
    registry: opts.registry,
    keychain,
    ...(opts.insecure ? { insecure: true } : {}),
    ...(opts.immutableTag ? { immutableTag: opts.immutableTag } : {}),
    onProgress: (e) => {
      if (e.kind === 'blob' && e.action !== 'exists')
        progress(`blob ${e.done}/${e.total} ${e.action} ${e.repository}@${e.digest.slice(0, 19)}…`);
      else if (e.kind === 'tag' && e.action === 'put') progress(`tagged ${e.repository}:${e.tag}`);
      else if (e.kind === 'bytes' && e.totalSent - sent >= 50e6) {
        sent = e.totalSent;
        progress(`${(sent / 1e6).toFixed(0)} MB sent`);
      }
    },
  });
  if (opts.json) {
    io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout(
    `${textTable(
      ['REFERENCE', 'DIGEST'],
      summary.refs.map((r) => [r.reference, r.digest]),
    )}\n`,
  );
  io.stdout(
    `${summary.refs.length} reference(s) in ${summary.registry}: ${summary.uploadedBlobs} blob(s) uploaded (${mib(summary.uploadedBytes)}), ${summary.mountedBlobs} mounted, ${summary.existingBlobs} already there\n`,
  );
  return EXIT.ok;
}

async function scaleOut(
  g: GlobalOpts,
  io: CliIo,
  run: (m: typeof ScaleOut, ctx: ScaleOut.ScaleOutContext) => Promise<number>,
): Promise<number> {
  const m = await import('./scale-out.js');
  const config = await loadFromOpts(g, io);
  const epoch = sourceDateEpoch(io.env.SOURCE_DATE_EPOCH);
  const ctx = {
    io,
    config,
    lockDir: resolve(io.cwd, g.lockfiles),
    cacheDir: cacheDir(g, io),
    progress: g.progress ?? io.isTTY,
    parseArchs: (t: string) => parseArchList(t, config),
  };
  return run(m, epoch === undefined ? ctx : { ...ctx, epoch });
}

async function listCommand(
  g: GlobalOpts,
  opts: { image: string; arch: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const { listImage } = await import('../app/list.js');
  const config = await loadFromOpts(g, io);
  const listed = await listImage(config, resolve(io.cwd, g.lockfiles), opts.image, opts.arch);
  if (opts.json) {
    io.stdout(`${JSON.stringify(listed, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = listed.packages.map((p) => [
    p.name,
    p.version,
    p.architecture,
    p.suite,
    String(p.size),
    p.requiredBy || '(requested)',
  ]);
  io.stdout(`${listed.image} (${listed.distro}, ${listed.arch}): ${listed.packages.length} packages\n`);
  io.stdout(`${textTable(['PACKAGE', 'VERSION', 'ARCH', 'SUITE', 'SIZE', 'REQUIRED BY'], rows)}\n`);
  const excluded = Object.entries(listed.excluded);
  if (excluded.length > 0)
    io.stdout(`excluded: ${excluded.map(([n, by]) => `${n} (wanted by ${by.join(', ')})`).join('; ')}\n`);
  return EXIT.ok;
}
