/**
 * The parts of undici this transport uses, in a module of their own so that `./dispatcher.ts` can load them with
 * `import()` on the first request (see `loadUndici` there). Importing this file evaluates undici.
 */
export { Agent, EnvHttpProxyAgent, fetch, request, setGlobalDispatcher } from 'undici';
