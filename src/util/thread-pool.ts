/**
 * Node's thread pool (libuv: 4 threads unless UV_THREADPOOL_SIZE says otherwise) deflates the chunks of big gzip
 * layers beside file I/O (src/oci/parallel-gzip.ts). libuv reads the variable once, when the pool first starts,
 * so the entry points (src/cli, src/action) call this at start-up, before any asynchronous file, DNS or zlib
 * call: a value the environment sets is kept, else the pool gets a thread per core plus one for I/O.
 */
import { availableParallelism } from 'node:os';

export function sizeThreadPool(env: Record<string, string | undefined>, cores = availableParallelism()): string {
  const set = env.UV_THREADPOOL_SIZE;
  if (set !== undefined && set.trim() !== '') return set;
  const size = String(Math.min(1024, Math.max(4, cores + 1)));
  env.UV_THREADPOOL_SIZE = size;
  return size;
}
