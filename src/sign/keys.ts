/**
 * ECDSA P-256 keys from PEM text: PKCS#8 `PRIVATE KEY` (and `ENCRYPTED PRIVATE KEY`), SEC1 `EC PRIVATE KEY`,
 * cosign's `ENCRYPTED SIGSTORE PRIVATE KEY` (older: `ENCRYPTED COSIGN PRIVATE KEY`), and SPKI `PUBLIC KEY`.
 *
 * cosign's encrypted key (sigstore/cosign pkg/cosign/keys.go, secure-systems-lab/go-securesystemslib
 * encrypted): the PEM body is JSON `{kdf:{name:"scrypt",params:{N,r,p},salt},cipher:{name:"nacl/secretbox",
 * nonce},ciphertext}` with std-base64 byte fields; key = scrypt(password, salt, N, r, p, 32 bytes); plaintext =
 * secretbox open (XSalsa20-Poly1305, 24-byte nonce, tag first) = the PKCS#8 DER private key.
 * The caller reads the file or the environment; nothing here logs or keeps key material or passwords.
 */
import { createHash, createPrivateKey, createPublicKey, scrypt, type KeyObject } from 'node:crypto';
import { xsalsa20poly1305 } from '@noble/ciphers/salsa.js';
import { DistrolessError } from '../errors.js';

const COSIGN_TYPES = new Set(['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY']);
const PLAIN_PRIVATE_TYPES = new Set(['PRIVATE KEY', 'EC PRIVATE KEY']);
/** scrypt cost cap: cosign writes N=65536 (r=8, p=1); anything far beyond that is not a key we made. */
const MAX_SCRYPT_N = 1 << 20;

export interface KeySource {
  /** Where the PEM came from, for messages only (e.g. `--key cosign.key`, `DISTROLESS_SIGNING_KEY`). */
  source: string;
  /** The password of an encrypted key (cosign: `COSIGN_PASSWORD`); "" is a valid password. */
  password?: string;
}

interface PemBlock {
  type: string;
  body: Buffer;
  text: string;
}

/** The first PEM block of `text`. */
function firstPemBlock(text: string, source: string): PemBlock {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (m === null) throw new DistrolessError('USAGE', `${source}: no PEM key found (expected "-----BEGIN … KEY-----")`);
  const type = m[1] ?? '';
  const lines = (m[2] ?? '').split(/\r?\n/).filter((l) => l.trim() !== '' && !l.includes(':'));
  return { type, body: Buffer.from(lines.join(''), 'base64'), text: m[0] };
}

/** Loads an ECDSA P-256 private key. Wrong password, wrong curve or a broken file: a one-line USAGE error. */
export async function loadPrivateKey(pem: string, opts: KeySource): Promise<KeyObject> {
  const block = firstPemBlock(pem, opts.source);
  let key: KeyObject;
  if (COSIGN_TYPES.has(block.type)) {
    key = await decryptCosignKey(block.body, opts);
  } else if (PLAIN_PRIVATE_TYPES.has(block.type)) {
    key = parseKey(() => createPrivateKey({ key: block.text, format: 'pem' }), opts.source);
  } else if (block.type === 'ENCRYPTED PRIVATE KEY') {
    if (opts.password === undefined)
      throw new DistrolessError('USAGE', `${opts.source}: the key is encrypted; give its password (COSIGN_PASSWORD)`);
    const passphrase = opts.password;
    key = parseKey(
      () => createPrivateKey({ key: block.text, format: 'pem', passphrase }),
      opts.source,
      'wrong password, or not a PKCS#8 key',
    );
  } else {
    throw new DistrolessError(
      'USAGE',
      `${opts.source}: a "${block.type}" PEM block is not a private key this tool reads (PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED SIGSTORE PRIVATE KEY)`,
    );
  }
  return checkP256(key, opts.source);
}

/** Loads an ECDSA P-256 public key (PEM `PUBLIC KEY`, SPKI). */
export function loadPublicKey(pem: string, source: string): KeyObject {
  const block = firstPemBlock(pem, source);
  if (block.type !== 'PUBLIC KEY')
    throw new DistrolessError('USAGE', `${source}: expected a "PUBLIC KEY" PEM block, found "${block.type}"`);
  return checkP256(
    parseKey(() => createPublicKey({ key: block.text, format: 'pem' }), source),
    source,
  );
}

/** The SPKI PEM of a key's public half (what `cosign generate-key-pair` writes as cosign.pub). */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'pem' }).toString();
}

/** `sha256:<hex>` of the SPKI DER: names a key in messages without showing it. */
export function keyFingerprint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return `sha256:${createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`;
}

interface CosignEncrypted {
  kdf?: { name?: unknown; params?: { N?: unknown; r?: unknown; p?: unknown }; salt?: unknown };
  cipher?: { name?: unknown; nonce?: unknown };
  ciphertext?: unknown;
}

async function decryptCosignKey(body: Buffer, opts: KeySource): Promise<KeyObject> {
  const bad = (what: string): DistrolessError =>
    new DistrolessError('USAGE', `${opts.source}: not a cosign encrypted key (${what})`);
  let doc: CosignEncrypted;
  try {
    doc = JSON.parse(body.toString('utf8')) as CosignEncrypted;
  } catch {
    throw bad('the PEM body is not JSON');
  }
  if (doc.kdf?.name !== 'scrypt') throw bad(`kdf ${JSON.stringify(doc.kdf?.name)}, expected "scrypt"`);
  if (doc.cipher?.name !== 'nacl/secretbox')
    throw bad(`cipher ${JSON.stringify(doc.cipher?.name)}, expected "nacl/secretbox"`);
  const { N, r, p } = doc.kdf.params ?? {};
  if (!isCount(N) || !isCount(r) || !isCount(p) || N > MAX_SCRYPT_N || (N & (N - 1)) !== 0)
    throw bad('scrypt parameters');
  const salt = base64Field(doc.kdf.salt);
  const nonce = base64Field(doc.cipher.nonce);
  const ciphertext = base64Field(doc.ciphertext);
  if (salt === undefined || nonce?.length !== 24 || ciphertext === undefined || ciphertext.length <= 16)
    throw bad('salt, nonce or ciphertext');
  if (opts.password === undefined)
    throw new DistrolessError('USAGE', `${opts.source}: the key is encrypted; give its password (COSIGN_PASSWORD)`);
  const secret = await scryptKey(opts.password, salt, { N, r, p });
  let plain: Uint8Array;
  try {
    plain = xsalsa20poly1305(secret, nonce).decrypt(ciphertext);
  } catch {
    throw new DistrolessError(
      'USAGE',
      `${opts.source}: cannot decrypt the cosign key: wrong password (COSIGN_PASSWORD)`,
    );
  } finally {
    secret.fill(0);
  }
  const der = Buffer.from(plain);
  try {
    return parseKey(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }), opts.source);
  } finally {
    der.fill(0);
    plain.fill(0);
  }
}

function scryptKey(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  // Node refuses scrypt above `maxmem` (32 MiB by default); cosign's N=65536, r=8 needs 64 MiB.
  const maxmem = 128 * params.N * params.r * params.p + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 32, { ...params, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function base64Field(v: unknown): Buffer | undefined {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return undefined;
  const b = Buffer.from(v, 'base64');
  return b.length > 0 ? b : undefined;
}

function parseKey(make: () => KeyObject, source: string, why = 'malformed key'): KeyObject {
  try {
    return make();
  } catch {
    throw new DistrolessError('USAGE', `${source}: cannot read the key (${why})`);
  }
}

function checkP256(key: KeyObject, source: string): KeyObject {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    const what =
      key.asymmetricKeyType === 'ec'
        ? `an EC key on ${curve ?? 'an unknown curve'}`
        : `a ${key.asymmetricKeyType ?? 'unknown'} key`;
    throw new DistrolessError('USAGE', `${source}: ${what}; cosign-compatible signing needs ECDSA P-256`);
  }
  return key;
}
