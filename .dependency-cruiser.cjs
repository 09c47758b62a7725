/**
 * The import rule (docs/architecture.md#layers-the-import-rule), checked by `npm run lint` (dependency-cruiser):
 *
 *   adapters (src/cli, src/action) → app (src/app) → domain (other folders) → util (src/util, errors, version)
 *
 * A layer imports only the layers below it; inside the domain, each folder imports only the folders that
 * DOMAIN lists for it; nothing is imported in a circle (type-only imports count too: they are part of the
 * design).
 */

/** Domain folder → the domain folders it may import (util always). Keep in step with docs/architecture.md. */
const DOMAIN = {
  tar: [],
  debian: [],
  lock: ['debian'],
  archive: [],
  config: ['debian'],
  oci: ['debian'],
  deb: ['tar'],
  build: ['deb', 'tar'],
  resolve: ['debian'],
  registry: ['oci'],
  sigstore: ['attest', 'oci', 'registry'],
  attest: ['archive', 'build', 'config', 'deb', 'lock', 'oci', 'tar'],
  sign: ['attest', 'oci', 'registry'],
  'update-pr': ['archive', 'config', 'deb', 'debian', 'lock', 'tar'],
};

/**
 * Known wrong-way edges still to be moved, each one exact (file → file). Delete an entry when
 * its edge is gone (the rule then guards against it coming back).
 */
/** Wrong-way imports still to be moved (each one named); none left since src/util/http took the retry policy. */
const PENDING_EDGES = [];

const exact = (files) => `^(${files.map((f) => f.replace(/[.-]/g, '\\$&')).join('|')})$`;
const names = Object.keys(DOMAIN);
const alt = (list) => list.map((n) => n.replace(/[.-]/g, '\\$&')).join('|');
const DOMAIN_PATH = `^src/(${alt(names)})/`;
const UTIL_PATH = '^src/(util/|errors\\.ts$|version\\.ts$)';
const APP_PATH = '^src/app/';
const ADAPTER_PATH = '^src/(cli|action)/';

const domainRules = names.flatMap((name) => {
  const others = names.filter((n) => n !== name && !DOMAIN[name].includes(n));
  const rule = {
    name: `domain-${name}`,
    comment:
      `src/${name} may import only ${DOMAIN[name].map((n) => `src/${n}, `).join('')}and the util layer ` +
      '(DOMAIN in .dependency-cruiser.cjs)',
    severity: 'error',
    from: { path: `^src/${name}/` },
    to: { path: `^src/(${alt(others)})/` },
  };
  const pending = PENDING_EDGES.filter((e) => e.from.startsWith(`src/${name}/`));
  if (pending.length === 0) return [rule];
  const fromFiles = [...new Set(pending.map((e) => e.from))];
  return [
    { ...rule, from: { path: rule.from.path, pathNot: exact(fromFiles) } },
    ...fromFiles.map((f) => ({
      ...rule,
      name: `${rule.name}-pending-edge`,
      from: { path: exact([f]) },
      to: { ...rule.to, pathNot: exact(pending.filter((e) => e.from === f).map((e) => e.to)) },
    })),
  ];
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'modules that import each other in a circle (directly or through others)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'util-imports-util-only',
      comment: 'src/util, src/errors.ts and src/version.ts are the bottom layer: they import nothing else of ours',
      severity: 'error',
      from: { path: UTIL_PATH },
      to: { path: '^src/', pathNot: UTIL_PATH },
    },
    {
      name: 'domain-not-up',
      comment: 'the domain (src/<folder> other than cli, action, app, util) must not import src/app or an adapter',
      severity: 'error',
      from: { path: DOMAIN_PATH },
      to: { path: `${APP_PATH}|${ADAPTER_PATH}` },
    },
    {
      name: 'app-not-up',
      comment: 'src/app must not import an adapter (src/cli, src/action)',
      severity: 'error',
      from: { path: APP_PATH },
      to: { path: ADAPTER_PATH },
    },
    {
      name: 'adapters-apart',
      comment: 'src/cli and src/action are two adapters over src/app: neither imports the other',
      severity: 'error',
      from: { path: '^src/(cli|action)/' },
      to: { path: '^src/(cli|action)/', pathNot: '^src/$1/' },
    },
    {
      name: 'unplaced-folder',
      comment:
        'every folder of src/ has a layer: add a new one to DOMAIN in .dependency-cruiser.cjs and docs/architecture.md',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `${DOMAIN_PATH}|${APP_PATH}|${ADAPTER_PATH}|^src/util/` },
      to: {},
    },
    ...domainRules,
    {
      name: 'config-through-index',
      comment: 'outside src/config, import the config module through src/config/index.ts, its public surface',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/config/' },
      to: { path: '^src/config/', pathNot: '^src/config/index\\.ts$' },
    },
    {
      name: 'actions-toolkit-in-action-only',
      comment: 'only the Action adapter (src/action) talks to the GitHub Actions runner through @actions/*',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/action/' },
      to: { path: '(^|/)node_modules/@actions/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|build|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
