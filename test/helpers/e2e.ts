import { execFile } from 'node:child_process';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { runcRun, umociUnpack } from './oci-tools.js';

const exec = promisify(execFile);
const programs = new URL('../fixtures/programs/', import.meta.url).pathname;

export interface TestPrograms {
  staticCerts: string;
  opensslCerts: string;
  hello: string;
  trustJar: string;
}

/** Compiles the test programs on the host (gcc, g++, javac and jar from Debian 12). */
export async function compilePrograms(dir: string): Promise<TestPrograms> {
  const out = (n: string): string => join(dir, n);
  await exec('gcc', ['-static', '-O1', '-o', out('static-certs'), join(programs, 'static-certs.c')]);
  await exec('gcc', ['-O1', '-o', out('openssl-certs'), join(programs, 'openssl-certs.c'), '-lssl', '-lcrypto']);
  await exec('g++', ['-O1', '-pthread', '-o', out('hello'), join(programs, 'hello.cc')]);
  const classes = out('classes');
  await mkdir(classes, { recursive: true });
  await exec('javac', ['--release', '17', '-d', classes, join(programs, 'Trust.java')]);
  await exec('jar', ['--create', '--file', out('trust.jar'), '--main-class', 'Trust', '-C', classes, '.']);
  return {
    staticCerts: out('static-certs'),
    opensslCerts: out('openssl-certs'),
    hello: out('hello'),
    trustJar: out('trust.jar'),
  };
}

export interface Unpacked {
  bundle: string;
  rootfs: string;
}

/**
 * `umoci unpack` of one layout ref into a fresh bundle beside the layout (so that whoever removes the layout's
 * work directory removes the bundles too).
 */
export async function unpack(layout: string, ref: string): Promise<Unpacked> {
  const parent = await mkdtemp(join(dirname(layout), 'e2e-bundle-'));
  const bundle = join(parent, 'bundle');
  await umociUnpack(layout, ref, bundle);
  return { bundle, rootfs: join(bundle, 'rootfs') };
}

/**
 * Runs `args` in an unpacked image with runc (as the image's user, with the image's env), after copying
 * host files in (mode 0755), as a user's own layer would. Appends the image's entrypoint when `args` is null.
 */
export async function runInImage(
  u: Unpacked,
  args: string[] | null,
  copy: Array<[string, string]> = [],
): Promise<string> {
  for (const [from, to] of copy) {
    await mkdir(dirname(join(u.rootfs, to)), { recursive: true });
    await copyFile(from, join(u.rootfs, to));
    await chmod(join(u.rootfs, to), 0o755);
  }
  const configPath = join(u.bundle, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as { process: { args: string[] } };
  if (args) config.process.args = args;
  await writeFile(configPath, JSON.stringify(config));
  const id = `e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const { stdout } = await runcRun(u.bundle, id);
  return stdout;
}

export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** Package names that dpkg itself reads from the image's status.d (as a scanner would). */
export async function dpkgPackages(rootfs: string): Promise<string[]> {
  const statusDir = join(rootfs, 'var/lib/dpkg/status.d');
  const files = (await readdir(statusDir)).filter((f) => !f.endsWith('.md5sums')).sort();
  const stanzas = await Promise.all(files.map(async (f) => (await readFile(join(statusDir, f), 'utf8')).trimEnd()));
  const admin = await mkdtemp(join(tmpdir(), 'dpkg-admin-'));
  try {
    await mkdir(join(admin, 'info'));
    await writeFile(join(admin, 'status'), `${stanzas.join('\n\n')}\n`);
    await writeFile(join(admin, 'available'), '');
    const { stdout } = await exec('dpkg-query', [`--admindir=${admin}`, '-W', '-f', '${Package}\t${Status}\n']);
    return stdout
      .trim()
      .split('\n')
      .map((l) => {
        const [name = '', status = ''] = l.split('\t');
        if (status !== 'install ok installed') throw new Error(`${name}: dpkg status "${status}"`);
        return name;
      })
      .sort();
  } finally {
    await rm(admin, { recursive: true, force: true });
  }
}
