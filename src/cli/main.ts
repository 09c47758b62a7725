/**
 * The CLI: argv → request (src/cli/program.ts, src/app/requests.ts) → run (src/app/requests-run.ts) → render
 * (src/cli/render.ts). Nothing here decides a default or checks a value: that is the request builders' job.
 */
import { CommanderError } from 'commander';
import { makeRequest } from '../app/requests.js';
import type { Runtime } from '../app/requests-run.js';
import { DistrolessError, errorMessage, exitCodeOf, isDistrolessError } from '../errors.js';
import { EXIT, type CliIo } from './io.js';
import { buildProgram, cliEdge, CLI_NAMES, toRaw, type CliInvocation, type ParsedCli } from './program.js';
import { makeProgress } from './progress.js';

export { EXIT, type CliIo } from './io.js';
export type { CliInvocation } from './program.js';

/** argv → the command's request (no I/O beyond what the builders do); a number when commander already answered (--help). */
export async function cliRequest(argv: readonly string[], io: CliIo): Promise<CliInvocation | number> {
  let parsed: ParsedCli | undefined;
  const program = buildProgram(io, (p) => {
    parsed = p;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.error;
    throw e;
  }
  if (parsed === undefined) return EXIT.ok;
  return { command: parsed.command, request: makeRequest(parsed.command, toRaw(parsed, io), cliEdge(io)), parsed };
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const invocation = await cliRequest(argv, io);
    if (typeof invocation === 'number') return invocation;
    const { runCommand } = await import('./render.js');
    return await runCommand(invocation, cliRuntime(io, invocation.parsed.opts.progress ?? io.isTTY), io);
  } catch (e) {
    io.stderr(`error: ${errorMessage(e)}\n`);
    if (isDistrolessError(e)) for (const line of e.details) io.stderr(`  ${line}\n`);
    return exitCodeOf(e);
  }
}

function cliRuntime(io: CliIo, progressEnabled: boolean): Runtime {
  const progress = makeProgress({ enabled: progressEnabled, write: io.stderr, clock: io.clock });
  let sent = 0;
  return {
    env: io.env,
    now: io.now,
    name: (o) => CLI_NAMES[o],
    progress,
    warn: (m) => io.stderr(`warning: ${m}\n`),
    onPushEvent: (e) => {
      if (e.kind === 'blob' && e.action !== 'exists')
        progress(`blob ${e.done}/${e.total} ${e.action} ${e.repository}@${e.digest.slice(0, 19)}…`);
      else if (e.kind === 'tag' && e.action === 'put') progress(`tagged ${e.repository}:${e.tag}`);
      else if (e.kind === 'bytes' && e.totalSent - sent >= 50e6) {
        sent = e.totalSent;
        progress(`${(sent / 1e6).toFixed(0)} MB sent`);
      }
    },
    onSignEvent: (e) => {
      if (e.kind === 'resolved') progress(`${e.reference} → ${e.digest} (${e.children} per-arch)`);
      else if (e.kind === 'stored' && e.result.added + e.result.replaced > 0)
        progress(`${e.result.kind} ${e.result.format} ${e.result.location}`);
      else if (e.kind === 'note') io.stderr(`note: ${e.message}\n`);
    },
    identityToken: () => identityToken(io),
  };
}

/** The OIDC token for keyless signing: SIGSTORE_ID_TOKEN, else the GitHub Actions runner's token service. */
async function identityToken(io: CliIo): Promise<string> {
  const token = io.env.SIGSTORE_ID_TOKEN;
  if (token) return token;
  const url = io.env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = io.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer)
    throw new DistrolessError(
      'USAGE',
      '--keyless: no OIDC token: set SIGSTORE_ID_TOKEN, or run on GitHub Actions with permissions id-token: write',
    );
  const u = new URL(url);
  u.searchParams.set('audience', 'sigstore');
  const { httpFetch } = await import('../util/http/index.js'); // the proxy-aware dispatcher (see src/util/http)
  const res = await httpFetch()(u, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' } });
  if (!res.ok) throw new DistrolessError('SIGNING', `--keyless: the runner's token service answered ${res.status}`);
  const value = ((await res.json()) as { value?: unknown }).value;
  if (typeof value !== 'string' || value === '')
    throw new DistrolessError('SIGNING', "--keyless: the runner's token service gave no token");
  return value;
}
