import { describe, expect, it } from '@jest/globals';
import { debianArchOf, formatReference, parseImageReference } from '../../src/app/sign-targets.js';
import { parsePredicateTypes } from '../../src/app/requests.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('image references for sign/verify', () => {
  it('parses host, repository, tag and digest', () => {
    expect(parseImageReference('127.0.0.1:5000/distroless/static-debian12:nonroot')).toEqual({
      host: '127.0.0.1:5000',
      repository: 'distroless/static-debian12',
      tag: 'nonroot',
    });
    expect(parseImageReference(`ghcr.io/acme/base-debian12@${D}`)).toEqual({
      host: 'ghcr.io',
      repository: 'acme/base-debian12',
      digest: D,
    });
    expect(parseImageReference(`localhost/x:t@${D}`)).toEqual({
      host: 'localhost',
      repository: 'x',
      tag: 't',
      digest: D,
    });
    expect(parseImageReference('ghcr.io/acme/cc-debian12')).toMatchObject({ tag: 'latest' });
    expect(formatReference(parseImageReference(`ghcr.io/acme/x:t@${D}`))).toBe(`ghcr.io/acme/x:t@${D}`);
  });

  it('refuses what is not a full reference', () => {
    expect(() => parseImageReference('distroless/static:latest')).toThrow(
      'image reference "distroless/static:latest": "distroless" is not a registry host',
    );
    expect(() => parseImageReference('static')).toThrow(/expected HOST\[:PORT\]\/REPOSITORY/);
    expect(() => parseImageReference('ghcr.io/a@sha256:12')).toThrow(/the digest must be sha256:<64 lower-case hex>/);
    expect(() => parseImageReference('ghcr.io/A/b')).toThrow(/invalid repository name/);
  });

  it('maps OCI platforms back to Debian archs', () => {
    expect(debianArchOf({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('arm64');
    expect(debianArchOf({ os: 'linux', architecture: 'arm64' })).toBe('arm64');
    expect(debianArchOf({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('armhf');
    expect(debianArchOf({ os: 'linux', architecture: 'ppc64le' })).toBe('ppc64el');
    expect(debianArchOf({ os: 'windows', architecture: 'amd64' })).toBeUndefined();
  });

  it('verify --type: cosign names, URIs, none', () => {
    expect(parsePredicateTypes('spdxjson,slsaprovenance1')).toEqual([
      'https://spdx.dev/Document',
      'https://slsa.dev/provenance/v1',
    ]);
    expect(parsePredicateTypes('cyclonedx, https://example.test/p')).toEqual([
      'https://cyclonedx.org/bom',
      'https://example.test/p',
    ]);
    expect(parsePredicateTypes('none')).toEqual([]);
    expect(() => parsePredicateTypes('vuln')).toThrow(/--type: "vuln" is neither/);
  });
});
