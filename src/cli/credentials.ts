import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import type { Keychain } from '../registry/index.js';
import type { CliIo } from './main.js';

/**
 * Registry credentials for a CLI command: `--username` with DISTROLESS_REGISTRY_PASSWORD for the target host,
 * else docker's config.json (DOCKER_CONFIG or ~/.docker), else the environment's (GITHUB_TOKEN for ghcr.io).
 */
export async function cliKeychain(io: CliIo, registry: string, username?: string): Promise<Keychain> {
  const { dockerConfigPath, keychainFromEnvironment } = await import('../registry/index.js');
  const dockerConfig = await readFile(dockerConfigPath(io.env, io.env.HOME || homedir()), 'utf8').catch(() => undefined);
  const password = io.env.DISTROLESS_REGISTRY_PASSWORD;
  const host = registry.split('/')[0] ?? registry;
  const explicit = username || password ? { registry: host, ...(username ? { username } : {}), ...(password ? { password } : {}) } : undefined;
  return keychainFromEnvironment({ env: io.env, ...(dockerConfig ? { dockerConfig } : {}), ...(explicit ? { explicit } : {}) });
}
