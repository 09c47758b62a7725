/**
 * Sigstore's public services, in process: @sigstore/mock's Fulcio (stands in for fulcio.sigstore.dev), Rekor v1
 * (rekor.sigstore.dev) and timestamp authority (timestamp.sigstore.dev) served over real HTTP on 127.0.0.1, so
 * @sigstore/sign talks to them exactly as to the real ones. We use the mock's request handlers directly, not
 * its `mockFulcio()`-style helpers: those install `nock` interceptors on Node's http module (global to the jest
 * worker) and importing its index loads nock. The trusted root a verifier needs is built from the mock's keys
 * and certificates in the `trusted_root.json` format (the mock keeps its own builder private).
 * Also: unsigned OIDC tokens shaped like GitHub Actions' (the mock decodes without verifying), and a P-256
 * key that satisfies BundleKeySigner.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fulcioHandler, initializeCA, initializeCTLog } from '@sigstore/mock/dist/fulcio/index.js';
import { initializeTLog, rekorHandler } from '@sigstore/mock/dist/rekor/index.js';
import { initializeTSA, tsaHandler } from '@sigstore/mock/dist/timestamp/index.js';

type Handler = ReturnType<typeof fulcioHandler>;

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const WORKFLOW_IDENTITY = 'https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/heads/main';

/**
 * The time all mock services give their certificates, SCTs, log entries and timestamps (verification checks
 * them against each other, not against the wall clock): a whole second just ahead of now. Whole, because the
 * mock TSA encodes e.g. .120 s as GeneralizedTime `.12`, which @sigstore/core's parser (exactly three digits)
 * rejects with "invalid time" (a wall-clock TSA fails about one run in ten), and Rekor's integrated time is in
 * whole seconds; ahead, because the mock's root certificates start at the real time of their creation.
 */
function mockClock(): Date {
  return new Date((Math.floor(Date.now() / 1000) + 2) * 1000);
}

export interface MockSigstore {
  /** Base URL of all three services (each answers on its own API path). */
  url: string;
  /** `trusted_root.json` for the mock's CA, CT log, Rekor and TSA, as parsed JSON. */
  trustedRoot: Record<string, unknown>;
  /** Requests served, by path. */
  requests: string[];
  close(): Promise<void>;
}

export async function startMockSigstore(): Promise<MockSigstore> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clock = mockClock();
  const ctlog = await initializeCTLog(p256(), clock);
  const ca = await initializeCA(p256(), ctlog, clock);
  const tlog = await initializeTLog(url, p256(), clock);
  const tsa = await initializeTSA(p256(), clock);
  const handlers = [fulcioHandler(ca), rekorHandler(tlog), tsaHandler(tsa)];
  const requests: string[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.url ?? '');
    void serve(handlers, req, res);
  });
  const validFor = { start: '2020-01-01T00:00:00Z' };
  const key = (rawBytes: Buffer): object => ({
    rawBytes: rawBytes.toString('base64'),
    keyDetails: 'PKIX_ECDSA_P256_SHA_256',
    validFor,
  });
  const cert = (der: ArrayBufferView): object => ({ rawBytes: bytes(der).toString('base64') });
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: url,
        hashAlgorithm: 'SHA2_256',
        publicKey: key(tlog.publicKey),
        logId: { keyId: createHash('sha256').update(tlog.publicKey).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: url,
        certChain: { certificates: [cert(ca.rootCertificate)] },
        validFor,
      },
    ],
    ctlogs: [
      {
        baseUrl: url,
        hashAlgorithm: 'SHA2_256',
        publicKey: key(ctlog.publicKey),
        logId: { keyId: bytes(ctlog.logID).toString('base64') },
      },
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        certChain: { certificates: [cert(tsa.intCertificate), cert(tsa.rootCertificate)] },
        validFor,
      },
    ],
  };
  return { url, trustedRoot, requests, close: () => close(server) };
}

async function serve(handlers: Handler[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const handler = handlers.find((h) => h.path === req.url);
  if (handler === undefined || req.method !== 'POST') {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  const answer = await handler.fn(Buffer.concat(chunks).toString('utf8'));
  res.writeHead(answer.statusCode, { 'content-type': answer.contentType ?? 'text/plain' });
  res.end(typeof answer.response === 'string' ? answer.response : bytes(answer.response));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function bytes(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

function p256(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/**
 * An unsigned JWT with GitHub Actions' claims. Fulcio derives a GitHub workflow's SAN from `job_workflow_ref`;
 * the mock takes the SAN from `sub`, so `sub` carries the workflow URL here.
 */
export function githubToken(o: { identity?: string; issuer?: string } = {}): string {
  const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const claims = {
    iss: o.issuer ?? GITHUB_ISSUER,
    sub: o.identity ?? WORKFLOW_IDENTITY,
    aud: 'sigstore',
    repository: 'OWNER/REPO',
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
    workflow: 'release',
    event_name: 'push',
    job_workflow_ref: 'OWNER/REPO/.github/workflows/release.yml@refs/heads/main',
  };
  return `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.${Buffer.from('unsigned').toString('base64url')}`;
}

/** Satisfies BundleKeySigner, with a bare DER signature. */
export interface TestKey {
  publicKeyPem: string;
  privateKey: KeyObject;
  sign(data: Buffer): Promise<Buffer>;
}

/** A fresh P-256 key as BundleKeySigner (DER ECDSA-SHA256 signatures), with its public key PEM. */
export function testKey(): TestKey {
  const { publicKey, privateKey } = p256();
  return {
    privateKey,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: async (data: Buffer) => sign('sha256', data, privateKey),
  };
}
