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
  utf8Jar: string;
}

/** A JDK tool on the host, without the JVM's perf data file (it would leave /tmp/hsperfdata_<user> behind). */
function jdk(tool: 'javac' | 'jar', args: string[]): ReturnType<typeof exec> {
  return exec(tool, ['-J-XX:-UsePerfData', ...args]);
}

/** Compiles the test programs on the host (gcc, g++, javac and jar from Debian 12). */
export async function compilePrograms(dir: string): Promise<TestPrograms> {
  const out = (n: string): string => join(dir, n);
  await exec('gcc', ['-static', '-O1', '-o', out('static-certs'), join(programs, 'static-certs.c')]);
  await exec('gcc', ['-O1', '-o', out('openssl-certs'), join(programs, 'openssl-certs.c'), '-lssl', '-lcrypto']);
  await exec('g++', ['-O1', '-pthread', '-o', out('hello'), join(programs, 'hello.cc')]);
  const classes = out('classes');
  await mkdir(classes, { recursive: true });
  await jdk('javac', ['--release', '17', '-d', classes, join(programs, 'Trust.java')]);
  await jdk('jar', ['--create', '--file', out('trust.jar'), '--main-class', 'Trust', '-C', classes, '.']);
  const utf8 = out('utf8-classes');
  await mkdir(utf8, { recursive: true });
  await jdk('javac', ['--release', '17', '-encoding', 'UTF-8', '-d', utf8, join(programs, 'Utf8.java')]);
  await jdk('jar', ['--create', '--file', out('utf8.jar'), '--main-class', 'Utf8', '-C', utf8, '.']);
  return {
    staticCerts: out('static-certs'),
    opensslCerts: out('openssl-certs'),
    hello: out('hello'),
    trustJar: out('trust.jar'),
    utf8Jar: out('utf8.jar'),
  };
}

export interface Unpacked {
  bundle: string;
  rootfs: string;
}

/** The programs distroless' structure tests run (test/e2e/structure), built on the host. */
export interface StructurePrograms {
  /** `/check_certs` (static/testdata/static.yaml) */
  checkCerts: string;
  /** `/hello_debian12_binary` and `/hello_cc_debian12_binary` (examples/cc) */
  helloC: string;
  helloCc: string;
  /** The testdata.* classes of java/testdata, one jar for `java -cp "/*"`. */
  testdataJar: string;
}

export async function compileStructurePrograms(dir: string): Promise<StructurePrograms> {
  const src = new URL('../e2e/structure/', import.meta.url).pathname;
  const out = (n: string): string => join(dir, n);
  await exec('gcc', ['-static', '-O1', '-o', out('check_certs'), join(src, 'static/testdata/check_certs.c')]);
  await exec('gcc', ['-O1', '-o', out('hello_c'), join(src, 'examples/cc/hello.c')]);
  await exec('g++', ['-O1', '-o', out('hello_cc'), join(src, 'examples/cc/hello_cc.cc')]);
  const classes = out('testdata-classes');
  await mkdir(classes, { recursive: true });
  const java = ['CheckCerts', 'CheckEncoding', 'CheckLibharfbuzz'].map((c) => join(src, `java/testdata/${c}.java`));
  await jdk('javac', ['--release', '17', '-d', classes, ...java]);
  await jdk('jar', ['--create', '--file', out('testdata.jar'), '-C', classes, '.']);
  return {
    checkCerts: out('check_certs'),
    helloC: out('hello_c'),
    helloCc: out('hello_cc'),
    testdataJar: out('testdata.jar'),
  };
}

/** `umoci unpack` of one layout ref into a fresh bundle, under `dir` (default: the system's temp dir). */
export async function unpack(layout: string, ref: string, dir: string = tmpdir()): Promise<Unpacked> {
  const parent = await mkdtemp(join(dir, 'e2e-bundle-'));
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
  await copyInto(u, copy);
  const configPath = join(u.bundle, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as { process: { args: string[] } };
  if (args) config.process.args = args;
  await writeFile(configPath, JSON.stringify(config));
  const id = `e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const { stdout } = await runcRun(u.bundle, id);
  return stdout;
}

/** Copies host files into an unpacked image (mode 0755), as a user's own layer would add them. */
export async function copyInto(u: Unpacked, copy: Array<[string, string]>): Promise<void> {
  for (const [from, to] of copy) {
    await mkdir(dirname(join(u.rootfs, to)), { recursive: true });
    await copyFile(from, join(u.rootfs, to));
    await chmod(join(u.rootfs, to), 0o755);
  }
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
