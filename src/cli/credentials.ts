import type { Keychain } from '../registry/index.js';
import type { CliIo } from './main.js';

/** Registry credentials for a CLI command: `--username` with the password or token in DISTROLESS_REGISTRY_PASSWORD. */
export async function cliKeychain(io: CliIo, registry: string, username?: string): Promise<Keychain> {
  const { loadKeychain } = await import('../app/registry-access.js');
  const password = io.env.DISTROLESS_REGISTRY_PASSWORD;
  return loadKeychain({ env: io.env, registry, ...(username ? { username } : {}), ...(password ? { password } : {}) });
}
