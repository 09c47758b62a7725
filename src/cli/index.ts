import { useHttpEnvironment } from '../util/http/environment.js';
import { sizeThreadPool } from '../util/thread-pool.js';
import { runCli } from './main.js';

/**
 * Writes to a stream whose reader may go away (`list | head -1`): after EPIPE the rest of the output is
 * dropped and the command finishes as it would have, quietly, instead of dying with a stack trace.
 */
function pipeWriter(stream: NodeJS.WriteStream): (s: string) => void {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    closed = true;
  });
  return (s) => {
    if (!closed) stream.write(s);
  };
}

// The process edge: the only place that reads argv, env, the clock and the terminal.
sizeThreadPool(process.env); // before any asynchronous I/O: parallel deflate runs on the pool
useHttpEnvironment(process.env); // proxies, for every request (see src/util/http)
const code = await runCli(process.argv.slice(2), {
  stdout: pipeWriter(process.stdout),
  stderr: pipeWriter(process.stderr),
  env: process.env,
  cwd: process.cwd(),
  isTTY: Boolean(process.stderr.isTTY),
  now: () => new Date(),
  clock: () => performance.now(),
});
process.exitCode = code;
