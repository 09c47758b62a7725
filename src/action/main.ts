import * as core from '@actions/core';
import { resolve } from 'node:path';
import { loadConfig, parseMirrorOverrides } from '../config/index.js';
import { errorMessage, isDistrolessError } from '../errors.js';
import { runBuild } from '../app/build.js';
import { runUpdate } from '../app/update.js';
import { renderDiffText } from '../lock/render.js';

const COMMANDS = ['update', 'build'] as const;
type Command = (typeof COMMANDS)[number];

/** The Action's inputs, read once into one typed object. */
export interface ActionInputs {
  command: Command;
  config: string;
  lockfiles: string;
  mirrors: string;
  cacheDir: string;
  check: boolean;
  output: string;
  images: string[];
  archs: string[];
}

function list(value: string): string[] {
  return value
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function readInputs(env: NodeJS.ProcessEnv = process.env): ActionInputs {
  const command = core.getInput('command') || 'update';
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new Error(`input "command": unsupported value "${command}" (supported: ${COMMANDS.join(', ')})`);
  }
  return {
    command: command as Command,
    config: core.getInput('config') || 'distroless.yaml',
    lockfiles: core.getInput('lockfiles') || 'lockfiles',
    mirrors: core.getInput('mirrors'),
    cacheDir: core.getInput('cache-dir') || resolve(env.RUNNER_TEMP ?? '.', 'distroless-action-cache'),
    check: core.getBooleanInput('check'),
    output: core.getInput('output') || 'out/oci',
    images: list(core.getInput('images')),
    archs: list(core.getInput('archs')),
  };
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const config = await loadConfig(resolve(inputs.config), { sourceOverrides: parseMirrorOverrides(inputs.mirrors) });
    if (inputs.command === 'build') {
      const epoch = process.env.SOURCE_DATE_EPOCH ? Number(process.env.SOURCE_DATE_EPOCH) : undefined;
      const result = await runBuild({
        config,
        lockDir: resolve(inputs.lockfiles),
        outDir: resolve(inputs.output),
        cacheDir: inputs.cacheDir,
        ...(epoch !== undefined && Number.isInteger(epoch) ? { epoch } : {}),
        ...(inputs.images.length ? { images: inputs.images } : {}),
        ...(inputs.archs.length ? { archs: inputs.archs } : {}),
        onProgress: (m) => core.info(m),
        onWarning: (m) => core.warning(m),
      });
      core.setOutput('layout', result.layout);
      core.setOutput('images', JSON.stringify(result.images));
      return;
    }
    const result = await runUpdate({
      config,
      lockDir: resolve(inputs.lockfiles),
      cacheDir: inputs.cacheDir,
      now: new Date(),
      check: inputs.check,
      ...(inputs.archs.length ? { archs: inputs.archs } : {}),
      onProgress: (m) => core.info(m),
    });
    for (const d of result.distros) core.info(renderDiffText(d.diff, d.archs));
    core.setOutput('changed', String(result.changed));
    core.setOutput('diff', JSON.stringify(result.distros.map((d) => d.diff)));
    if (inputs.check && result.changed) core.setFailed('lockfiles are out of date');
  } catch (e) {
    // Any thrown value fails the step, not only Error instances.
    core.setFailed(errorMessage(e));
    if (isDistrolessError(e)) for (const line of e.details) core.error(line);
  }
}
