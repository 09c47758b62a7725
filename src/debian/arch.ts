/**
 * The Debian architectures this project builds for, and what each is called elsewhere: the OCI platform
 * (Go's GOARCH names and GOARM-style variants) and the short suffix of its per-arch tag (`latest-arm`).
 * The one table of architectures: the config accepts its keys, src/oci maps them to platforms.
 */

export interface DebianArchInfo {
  /** OCI platform architecture (GOARCH). */
  architecture: string;
  /** OCI platform variant, where the architecture has one. */
  variant?: string;
  /** Suffix of the per-arch tag, e.g. `latest-arm` (docs/architecture.md#tags-and-refs). */
  tag: string;
}

export const DEBIAN_ARCH_TABLE: Readonly<Record<string, DebianArchInfo>> = {
  amd64: { architecture: 'amd64', tag: 'amd64' },
  arm64: { architecture: 'arm64', variant: 'v8', tag: 'arm64' },
  armhf: { architecture: 'arm', variant: 'v7', tag: 'arm' },
  armel: { architecture: 'arm', variant: 'v5', tag: 'armv5' },
  i386: { architecture: '386', tag: '386' },
  s390x: { architecture: 's390x', tag: 's390x' },
  ppc64el: { architecture: 'ppc64le', tag: 'ppc64le' },
  riscv64: { architecture: 'riscv64', tag: 'riscv64' },
  mips64el: { architecture: 'mips64le', tag: 'mips64le' },
};

/** Debian architecture names accepted in the config's `archs`, in the table's order. */
export const DEBIAN_ARCHS: readonly string[] = Object.keys(DEBIAN_ARCH_TABLE);
