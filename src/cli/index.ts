import { useHttpEnvironment } from '../util/http/environment.js';
import { runCli } from './main.js';

// The process edge: the only place that reads argv, env, the clock and the terminal.
useHttpEnvironment(process.env); // proxies, for every request (see src/util/http)
const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
  isTTY: Boolean(process.stderr.isTTY),
  now: () => new Date(),
  clock: () => performance.now(),
});
process.exitCode = code;
