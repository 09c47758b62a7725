/**
 * apt as an oracle for the resolver (docs/architecture.md#testing), isolated from the host: a private apt.conf
 * (read via APT_CONFIG before anything else, so the host's apt.conf.d is not read), an empty dpkg status, private
 * lists/cache directories, a private sources.list, one architecture, Install-Recommends off, the Debian
 * archive keyring as the only trusted keys and Debug::NoLocking. Nothing on the host is touched.
 *
 * The indices for our own resolver are fetched with plain `fetch` by their `by-hash` path taken from the
 * InRelease that apt itself downloaded and verified, so both sides see byte-identical Packages files even
 * when the mirror updates in between.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { deb822Field, deb822Lines, parseDeb822 } from '../../src/debian/deb822.js';
import { parsePackagesIndex } from '../../src/debian/packages.js';
import { mirrorFetch } from './mirror-fetch.js';
import type { PackageRecord, SuiteRef } from '../../src/debian/types.js';

const run = promisify(execFile);
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

export interface AptRoot {
  dir: string;
  arch: string;
  sources: readonly SuiteRef[];
  env: NodeJS.ProcessEnv;
}

/** First line of `apt-get --version`, e.g. `apt 2.6.1 (amd64)`. */
export async function aptVersion(): Promise<string> {
  const { stdout } = await run('apt-get', ['--version'], { env: { ...process.env, LC_ALL: 'C' } });
  return stdout.split('\n')[0]?.trim() ?? 'apt (unknown version)';
}

/** The same, synchronously (for test titles, which are built before any test runs). */
export function aptVersionSync(): string {
  const out = execFileSync('apt-get', ['--version'], { env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8' });
  return out.split('\n')[0]?.trim() ?? 'apt (unknown version)';
}

/** Creates a private apt root for one architecture and the given sources (config order), in `dir` or a temp dir. */
export async function createAptRoot(arch: string, sources: readonly SuiteRef[], dir?: string): Promise<AptRoot> {
  dir ??= await mkdtemp(join(tmpdir(), `apt-oracle-${arch}-`));
  for (const sub of [
    'lists/partial',
    'cache/archives/partial',
    'etc/apt.conf.d',
    'etc/preferences.d',
    'etc/trusted.gpg.d',
  ]) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  await writeFile(join(dir, 'status'), '');
  const list = sources.map((s) => `deb ${s.url} ${s.suite} ${s.component}\n`).join('');
  await writeFile(join(dir, 'sources.list'), list);
  const conf = [
    `Dir::Etc::Parts "${dir}/etc/apt.conf.d";`,
    `Dir::Etc::Main "${dir}/etc/apt.conf";`,
    `Dir::Etc::Preferences "${dir}/etc/preferences";`,
    `Dir::Etc::PreferencesParts "${dir}/etc/preferences.d";`,
    `Dir::Etc::SourceList "${dir}/sources.list";`,
    `Dir::Etc::SourceParts "/nonexistent";`,
    `Dir::Etc::Trusted "${KEYRING}";`,
    `Dir::Etc::TrustedParts "${dir}/etc/trusted.gpg.d";`,
    `Dir::State::status "${dir}/status";`,
    `Dir::State::Lists "${dir}/lists";`,
    `Dir::State::extended_states "${dir}/extended_states";`,
    `Dir::Cache "${dir}/cache";`,
    `APT::Architecture "${arch}";`,
    `APT::Architectures { "${arch}"; };`,
    'APT::Install-Recommends "false";',
    'APT::Install-Suggests "false";',
    'Acquire::Languages "none";',
    'Debug::NoLocking "true";',
    // The private directories are root-only (mkdtemp); let apt download as root instead of warning.
    'APT::Sandbox::User "root";',
  ].join('\n');
  await writeFile(join(dir, 'apt.conf'), `${conf}\n`);
  const env = { ...process.env, APT_CONFIG: join(dir, 'apt.conf'), LC_ALL: 'C' };
  return { dir, arch, sources, env };
}

/** The `-o` options of docs/architecture.md#testing, repeated on the command line for clarity (apt.conf has them). */
function options(root: AptRoot): string[] {
  const o = (kv: string): string[] => ['-o', kv];
  return [
    ...o(`Dir::State::status=${root.dir}/status`),
    ...o(`Dir::State::Lists=${root.dir}/lists`),
    ...o(`Dir::Etc::SourceList=${root.dir}/sources.list`),
    ...o('Dir::Etc::SourceParts=/nonexistent'),
    ...o(`APT::Architecture=${root.arch}`),
    ...o(`APT::Architectures=${root.arch}`),
    ...o('APT::Install-Recommends=false'),
    ...o(`Dir::Cache=${root.dir}/cache`),
    ...o('Debug::NoLocking=1'),
  ];
}

/**
 * `apt-get update`, tried `attempts` times: a mirror caught mid-sync serves an index that does not match
 * its InRelease ("File has unexpected size … Mirror sync in progress?"). apt then drops that whole suite
 * (it keeps no InRelease for it); so does fetchIndexLikeApt, and both sides still see the same data.
 * Returns apt's error lines of the last attempt ([] when it succeeded).
 */
export async function aptUpdate(root: AptRoot, attempts = 2): Promise<string[]> {
  let errors: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await run('apt-get', [...options(root), '-q', 'update'], { env: root.env, maxBuffer: 16 << 20 });
      errors = [];
      break;
    } catch (e) {
      const stdout = (e as { stdout?: string }).stdout ?? '';
      const stderr = (e as { stderr?: string }).stderr ?? String(e);
      errors = `${stdout}\n${stderr}`.split('\n').filter((l) => l.startsWith('E: ') || l.startsWith('Err:'));
      if (attempt < attempts) await new Promise((r) => setTimeout(r, 3000));
    }
  }
  // Build the binary cache once, so that simulations can run in parallel without racing to write it.
  await run('apt-cache', [...options(root), 'gencaches'], { env: root.env, maxBuffer: 16 << 20 });
  return errors;
}

/** `apt-get -s install PKGS`: the packages apt would install, name → version. */
export async function aptSimulateInstall(root: AptRoot, packages: readonly string[]): Promise<Map<string, string>> {
  const { stdout } = await run('apt-get', [...options(root), '-s', '-q', 'install', ...packages], {
    env: root.env,
    maxBuffer: 16 << 20,
  });
  const out = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^Inst (\S+) \((\S+) /.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1].replace(/:[a-z0-9]+$/, ''), m[2]);
  }
  return out;
}

/** The Release part of a clear-signed InRelease (no signature check: apt verified this copy). */
function releaseText(inRelease: string): string {
  const start = inRelease.indexOf('\n\n');
  const end = inRelease.indexOf('\n-----BEGIN PGP SIGNATURE-----');
  return inRelease.startsWith('-----BEGIN PGP SIGNED MESSAGE-----') && start >= 0 && end > start
    ? inRelease.slice(start + 2, end)
    : inRelease;
}

/** apt's file name for a URL in Dir::State::Lists (scheme dropped, '/' → '_'). */
function listName(url: string): string {
  return url
    .replace(/^[a-z]+:\/\//, '')
    .replace(/\/+$/, '')
    .replaceAll('/', '_');
}

export interface FetchedIndex {
  origin: SuiteRef;
  /** null when the suite does not carry the architecture, or apt could not get a consistent copy. */
  packages: PackageRecord[] | null;
  /** apt's registration order of the names in this index (see ParseOptions.names). */
  names: string[];
  /** Why `packages` is null, or where the index came from when not from its by-hash URL. */
  note?: string;
}

/**
 * The `<component>/binary-<arch>/Packages` index of a source, as apt has it: the hash and size come from
 * the InRelease apt downloaded and verified; the bytes are fetched with `fetch` from the by-hash path
 * (else the plain path), checked, decompressed (xz / gzip) and parsed. If the mirror serves neither
 * consistently, apt's own verified copy in its lists directory is read instead (noted); if apt has none
 * either (it dropped the suite or the index), it is left out on our side too (noted).
 */
export async function fetchIndexLikeApt(root: AptRoot, origin: SuiteRef): Promise<FetchedIndex> {
  const lists = await readdir(join(root.dir, 'lists'));
  const prefix = listName(`${origin.url}/dists/${origin.suite}`);
  if (!lists.includes(`${prefix}_InRelease`))
    return { origin, packages: null, names: [], note: 'apt-get update dropped the suite' };
  const [release] = parseDeb822(
    releaseText(await readFile(join(root.dir, 'lists', `${prefix}_InRelease`), 'utf8')),
    prefix,
  );
  if (release === undefined) throw new Error(`${prefix}_InRelease: empty`);
  const archs = (deb822Field(release, 'Architectures') ?? '').split(/\s+/);
  if (!archs.includes(root.arch))
    return { origin, packages: null, names: [], note: `Release does not list ${root.arch}` };
  const aptCopy = `${prefix}_${origin.component}_binary-${root.arch}_Packages`;
  if (!lists.includes(aptCopy))
    return { origin, packages: null, names: [], note: 'apt could not download a consistent index' };
  const entries = deb822Lines(deb822Field(release, 'SHA256') ?? '').map((l) => l.trim().split(/\s+/));
  const base = `${origin.url}/dists/${origin.suite}/${origin.component}/binary-${root.arch}`;
  const names: string[] = [];
  for (const ext of ['xz', 'gz']) {
    const entry = entries.find((e) => e[2] === `${origin.component}/binary-${root.arch}/Packages.${ext}`);
    if (entry?.[0] === undefined) continue;
    const [hash, size] = [entry[0], Number(entry[1])];
    const data =
      (await fetchChecked(`${base}/by-hash/SHA256/${hash}`, hash, size)) ??
      (await fetchChecked(`${base}/Packages.${ext}`, hash, size));
    if (data === null) break;
    const plain = ext === 'xz' ? execFileSync('xz', ['-dc'], { input: data, maxBuffer: 1 << 30 }) : gunzipSync(data);
    return { origin, packages: parsePackagesIndex(plain, `${base}/Packages.${ext}`, { names }), names };
  }
  const copy = await readFile(join(root.dir, 'lists', aptCopy));
  const packages = parsePackagesIndex(copy, aptCopy, { names });
  return {
    origin,
    packages,
    names,
    note: "the mirror does not serve the index its InRelease lists; read apt's verified copy",
  };
}

/** GET with size and sha256 checks; null when the mirror does not serve those bytes (404, other content). */
async function fetchChecked(url: string, sha256: string, size: number): Promise<Uint8Array | null> {
  const res = await mirrorFetch(url);
  if (!res.ok) {
    await res.body?.cancel();
    return null;
  }
  const data = new Uint8Array(await res.arrayBuffer());
  if (data.byteLength !== size) return null;
  return createHash('sha256').update(data).digest('hex') === sha256 ? data : null;
}

export async function removeAptRoot(root: AptRoot): Promise<void> {
  await rm(root.dir, { recursive: true, force: true });
}
