import { Option, type Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { textTable } from '../lock/render.js';
import type { PublishOptions } from '../app/publish.js';
import type { Config } from '../config/index.js';
import type { Keychain } from '../registry/index.js';
import { addSigningOptions, cliAttest, cliSigning, type SigningOpts } from './sign.js';
import { cliKeychain } from './credentials.js';
import {
  cacheDir,
  EXIT,
  loadFromOpts,
  mib,
  parseArchList,
  sourceDateEpoch,
  type CliIo,
  type GlobalOpts,
} from './main.js';
import { makeProgress } from './progress.js';

interface PublishOpts extends SigningOpts {
  registry: string;
  output: string;
  image?: string;
  arch?: string;
  immutableTag?: string;
  insecure?: boolean;
  username?: string;
  summary?: string;
  json?: boolean;
}

/** `publish`: build + push + sign in one command, as a release job runs it. */
export function registerPublish(program: Command, io: CliIo, setExit: (code: number) => void): Command {
  return addSigningOptions(program.command('publish'))
    .description(
      'build every image from the lockfiles, push them (tags last) and sign what was pushed: a whole release',
    )
    .requiredOption('-r, --registry <host/prefix>', 'target, e.g. ghcr.io/acme or 127.0.0.1:5000/distroless')
    .option('-o, --output <dir>', 'OCI image layout directory to build into', 'out/oci')
    .option('-i, --image <list>', 'only these images (comma-separated)')
    .option('-a, --arch <list>', 'only these Debian archs (comma-separated)')
    .option('--immutable-tag <tag>', 'also tag every index <tag>-suffixed for this release; never moved once set')
    .option('--insecure', 'plain http (for a registry on localhost)')
    .option('-u, --username <name>', 'registry user; the password or token comes from DISTROLESS_REGISTRY_PASSWORD')
    .addOption(
      new Option(
        '--summary <file>',
        'write the Markdown report (images, digests, size changes, signatures) to this file',
      ).env('GITHUB_STEP_SUMMARY'),
    )
    .option('--json', 'print the report as JSON')
    .action(async (opts: PublishOpts) => {
      setExit(await publishCommand(program.opts<GlobalOpts>(), opts, io));
    });
}

async function publishCommand(g: GlobalOpts, opts: PublishOpts, io: CliIo): Promise<number> {
  const [{ runPublish }, { renderPublishSummary }] = await Promise.all([
    import('../app/publish.js'),
    import('../app/summary.js'),
  ]);
  const config = await loadFromOpts(g, io);
  const progress = makeProgress({ enabled: g.progress ?? io.isTTY, write: io.stderr, clock: io.clock });
  const epoch = sourceDateEpoch(io.env.SOURCE_DATE_EPOCH);
  const keychain = await cliKeychain(io, opts.registry, opts.username);
  const images = opts.image
    ? opts.image
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
  const sign = await signerFor(g, opts, io, config, keychain, images);
  if (sign === undefined)
    io.stderr('warning: publishing unsigned: give --key (or DISTROLESS_SIGNING_KEY) or --keyless to sign\n');
  const report = await runPublish({
    config,
    lockDir: resolve(io.cwd, g.lockfiles),
    outDir: resolve(io.cwd, opts.output),
    cacheDir: cacheDir(g, io),
    registry: opts.registry,
    keychain,
    ...(opts.insecure ? { insecure: true } : {}),
    ...(opts.immutableTag ? { immutableTag: opts.immutableTag } : {}),
    ...(epoch === undefined ? {} : { epoch }),
    ...(images ? { images } : {}),
    ...(opts.arch ? { archs: parseArchList(opts.arch, config) } : {}),
    ...(sign ? { sign } : {}),
    onProgress: progress,
    onWarning: (m) => io.stderr(`warning: ${m}\n`),
  });
  if (opts.summary) await writeFile(resolve(io.cwd, opts.summary), renderPublishSummary(report), { flag: 'a' });
  if (opts.json) {
    io.stdout(
      `${JSON.stringify({ registry: report.registry, indexes: report.indexes, images: report.rows, push: report.push }, null, 2)}\n`,
    );
    return EXIT.ok;
  }
  const rows = report.rows.map((r) => [r.reference, mib(r.size), r.digest, r.signature]);
  io.stdout(`${textTable(['REFERENCE', 'SIZE', 'DIGEST', 'SIGNATURE'], rows)}\n`);
  io.stdout(
    `${report.indexes.length} index(es), ${report.rows.length} image(s) in ${report.registry}: ${report.push.uploadedBlobs} blob(s) uploaded (${mib(report.push.uploadedBytes)})\n`,
  );
  return EXIT.ok;
}

/** The release signer, when a key or keyless signing is given: signs and attests every image × variant pushed. */
async function signerFor(
  g: GlobalOpts,
  opts: PublishOpts,
  io: CliIo,
  config: Config,
  keychain: Keychain,
  images: string[] | undefined,
): Promise<PublishOptions['sign']> {
  const keyGiven = opts.key !== undefined || (io.env.DISTROLESS_SIGNING_KEY ?? '').trim() !== '';
  if (!keyGiven && !opts.keyless) return undefined;
  const { releaseSigner } = await import('../app/signing.js');
  const signing = await cliSigning(opts, io);
  const attest = await cliAttest(g, io, config);
  const progress = makeProgress({ enabled: g.progress ?? io.isTTY, write: io.stderr, clock: io.clock });
  return releaseSigner({
    signing,
    attest,
    registry: opts.registry,
    config,
    keychain,
    ...(opts.insecure ? { insecure: true } : {}),
    ...(images ? { images } : {}),
    ...(opts.immutableTag ? { tag: opts.immutableTag } : {}),
    onProgress: progress,
  });
}
