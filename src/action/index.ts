import * as core from '@actions/core';
import { useHttpEnvironment } from '../util/http/environment.js';
import { sizeThreadPool } from '../util/thread-pool.js';
import { runAction } from './main.js';

// The process edge of the Action: the runner's environment, working directory and @actions/core.
sizeThreadPool(process.env); // before any asynchronous I/O: parallel deflate runs on the pool
useHttpEnvironment(process.env); // proxies, for every request (see src/util/http)
await runAction(process.env, process.cwd(), {
  setOutput: (name, value) => core.setOutput(name, value),
  setSecret: (secret) => core.setSecret(secret),
  setFailed: (message) => core.setFailed(message),
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message, annotation) => core.error(message, annotation ?? {}),
  summary: async (markdown) => {
    await core.summary.addRaw(markdown).write();
  },
  getIDToken: (audience) => core.getIDToken(audience),
});
