import type { Authenticator } from './authenticator.js';

/** For registries that answer `/v2/` without a challenge. */
export const anonymousAuthenticator: Authenticator = {
  scheme: 'anonymous',
  authorize: () => Promise.resolve(undefined),
  invalidate: () => undefined,
};
