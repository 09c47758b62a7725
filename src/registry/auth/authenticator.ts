/** What every auth scheme provides: the Authorization value for a request, and forgetting it after a 401. */
export interface Authenticator {
  readonly scheme: 'anonymous' | 'basic' | 'bearer';
  /** The Authorization header for a request that needs `scopes` (undefined: send none). */
  authorize(scopes: readonly string[]): Promise<string | undefined>;
  /** The registry refused what `authorize(scopes)` gave: drop anything cached for them. */
  invalidate(scopes: readonly string[]): void;
}

/** A registry credential, as a keychain resolves it. */
export type Credential =
  | { kind: 'anonymous' }
  | { kind: 'basic'; username: string; password: string }
  /** An OAuth2 refresh token (docker config `identitytoken`, a helper's `<token>` user): traded at the realm. */
  | { kind: 'identityToken'; token: string }
  /** A bearer token sent to the registry as it is (docker config `registrytoken`). */
  | { kind: 'registryToken'; token: string };

export const ANONYMOUS: Credential = { kind: 'anonymous' };
