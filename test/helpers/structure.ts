/**
 * A small runner of the container-structure-test schema (GoogleContainerTools/container-structure-test, the
 * fields distroless' test files use): fileExistenceTests, fileContentTests, commandTests and metadataTest,
 * against an image unpacked by umoci (files), its OCI config (metadata) and runc (commands).
 *
 * Semantics kept from container-structure-test:
 * - regexes (expectedOutput/Error, expectedContents, excluded*) are unanchored searches of the whole text;
 *   every expected one must match, no excluded one may;
 * - fileExistence looks at the path itself (a symlink is a symlink: `permissions: Lrwxrwxrwx`), fileContent
 *   reads through symlinks; both resolve symlinks inside the image, never on the host;
 * - `permissions` is Go's os.FileMode string (`-rw-r--r--`, `drwxr-xr-x`, `dtrwxrwxrwx`, `Lrwxrwxrwx`);
 * - a command runs as the image's user, with its env and working directory, its entrypoint replaced by
 *   `command` + `args`; `exitCode` defaults to 0;
 * - metadataTest compares env values exactly (or as a regex with `isRegex`).
 * One addition: `${NAME}` in a string is replaced by `vars[NAME]` (regex-escaped inside regexes), so that a test
 * pinning a version can be adapted to the version the lock pins; an unknown name is an error.
 */
import { execFile } from 'node:child_process';
import { lstat, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { parse } from 'yaml';

export interface ImageMetadata {
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  User?: string;
  WorkingDir?: string;
  Labels?: Record<string, string>;
}

export interface StructureTarget {
  /** umoci bundle: `rootfs/` and the runtime `config.json`. */
  bundle: string;
  rootfs: string;
  /** The image config's `config` object. */
  metadata: ImageMetadata;
  /** false (another arch): command tests are not run and are reported as such. */
  execute: boolean;
}

export interface StructureOutcome {
  kind: 'fileExistence' | 'fileContent' | 'command' | 'metadata';
  name: string;
  /** 'skipped' only for command tests on a target that cannot execute. */
  result: 'passed' | 'failed' | 'skipped';
  /** Why it failed. */
  detail?: string;
}

type Vars = Readonly<Record<string, string>>;

interface FileExistenceTest {
  name: string;
  path: string;
  shouldExist?: boolean;
  permissions?: string;
  uid?: number;
  gid?: number;
  isExecutableBy?: 'any' | 'owner' | 'group' | 'other';
}
interface FileContentTest {
  name: string;
  path: string;
  expectedContents?: string[];
  excludedContents?: string[];
}
interface CommandTest {
  name: string;
  command: string | string[];
  args?: string[];
  exitCode?: number;
  expectedOutput?: string[];
  expectedError?: string[];
  excludedOutput?: string[];
  excludedError?: string[];
}
interface KeyValue {
  key: string;
  value: string;
  isRegex?: boolean;
}
interface MetadataTest {
  envVars?: KeyValue[];
  labels?: KeyValue[];
  entrypoint?: string[];
  cmd?: string[];
  workdir?: string;
  user?: string;
}
interface StructureFile {
  schemaVersion: string;
  fileExistenceTests?: FileExistenceTest[];
  fileContentTests?: FileContentTest[];
  commandTests?: CommandTest[];
  metadataTest?: MetadataTest;
}

const KNOWN = new Set(['schemaVersion', 'fileExistenceTests', 'fileContentTests', 'commandTests', 'metadataTest']);

/** Parses a structure-test file; unknown top-level keys are an error (they would be tests silently not run). */
export function parseStructureFile(text: string, file: string): StructureFile {
  const doc = parse(text) as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object') throw new Error(`${file}: not a mapping`);
  for (const key of Object.keys(doc)) if (!KNOWN.has(key)) throw new Error(`${file}: unsupported key ${key}`);
  if (typeof doc['schemaVersion'] !== 'string') throw new Error(`${file}: no schemaVersion`);
  return doc as unknown as StructureFile;
}

function expand(s: string, vars: Vars, regex: boolean): string {
  return s.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`structure test uses \${${name}}, which has no value`);
    return regex ? v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : v;
  });
}

/** Resolves `path` inside `root` (absolute symlinks are relative to it); `followLast` as stat vs lstat. */
async function resolveInRoot(root: string, path: string, followLast: boolean): Promise<string> {
  const parts = posix.normalize(`/${path}`).split('/').filter(Boolean);
  let resolved: string[] = [];
  for (let hops = 0, i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part];
    const host = join(root, ...candidate);
    const last = i === parts.length - 1;
    const st = await lstat(host).catch(() => undefined);
    if (st?.isSymbolicLink() && (!last || followLast)) {
      if (++hops > 40) throw new Error(`${path}: too many levels of symbolic links`);
      const target = await readlink(host);
      const rest = parts.slice(i + 1);
      const base = target.startsWith('/') ? [] : resolved;
      const next = posix
        .normalize(`/${[...base, target].join('/')}`)
        .split('/')
        .filter(Boolean);
      parts.splice(0, parts.length, ...next, ...rest);
      resolved = [];
      i = -1;
      continue;
    }
    resolved = candidate;
  }
  return join(root, ...resolved);
}

/** Go's os.FileMode.String() for what lstat reports. */
function goModeString(mode: number): string {
  const S_IFMT = 0o170000;
  const type = mode & S_IFMT;
  let prefix = '';
  if (type === 0o040000) prefix += 'd';
  if (type === 0o120000) prefix += 'L';
  if (type === 0o060000) prefix += 'D';
  if (type === 0o010000) prefix += 'p';
  if (type === 0o140000) prefix += 'S';
  if (mode & 0o4000) prefix += 'u';
  if (mode & 0o2000) prefix += 'g';
  if (type === 0o020000) prefix += 'Dc';
  if (mode & 0o1000) prefix += 't';
  const rwx = 'rwxrwxrwx'
    .split('')
    .map((c, i) => (mode & (1 << (8 - i)) ? c : '-'))
    .join('');
  return (prefix === '' ? '-' : prefix) + rwx;
}

function search(patterns: readonly string[] | undefined, text: string, vars: Vars, want: boolean): string[] {
  const bad: string[] = [];
  for (const p of patterns ?? []) {
    const re = new RegExp(expand(p, vars, true));
    if (re.test(text) !== want) bad.push(`${want ? 'expected' : 'excluded'} /${re.source}/`);
  }
  return bad;
}

interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs `args` in the bundle with runc (a fresh container id and state dir each time). */
async function runc(bundle: string, args: string[]): Promise<RunResult> {
  const configPath = join(bundle, 'config.json');
  const original = await readFile(configPath, 'utf8');
  const config = JSON.parse(original) as { process: { args: string[]; terminal?: boolean } };
  config.process.args = args;
  config.process.terminal = false;
  await writeFile(configPath, JSON.stringify(config));
  const state = await mkdtemp(join(tmpdir(), 'cst-runc-'));
  const id = `cst-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    return await new Promise<RunResult>((resolve, reject) => {
      execFile(
        'runc',
        ['--root', state, 'run', '--bundle', bundle, id],
        { maxBuffer: 64 * 1024 * 1024, timeout: 180_000 },
        (err, stdout, stderr) => {
          const code = err ? (err as { code?: unknown }).code : 0;
          if (typeof code !== 'number') reject(err ?? new Error('runc: no exit code'));
          else resolve({ stdout, stderr, code });
        },
      );
    });
  } finally {
    await rm(state, { recursive: true, force: true });
    await writeFile(configPath, original);
  }
}

/** Runs every test of one file against one target; never throws for a failing test (it is an outcome). */
export async function runStructureFile(
  file: StructureFile,
  target: StructureTarget,
  vars: Vars = {},
): Promise<StructureOutcome[]> {
  const out: StructureOutcome[] = [];
  const record = (kind: StructureOutcome['kind'], name: string, problems: string[]): void => {
    out.push(
      problems.length === 0
        ? { kind, name, result: 'passed' }
        : { kind, name, result: 'failed', detail: problems.join('; ') },
    );
  };
  for (const t of file.fileExistenceTests ?? []) {
    const path = expand(t.path, vars, false);
    const host = await resolveInRoot(target.rootfs, path, false);
    const st = await lstat(host).catch(() => undefined);
    const problems: string[] = [];
    const shouldExist = t.shouldExist ?? true;
    if (shouldExist !== (st !== undefined)) problems.push(`${path} ${st ? 'exists' : 'does not exist'}`);
    if (st && shouldExist) {
      if (t.permissions !== undefined && goModeString(st.mode) !== t.permissions)
        problems.push(`${path}: permissions ${goModeString(st.mode)}, expected ${t.permissions}`);
      if (t.uid !== undefined && st.uid !== t.uid) problems.push(`${path}: uid ${st.uid}, expected ${t.uid}`);
      if (t.gid !== undefined && st.gid !== t.gid) problems.push(`${path}: gid ${st.gid}, expected ${t.gid}`);
      if (t.isExecutableBy !== undefined) {
        const bits = { owner: 0o100, group: 0o010, other: 0o001, any: 0o111 }[t.isExecutableBy];
        if ((st.mode & bits) === 0) problems.push(`${path}: not executable by ${t.isExecutableBy}`);
      }
    }
    record('fileExistence', t.name, problems);
  }
  for (const t of file.fileContentTests ?? []) {
    const path = expand(t.path, vars, false);
    const text = await readFile(await resolveInRoot(target.rootfs, path, true), 'utf8').catch(() => undefined);
    if (text === undefined) record('fileContent', t.name, [`${path} cannot be read`]);
    else
      record('fileContent', t.name, [
        ...search(t.expectedContents, text, vars, true),
        ...search(t.excludedContents, text, vars, false),
      ]);
  }
  for (const t of file.commandTests ?? []) {
    if (!target.execute) {
      out.push({ kind: 'command', name: t.name, result: 'skipped' });
      continue;
    }
    const command = Array.isArray(t.command) ? t.command : [t.command];
    const args = [...command, ...(t.args ?? [])].map((a) => expand(a, vars, false));
    const r = await runc(target.bundle, args);
    const problems = [
      ...(r.code === (t.exitCode ?? 0) ? [] : [`exit code ${r.code}, expected ${t.exitCode ?? 0}`]),
      ...search(t.expectedOutput, r.stdout, vars, true),
      ...search(t.excludedOutput, r.stdout, vars, false),
      ...search(t.expectedError, r.stderr, vars, true),
      ...search(t.excludedError, r.stderr, vars, false),
    ];
    // the ends: where a failing program says why
    if (problems.length > 0) problems.push(`stdout: …${r.stdout.slice(-400)}`, `stderr: …${r.stderr.slice(-600)}`);
    record('command', t.name, problems);
  }
  const m = file.metadataTest;
  if (m) {
    const md = target.metadata;
    const env = new Map((md.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    const kv = (what: string, pairs: KeyValue[] | undefined, have: (k: string) => string | undefined): string[] =>
      (pairs ?? []).flatMap(({ key, value, isRegex }) => {
        const got = have(key);
        const want = expand(value, vars, isRegex === true);
        const ok = got !== undefined && (isRegex === true ? new RegExp(want).test(got) : got === want);
        return ok ? [] : [`${what} ${key}=${got ?? '(unset)'}, expected ${want}`];
      });
    const same = (what: string, want: unknown, got: unknown): string[] =>
      want === undefined || JSON.stringify(want) === JSON.stringify(got ?? null)
        ? []
        : [`${what} ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`];
    record('metadata', 'metadataTest', [
      ...kv('env', m.envVars, (k) => env.get(k)),
      ...kv('label', m.labels, (k) => md.Labels?.[k]),
      ...same('entrypoint', m.entrypoint, md.Entrypoint),
      ...same('cmd', m.cmd, md.Cmd),
      ...same('workdir', m.workdir, md.WorkingDir),
      ...same('user', m.user, md.User),
    ]);
  }
  return out;
}

/** The image config (`config` member) of one ref of an OCI layout, read from its blobs. */
export async function imageMetadata(layout: string, ref: string): Promise<ImageMetadata> {
  const blob = async (digest: string): Promise<Record<string, unknown>> =>
    JSON.parse(await readFile(join(layout, 'blobs', ...digest.split(':')), 'utf8')) as Record<string, unknown>;
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string; annotations?: Record<string, string> }>;
  };
  const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === ref);
  if (!entry) throw new Error(`${layout}: no ref ${ref}`);
  const manifest = (await blob(entry.digest)) as { config?: { digest: string } };
  if (!manifest.config) throw new Error(`${ref} is not an image manifest`);
  const config = (await blob(manifest.config.digest)) as { config?: ImageMetadata };
  return config.config ?? {};
}

const STRUCTURE_DIR = new URL('../e2e/structure/', import.meta.url).pathname;

/**
 * Which of distroless' structure-test files (test/e2e/structure, PROVENANCE.md) apply to one image × variant of a
 * distro: its os-release file, the static and base files, the debug ones for debug variants, and the image's own.
 * java17 has distroless' Debian 12 version files; java21's (Temurin) do not apply, the generic Java ones do.
 */
export function structureFiles(distro: 'debian12' | 'debian13', image: string, variant: string): string[] {
  const debug = variant.startsWith('debug');
  const files = [`static/testdata/${distro}.yaml`, 'static/testdata/static.yaml'];
  if (debug) files.push(image === 'static' ? 'static/testdata/debug.yaml' : 'base/testdata/debug.yaml');
  if (image !== 'static') files.push('base/testdata/base.yaml');
  if (image === 'cc')
    files.push(`examples/cc/testdata/hello_${distro}.yaml`, `examples/cc/testdata/hello_cc_${distro}.yaml`);
  if (image === 'python3') files.push('python3/testdata/python3.yaml', `python3/testdata/${distro}.yaml`);
  if (image === 'java17')
    files.push(debug ? 'java/testdata/java17_debug_debian12.yaml' : 'java/testdata/java17_debian12.yaml');
  if (image.startsWith('java'))
    files.push(
      'java/testdata/java_encoding.yaml',
      'java/testdata/java_certs.yaml',
      'java/testdata/java_libharfbuzz.yaml',
    );
  return files;
}

/** Reads, parses and runs each of `files` (paths under test/e2e/structure) against one target, in order. */
export async function runStructureFiles(
  files: readonly string[],
  target: StructureTarget,
  vars: Vars = {},
): Promise<Array<StructureOutcome & { file: string }>> {
  const out: Array<StructureOutcome & { file: string }> = [];
  for (const file of files) {
    const parsed = parseStructureFile(await readFile(join(STRUCTURE_DIR, file), 'utf8'), file);
    for (const o of await runStructureFile(parsed, target, vars)) out.push({ ...o, file });
  }
  return out;
}
