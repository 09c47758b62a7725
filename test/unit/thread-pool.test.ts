import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { sizeThreadPool } from '../../src/util/thread-pool.js';

const run = promisify(execFile);

describe('sizeThreadPool', () => {
  it('gives the pool a thread per core plus one, at least 4, and keeps a size the environment sets', () => {
    const env: Record<string, string | undefined> = {};
    expect(sizeThreadPool(env, 16)).toBe('17');
    expect(env.UV_THREADPOOL_SIZE).toBe('17');
    expect(sizeThreadPool({}, 2)).toBe('4');
    const set = { UV_THREADPOOL_SIZE: '6' };
    expect(sizeThreadPool(set, 32)).toBe('6');
    expect(set.UV_THREADPOOL_SIZE).toBe('6');
    const blank: Record<string, string | undefined> = { UV_THREADPOOL_SIZE: ' ' };
    expect(sizeThreadPool(blank, 8)).toBe('9');
  });

  it('takes effect when set before the first asynchronous call, as the entry points do', async () => {
    // A fresh Node: set the variable as sizeThreadPool does, start the pool with one read, count its threads.
    const script = [
      "process.env.UV_THREADPOOL_SIZE = '7';",
      "const fs = require('node:fs');",
      "fs.readFile('/proc/self/stat', () => {",
      "  const names = fs.readdirSync('/proc/self/task').map((t) => fs.readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim());",
      "  console.log(names.filter((n) => n === 'libuv-worker').length);",
      '});',
    ].join('\n');
    const env = { ...process.env };
    delete env.UV_THREADPOOL_SIZE;
    const { stdout } = await run(process.execPath, ['-e', script], { env });
    expect(Number(stdout.trim())).toBe(7);
  });
});
