/**
 * The repository's own workflows and action.yml, checked two ways (actionlint is a Go binary from GitHub, which
 * is unreachable here):
 * 1. against SchemaStore's JSON schemas for GitHub workflows and actions, through @action-validator/core (WASM);
 * 2. by our own rules: every `uses: ./` step passes only inputs action.yml declares, with a command the Action
 *    knows; every job states its permissions and the workflow grants nothing by default; id-token is asked for
 *    only where keyless signing happens; action.yml's inputs are all read by src/action/inputs.ts and listed in
 *    the README.
 */
import { describe, expect, it } from '@jest/globals';
import { validateAction, validateWorkflow, type ValidationError } from '@action-validator/core';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ACTION_COMMANDS as COMMANDS } from '../../src/action/inputs.js';

const root = new URL('../..', import.meta.url).pathname;
const workflowDir = join(root, '.github/workflows');
const workflowFiles = readdirSync(workflowDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const actionText = readFileSync(join(root, 'action.yml'), 'utf8');
const action = parse(actionText) as {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
};

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string> | string;
  steps?: Step[];
  needs?: string | string[];
  strategy?: unknown;
}
interface Workflow {
  on: unknown;
  permissions?: Record<string, string> | string;
  jobs: Record<string, Job>;
}

const workflows = workflowFiles.map((file) => ({ file, text: readFileSync(join(workflowDir, file), 'utf8') }));

function messages(errors: ValidationError[]): string[] {
  return errors.map((e) => `${'path' in e ? e.path : ''} ${e.title} ${e.detail ?? ''}`.trim());
}

describe('workflow files', () => {
  it('are the ones the README describes', () => {
    expect(workflowFiles).toEqual(['ci.yml', 'release-matrix.yml', 'release.yml', 'update.yml']);
  });

  it.each(workflows)('$file validates against the GitHub workflow schema', ({ text }) => {
    expect(messages(validateWorkflow(text).errors)).toEqual([]);
  });

  it('the schema check catches a broken workflow (so the test above can fail)', () => {
    const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    stepz: []\n';
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
    expect(validateWorkflow('on: push\njobs:\n  x:\n    run: echo a: b\n').errors.length).toBeGreaterThan(0);
  });

  it.each(workflows)('$file grants nothing by default and every job states its permissions', ({ text }) => {
    const wf = parse(text) as Workflow;
    expect(wf.permissions).toEqual({});
    for (const [name, job] of Object.entries(wf.jobs)) {
      expect([name, typeof job.permissions]).toEqual([name, 'object']);
      for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
        expect(['contents', 'pull-requests', 'packages', 'id-token']).toContain(scope);
        expect(['read', 'write']).toContain(level);
      }
    }
  });

  it('asks for id-token only in jobs that sign keyless, and for pull-requests only where the bot runs', () => {
    for (const { file, text } of workflows) {
      for (const [name, job] of Object.entries((parse(text) as Workflow).jobs)) {
        const perms = (job.permissions ?? {}) as Record<string, string>;
        const ours = (job.steps ?? []).filter((s) => s.uses === './');
        const keyless = ours.some((s) => s.with?.signing === 'keyless');
        const bot = ours.some((s) => s.with?.['pull-request'] === 'true');
        expect([file, name, perms['id-token'] === 'write']).toEqual([file, name, keyless]);
        expect([file, name, perms['pull-requests'] === 'write']).toEqual([file, name, bot]);
        const pushes = ours.some((s) =>
          ['publish', 'push', 'shard', 'assemble', 'sign'].includes(String(s.with?.command)),
        );
        expect([file, name, perms.packages === 'write']).toEqual([file, name, pushes]);
      }
    }
  });

  it('`uses: ./` steps pass only inputs that action.yml declares, with a known command', () => {
    const declared = new Set(Object.keys(action.inputs));
    let steps = 0;
    for (const { file, text } of workflows) {
      for (const job of Object.values((parse(text) as Workflow).jobs)) {
        for (const step of job.steps ?? []) {
          if (step.uses !== './') continue;
          steps++;
          for (const key of Object.keys(step.with ?? {}))
            expect([file, key, declared.has(key)]).toEqual([file, key, true]);
          expect(COMMANDS).toContain(String(step.with?.command));
        }
      }
    }
    expect(steps).toBeGreaterThanOrEqual(6);
  });

  it('use the Action with update in update.yml, publish on push to main in release.yml, and the three scale-out commands in the matrix example', () => {
    const commandsOf = (file: string): string[] =>
      Object.values((parse(workflows.find((w) => w.file === file)?.text ?? '') as Workflow).jobs).flatMap((j) =>
        (j.steps ?? []).filter((s) => s.uses === './').map((s) => String(s.with?.command)),
      );
    expect(commandsOf('update.yml')).toEqual(['update']);
    expect(commandsOf('release.yml')).toEqual(['publish']);
    expect(commandsOf('release-matrix.yml')).toEqual(['plan', 'shard', 'assemble']);
    const release = parse(workflows.find((w) => w.file === 'release.yml')?.text ?? '') as {
      on: { push: { branches: string[] } };
    };
    expect(release.on.push.branches).toEqual(['main']);
  });
});

describe('action.yml', () => {
  it('runs dist/index.js on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('validates against the GitHub action schema', () => {
    // The validator's bundled schema predates node24 (it knows node12/16/20); the runtime is checked above.
    const errors = validateAction(actionText.replace(/using: node24/, 'using: node20')).errors;
    expect(messages(errors)).toEqual([]);
  });

  it('declares exactly the inputs src/action/inputs.ts reads, each described', () => {
    const source = readFileSync(join(root, 'src/action/inputs.ts'), 'utf8');
    const read = new Set(
      [...source.matchAll(/(?:\bgiven\(env, |\binput\(env, |\bbooleanInput\(env, |\bone\()'([a-z-]+)'/g)].map(
        (m) => m[1],
      ),
    );
    expect([...read].sort()).toEqual(Object.keys(action.inputs).sort());
    for (const [name, input] of Object.entries(action.inputs))
      expect([name, input.description.length > 20]).toEqual([name, true]);
  });

  it('has every input and output in the README tables', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const name of [...Object.keys(action.inputs), ...Object.keys(action.outputs)])
      expect([name, readme.includes(`| \`${name}\` |`)]).toEqual([name, true]);
  });
});
