/**
 * What a java image needs beyond its packages: the `/usr/bin/java` link (no alternatives system runs in an
 * image, so the link update-alternatives would make is written directly) and the JKS trust store at
 * /etc/ssl/certs/java/cacerts, which openjdk's `lib/security/cacerts` links to and which Debian's
 * ca-certificates-java would otherwise build in its postinst.
 *
 * The JVM directory is `java-<N>-openjdk-<Debian arch>`: checked in openjdk-17-jre-headless 17.0.19+10-1~deb12u2
 * for amd64, arm64, armhf, s390x and ppc64el (`dpkg-deb -c`), e.g. usr/lib/jvm/java-17-openjdk-armhf/bin/java.
 */
import { DistrolessError } from '../errors.js';
import type { TrustedCertificate } from './cacerts.js';
import { assertEpoch, fileEntry, symlinkEntry, withParentsSorted, type LayerEntry } from './generated.js';
import { writeJks } from './jks.js';

export const JAVA_CACERTS_PATH = 'etc/ssl/certs/java/cacerts';
export const JAVA_LINK_PATH = 'usr/bin/java';
export const DEFAULT_JAVA_VERSION = 17;

export interface JavaEntriesOptions {
  /** Debian architecture name: amd64, arm64, armhf, s390x, ppc64el, … */
  debArch: string;
  /** From `buildCaBundle(...).certificates`: Debian's aliases need the certificate file names. */
  certificates: readonly TrustedCertificate[];
  /** Build epoch in seconds: every mtime, and the keystore entries' creation date. */
  epoch: number;
  /** OpenJDK major version; default 17. */
  javaVersion?: number;
}

/**
 * The `JAVA_VERSION` env value of a java image, in distroless' format (java/jre_ver.bzl): the Debian version of
 * openjdk-N-jre-headless up to its `+`, first three dot-separated fields (`17.0.19+10-1~deb12u2` → `17.0.19`).
 */
export function javaReleaseVersion(debVersion: string): string {
  const m = /^(?:\d+:)?(\d+)\.(\d+)\.(\d+)(?:[.+~-]|$)/.exec(debVersion);
  if (!m) throw new DistrolessError('LOCK_INVALID', `unrecognized openjdk package version: ${debVersion}`);
  return `${m[1]}.${m[2]}.${m[3]}`;
}

/** `/usr/lib/jvm/java-<N>-openjdk-<arch>` (absolute, as the link target wants it). */
export function javaHome(debArch: string, javaVersion: number = DEFAULT_JAVA_VERSION): string {
  if (!/^[a-z0-9]+$/.test(debArch)) throw new DistrolessError('INTERNAL', `not a Debian architecture name: ${debArch}`);
  if (!Number.isInteger(javaVersion) || javaVersion < 8) {
    throw new DistrolessError('INTERNAL', `not a Java major version: ${javaVersion}`);
  }
  return `/usr/lib/jvm/java-${javaVersion}-openjdk-${debArch}`;
}

/** The java keystore bytes for these certificates, every entry dated at the epoch. */
export function javaCacerts(certificates: readonly TrustedCertificate[], epoch: number): Buffer {
  assertEpoch(epoch);
  if (certificates.length === 0) throw new DistrolessError('INTERNAL', 'java cacerts: no certificates');
  return writeJks(certificates, { dateMs: epoch * 1000 });
}

/** `usr/bin/java` link, `etc/ssl/certs/java/cacerts` (0644) and their parent directories, sorted by path. */
export function javaEntries(opts: JavaEntriesOptions): LayerEntry[] {
  const { epoch } = opts;
  assertEpoch(epoch);
  const home = javaHome(opts.debArch, opts.javaVersion);
  return withParentsSorted(
    [
      symlinkEntry(JAVA_LINK_PATH, `${home}/bin/java`, epoch),
      fileEntry(JAVA_CACERTS_PATH, javaCacerts(opts.certificates, epoch), epoch, 0o644),
    ],
    epoch,
  );
}
