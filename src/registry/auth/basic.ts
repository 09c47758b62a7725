import type { Authenticator, Credential } from './authenticator.js';

/** `Basic` challenge: the username and password on every request (none when the keychain had no credential). */
export function basicAuthenticator(credential: Credential): Authenticator {
  const value =
    credential.kind === 'basic'
      ? `Basic ${Buffer.from(`${credential.username}:${credential.password}`, 'utf8').toString('base64')}`
      : undefined;
  return {
    scheme: 'basic',
    authorize: () => Promise.resolve(value),
    invalidate: () => undefined,
  };
}
