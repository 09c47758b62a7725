/**
 * Package URLs (https://github.com/package-url/purl-spec). Components are percent-encoded except for the
 * unreserved characters and the colon, which the specification says shall never be encoded (so a Debian
 * epoch stays `1:1.35.0-4`, while `+` becomes `%2B`; `/` stays in qualifier values, as in the spec's
 * examples). Qualifiers are sorted by key, as the spec requires.
 */

/** Percent-encodes everything but `A-Z a-z 0-9 . - _ ~` and `:`. */
export function purlEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%3A/g, ':');
}

function qualifiers(q: Record<string, string | undefined>): string {
  const parts = Object.keys(q)
    .filter((k) => q[k] !== undefined && q[k] !== '')
    .sort()
    .map((k) => `${k}=${purlEncode(q[k] as string).replace(/%2F/g, '/')}`); // as the spec's own `repository_url=docker.io/library/debian`
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/**
 * `pkg:deb/debian/<name>@<version>?arch=<arch>&distro=debian-<n>` (what Syft, Trivy and Grype use for Debian
 * packages). `arch` is the package's own Architecture (`all` for arch-independent packages).
 */
export function debPurl(name: string, version: string, arch: string, distroVersion: string): string {
  return `pkg:deb/debian/${purlEncode(name)}@${purlEncode(version)}${qualifiers({ arch, distro: `debian-${distroVersion}` })}`;
}

/**
 * `pkg:oci/<name>@sha256:<hex>?arch=…&repository_url=…` for an image or index. `reference` is a registry
 * reference (`ghcr.io/acme/base-debian12:latest`) or a bare layout ref name; the purl name is its last path
 * segment without tag or digest, lower-cased, and `repository_url` is given only for registry references.
 */
export function ociPurl(reference: string, digest: string, ociArch?: string): string {
  const repository = reference.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const name = (repository.split('/').pop() ?? repository).toLowerCase();
  const repositoryUrl = repository.includes('/') ? repository : undefined;
  return `pkg:oci/${purlEncode(name)}@${purlEncode(digest)}${qualifiers({ arch: ociArch, repository_url: repositoryUrl })}`;
}
