/**
 * The real cosign 2.5 (Debian trixie's `cosign_2.5.0-2+b5`, unpacked by .ci/run into /opt/cosign-2.5) as an
 * independent checker of our signatures and attestations. Found via COSIGN_BIN, then the fixed path, then
 * PATH. Never skipped: a missing cosign fails the test with how to install it.
 */
import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const FIXED_PATH = '/opt/cosign-2.5/usr/bin/cosign';
const INSTALL =
  'run the cosign step of .ci/run (downloads cosign_2.5.0-2+b5_amd64.deb from deb.debian.org, checks its sha256, dpkg -x into /opt/cosign-2.5), or set COSIGN_BIN';

let found: Promise<string> | undefined;

/** The cosign binary; throws (fails the test) when there is none. */
export function cosignBin(): Promise<string> {
  found ??= locate();
  return found;
}

async function locate(): Promise<string> {
  const candidates = [process.env.COSIGN_BIN, FIXED_PATH].filter((c): c is string => c !== undefined && c !== '');
  for (const c of candidates) {
    if (
      await access(c, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return c;
  }
  try {
    const { stdout } = await exec('sh', ['-c', 'command -v cosign']);
    if (stdout.trim() !== '') return stdout.trim();
  } catch {
    // not on PATH either
  }
  throw new Error(`cosign is not installed (looked at ${[...candidates, 'PATH'].join(', ')}): ${INSTALL}`);
}

export interface CosignResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs cosign with `args`; returns its exit code and output (a non-zero exit is a result, not a throw). */
export async function cosign(args: readonly string[], env: Record<string, string> = {}): Promise<CosignResult> {
  const bin = await cosignBin();
  try {
    // No network beyond the test registry: no TUF root fetches, no Rekor, no Fulcio.
    const { stdout, stderr } = await exec(bin, [...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LC_ALL: 'C', ...env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof err.code !== 'number') throw new Error(`cosign ${args.join(' ')}: ${err.message}`, { cause: e });
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** `cosign verify --key` of each reference (offline: no transparency log; http allowed for 127.0.0.1). */
export function cosignVerify(publicKeyPath: string, refs: readonly string[]): Promise<CosignResult> {
  return cosign([
    'verify',
    '--key',
    publicKeyPath,
    '--insecure-ignore-tlog=true',
    '--allow-http-registry=true',
    '--output',
    'json',
    ...refs,
  ]);
}

/** `cosign verify-attestation --key --type` of each reference (offline). */
export function cosignVerifyAttestation(
  publicKeyPath: string,
  type: string,
  refs: readonly string[],
): Promise<CosignResult> {
  return cosign([
    'verify-attestation',
    '--key',
    publicKeyPath,
    '--type',
    type,
    '--insecure-ignore-tlog=true',
    '--allow-http-registry=true',
    '--output',
    'json',
    ...refs,
  ]);
}
