/** Repository names, tags and references as the distribution spec defines them, and the scopes they need. */
import { DistrolessError } from '../errors.js';

const REPOSITORY_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function checkRepository(name: string): string {
  if (!REPOSITORY_RE.test(name) || name.length > 255) {
    throw new DistrolessError(
      'USAGE',
      `invalid repository name ${JSON.stringify(name)} (lower-case components joined by ".", "_", "__" or "-", separated by "/")`,
    );
  }
  return name;
}

export function checkTag(tag: string): string {
  if (!TAG_RE.test(tag))
    throw new DistrolessError(
      'USAGE',
      `invalid tag ${JSON.stringify(tag)} (letters, digits, "_", "." and "-", at most 128, not starting with "." or "-")`,
    );
  return tag;
}

/** Token scope for pushing to a repository (pull is needed too: HEAD, mount sources). */
export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export interface RegistryTarget {
  /** `host[:port]` */
  host: string;
  /** Repository prefix (may be empty), e.g. `distroless` in `ghcr.io/distroless`. */
  prefix: string;
}

/**
 * `HOST[:PORT][/PREFIX]` → its parts. The first component is the registry host (as docker reads it: it has a
 * dot or a port, or is `localhost`); Docker Hub's names go to its API host.
 */
/**
 * Throws when the host part of a registry address carries credentials (`user:pass@host`), without echoing
 * them: the text before the @ is a password more often than not. (`name@sha256:…`, a digest reference, is not
 * credentials.)
 */
export function refuseCredentials(hostPart: string): void {
  const at = hostPart.lastIndexOf('@');
  if (at < 0 || /^[a-z0-9]+:[a-f0-9]{32,}$/i.test(hostPart.slice(at + 1))) return;
  throw new DistrolessError(
    'USAGE',
    `registry ${hostPart.slice(at + 1)}: credentials in the registry address are not accepted (they would be printed and logged); give them with --username and DISTROLESS_REGISTRY_PASSWORD (the Action: its username and password inputs) or docker login`,
  );
}

export function parseRegistryTarget(value: string): RegistryTarget {
  const trimmed = value
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '');
  const slash = trimmed.indexOf('/');
  const hostPart = slash < 0 ? trimmed : trimmed.slice(0, slash);
  refuseCredentials(hostPart);
  const host = hostPart.toLowerCase();
  const prefix = slash < 0 ? '' : trimmed.slice(slash + 1);
  if (!/[.:]/.test(host) && host !== 'localhost') {
    throw new DistrolessError(
      'USAGE',
      `registry ${JSON.stringify(value)}: the first part must be a registry host (e.g. ghcr.io/OWNER or 127.0.0.1:5000/PREFIX)`,
    );
  }
  if (prefix !== '') checkRepository(prefix);
  return { host: host === 'docker.io' || host === 'index.docker.io' ? 'registry-1.docker.io' : host, prefix };
}

/** `prefix/name` (or `name` with no prefix). */
export function repositoryName(target: RegistryTarget, name: string): string {
  return checkRepository(target.prefix === '' ? name : `${target.prefix}/${name}`);
}
