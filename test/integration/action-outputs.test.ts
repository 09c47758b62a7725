/**
 * Every output action.yml declares is set by the command(s) that declare it, and by no other: the Action is
 * driven in-process (INPUT_* as the runner sets them, action.yml's defaults filled in) through every command
 * against a signed test archive, a real docker-registry and a fake GitHub, and its outputs are captured.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runAction, type ActionKit } from '../../src/action/main.js';
import { ACTION_COMMANDS } from '../../src/action/inputs.js';
import { makeFixture, MAIN_URL, SECURITY_URL, type Fixture } from '../helpers/update-fixture.js';
import { startFakeGitHub, type FakeGitHub } from '../helpers/fake-github.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const root = new URL('../..', import.meta.url).pathname;
const COSIGN_FIXTURES = new URL('../fixtures/cosign/', import.meta.url).pathname;
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, { description: string }>;
};

/** The commands an output's description names: "update - …; publish - …", "push/publish/assemble - …". */
function declaredBy(description: string): string[] {
  return [...description.matchAll(/(?:^|;\s*)([a-z]+(?:\/[a-z]+)*)(?: with [a-z-]+)? - /g)].flatMap((m) =>
    (m[1] ?? '').split('/'),
  );
}

function declaredOutputs(command: string): string[] {
  return Object.entries(action.outputs)
    .filter(([, o]) => declaredBy(o.description).includes(command))
    .map(([name]) => name)
    .sort();
}

interface Run {
  outputs: Record<string, string>;
  failed?: string;
  log: string[];
}

async function run(fx: Fixture, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<Run> {
  const vars: Record<string, string> = { HOME: fx.dir, RUNNER_TEMP: fx.dir, ...env };
  for (const [name, spec] of Object.entries(action.inputs))
    if (spec.default !== undefined && !spec.default.includes('${{')) vars[`INPUT_${name.toUpperCase()}`] = spec.default;
  for (const [name, value] of Object.entries(inputs)) vars[`INPUT_${name.toUpperCase()}`] = value;
  const r: Run = { outputs: {}, log: [] };
  const kit: ActionKit = {
    setOutput: (name, value) => {
      r.outputs[name] = value;
    },
    setSecret: () => undefined,
    setFailed: (m) => {
      r.failed = m;
    },
    info: (m) => r.log.push(m),
    warning: (m) => r.log.push(`warning: ${m}`),
    error: (m) => r.log.push(`error: ${m}`),
    summary: async () => undefined,
    getIDToken: () => Promise.reject(new Error('no OIDC here')),
  };
  await runAction(vars, fx.dir, kit);
  return r;
}

describe('the Action sets exactly the outputs action.yml declares for each command', () => {
  let fx: Fixture;
  let gh: FakeGitHub;
  let registry: TestRegistry;
  const ran = new Map<string, Run>();
  let common: Record<string, string>;
  let key: string;

  beforeAll(async () => {
    // The Action reads the real clock: this archive is published an hour ago and valid for a week from now.
    const published = new Date(Date.now() - 3600_000);
    const validUntil = new Date(Date.now() + 7 * 86400_000);
    fx = await makeFixture({ main: { date: published }, security: { date: published, validUntil } });
    gh = await startFakeGitHub();
    registry = await startRegistry();
    await writeFile(join(fx.dir, 'keys.asc'), fx.keys.map((k) => k.armoredPublic).join('\n'));
    gh.push('main', { 'distroless.yaml': await readFile(fx.configPath, 'utf8') }, 'initial');
    key = await readFile(join(COSIGN_FIXTURES, 'cosign.key'), 'utf8');
    common = {
      mirrors: `${MAIN_URL}=${fx.mainServer.url},${SECURITY_URL}=${fx.securityServer.url}`,
      'cache-dir': join(fx.dir, 'cache'),
      summary: 'false',
    };
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await gh?.close();
    await fx?.close();
  });

  const signing = () => ({ signing: 'key', 'signing-key': key, 'signing-key-password': 'distroless-test-pw' });
  const reg = () => `${registry.host}/out`;

  it('runs every command once, each without failing', async () => {
    const steps: Array<[string, Record<string, string>, Record<string, string>?]> = [
      [
        'update',
        { keyring: 'keys.asc', 'pull-request': 'true', 'github-token': gh.token },
        { GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}`, GITHUB_API_URL: gh.url, GITHUB_WORKSPACE: fx.dir },
      ],
      ['build', { archs: 'amd64', output: 'layout' }],
      ['push', { output: 'layout', registry: reg() }],
      ['publish', { archs: 'amd64', output: 'publish', registry: reg(), ...signing() }],
      ['sign', { registry: reg(), images: 'static', ...signing() }],
      ['verify', { references: `${reg()}/static-test12:nonroot`, 'public-key': join(COSIGN_FIXTURES, 'cosign.pub') }],
      ['plan', { images: 'static', archs: 'amd64' }],
      [
        'shard',
        { shard: 'static-test12-amd64', registry: `${registry.host}/mx`, output: 'shard', 'shard-results': 'results' },
      ],
      [
        'assemble',
        { images: 'static', archs: 'amd64', registry: `${registry.host}/mx`, 'shard-results': 'results', ...signing() },
      ],
    ];
    for (const [command, inputs, env] of steps) {
      const r = await run(fx, { ...common, command, ...inputs }, env);
      expect([command, r.failed]).toEqual([command, undefined]);
      ran.set(command, r);
    }
    expect([...ran.keys()].sort()).toEqual([...ACTION_COMMANDS].sort());
  }, 600_000);

  it.each([...ACTION_COMMANDS])('%s sets the outputs declared for it', (command) => {
    const r = ran.get(command);
    expect(r).toBeDefined();
    expect(Object.keys(r?.outputs ?? {}).sort()).toEqual(declaredOutputs(command));
    for (const [name, value] of Object.entries(r?.outputs ?? {})) expect([name, value]).not.toEqual([name, '']);
  });

  it('publish and assemble report what they signed', () => {
    for (const command of ['publish', 'assemble', 'sign']) {
      const signed = JSON.parse(ran.get(command)?.outputs.signed ?? '[]') as Array<{ digest: string; state: string }>;
      expect([command, signed.length > 0]).toEqual([command, true]);
      expect(
        signed.every((s) => /^sha256:[0-9a-f]{64}$/.test(s.digest) && ['signed', 'present'].includes(s.state)),
      ).toBe(true);
    }
    // publish signed the amd64 images and indexes of both images × 4 variants: 2 × 4 × (index + amd64).
    expect(JSON.parse(ran.get('publish')?.outputs.signed ?? '[]')).toHaveLength(2 * 4 * 2);
    expect(ran.get('verify')?.outputs.verified).toBe('true');
  });
});
