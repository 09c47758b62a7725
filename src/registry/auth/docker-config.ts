/**
 * Docker's config.json (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`), read by the caller and
 * handed over as text: `credHelpers` (per registry) and `credsStore` (for all) name a
 * `docker-credential-<helper>` program asked with `get`; `auths` holds `auth` (base64 `user:password`),
 * `username`/`password`, `identitytoken` or `registrytoken`. A helper that is not installed, or that does not
 * know the registry, falls through to `auths`.
 */
import { execFile } from 'node:child_process';
import { DistrolessError } from '../../errors.js';
import { ANONYMOUS, type Credential } from './authenticator.js';
import { DOCKER_HUB_CONFIG_KEY, normalizeRegistry, type Keychain } from './keychain.js';

/** Runs `docker-credential-<helper> get` with `serverUrl` on stdin; its stdout, or undefined if it has none. */
export type CredentialHelperRunner = (helper: string, serverUrl: string) => Promise<string | undefined>;

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export function dockerConfigKeychain(
  configText: string,
  runHelper: CredentialHelperRunner = (h, s) => runCredentialHelper(h, s),
): Keychain {
  const config = parseConfig(configText);
  const auths = new Map<string, AuthEntry>();
  for (const [key, entry] of Object.entries(config.auths ?? {})) auths.set(normalizeRegistry(key), entry);
  const helpers = new Map(Object.entries(config.credHelpers ?? {}).map(([k, v]) => [normalizeRegistry(k), v]));
  return {
    async resolve(registry) {
      const host = normalizeRegistry(registry);
      const helper = helpers.get(host) ?? config.credsStore;
      if (helper !== undefined && helper !== '') {
        const serverUrl = host === 'docker.io' ? DOCKER_HUB_CONFIG_KEY : host;
        const out = await runHelper(helper, serverUrl);
        if (out !== undefined) return helperCredential(out, helper);
      }
      const entry = auths.get(host);
      return entry === undefined ? ANONYMOUS : entryCredential(entry, host);
    },
  };
}

function parseConfig(text: string): DockerConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new DistrolessError('AUTH', 'docker config.json is not JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new DistrolessError('AUTH', 'docker config.json is not a JSON object');
  return doc as DockerConfig;
}

function entryCredential(e: AuthEntry, host: string): Credential {
  if (typeof e.registrytoken === 'string' && e.registrytoken !== '')
    return { kind: 'registryToken', token: e.registrytoken };
  if (typeof e.identitytoken === 'string' && e.identitytoken !== '')
    return { kind: 'identityToken', token: e.identitytoken };
  if (typeof e.auth === 'string' && e.auth !== '') {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0)
      throw new DistrolessError(
        'AUTH',
        `docker config.json: the auth entry of ${host} is not base64 of "user:password"`,
      );
    return { kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof e.username === 'string' && typeof e.password === 'string')
    return { kind: 'basic', username: e.username, password: e.password };
  return ANONYMOUS;
}

function helperCredential(out: string, helper: string): Credential {
  let doc: { Username?: unknown; Secret?: unknown };
  try {
    doc = JSON.parse(out) as typeof doc;
  } catch {
    throw new DistrolessError('AUTH', `docker-credential-${helper} get: the output is not JSON`);
  }
  if (typeof doc.Secret !== 'string' || doc.Secret === '') return ANONYMOUS;
  if (doc.Username === '<token>') return { kind: 'identityToken', token: doc.Secret };
  return { kind: 'basic', username: typeof doc.Username === 'string' ? doc.Username : '', password: doc.Secret };
}

/**
 * The real runner: a missing helper or "credentials not found" is undefined; other failures throw (without the
 * helper's output, which may hold secrets). `env` is the helper's environment (default: this process's).
 */
export function runCredentialHelper(
  helper: string,
  serverUrl: string,
  env?: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(helper))
    return Promise.reject(new DistrolessError('AUTH', `invalid credential helper name ${JSON.stringify(helper)}`));
  return new Promise((resolve, reject) => {
    const child = execFile(
      `docker-credential-${helper}`,
      ['get'],
      { env, timeout: 30_000, maxBuffer: 1024 * 1024 },
      (err, stdout) => {
        if (err === null) return resolve(stdout);
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve(undefined);
        if (/credentials not found/i.test(stdout)) return resolve(undefined);
        reject(
          new DistrolessError(
            'AUTH',
            `docker-credential-${helper} get failed for ${serverUrl} (exit ${String(code ?? err.message)})`,
          ),
        );
      },
    );
    child.stdin?.end(serverUrl);
  });
}
