/**
 * The auth wrapper. On the first request for the registry it pings `/v2/`, reads the challenge and picks one
 * authenticator (anonymous, Basic or Bearer) with the keychain's credential; every request to the registry's
 * origin then carries its Authorization (requests elsewhere — e.g. an upload URL on blob storage — carry none).
 * A 401 invalidates the cached token (expired, or the challenge asks for more scope) and the request is sent
 * once more with a fresh one.
 */
import { statusError } from '../errors.js';
import type { Secrets } from '../secrets.js';
import type { RegistryRequest, Transport } from '../transport.js';
import { anonymousAuthenticator } from './anonymous.js';
import type { Authenticator, Credential } from './authenticator.js';
import { basicAuthenticator } from './basic.js';
import { bearerAuthenticator } from './bearer.js';
import { pickChallenge } from './challenge.js';
import type { Keychain } from './keychain.js';

export interface AuthOptions {
  /** `https://host[:port]` of the registry. */
  origin: URL;
  keychain: Keychain;
  secrets: Secrets;
  /** For the ping and token requests: user agent and retry, no auth. */
  plain: Transport;
}

export function withAuth(next: Transport, o: AuthOptions): Transport {
  let negotiated: Promise<Authenticator> | undefined;
  const authenticator = (): Promise<Authenticator> => {
    negotiated ??= negotiate(o).catch((e: unknown) => {
      negotiated = undefined; // the next request tries again
      throw e;
    });
    return negotiated;
  };

  return async (req: RegistryRequest) => {
    if (req.url.origin !== o.origin.origin) return next(req);
    const auth = await authenticator();
    const scopes = req.scopes ?? [];
    const res = await next(withAuthorization(req, await auth.authorize(scopes)));
    if (res.status !== 401 || auth.scheme !== 'bearer') return res;
    const asked = pickChallenge(res.header('www-authenticate'))?.params.scope;
    const wider = asked === undefined ? scopes : [...new Set([...scopes, ...asked.split(' ')])];
    auth.invalidate(scopes);
    auth.invalidate(wider);
    await res.discard();
    return next(withAuthorization(req, await auth.authorize(wider)));
  };
}

async function negotiate(o: AuthOptions): Promise<Authenticator> {
  const credential = await o.keychain.resolve(o.origin.host);
  registerSecrets(credential, o.secrets);
  const url = new URL('/v2/', o.origin);
  const res = await o.plain({ method: 'GET', url });
  const body = await res.text(4096);
  if (res.status >= 200 && res.status <= 299) return anonymousAuthenticator;
  const challenge = res.status === 401 ? pickChallenge(res.header('www-authenticate')) : undefined;
  if (challenge?.scheme === 'basic') return basicAuthenticator(credential);
  const realm = challenge?.params.realm;
  if (challenge?.scheme === 'bearer' && realm !== undefined) {
    return bearerAuthenticator({
      registry: o.origin.host,
      realm: new URL(realm, url).toString(),
      service: challenge.params.service,
      credential,
      transport: o.plain,
      secrets: o.secrets,
      allowHttpRealm: o.origin.protocol === 'http:',
    });
  }
  const info = { registry: o.origin.host, method: 'GET', url };
  throw statusError(
    info,
    { status: res.status, statusText: res.statusText, body, attempts: res.attempts },
    o.secrets,
    false,
  );
}

function registerSecrets(c: Credential, secrets: Secrets): void {
  if (c.kind === 'basic') secrets.addBasic(c.username, c.password);
  else if (c.kind !== 'anonymous') secrets.add(c.token);
}

function withAuthorization(req: RegistryRequest, value: string | undefined): RegistryRequest {
  return value === undefined ? req : { ...req, headers: { ...req.headers, authorization: value } };
}
