/**
 * The keychain a command uses, made from values the edge has read (environment variables, config.json's text):
 * explicit inputs first, then docker's config, then GITHUB_TOKEN for ghcr.io. Nothing here reads the
 * environment or the filesystem itself.
 */
import { join } from 'node:path';
import { DistrolessError } from '../../errors.js';
import type { Credential } from './authenticator.js';
import { dockerConfigKeychain, runCredentialHelper, type CredentialHelperRunner } from './docker-config.js';
import { anonymousKeychain, chainKeychains, githubKeychain, staticKeychain, type Keychain } from './keychain.js';

export interface CredentialInputs {
  /**
   * Environment variables (the caller passes `process.env`): GITHUB_TOKEN and GITHUB_ACTOR are used, and
   * credential helpers run with it.
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** The text of config.json, when the caller found one (see `dockerConfigPath`). */
  dockerConfig?: string;
  /** Explicit credentials for one registry (action inputs / CLI flags): a username and password, or a token. */
  explicit?: { registry: string; username?: string; password?: string; token?: string };
  /** Replaces the `docker-credential-*` runner (tests). */
  runHelper?: CredentialHelperRunner;
}

export function keychainFromEnvironment(inputs: CredentialInputs): Keychain {
  const chain: Keychain[] = [];
  if (inputs.explicit !== undefined)
    chain.push(staticKeychain({ [inputs.explicit.registry]: explicitCredential(inputs.explicit) }));
  if (inputs.dockerConfig !== undefined && inputs.dockerConfig.trim() !== '') {
    // Helpers run with the environment the caller handed over (they may need HOME, DBUS, PATH…).
    const env = inputs.env === undefined ? undefined : { ...inputs.env };
    chain.push(
      dockerConfigKeychain(inputs.dockerConfig, inputs.runHelper ?? ((h, s) => runCredentialHelper(h, s, env))),
    );
  }
  const token = inputs.env?.GITHUB_TOKEN;
  if (token !== undefined && token !== '') chain.push(githubKeychain(token, inputs.env?.GITHUB_ACTOR || undefined));
  return chain.length === 0 ? anonymousKeychain : chainKeychains(...chain);
}

function explicitCredential(e: NonNullable<CredentialInputs['explicit']>): Credential {
  if (e.token !== undefined && e.token !== '') {
    // A token with a username is a password (GitHub, GitLab); alone, it is sent as a bearer token.
    return e.username
      ? { kind: 'basic', username: e.username, password: e.token }
      : { kind: 'registryToken', token: e.token };
  }
  if (e.username !== undefined && e.password !== undefined)
    return { kind: 'basic', username: e.username, password: e.password };
  if (e.username !== undefined || e.password !== undefined) {
    throw new DistrolessError('USAGE', `credentials for ${e.registry}: a username needs a password (or a token)`);
  }
  return { kind: 'anonymous' };
}

/** Where docker keeps config.json: `$DOCKER_CONFIG/config.json`, else `<home>/.docker/config.json`. */
export function dockerConfigPath(env: Readonly<Record<string, string | undefined>>, homeDir: string): string {
  const dir = env.DOCKER_CONFIG;
  return dir !== undefined && dir !== '' ? join(dir, 'config.json') : join(homeDir, '.docker', 'config.json');
}
