/**
 * `Bearer` challenge (distribution's token auth): trade the credential for a token at the realm, per set of
 * scopes, and cache it until the registry refuses it (a 401 makes the auth wrapper invalidate and ask again).
 * No clock is read: an expired token is simply refused and refreshed.
 */
import { DistrolessError } from '../../errors.js';
import { statusError } from '../errors.js';
import type { Secrets } from '../secrets.js';
import type { Transport } from '../transport.js';
import type { Authenticator, Credential } from './authenticator.js';

const TOKEN_RESPONSE_LIMIT = 256 * 1024;

export interface BearerOptions {
  registry: string;
  realm: string;
  service: string | undefined;
  credential: Credential;
  /** Transport for token requests (user agent and retry, no auth). */
  transport: Transport;
  secrets: Secrets;
  /** Send credentials to an `http:` realm (only when the registry itself is plain http). */
  allowHttpRealm: boolean;
}

export function bearerAuthenticator(o: BearerOptions): Authenticator {
  const cache = new Map<string, Promise<string>>();
  const key = (scopes: readonly string[]): string => [...new Set(scopes)].sort().join(' ');
  return {
    scheme: 'bearer',
    authorize(scopes) {
      if (o.credential.kind === 'registryToken') return Promise.resolve(`Bearer ${o.credential.token}`);
      const k = key(scopes);
      let token = cache.get(k);
      if (token === undefined) {
        token = fetchToken(o, [...new Set(scopes)].sort());
        token.catch(() => cache.delete(k));
        cache.set(k, token);
      }
      return token.then((t) => `Bearer ${t}`);
    },
    invalidate(scopes) {
      cache.delete(key(scopes));
    },
  };
}

async function fetchToken(o: BearerOptions, scopes: readonly string[]): Promise<string> {
  const realm = new URL(o.realm);
  const c = o.credential;
  if (c.kind !== 'anonymous' && realm.protocol !== 'https:' && !o.allowHttpRealm) {
    throw new DistrolessError(
      'AUTH',
      `registry ${o.registry}: refusing to send credentials to the plain-http token realm ${realm.origin}`,
    );
  }
  const headers: Record<string, string> = {};
  const method = c.kind === 'identityToken' ? 'POST' : 'GET';
  let res;
  if (c.kind === 'identityToken') {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: c.token,
      client_id: 'distroless-action',
    });
    if (o.service !== undefined) form.set('service', o.service);
    if (scopes.length > 0) form.set('scope', scopes.join(' '));
    headers['content-type'] = 'application/x-www-form-urlencoded';
    res = await o.transport({ method: 'POST', url: realm, headers, body: Buffer.from(form.toString()) });
  } else {
    if (o.service !== undefined) realm.searchParams.set('service', o.service);
    for (const s of scopes) realm.searchParams.append('scope', s);
    if (c.kind === 'basic') {
      realm.searchParams.set('account', c.username);
      headers.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64')}`;
    }
    res = await o.transport({ method: 'GET', url: realm, headers });
  }
  const info = { registry: `${o.registry} (token service ${realm.host})`, method, url: realm };
  const body = await res.text(TOKEN_RESPONSE_LIMIT);
  if (res.status < 200 || res.status > 299) {
    throw statusError(
      info,
      { status: res.status, statusText: res.statusText, body, attempts: res.attempts },
      o.secrets,
      false,
    );
  }
  let token: unknown;
  try {
    const doc = JSON.parse(body) as { token?: unknown; access_token?: unknown };
    token = doc.token ?? doc.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') {
    throw new DistrolessError(
      'AUTH',
      `registry ${info.registry}: ${info.method} ${realm.pathname}: the response has no token`,
    );
  }
  o.secrets.add(token);
  return token;
}
