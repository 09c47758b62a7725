/**
 * How a command reaches a registry (credentials, plain http, retries), and the one place that turns that into
 * a RegistryClient: push, assemble, publish, sign and verify all connect the same way.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import {
  dockerConfigPath,
  keychainFromEnvironment,
  refuseCredentials,
  RegistryClient,
  type Keychain,
  type RetryEvent,
  type RetryPolicy,
  type Secrets,
} from '../registry/index.js';

export interface RegistryAccess {
  keychain?: Keychain;
  /** Plain http (a registry on this machine). */
  insecure?: boolean;
  retry?: RetryPolicy;
  /** Gets every credential and token used, for the caller to mask. */
  secrets?: Secrets;
  userAgent?: string;
}

/** A client for `host`; retries are reported to `onRetry`. */
export function connect(
  host: string,
  access: RegistryAccess,
  extra: { onRetry?: (e: RetryEvent) => void; chunkThreshold?: number; chunkSize?: number } = {},
): RegistryClient {
  return new RegistryClient({
    registry: host,
    insecure: access.insecure,
    keychain: access.keychain,
    retry: access.retry,
    secrets: access.secrets,
    userAgent: access.userAgent,
    chunkThreshold: extra.chunkThreshold,
    chunkSize: extra.chunkSize,
    onRetry: extra.onRetry,
  });
}

/**
 * Credentials for `registry` (`HOST[/PREFIX]`): the given user and password for its host when there are any,
 * else docker's config.json (DOCKER_CONFIG or ~/.docker), else the environment's (GITHUB_TOKEN for ghcr.io).
 * The edges (CLI, Action) pass their environment and whatever credentials they were given.
 */
export async function loadKeychain(o: {
  env: NodeJS.ProcessEnv | Record<string, string | undefined>;
  registry: string;
  username?: string;
  password?: string;
}): Promise<Keychain> {
  const dockerConfig = await readFile(dockerConfigPath(o.env, o.env.HOME || homedir()), 'utf8').catch(() => undefined);
  // Parsed first: an address with credentials in it is refused before anything could print it.
  const host = o.registry.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? o.registry;
  refuseCredentials(host);
  const explicit =
    o.username || o.password
      ? {
          registry: host,
          ...(o.username ? { username: o.username } : {}),
          ...(o.password ? { password: o.password } : {}),
        }
      : undefined;
  return keychainFromEnvironment({
    env: o.env,
    ...(dockerConfig ? { dockerConfig } : {}),
    ...(explicit ? { explicit } : {}),
  });
}
