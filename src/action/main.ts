import * as core from '@actions/core';
import { resolve } from 'node:path';
import { loadConfig, parseMirrorOverrides } from '../config/index.js';
import { errorMessage, isDistrolessError } from '../errors.js';
import { runUpdate } from '../app/update.js';
import { renderDiffText } from '../lock/render.js';

/** The Action's inputs, read once into one typed object. */
export interface ActionInputs {
  command: 'update';
  config: string;
  lockfiles: string;
  mirrors: string;
  cacheDir: string;
  check: boolean;
}

export function readInputs(): ActionInputs {
  const command = core.getInput('command') || 'update';
  if (command !== 'update') throw new Error(`input "command": unsupported value "${command}" (supported: update)`);
  return {
    command,
    config: core.getInput('config') || 'distroless.yaml',
    lockfiles: core.getInput('lockfiles') || 'lockfiles',
    mirrors: core.getInput('mirrors'),
    cacheDir: core.getInput('cache-dir') || resolve(process.env.RUNNER_TEMP ?? '.', 'distroless-action-cache'),
    check: core.getBooleanInput('check'),
  };
}

export async function run(): Promise<void> {
  try {
    const inputs = readInputs();
    const config = await loadConfig(resolve(inputs.config), { sourceOverrides: parseMirrorOverrides(inputs.mirrors) });
    const result = await runUpdate({
      config,
      lockDir: resolve(inputs.lockfiles),
      cacheDir: inputs.cacheDir,
      now: new Date(),
      check: inputs.check,
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
