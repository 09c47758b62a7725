/**
 * One pushed (or built) digest → its attestations: the SPDX document and the SLSA provenance, each as an
 * in-toto Statement about that digest. The packages are the lock's closure of the image for each arch, plus
 * the debug extras (busybox-static) for the debug variants — exactly what `build` layers into the image.
 */
import { DEBUG_KEY, VARIANTS } from '../config/variants.js';
import { imageKey } from '../config/index.js';
import { DistrolessError } from '../errors.js';
import type { LockedPackage, Lockfile } from '../lock/types.js';
import { debianPlatform, platformTagSuffix, SUPPORTED_DEBIAN_ARCHES } from '../oci/index.js';
import { mapLimit } from '../util/concurrency.js';
import { downloadUrl, type AttestContext, type LockedDistro } from './context.js';
import type { DebLicense } from './copyright.js';
import { slsaProvenance, type SlsaProvenance } from './provenance.js';
import {
  prepareSbomPackage,
  spdxDocument,
  type SbomInput,
  type SbomLicense,
  type SbomPackage,
  type SpdxDocument,
} from './spdx.js';
import {
  inTotoStatement,
  SLSA_PROVENANCE_PREDICATE_TYPE,
  SPDX_PREDICATE_TYPE,
  type InTotoStatement,
} from './statement.js';

export interface AttestSubject {
  /** Image name from the config, e.g. `python3`. */
  image: string;
  /** Distro name from the config, e.g. `debian12`. */
  distro: string;
  /** latest | nonroot | debug | debug-nonroot */
  variant: string;
  /** Debian arch (`armhf`) or its tag suffix (`arm`); undefined = the multi-arch index. */
  arch?: string;
  /** For an index: the archs it holds (Debian names or tag suffixes); default every arch the lock has for the image. */
  archs?: readonly string[];
  /** Repository or layout ref name the digest is known by, e.g. `ghcr.io/acme/python3-debian12`. */
  name: string;
  /** `sha256:…` of the image manifest or the index. */
  digest: string;
}

interface Resolved {
  distro: LockedDistro;
  distroVersion: string;
  /** Debian archs in index order. */
  archs: string[];
  /** Document name: the layout ref name of the subject. */
  documentName: string;
}

/** [SPDX document, SLSA provenance], as in-toto Statements about `subject.digest`. */
export async function attestationsFor(
  ctx: AttestContext,
  subject: AttestSubject,
): Promise<[InTotoStatement<SpdxDocument>, InTotoStatement<SlsaProvenance>]> {
  const draft = await sbomDraft(ctx, subject);
  const { resolved, archs } = draft;
  const sbom = spdxDocument(sbomInput(subject, draft));
  const provenance = provenanceFor(ctx, subject, resolved, archs);
  return [
    inTotoStatement(subject, SPDX_PREDICATE_TYPE, sbom),
    inTotoStatement(subject, SLSA_PROVENANCE_PREDICATE_TYPE, provenance),
  ];
}

/** An SPDX document but for the digest it describes: everything that needs only the config and the lock. */
export interface SbomDraft {
  resolved: Resolved;
  archs: ArchPackages[];
}

/**
 * The part of a subject's SBOM that does not depend on its digest, so that `build` can make it while the
 * layers that decide the digest are still being written. Finish it with `sbomInput` once the digest is known.
 */
export async function sbomDraft(ctx: AttestContext, subject: Omit<AttestSubject, 'digest'>): Promise<SbomDraft> {
  const resolved = resolveSubject(ctx, subject);
  return { resolved, archs: await packagesOf(ctx, subject, resolved) };
}

/** The input of `spdxDocument` / `spdxJson` for a subject whose digest is now known. */
export function sbomInput(subject: AttestSubject, { resolved: r, archs }: SbomDraft): SbomInput {
  const ociArch = subject.arch === undefined ? undefined : debianPlatform(r.archs[0] ?? '').architecture;
  return {
    name: r.documentName,
    subject: { name: subject.name, digest: subject.digest, ...(ociArch ? { ociArch } : {}) },
    distroVersion: r.distroVersion,
    epoch: r.distro.epoch,
    archs,
  };
}

function provenanceFor(ctx: AttestContext, subject: AttestSubject, r: Resolved, archs: ArchPackages[]): SlsaProvenance {
  const debs = new Map<string, { name: string; arch: string; version: string; url: string; sha256: string }>();
  for (const p of archs.flatMap((a) => a.packages)) {
    debs.set(p.pin.sha256, {
      name: p.name,
      arch: p.pin.architecture,
      version: p.pin.version,
      url: p.downloadLocation,
      sha256: p.pin.sha256,
    });
  }
  const lockfiles = Object.values(ctx.distros).map((d) => ({ path: d.path, sha256: d.sha256 }));
  return slsaProvenance({
    configPath: ctx.configFile.path,
    image: subject.image,
    distro: subject.distro,
    variant: subject.variant,
    arch: subject.arch === undefined ? 'index' : (r.archs[0] ?? ''),
    ...(subject.arch === undefined ? { archs: r.archs } : {}),
    epoch: r.distro.epoch,
    snapshots: r.distro.lock.sources.map((s) => ({ suite: s.suite, snapshot: s.snapshot, date: s.date })),
    lockfiles,
    config: { path: ctx.configFile.path, sha256: ctx.configFile.sha256, configDigest: r.distro.configDigest },
    debs: [...debs.values()],
    ...(ctx.invocation ? { invocation: ctx.invocation } : {}),
    ...(ctx.startedOn ? { startedOn: ctx.startedOn } : {}),
    ...(ctx.finishedOn ? { finishedOn: ctx.finishedOn } : {}),
  });
}

function resolveSubject(ctx: AttestContext, s: Omit<AttestSubject, 'digest'>): Resolved {
  const image = ctx.config.images[imageKey(s.image, s.distro)];
  const distroConfig = ctx.config.distros[s.distro];
  if (!image || !distroConfig || image.distro !== s.distro)
    throw usage(s, `the config has no image ${s.image} of distro ${s.distro}`);
  if (!(VARIANTS as readonly string[]).includes(s.variant))
    throw usage(s, `unknown variant ${s.variant} (${VARIANTS.join(', ')})`);
  const distro = ctx.distros[s.distro];
  if (!distro)
    throw new DistrolessError('LOCK_INVALID', `${s.distro}: no lockfile; run "distroless-action update" first`);
  if (distro.lock.configDigest !== distro.configDigest)
    throw new DistrolessError(
      'LOCK_STALE',
      `${distro.path} was made for another version of ${ctx.configFile.path}; run "distroless-action update"`,
    );
  const locked = (a: string): boolean => distro.lock.images[s.image]?.[a] !== undefined;
  const wanted = s.arch !== undefined ? [s.arch] : (s.archs ?? image.archs.filter(locked));
  const archs = [...new Set(wanted.map((a) => debianArch(distro.lock, a, s)))].sort((a, b) => order(a) - order(b));
  for (const a of archs)
    if (!locked(a)) throw new DistrolessError('LOCK_STALE', `image ${s.image}: no locked packages for ${a}`);
  if (archs.length === 0) throw usage(s, 'no arch of the image is in the lock');
  const documentName = `${s.image}-${s.distro}-${s.variant}${s.arch === undefined ? '' : `-${platformTagSuffix(archs[0] ?? '')}`}`;
  return { distro, distroVersion: distroConfig.version, archs, documentName };
}

/** A Debian arch of the lock, given as a Debian name or as a tag suffix (`arm` → armhf). */
function debianArch(lock: Lockfile, arch: string, s: Omit<AttestSubject, 'digest'>): string {
  if (lock.packages[arch] !== undefined) return arch;
  const found = Object.keys(lock.packages).find(
    (a) => SUPPORTED_DEBIAN_ARCHES.includes(a) && platformTagSuffix(a) === arch,
  );
  if (found === undefined)
    throw usage(s, `arch ${arch} is not in the lock (locked: ${Object.keys(lock.packages).join(', ')})`);
  return found;
}

function order(arch: string): number {
  const i = SUPPORTED_DEBIAN_ARCHES.indexOf(arch);
  return i === -1 ? SUPPORTED_DEBIAN_ARCHES.length : i;
}

function usage(s: Omit<AttestSubject, 'digest'> & { digest?: string }, why: string): DistrolessError {
  return new DistrolessError(
    'USAGE',
    `attestation for ${s.name}${s.digest === undefined ? '' : `@${s.digest}`}: ${why}`,
  );
}

type ArchPackages = { arch: string; packages: SbomPackage[] };

/** Per arch, the image's packages (by name) with their pins, URLs and licence facts. */
async function packagesOf(ctx: AttestContext, s: Omit<AttestSubject, 'digest'>, r: Resolved): Promise<ArchPackages[]> {
  const lock = r.distro.lock;
  const debug = s.variant.startsWith('debug');
  return Promise.all(
    r.archs.map(async (arch) => {
      const closure: Record<string, string> = {
        ...lock.images[s.image]?.[arch]?.packages,
        ...(debug ? lock.images[DEBUG_KEY]?.[arch]?.packages : {}),
      };
      const names = Object.keys(closure).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const packages = await mapLimit(names, 8, (name) => {
        if (!lock.packages[arch]?.[name])
          throw new DistrolessError(
            'LOCK_INVALID',
            `${lock.distro}: ${name} (${arch}) is in image ${s.image} but has no pin`,
          );
        return sbomPackage(ctx, lock, arch, name, closure[name] ?? '');
      });
      return { arch, packages };
    }),
  );
}

const packageMemo = new WeakMap<AttestContext, Map<string, Promise<SbomPackage>>>();

/**
 * One package of one arch as the documents list it, made once per context: the 96 documents of a build share
 * the objects, so what spdx.ts derives from a package (its JSON, its part of the namespace hash) is derived once.
 */
function sbomPackage(
  ctx: AttestContext,
  lock: Lockfile,
  arch: string,
  name: string,
  requiredBy: string,
): Promise<SbomPackage> {
  let memo = packageMemo.get(ctx);
  if (memo === undefined) packageMemo.set(ctx, (memo = new Map()));
  const key = `${lock.distro}\0${arch}\0${name}\0${requiredBy}`;
  let p = memo.get(key);
  if (p === undefined) {
    const pin = lock.packages[arch]?.[name] as LockedPackage;
    p = (async () => {
      const license = await sbomLicense(ctx, lock, arch, name, await ctx.licenses({ name, sha256: pin.sha256 }));
      const p: SbomPackage = {
        name,
        imageArch: arch,
        pin,
        downloadLocation: downloadUrl(lock, pin),
        requiredBy,
        license,
      };
      const distroVersion = ctx.config.distros[lock.distro]?.version;
      if (distroVersion !== undefined) prepareSbomPackage(p, distroVersion);
      return p;
    })();
    memo.set(key, p);
  }
  return p;
}

const UNKNOWN: SbomLicense = { declared: 'NOASSERTION', copyrightText: 'NOASSERTION', licenseRefs: {} };

/** What the document says about a package's licence, following a doc directory shared with another package. */
async function sbomLicense(
  ctx: AttestContext,
  lock: Lockfile,
  arch: string,
  name: string,
  facts: DebLicense | undefined,
): Promise<SbomLicense> {
  if (facts === undefined)
    return {
      ...UNKNOWN,
      comment: 'The copyright file was not read: the .deb was not available when this document was made.',
    };
  if (facts.kind === 'none') return { ...UNKNOWN, comment: `The package ships no /usr/share/doc/${name}/copyright.` };
  if (facts.kind === 'package') {
    const other = lock.packages[arch]?.[facts.package];
    const theirs = other ? await ctx.licenses({ name: facts.package, sha256: other.sha256 }) : undefined;
    const via = `/usr/share/doc/${name} is a link to /usr/share/doc/${facts.package}`;
    if (theirs?.kind !== 'file')
      return { ...UNKNOWN, comment: `${via}, whose copyright file is not in this lock's ${facts.package} (${arch}).` };
    return fromFile(theirs, `${via}: the copyright file of ${facts.package} ${other?.version ?? ''} applies.`);
  }
  return fromFile(facts);
}

function fromFile(facts: Extract<DebLicense, { kind: 'file' }>, note?: string): SbomLicense {
  const { info } = facts;
  const notes = [
    note,
    info.format === 'text' ? `/${facts.path} is not in the machine-readable (DEP-5) format.` : undefined,
  ];
  if (info.unparsed.length > 0)
    notes.push(
      `License: fields that are not short names were left out: ${info.unparsed.map((u) => JSON.stringify(u.slice(0, 80))).join(', ')}.`,
    );
  const comment = notes.filter((n) => n !== undefined).join(' ');
  return {
    declared: info.declared,
    copyrightText: info.copyrightText,
    licenseRefs: info.licenseRefs,
    ...(comment === '' ? {} : { comment }),
  };
}
