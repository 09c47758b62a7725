/**
 * The CLI and the Action make the same request from the same input: for every command, equivalent argv and
 * INPUT_* (with action.yml's defaults filled in, as the runner does) give deep-equal requests. A rule or default
 * changed in one adapter only fails here.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { actionRequest, ACTION_COMMANDS } from '../../src/action/inputs.js';
import { makeRequest, type CommandName } from '../../src/app/requests.js';
import { cliRequest, type CliIo } from '../../src/cli/main.js';
import { cliEdge } from '../../src/cli/program.js';
import { DistrolessError } from '../../src/errors.js';

const root = new URL('../..', import.meta.url).pathname;
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
};
const CWD = '/work/project';
const PEM = '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nabc\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----';
const REG = '127.0.0.1:5000/rel';

function io(env: Record<string, string> = {}): CliIo {
  return {
    stdout: () => undefined,
    stderr: () => undefined,
    env: { HOME: '/home/u', ...env },
    cwd: CWD,
    isTTY: false,
    now: () => new Date(0),
    clock: () => 0,
  };
}

async function fromCli(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ command: string; request: unknown }> {
  const r = await cliRequest(argv, io(env));
  if (typeof r === 'number') throw new Error(`commander answered ${r}`);
  return { command: r.command, request: r.request };
}

/** INPUT_* as the runner sets them: action.yml's defaults, then what the workflow gives. */
function fromAction(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const vars: Record<string, string> = { HOME: '/home/u', RUNNER_TEMP: '/tmp/runner', ...env };
  for (const [name, spec] of Object.entries(action.inputs))
    if (spec.default !== undefined && !spec.default.includes('${{')) vars[`INPUT_${name.toUpperCase()}`] = spec.default;
  for (const [name, value] of Object.entries(inputs)) vars[`INPUT_${name.toUpperCase()}`] = value;
  const r = actionRequest(vars, CWD);
  return { command: r.command, request: r.request };
}

interface Case {
  name: string;
  command: CommandName;
  cli: string[];
  cliEnv?: Record<string, string>;
  action: Record<string, string>;
  actionEnv?: Record<string, string>;
}

const KEY_CLI = { DISTROLESS_SIGNING_KEY: PEM, COSIGN_PASSWORD: 'pw' };
const KEY_ACTION = { signing: 'key', 'signing-key': PEM, 'signing-key-password': 'pw' };
const EPOCH = { SOURCE_DATE_EPOCH: '1700000000' };

const CASES: Case[] = [
  {
    name: 'update: every global option, --check, --arch',
    command: 'update',
    cli: [
      '-c',
      'conf/d.yaml',
      '-l',
      'locks',
      '-m',
      'https://deb.debian.org/debian=http://127.0.0.1:9/debian',
      '-k',
      'keys.asc',
      '--cache-dir',
      'cache',
      'update',
      '--check',
      '--arch',
      'amd64,arm64',
    ],
    action: {
      command: 'update',
      config: 'conf/d.yaml',
      lockfiles: 'locks',
      mirrors: 'https://deb.debian.org/debian=http://127.0.0.1:9/debian',
      keyring: 'keys.asc',
      'cache-dir': 'cache',
      check: 'true',
      archs: 'amd64, arm64',
    },
  },
  {
    name: 'update: the defaults',
    command: 'update',
    cli: ['--cache-dir', '/c', 'update'],
    action: { command: 'update', 'cache-dir': '/c' },
  },
  {
    name: 'build: selection, output, SOURCE_DATE_EPOCH',
    command: 'build',
    cli: ['--cache-dir', 'c', 'build', '-o', 'layout', '-i', 'static,base', '-a', 'amd64'],
    cliEnv: EPOCH,
    action: { command: 'build', 'cache-dir': 'c', output: 'layout', images: 'static\nbase', archs: 'amd64' },
    actionEnv: EPOCH,
  },
  {
    name: 'build: one distro of several (--distro / distros)',
    command: 'build',
    cli: ['--cache-dir', 'c', '--distro', 'debian13', 'build', '-i', 'static-debian13'],
    action: { command: 'build', 'cache-dir': 'c', distros: 'debian13', images: 'static-debian13' },
  },
  {
    name: 'update: two distros named',
    command: 'update',
    cli: ['--cache-dir', 'c', '-d', 'debian12,debian13', 'update'],
    action: { command: 'update', 'cache-dir': 'c', distros: 'debian12 debian13' },
  },
  {
    name: 'build: the defaults',
    command: 'build',
    cli: ['--cache-dir', 'c', 'build'],
    action: { command: 'build', 'cache-dir': 'c' },
  },
  {
    name: 'push: credentials, immutable tag, plain http on loopback',
    command: 'push',
    cli: ['push', '-r', REG, '-o', 'layout', '--immutable-tag', 'r1', '-u', 'bot'],
    cliEnv: { DISTROLESS_REGISTRY_PASSWORD: 'secret' },
    action: {
      command: 'push',
      registry: REG,
      output: 'layout',
      'immutable-tag': 'r1',
      'registry-username': 'bot',
      'registry-password': 'secret',
    },
  },
  {
    name: 'publish: signed with a key (format default), epoch, selection',
    command: 'publish',
    cli: ['--cache-dir', 'c', 'publish', '-r', 'ghcr.io/acme', '-a', 'arm64', '--immutable-tag', 'r2'],
    cliEnv: { ...KEY_CLI, ...EPOCH },
    action: {
      command: 'publish',
      'cache-dir': 'c',
      registry: 'ghcr.io/acme',
      archs: 'arm64',
      'immutable-tag': 'r2',
      ...KEY_ACTION,
    },
    actionEnv: EPOCH,
  },
  {
    name: 'publish: unsigned',
    command: 'publish',
    cli: ['--cache-dir', 'c', 'publish', '-r', REG],
    action: { command: 'publish', 'cache-dir': 'c', registry: REG },
  },
  {
    name: 'publish: keyless (bundle by default, Fulcio and Rekor defaults)',
    command: 'publish',
    cli: ['--cache-dir', 'c', 'publish', '-r', REG, '--keyless'],
    cliEnv: { SIGSTORE_ID_TOKEN: 'tok' },
    action: { command: 'publish', 'cache-dir': 'c', registry: REG, signing: 'keyless' },
    actionEnv: { SIGSTORE_ID_TOKEN: 'tok' },
  },
  {
    name: 'sign: every image of the config under a registry, at an immutable tag, legacy only',
    command: 'sign',
    cli: ['--cache-dir', 'c', 'sign', '-r', REG, '--tag', 'r1', '-i', 'base', '--signature-format', 'legacy'],
    cliEnv: KEY_CLI,
    action: {
      command: 'sign',
      'cache-dir': 'c',
      registry: REG,
      'immutable-tag': 'r1',
      images: 'base',
      'signature-format': 'legacy',
      ...KEY_ACTION,
    },
  },
  {
    name: 'sign: references',
    command: 'sign',
    cli: ['--cache-dir', 'c', 'sign', `${REG}/base-debian12:latest`, `${REG}/static-debian12:nonroot`],
    cliEnv: KEY_CLI,
    action: {
      command: 'sign',
      'cache-dir': 'c',
      references: `${REG}/base-debian12:latest\n${REG}/static-debian12:nonroot`,
      ...KEY_ACTION,
    },
  },
  {
    name: 'verify: a public key (any format by default, the default predicate types)',
    command: 'verify',
    cli: ['verify', `${REG}/base-debian12:latest`, '--public-key', 'cosign.pub'],
    action: { command: 'verify', references: `${REG}/base-debian12:latest`, 'public-key': 'cosign.pub' },
  },
  {
    name: 'verify: keyless',
    command: 'verify',
    cli: [
      'verify',
      `ghcr.io/acme/base-debian12:latest`,
      '--certificate-identity',
      'https://github.com/acme/images/.github/workflows/release.yml@refs/heads/main',
      '--trusted-root',
      'trusted_root.json',
    ],
    action: {
      command: 'verify',
      references: `ghcr.io/acme/base-debian12:latest`,
      'certificate-identity': 'https://github.com/acme/images/.github/workflows/release.yml@refs/heads/main',
      'trusted-root': 'trusted_root.json',
    },
  },
  {
    name: 'plan: selection',
    command: 'plan',
    cli: ['-c', 'd.yaml', 'plan', '-i', 'static', '-a', 'amd64,arm64'],
    action: { command: 'plan', config: 'd.yaml', images: 'static', archs: 'amd64,arm64' },
  },
  {
    name: 'shard: the result file in the results directory',
    command: 'shard',
    cli: [
      '--cache-dir',
      'c',
      'build-shard',
      '-s',
      'static-debian12-amd64',
      '-r',
      REG,
      '-o',
      'shard/oci',
      '--result',
      'shard-results/static-debian12-amd64.json',
    ],
    cliEnv: EPOCH,
    action: { command: 'shard', 'cache-dir': 'c', shard: 'static-debian12-amd64', registry: REG, output: 'shard/oci' },
    actionEnv: EPOCH,
  },
  {
    name: 'assemble: results, selection, immutable tag, signed with a key',
    command: 'assemble',
    cli: [
      '--cache-dir',
      'c',
      'assemble',
      '-r',
      REG,
      '--results',
      'results',
      '-i',
      'static',
      '-a',
      'amd64',
      '--immutable-tag',
      'r3',
    ],
    cliEnv: KEY_CLI,
    action: {
      command: 'assemble',
      'cache-dir': 'c',
      registry: REG,
      'shard-results': 'results',
      images: 'static',
      archs: 'amd64',
      'immutable-tag': 'r3',
      ...KEY_ACTION,
    },
  },
];

describe('one request per command, whichever adapter made it', () => {
  it('covers every command the Action runs', () => {
    expect([...new Set(CASES.map((c) => c.command))].sort()).toEqual([...ACTION_COMMANDS].sort());
  });

  it.each(CASES)('$name', async (c) => {
    const cli = await fromCli(c.cli, c.cliEnv);
    const act = fromAction(c.action, c.actionEnv);
    expect(cli.command).toBe(c.command);
    expect(act.command).toBe(c.command);
    expect(cli.request).toEqual(act.request);
  });

  it('list (CLI only) has its request too, with the arch default', async () => {
    const r = await fromCli(['list', '-i', 'python3']);
    expect(r.request).toEqual({
      config: { file: join(CWD, 'distroless.yaml'), mirrors: {} },
      lockDir: join(CWD, 'lockfiles'),
      image: 'python3',
      arch: 'amd64',
    });
  });

  it('decides defaults and formats once: the values both adapters got', () => {
    const edge = cliEdge(io(EPOCH));
    const publish = makeRequest('publish', { registry: REG, keyPem: PEM }, edge);
    expect(publish).toMatchObject({
      insecure: true,
      epoch: 1700000000,
      outDir: join(CWD, 'out/oci'),
      signing: { format: 'both', key: { pem: PEM } },
    });
    const verify = makeRequest('verify', { references: [`${REG}/x:latest`], publicKey: 'k.pub' }, edge);
    expect(verify).toMatchObject({
      policy: { kind: 'key', format: 'any' },
      predicateTypes: ['https://spdx.dev/Document', 'https://slsa.dev/provenance/v1'],
    });
    expect(makeRequest('push', { registry: 'ghcr.io/acme' }, edge)).toMatchObject({ insecure: false });
  });

  it('names the option as each adapter spells it when a value is wrong', async () => {
    await expect(fromCli(['publish', '-r', REG, '--signature-format', 'all'], KEY_CLI)).rejects.toThrow(
      '--signature-format: unsupported value "all" (supported: legacy, bundle, both)',
    );
    expect(() => fromAction({ command: 'publish', registry: REG, ...KEY_ACTION, 'signature-format': 'all' })).toThrow(
      'input "signature-format": unsupported value "all" (supported: legacy, bundle, both)',
    );
    expect(() => fromAction({ command: 'shard', registry: REG })).toThrow(
      new DistrolessError('USAGE', 'input "shard" is empty: give the shard id from the plan matrix (matrix.id)'),
    );
    await expect(fromCli(['build'], { SOURCE_DATE_EPOCH: 'yesterday' })).rejects.toThrow(
      'SOURCE_DATE_EPOCH: expected whole seconds since 1970, got "yesterday"',
    );
    expect(() => fromAction({ command: 'build' }, { SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(
      'SOURCE_DATE_EPOCH: expected whole seconds since 1970, got "yesterday"',
    );
  });
});
