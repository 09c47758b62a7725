/**
 * The real CNCF distribution registry (Debian package `docker-registry`, 2.8) on 127.0.0.1, started per test
 * file from a generated config: anonymous, htpasswd Basic (bcrypt lines from `htpasswd -B`, Debian package
 * `apache2-utils`) or token auth (with `token-issuer.ts`). Storage is a temp directory removed on stop.
 * Nothing is skipped: a missing binary fails with the package to install.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { run } from './oci-tools.js';
import { startTokenIssuer, type TokenIssuer } from './token-issuer.js';

const exec = promisify(execFile);

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'htpasswd'; users: Record<string, string> }
  /** `refreshTokens`: OAuth2 refresh token → user, for identity-token logins. */
  | { kind: 'token'; users: Record<string, string>; refreshTokens?: Record<string, string> };

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The token service, for `auth: token`. */
  issuer: TokenIssuer | undefined;
  /** What the registry wrote on stdout/stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

export async function startRegistry(auth: RegistryAuth = { kind: 'none' }): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'test-registry-'));
  const issuer = auth.kind === 'token' ? await startTokenIssuer(dir, auth.users, auth.refreshTokens) : undefined;
  let authYaml = '';
  if (auth.kind === 'htpasswd') {
    const lines = await Promise.all(Object.entries(auth.users).map(([u, p]) => htpasswdLine(u, p)));
    await writeFile(join(dir, 'htpasswd'), lines.join(''));
    authYaml = `auth:\n  htpasswd:\n    realm: test-realm\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (issuer !== undefined) {
    authYaml = `auth:\n  token:\n    realm: ${issuer.realm}\n    service: ${issuer.service}\n    issuer: ${issuer.issuer}\n    rootcertbundle: ${issuer.certPath}\n`;
  }
  // A free port can be taken by someone else between probe and bind: try a few.
  for (let tries = 1; ; tries++) {
    const port = await freePort();
    const config = join(dir, 'config.yml');
    await writeFile(config, registryConfig(join(dir, 'data'), port) + authYaml);
    const logPath = join(dir, `registry-${tries}.log`);
    const child = await spawnRegistry(config, logPath);
    const output = (): string => readFileSync(logPath, 'utf8');
    const url = `http://127.0.0.1:${port}`;
    if (await waitReady(url, child)) {
      return { host: `127.0.0.1:${port}`, url, issuer, log: output, stop: () => stop(child, dir, issuer) };
    }
    await stopChild(child);
    if (tries >= 3) {
      await issuer?.close();
      throw new Error(`docker-registry did not start: ${output().trim().split('\n').slice(-5).join(' | ')}`);
    }
  }
}

/**
 * Starts the registry under a small shell watchdog: the registry is killed when the watchdog's stdin (a pipe
 * from this process) closes, so it cannot outlive a test worker that was killed. Output goes to a file, not a
 * pipe: a parent blocked in spawnSync (the benchmark) must not stall a registry that logs every 404.
 */
async function spawnRegistry(config: string, logPath: string): Promise<ChildProcess> {
  const logFile = await open(logPath, 'w');
  try {
    // The shell waits for the registry (so a registry that cannot bind ends it); a reader of its stdin kills
    // the registry when this process closes the pipe or dies.
    const script = [
      'command -v docker-registry >/dev/null || exit 127',
      'exec 3<&0',
      'docker-registry serve "$1" & p=$!',
      '(read _ <&3; kill $p 2>/dev/null) &',
      "trap 'kill $p 2>/dev/null' TERM",
      'wait $p',
    ].join('\n');
    const child = spawn('sh', ['-c', script, 'sh', config], { stdio: ['pipe', logFile.fd, logFile.fd] });
    const exited = await Promise.race([
      new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 100)),
    ]);
    if (exited === 127) throw new Error('docker-registry is not installed: apt-get install docker-registry');
    return child;
  } finally {
    await logFile.close();
  }
}

function registryConfig(data: string, port: number): string {
  return [
    'version: 0.1',
    'log:\n  level: error\n  accesslog:\n    disabled: true',
    `storage:\n  filesystem:\n    rootdirectory: ${data}\n  delete:\n    enabled: true\n  maintenance:\n    uploadpurging:\n      enabled: false`,
    `http:\n  addr: 127.0.0.1:${port}\n  secret: test-only-secret`,
    '',
  ].join('\n');
}

async function htpasswdLine(user: string, password: string): Promise<string> {
  try {
    return (await exec('htpasswd', ['-Bbn', user, password])).stdout.trim() + '\n';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('htpasswd is not installed: apt-get install apache2-utils', { cause: e });
    throw e;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitReady(url: string, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(`${url}/v2/`);
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end(); // the watchdog kills the registry and waits for it
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function stop(child: ChildProcess, dir: string, issuer: TokenIssuer | undefined): Promise<void> {
  await stopChild(child);
  await issuer?.close();
  await rm(dir, { recursive: true, force: true });
}

/** `skopeo inspect --raw` of `docker://HOST/REPO:TAG` over plain http (the exact manifest or index bytes). */
export async function skopeoInspectRaw(reference: string, creds?: string): Promise<string> {
  const args = [
    'inspect',
    '--raw',
    '--tls-verify=false',
    ...(creds === undefined ? [] : ['--creds', creds]),
    `docker://${reference}`,
  ];
  return (await run('skopeo', args)).stdout;
}

/** `skopeo copy --all --preserve-digests` of `docker://HOST/REPO:TAG` into `oci:DIR:REF`. */
export async function skopeoPull(reference: string, dir: string, ref: string, creds?: string): Promise<void> {
  const args = [
    'copy',
    '--all',
    '--preserve-digests',
    '--src-tls-verify=false',
    ...(creds === undefined ? [] : ['--src-creds', creds]),
  ];
  await run('skopeo', [...args, `docker://${reference}`, `oci:${dir}:${ref}`]);
}
