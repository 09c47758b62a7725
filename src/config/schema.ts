/**
 * The config file's schema: shape checks on the parsed YAML value, then the checks that span fields (distro and
 * `from` references, cycles, arch subsets, duplicates). Every problem is collected with the path of the field it
 * is about; nothing here knows about YAML positions (load.ts maps paths to line and column).
 */
import { DEBIAN_ARCHS } from '../debian/arch.js';
import type { Config, DistroConfig, ImageConfig, SourceConfig } from './types.js';
import { hasCredentials, redactUrl, redactUrls } from '../util/http/url.js';
import { DEBUG_KEY, LOCALE_KEY } from './variants.js';

export { DEBIAN_ARCHS };

/** A path into the config value: mapping keys and list indices. */
export type FieldPath = readonly (string | number)[];

export interface SchemaIssue {
  path: FieldPath;
  /** What was expected (and what was found when that helps). */
  message: string;
  /** Point at the mapping key of the last segment instead of its value (unknown keys, bad names). */
  atKey?: boolean;
}

/** OCI / GNU / kernel spellings people write instead of the Debian name. */
const ARCH_HINTS: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  'amd64/v1': 'amd64',
  'amd64/v2': 'amd64',
  'amd64/v3': 'amd64',
  aarch64: 'arm64',
  'arm64/v8': 'arm64',
  arm64v8: 'arm64',
  arm: 'armhf',
  'arm/v7': 'armhf',
  armv7: 'armhf',
  armv7l: 'armhf',
  arm32v7: 'armhf',
  'arm/v6': 'armel',
  'arm/v5': 'armel',
  armv6: 'armel',
  armv5: 'armel',
  arm32v5: 'armel',
  '386': 'i386',
  x86: 'i386',
  i686: 'i386',
  ppc64le: 'ppc64el',
  mips64le: 'mips64el',
  'riscv64/rva20u64': 'riscv64',
};

/** Debian Policy 5.6.1: at least two characters, lower case alphanumerics and + - . starting alphanumeric. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
/** Image and distro names end up in repository names (`<image>-<distro>`): one OCI path component. */
const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SUITE = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const COMPONENT = /^[a-z0-9][a-z0-9._/-]*$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9.~+-]*$/;

const TOP_KEYS = ['distros', 'images', 'source', 'compression'] as const;
/** Layer compressions a config may ask for (oci/layer.ts). */
const COMPRESSIONS = ['gzip', 'zstd'] as const;
const DISTRO_KEYS = [
  'sources',
  'snapshot',
  'archs',
  'debug',
  'locale',
  'setuid',
  'version',
  'merged-usr',
  'images',
] as const;
const LOCALE_KEYS = ['package'] as const;
/** An absolute file path in the image, no `.`/`..`/empty components. */
const IMAGE_PATH = /^(?:\/(?!\.{1,2}(?:\/|$))[^/\0]+)+$/;
const SOURCE_KEYS = ['url', 'suite', 'components'] as const;
const DEBUG_KEYS = ['packages'] as const;
const IMAGE_KEYS = ['distro', 'from', 'packages', 'exclude', 'archs', 'entrypoint', 'cmd', 'env'] as const;

/** The normalised config, or every issue found. */
export type ValidationResult = { ok: true; config: Omit<Config, 'file'> } | { ok: false; issues: SchemaIssue[] };

type Raw = Record<string, unknown>;

/** Image fields after the shape checks; undefined where the field was absent or bad. */
interface ImageDraft {
  name: string;
  /** Where it is written: `images.<name>`, or `distros.<distro>.images.<name>` for a distro's own images. */
  path: FieldPath;
  /** The enclosing distro of a distro's own image; undefined for a top-level one. */
  scope?: string;
  distro?: string;
  from?: string;
  packages?: string[];
  exclude?: string[];
  archs?: string[];
  entrypoint?: string[];
  cmd?: string[];
  env?: Record<string, string>;
}

export function validateConfig(value: unknown): ValidationResult {
  const v = new Validator();
  const top = v.mapping(value, [], 'a mapping with `distros` and `images`');
  if (!top) return { ok: false, issues: v.issues };
  v.keys(top, [], TOP_KEYS, ['distros']);
  const source = top['source'] === undefined ? undefined : v.url(top['source'], ['source']);
  const drafts: ImageDraft[] = [];
  // Every image name written, malformed ones too: a `from` naming one of those is not also "unknown".
  const written = new Set<string>();
  const namesOf = (value: unknown): string[] => (typeof value === 'object' && value !== null ? Object.keys(value) : []);
  for (const name of namesOf(top['images'])) written.add(name);
  const distros = v.named(top['distros'], ['distros'], 'distro', (raw, path, name) => {
    const scoped = raw['images'];
    for (const n of namesOf(scoped)) written.add(n);
    if (scoped !== undefined) {
      const own = v.named(scoped, [...path, 'images'], 'image', (r, p, n) => v.image(r, p, n, name));
      drafts.push(...Object.values(own));
    }
    return v.distro(raw, path, name);
  });
  drafts.push(
    ...Object.values(v.named(top['images'], ['images'], 'image', (raw, path, name) => v.image(raw, path, name))),
  );
  for (const d of drafts.filter((d) => d.name === DEBUG_KEY)) {
    v.add(d.path, `the name "${DEBUG_KEY}" is reserved for the debug variant's packages; expected another name`, true);
  }
  for (const d of drafts.filter((d) => d.name === LOCALE_KEY)) {
    if (Object.values(distros).some((x) => x.localePackage !== undefined))
      v.add(
        d.path,
        `the name "${LOCALE_KEY}" is reserved for the distro's locale package; expected another name`,
        true,
      );
  }
  if (drafts.length === 0 && top['images'] === undefined) {
    v.add(['images'], 'missing: expected `images` (or `images` inside a distro)');
  }
  const normalised = checkRelations(v, distros, drafts, written);
  if (!normalised && v.issues.length === 0) v.add(['images'], 'expected images that can be resolved');
  const compression = v.compression(top['compression']);
  if (v.issues.length > 0 || !normalised) return { ok: false, issues: v.issues };
  return {
    ok: true,
    config: { distros, images: normalised, ...(source ? { source } : {}), ...(compression ? { compression } : {}) },
  };
}

/**
 * The key of an image in `Config.images`: its repository name `<image>-<distro>`, unique across distros where the
 * image name alone is not (static of Debian 12 and of Debian 13).
 */
export function imageKey(name: string, distro: string): string {
  return `${name}-${distro}`;
}

class Validator {
  readonly issues: SchemaIssue[] = [];
  /** Arch lists that failed their checks: subset checks against them would only add noise. */
  readonly badArchs = new Set<string>();

  add(path: FieldPath, message: string, atKey = false): void {
    this.issues.push(atKey ? { path, message, atKey } : { path, message });
  }

  mapping(value: unknown, path: FieldPath, expected: string): Raw | undefined {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Raw;
    this.add(path, `expected ${expected}, got ${describe(value)}`);
    return undefined;
  }

  /** Unknown keys (typos) and missing required keys. */
  keys(obj: Raw, path: FieldPath, allowed: readonly string[], required: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (allowed.includes(key)) continue;
      const near = closest(key, allowed);
      const hint = near ? `did you mean "${near}"?` : `expected one of: ${allowed.join(', ')}`;
      this.add([...path, key], `unknown key "${key}"; ${hint}`, true);
    }
    for (const key of required) {
      if (obj[key] === undefined) this.add([...path, key], `missing: expected \`${key}\``);
    }
  }

  /** A non-empty mapping of name → entry (distros, images). */
  named<T>(
    value: unknown,
    path: FieldPath,
    what: string,
    entry: (raw: Raw, p: FieldPath, n: string) => T,
  ): Record<string, T> {
    const out: Record<string, T> = {};
    if (value === undefined || value === null) return out;
    const map = this.mapping(value, path, `a mapping of ${what} name → ${what}`);
    if (!map) return out;
    if (Object.keys(map).length === 0) this.add(path, `expected at least one ${what}`);
    for (const [name, raw] of Object.entries(map)) {
      if (!NAME.test(name))
        this.add(
          [...path, name],
          `bad ${what} name "${name}": expected lower-case letters and digits, with . _ - between them`,
          true,
        );
      const obj = this.mapping(raw, [...path, name], `a mapping (the ${what}'s fields)`);
      if (obj) out[name] = entry(obj, [...path, name], name);
    }
    return out;
  }

  string(value: unknown, path: FieldPath, expected = 'a string', pattern?: RegExp): string | undefined {
    if (typeof value === 'string' && value !== '' && (!pattern || pattern.test(value))) return value;
    this.add(path, `expected ${expected}, got ${describe(value)}`);
    return undefined;
  }

  /** Top-level `compression`: gzip (the default) or zstd. */
  compression(value: unknown): (typeof COMPRESSIONS)[number] | undefined {
    if (value === undefined) return undefined;
    const found = COMPRESSIONS.find((c) => c === value);
    if (found === undefined) this.add(['compression'], `expected gzip or zstd, got ${JSON.stringify(value)}`);
    return found;
  }

  url(value: unknown, path: FieldPath): string | undefined {
    const s = this.string(value, path, 'an http(s) URL');
    if (s === undefined) return undefined;
    if (!isHttpUrl(s)) {
      this.add(path, `expected an http(s) URL, got "${redactUrls(s)}"`);
      return undefined;
    }
    if (hasCredentials(s)) {
      // The file is committed and its URLs are written into the lockfile: credentials would leak there.
      this.add(
        path,
        `${redactUrl(s)}: credentials do not belong in the config (it is committed, and its URLs go into the lockfile); give them in a mirror override (--mirror, DISTROLESS_MIRRORS or the mirrors input)`,
      );
      return undefined;
    }
    return stripSlashes(s);
  }

  /** A list of strings, each checked by `item`; undefined unless every item passed. Duplicates are flagged. */
  list(
    value: unknown,
    path: FieldPath,
    expected: string,
    item: (v: unknown, p: FieldPath) => string | undefined,
    opts: { nonEmpty?: boolean; unique?: boolean } = {},
  ): string[] | undefined {
    if (!Array.isArray(value)) {
      this.add(path, `expected a list of ${expected}, got ${describe(value)}`);
      return undefined;
    }
    let ok = !(opts.nonEmpty && value.length === 0);
    if (!ok) this.add(path, `expected a non-empty list of ${expected}`);
    const out: string[] = [];
    const first = new Map<string, number>();
    value.forEach((raw: unknown, i) => {
      const s = item(raw, [...path, i]);
      const seen = s === undefined ? undefined : first.get(s);
      if (s === undefined) ok = false;
      else if (opts.unique && seen !== undefined)
        this.add([...path, i], `duplicate "${s}" (already at ${formatPath([...path, seen])})`);
      else out.push(s);
      if (s !== undefined && seen === undefined) first.set(s, i);
    });
    return ok ? out : undefined;
  }

  packages(value: unknown, path: FieldPath, nonEmpty = false): string[] | undefined {
    const item = (v: unknown, p: FieldPath): string | undefined =>
      this.string(v, p, 'a Debian package name (lower case a-z 0-9 + - ., at least 2 characters)', PACKAGE_NAME);
    return this.list(value, path, 'Debian package names', item, { nonEmpty, unique: true });
  }

  /** Records `owner` (`distro:<name>` or `image:<name>`) in `badArchs` when the list is not valid. */
  archs(value: unknown, path: FieldPath, owner: string): string[] | undefined {
    const archs = this.list(value, path, 'Debian architecture names', (v, p) => this.arch(v, p), {
      nonEmpty: true,
      unique: true,
    });
    if (!archs) this.badArchs.add(owner);
    return archs;
  }

  arch(value: unknown, path: FieldPath): string | undefined {
    if (typeof value === 'string' && DEBIAN_ARCHS.includes(value)) return value;
    const bare = typeof value === 'string' ? value.toLowerCase().replace(/^linux\//, '') : '';
    const hint = DEBIAN_ARCHS.includes(bare) ? bare : ARCH_HINTS[bare];
    const got = hint ? `"${String(value)}" is the OCI/GNU spelling, write ${hint}` : `got ${describe(value)}`;
    this.add(path, `expected a Debian architecture name (${DEBIAN_ARCHS.join(', ')}); ${got}`);
    return undefined;
  }

  distro(raw: Raw, path: FieldPath, name: string): DistroConfig {
    this.keys(raw, path, DISTRO_KEYS, ['sources', 'archs']);
    const sources = raw['sources'] === undefined ? [] : this.sources(raw['sources'], [...path, 'sources']);
    const snapshot = raw['snapshot'] === undefined ? undefined : this.url(raw['snapshot'], [...path, 'snapshot']);
    const archs =
      raw['archs'] === undefined ? undefined : this.archs(raw['archs'], [...path, 'archs'], `distro:${name}`);
    if (!archs) this.badArchs.add(`distro:${name}`);
    const debugPackages = raw['debug'] === undefined ? [] : this.debug(raw['debug'], [...path, 'debug']);
    const keepSetuid =
      raw['setuid'] === undefined
        ? []
        : (
            this.list(
              raw['setuid'],
              [...path, 'setuid'],
              'absolute file paths, e.g. /usr/bin/su',
              (v, p) => this.string(v, p, 'an absolute file path such as /usr/bin/su', IMAGE_PATH),
              { unique: true },
            ) ?? []
          ).map((p) => p.slice(1));
    const localePackage = raw['locale'] === undefined ? undefined : this.locale(raw['locale'], [...path, 'locale']);
    const version = this.version(raw['version'], [...path, 'version'], name);
    const mergedUsr = raw['merged-usr'];
    if (mergedUsr !== undefined && typeof mergedUsr !== 'boolean') {
      this.add([...path, 'merged-usr'], `expected true or false, got ${describe(mergedUsr)}`);
    }
    return {
      name,
      sources,
      ...(snapshot ? { snapshot } : {}),
      archs: archs ?? [],
      debugPackages,
      keepSetuid,
      ...(localePackage ? { localePackage } : {}),
      version,
      ...(mergedUsr === true ? { mergedUsr: true as const } : {}),
    };
  }

  sources(value: unknown, path: FieldPath): SourceConfig[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.add(path, `expected a non-empty list of {url, suite, components}, got ${describe(value)}`);
      return [];
    }
    const out: SourceConfig[] = [];
    value.forEach((item: unknown, i) => {
      const p = [...path, i];
      const obj = this.mapping(item, p, 'a mapping {url, suite, components}');
      if (!obj) return;
      this.keys(obj, p, SOURCE_KEYS, SOURCE_KEYS);
      const url = obj['url'] === undefined ? undefined : this.url(obj['url'], [...p, 'url']);
      const suite =
        obj['suite'] === undefined
          ? undefined
          : this.string(obj['suite'], [...p, 'suite'], 'a suite name such as bookworm', SUITE);
      const components =
        obj['components'] === undefined
          ? undefined
          : this.list(
              obj['components'],
              [...p, 'components'],
              'component names such as main',
              (v, q) => this.string(v, q, 'a component name such as main', COMPONENT),
              { nonEmpty: true, unique: true },
            );
      if (!url || !suite || !components) return;
      if (out.some((s) => s.url === url && s.suite === suite)) this.add(p, `duplicate source ${url} ${suite}`);
      else out.push({ url, suite, components });
    });
    return out;
  }

  debug(value: unknown, path: FieldPath): string[] {
    const obj = this.mapping(value, path, 'a mapping {packages: [...]}');
    if (!obj) return [];
    this.keys(obj, path, DEBUG_KEYS, DEBUG_KEYS);
    return obj['packages'] === undefined ? [] : (this.packages(obj['packages'], [...path, 'packages']) ?? []);
  }

  locale(value: unknown, path: FieldPath): string | undefined {
    const obj = this.mapping(value, path, 'a mapping {package: <name>}');
    if (!obj) return undefined;
    this.keys(obj, path, LOCALE_KEYS, LOCALE_KEYS);
    if (obj['package'] === undefined) return undefined;
    return this.string(
      obj['package'],
      [...path, 'package'],
      'a Debian package name (lower case a-z 0-9 + - ., at least 2 characters)',
      PACKAGE_NAME,
    );
  }

  version(value: unknown, path: FieldPath, name: string): string {
    if (value === undefined || value === null) {
      const digits = /\d+/.exec(name)?.[0];
      if (digits !== undefined) return digits;
      this.add(path, `missing: expected \`version\` (e.g. "12"); it cannot be derived from the name "${name}"`);
      return '';
    }
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value);
    return this.string(value, path, 'a version such as "12"', VERSION) ?? '';
  }

  image(raw: Raw, path: FieldPath, name: string, scope?: string): ImageDraft {
    const hasFrom = raw['from'] !== undefined;
    const allowed = scope === undefined ? IMAGE_KEYS : IMAGE_KEYS.filter((k) => k !== 'distro');
    this.keys(raw, path, allowed, hasFrom ? [] : ['packages']);
    const opt = <T>(key: string, check: (v: unknown, p: FieldPath) => T | undefined): T | undefined =>
      raw[key] === undefined ? undefined : check(raw[key], [...path, key]);
    const ref = (v: unknown, p: FieldPath): string | undefined => this.string(v, p, 'a name');
    const strings = (v: unknown, p: FieldPath): string[] | undefined =>
      this.list(v, p, 'strings', (s, q) => (typeof s === 'string' ? s : this.string(s, q)));
    return {
      name,
      path,
      ...(scope === undefined ? {} : { scope }),
      distro: scope ?? opt('distro', ref),
      from: opt('from', ref),
      packages: opt('packages', (v, p) => this.packages(v, p, !hasFrom)),
      exclude: opt('exclude', (v, p) => this.packages(v, p)),
      archs: opt('archs', (v, p) => this.archs(v, p, `image:${formatPath(path)}`)),
      entrypoint: opt('entrypoint', strings),
      cmd: opt('cmd', strings),
      env: opt('env', (v, p) => this.env(v, p)),
    };
  }

  env(value: unknown, path: FieldPath): Record<string, string> | undefined {
    const obj = this.mapping(value, path, 'a mapping of variable name → string');
    if (!obj) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (!ENV_NAME.test(k))
        this.add([...path, k], `expected a variable name ([A-Za-z_][A-Za-z0-9_]*), got "${k}"`, true);
      if (typeof v === 'string') out[k] = v;
      else this.add([...path, k], `expected a string (quote numbers and booleans), got ${describe(v)}`);
    }
    return out;
  }
}

/** Distro and `from` references, cycles, arch subsets, repeated or contradictory packages; then normalise. */
function checkRelations(
  v: Validator,
  distros: Record<string, DistroConfig>,
  list: readonly ImageDraft[],
  written: ReadonlySet<string>,
): Record<string, ImageConfig> | undefined {
  const distroNames = Object.keys(distros);
  const distroOf = (d: ImageDraft): string | undefined =>
    d.distro ?? (distroNames.length === 1 ? distroNames[0] : undefined);
  // Keyed by imageKey (name-distro); an image whose distro is unknown keeps its bare name so it is still reported.
  const keyOf = (d: ImageDraft): string => {
    const distro = distroOf(d);
    return distro === undefined ? d.name : imageKey(d.name, distro);
  };
  const drafts: Record<string, ImageDraft> = {};
  for (const d of list) {
    const key = keyOf(d);
    if (drafts[key]) v.add(d.path, `image "${d.name}" of distro "${distroOf(d)}" is defined twice`, true);
    else drafts[key] = d;
  }
  const parentKey = (d: ImageDraft): string | undefined => {
    if (d.from === undefined) return undefined;
    const distro = distroOf(d);
    return distro === undefined ? d.from : imageKey(d.from, distro);
  };
  for (const d of Object.values(drafts)) {
    if (d.distro !== undefined && distros[d.distro] === undefined && distroNames.length > 0) {
      v.add([...d.path, 'distro'], `unknown distro "${d.distro}"; expected one of: ${distroNames.join(', ')}`);
    } else if (d.distro === undefined && distroNames.length > 1) {
      v.add(
        [...d.path, 'distro'],
        `missing: expected \`distro\` (one of: ${distroNames.join(', ')}) when there is more than one distro`,
      );
    }
    checkFrom(v, drafts, d, distroOf, parentKey, written);
  }
  const images: Record<string, ImageConfig> = {};
  const build = (key: string, d: ImageDraft, seen: readonly string[]): ImageConfig | undefined => {
    if (images[key]) return images[key];
    const pKey = parentKey(d);
    const parentDraft = pKey === undefined ? undefined : drafts[pKey];
    if (pKey !== undefined && (!parentDraft || seen.includes(pKey))) return undefined;
    const parent = parentDraft && pKey ? build(pKey, parentDraft, [...seen, key]) : undefined;
    const distro = distros[distroOf(d) ?? ''];
    if (!distro || (parentDraft && !parent)) return undefined;
    const image = normaliseImage(v, d, distro, parent, images);
    images[key] = image;
    return image;
  };
  for (const [key, d] of Object.entries(drafts)) build(key, d, []);
  return Object.keys(images).length === Object.keys(drafts).length ? images : undefined;
}

function checkFrom(
  v: Validator,
  drafts: Record<string, ImageDraft>,
  d: ImageDraft,
  distroOf: (d: ImageDraft) => string | undefined,
  parentKey: (d: ImageDraft) => string | undefined,
  written: ReadonlySet<string>,
): void {
  const key = parentKey(d);
  if (d.from === undefined || key === undefined) return;
  const at = [...d.path, 'from'];
  const parent = drafts[key];
  if (!parent) {
    // Same distro only: `from` names an image of the image's own distro.
    const mine = distroOf(d);
    const names = Object.values(drafts)
      .filter((o) => o !== d && distroOf(o) === mine)
      .map((o) => o.name);
    const elsewhere = Object.values(drafts).find((o) => o.name === d.from);
    if (elsewhere && distroOf(elsewhere) !== mine) {
      v.add(at, `image "${d.from}" is built on distro "${distroOf(elsewhere)}"; expected an image of distro "${mine}"`);
    } else if (!elsewhere && !written.has(d.from)) {
      v.add(at, `unknown image "${d.from}"; expected one of: ${names.join(', ') || '(no other image)'}`);
    }
    return;
  }
  const chain = [d.name];
  for (
    let cur: ImageDraft | undefined = parent;
    cur;
    cur = parentKey(cur) === undefined ? undefined : drafts[parentKey(cur) as string]
  ) {
    if (chain.includes(cur.name)) {
      if (cur.name === d.name)
        v.add(
          at,
          `cycle: ${[...chain, cur.name].join(' → ')}; expected a chain that ends at an image without \`from\``,
        );
      return;
    }
    chain.push(cur.name);
  }
}

function normaliseImage(
  v: Validator,
  d: ImageDraft,
  distro: DistroConfig,
  parent: ImageConfig | undefined,
  all: Record<string, ImageConfig>,
): ImageConfig {
  const path = d.path;
  const allowed = parent ? parent.archs : distro.archs;
  const within = parent ? `image "${parent.name}"` : `distro "${distro.name}"`;
  const parentPath = parent ? `image:${formatPath(imagePath(parent))}` : `distro:${distro.name}`;
  if (v.badArchs.has(parentPath)) v.badArchs.add(`image:${formatPath(path)}`);
  else
    d.archs?.forEach((a, i) => {
      if (!allowed.includes(a))
        v.add([...path, 'archs', i], `expected one of the archs of ${within} (${allowed.join(', ')}), got "${a}"`);
    });
  const packages = d.packages ?? [];
  const exclude = d.exclude ?? [];
  const ancestors: ImageConfig[] = [];
  for (let p = parent; p; p = p.from === undefined ? undefined : all[imageKey(p.from, p.distro)]) ancestors.push(p);
  packages.forEach((pkg, i) => {
    const requestedBy = ancestors.find((a) => a.packages.includes(pkg));
    const excludedBy = exclude.includes(pkg) ? d : ancestors.find((a) => a.exclude.includes(pkg));
    if (requestedBy)
      v.add([...path, 'packages', i], `duplicate "${pkg}": already requested by image "${requestedBy.name}"`);
    if (excludedBy)
      v.add(
        [...path, 'packages', i],
        `"${pkg}" is also excluded (by image "${excludedBy.name}"); expected a package either requested or excluded`,
      );
  });
  return {
    name: d.name,
    distro: distro.name,
    ...(d.scope === undefined ? {} : { scoped: true as const }),
    ...(d.from !== undefined ? { from: d.from } : {}),
    packages,
    exclude,
    archs: d.archs ?? [...allowed],
    ...(d.entrypoint ? { entrypoint: d.entrypoint } : {}),
    ...(d.cmd ? { cmd: d.cmd } : {}),
    env: d.env ?? {},
  };
}

/** Where an image is written in the config file (for messages about it). */
export function imagePath(image: Pick<ImageConfig, 'name' | 'distro' | 'scoped'>): FieldPath {
  return image.scoped ? ['distros', image.distro, 'images', image.name] : ['images', image.name];
}

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out === '' ? '(top level)' : out;
}

export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

export function stripSlashes(url: string): string {
  return url.replace(/\/+$/, '');
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return value === '' ? 'an empty string' : `"${value}"`;
  return `${typeof value} ${String(value)}`;
}

/** The allowed key within edit distance 2 of a typo, if any. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = editDistance(key.toLowerCase(), candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
