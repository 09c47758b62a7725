/**
 * A small token service standing in for a real one (docker/distribution "token" auth, as the Debian
 * docker-registry 2.8 checks it): a self-signed ECDSA P-256 certificate made with openssl is the registry's
 * `rootcertbundle`; tokens are ES256 JWTs whose header carries the certificate (`x5c`) and whose claims are
 * iss, sub, aud (= the service), exp, nbf, iat, jti and `access` (what was asked for). Basic credentials are
 * checked against `users`; anonymous requests get a token with no access. OAuth2 refresh tokens (docker's
 * identity tokens) are traded by POST (`grant_type=refresh_token`) when listed in `refreshTokens`. Runs on
 * 127.0.0.1.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface TokenRequest {
  account: string | undefined;
  /** The Authorization header the client sent (Basic user:password), if any. */
  authorization: string | undefined;
  scopes: string[];
  granted: boolean;
}

export interface TokenIssuer {
  /** The realm, `http://127.0.0.1:<port>/token`. */
  realm: string;
  service: string;
  issuer: string;
  /** PEM file for the registry's `rootcertbundle`. */
  certPath: string;
  readonly requests: readonly TokenRequest[];
  /** The next `n` tokens are already expired (beyond the registry's 60 s leeway): the client must refresh. */
  expireNext(n: number): void;
  close(): Promise<void>;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

export async function startTokenIssuer(
  dir: string,
  users: Readonly<Record<string, string>>,
  refreshTokens: Readonly<Record<string, string>> = {},
): Promise<TokenIssuer> {
  const keyPath = join(dir, 'issuer.key');
  const certPath = join(dir, 'issuer.pem');
  await exec('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '2',
    '-subj',
    '/CN=test-token-issuer',
  ]);
  const key = createPrivateKey(await readFile(keyPath));
  const certDer = (await readFile(certPath, 'utf8')).replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const service = 'test-registry';
  const issuer = 'test-issuer';
  const requests: TokenRequest[] = [];
  let expired = 0;

  const answer = (res: ServerResponse, user: string | undefined, scopes: string[]): void => {
    const stale = expired > 0;
    if (stale) expired--;
    const token = jwt(key, certDer, {
      issuer,
      service,
      subject: user ?? '',
      scopes: user === undefined ? [] : scopes,
      stale,
    });
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: 300 }));
  };
  const refuse = (res: ServerResponse): void => {
    res
      .writeHead(401, { 'content-type': 'application/json' })
      .end(JSON.stringify({ details: 'incorrect username or password' }));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const authorization = req.headers.authorization;
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (b: Buffer) => (body += b.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s !== '');
        const user =
          form.get('grant_type') === 'refresh_token' ? refreshTokens[form.get('refresh_token') ?? ''] : undefined;
        requests.push({ account: user, authorization, scopes, granted: user !== undefined });
        if (user === undefined) refuse(res);
        else answer(res, user, scopes);
      });
      return;
    }
    const scopes = url.searchParams
      .getAll('scope')
      .flatMap((s) => s.split(' '))
      .filter((s) => s !== '');
    const user = basicUser(authorization, users);
    requests.push({
      account: url.searchParams.get('account') ?? undefined,
      authorization,
      scopes,
      granted: user !== undefined,
    });
    if (authorization !== undefined && user === undefined) refuse(res);
    else answer(res, user, scopes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certPath,
    requests,
    expireNext: (n) => (expired = n),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function basicUser(header: string | undefined, users: Readonly<Record<string, string>>): string | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (m === null) return undefined;
  const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const [name, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  return colon > 0 && Object.hasOwn(users, name) && users[name] === password ? name : undefined;
}

function jwt(
  key: KeyObject,
  certDer: string,
  o: { issuer: string; service: string; subject: string; scopes: string[]; stale: boolean },
): string {
  const now = Math.floor(Date.now() / 1000);
  const shift = o.stale ? -600 : 0; // the registry allows 60 s of clock skew
  const access = o.scopes.map((s) => {
    const [type = '', ...rest] = s.split(':');
    const actions = rest.pop() ?? '';
    return { type, name: rest.join(':'), actions: actions.split(',').filter((a) => a !== '') };
  });
  const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer] };
  const claims = {
    iss: o.issuer,
    sub: o.subject,
    aud: o.service,
    exp: now + 300 + shift,
    nbf: now - 10 + shift,
    iat: now + shift,
    jti: randomUUID(),
    access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}
