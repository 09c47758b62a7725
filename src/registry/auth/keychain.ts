/**
 * A keychain resolves a registry host (`ghcr.io`, `127.0.0.1:5000`) to a credential. Small ones compose:
 * explicit inputs, then docker's config.json, then GITHUB_TOKEN for ghcr.io; the first that knows the
 * registry wins, and a registry nobody knows is anonymous.
 */
import { ANONYMOUS, type Credential } from './authenticator.js';

export interface Keychain {
  resolve(registry: string): Promise<Credential>;
}

export const anonymousKeychain: Keychain = { resolve: () => Promise.resolve(ANONYMOUS) };

/** Fixed credentials per registry host. */
export function staticKeychain(entries: Readonly<Record<string, Credential>>): Keychain {
  const byHost = new Map(Object.entries(entries).map(([host, c]) => [normalizeRegistry(host), c]));
  return { resolve: (registry) => Promise.resolve(byHost.get(normalizeRegistry(registry)) ?? ANONYMOUS) };
}

/** The first keychain that has a non-anonymous credential for the registry. */
export function chainKeychains(...keychains: readonly Keychain[]): Keychain {
  return {
    async resolve(registry) {
      for (const k of keychains) {
        const c = await k.resolve(registry);
        if (c.kind !== 'anonymous') return c;
      }
      return ANONYMOUS;
    },
  };
}

/** GITHUB_TOKEN for ghcr.io (any username works; the actor is what `docker login` users pass). */
export function githubKeychain(token: string, actor?: string): Keychain {
  return staticKeychain({ 'ghcr.io': { kind: 'basic', username: actor ?? 'x-access-token', password: token } });
}

/** Docker Hub's many names, as docker's config.json spells them. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

/** `https://ghcr.io/v2/` → `ghcr.io`; Docker Hub's aliases → `docker.io`. */
export function normalizeRegistry(value: string): string {
  const host = value
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return DOCKER_HUB.has(host) ? 'docker.io' : host;
}
