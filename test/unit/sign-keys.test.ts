/**
 * Keys: the cosign-encrypted key made by the real cosign 2.5 (test/fixtures/cosign, see its README), and keys
 * made by openssl at test time (PKCS#8, SEC1, encrypted PKCS#8, wrong curves). Signatures are checked by the
 * independent tools: `openssl dgst -verify` and `cosign verify-blob --key`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KeySigner, keyFingerprint, loadPrivateKey, loadPublicKey, publicKeyPem } from '../../src/sign/index.js';
import { cosign } from '../helpers/cosign.js';

const exec = promisify(execFile);
const FIXTURES = new URL('../fixtures/cosign/', import.meta.url).pathname;
const PASSWORD = 'distroless-test-pw';
let dir: string;
let cosignKey: string;
let cosignPub: string;

async function openssl(args: string[]): Promise<string> {
  return (await exec('openssl', args, { cwd: dir })).stdout;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sign-keys-'));
  cosignKey = await readFile(join(FIXTURES, 'cosign.key'), 'utf8');
  cosignPub = await readFile(join(FIXTURES, 'cosign.pub'), 'utf8');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('cosign encrypted keys', () => {
  it('decrypts the key cosign generated; its public half is cosign.pub', async () => {
    expect(cosignKey).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
    const key = await loadPrivateKey(cosignKey, { source: 'cosign.key', password: PASSWORD });
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const pub = loadPublicKey(cosignPub, 'cosign.pub');
    expect(createPublicKey(key).export({ type: 'spki', format: 'der' })).toEqual(
      pub.export({ type: 'spki', format: 'der' }),
    );
    expect(publicKeyPem(key)).toBe(cosignPub);
    expect(keyFingerprint(key)).toBe(keyFingerprint(pub));
  });

  it('reads the older "ENCRYPTED COSIGN PRIVATE KEY" header too', async () => {
    const older = cosignKey.replaceAll('ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY');
    const key = await loadPrivateKey(older, { source: 'old.key', password: PASSWORD });
    expect(publicKeyPem(key)).toBe(cosignPub);
  });

  it('a wrong password: one clear line, the password nowhere', async () => {
    const err = await loadPrivateKey(cosignKey, { source: '--key cosign.key', password: 'not-the-password' }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'USAGE',
      message: '--key cosign.key: cannot decrypt the cosign key: wrong password (COSIGN_PASSWORD)',
    });
    expect(JSON.stringify(err) + String(err)).not.toContain('not-the-password');
  });

  it('no password: says which variable to set', async () => {
    await expect(loadPrivateKey(cosignKey, { source: 'DISTROLESS_SIGNING_KEY' })).rejects.toThrow(
      'DISTROLESS_SIGNING_KEY: the key is encrypted; give its password (COSIGN_PASSWORD)',
    );
  });

  it('a flipped ciphertext byte fails authentication (reported as a wrong password), a broken body as not a cosign key', async () => {
    const lines = cosignKey.trim().split('\n');
    const doc = JSON.parse(Buffer.from(lines.slice(1, -1).join(''), 'base64').toString()) as {
      ciphertext: string;
      kdf: { name: string };
    };
    const ct = Buffer.from(doc.ciphertext, 'base64');
    ct[20] = (ct[20] ?? 0) ^ 1;
    const pem = (d: object): string =>
      `${lines[0]}\n${Buffer.from(JSON.stringify(d)).toString('base64')}\n${lines.at(-1)}\n`;
    await expect(
      loadPrivateKey(pem({ ...doc, ciphertext: ct.toString('base64') }), { source: 'k', password: PASSWORD }),
    ).rejects.toThrow(/wrong password/);
    await expect(
      loadPrivateKey(pem({ ...doc, kdf: { ...doc.kdf, name: 'pbkdf2' } }), { source: 'k', password: PASSWORD }),
    ).rejects.toThrow('k: not a cosign encrypted key (kdf "pbkdf2", expected "scrypt")');
  });

  it('signs what cosign verify-blob accepts with cosign.pub', async () => {
    const signer = new KeySigner(await loadPrivateKey(cosignKey, { source: 'cosign.key', password: PASSWORD }));
    const blob = Buffer.from('hello from distroless-action\n');
    const { signature, key } = await signer.sign(blob);
    expect(key).toMatchObject({ $case: 'publicKey', publicKey: cosignPub });
    expect(signer.owns(blob, signature)).toBe(true);
    expect(signer.owns(Buffer.from('hello from distroless-action!'), signature)).toBe(false);
    await writeFile(join(dir, 'blob'), blob);
    await writeFile(join(dir, 'blob.sig'), signature.toString('base64'));
    const ok = await cosign([
      'verify-blob',
      '--key',
      join(FIXTURES, 'cosign.pub'),
      '--signature',
      join(dir, 'blob.sig'),
      '--insecure-ignore-tlog=true',
      join(dir, 'blob'),
    ]);
    expect(ok.stderr).toContain('Verified OK');
    expect(ok.code).toBe(0);
    await writeFile(join(dir, 'blob'), Buffer.from('hello from distroless-action?\n'));
    const bad = await cosign([
      'verify-blob',
      '--key',
      join(FIXTURES, 'cosign.pub'),
      '--signature',
      join(dir, 'blob.sig'),
      '--insecure-ignore-tlog=true',
      join(dir, 'blob'),
    ]);
    expect(bad.code).not.toBe(0);
  });
});

describe('openssl keys', () => {
  it('reads PKCS#8 and SEC1 P-256 keys; openssl verifies what we sign', async () => {
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'pkcs8.pem']);
    await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sec1.pem']);
    for (const file of ['pkcs8.pem', 'sec1.pem']) {
      const pem = await readFile(join(dir, file), 'utf8');
      expect(pem).toContain(file === 'sec1.pem' ? 'BEGIN EC PRIVATE KEY' : 'BEGIN PRIVATE KEY');
      const key = await loadPrivateKey(pem, { source: file });
      await openssl(['pkey', '-in', file, '-pubout', '-out', `${file}.pub`]);
      const pub = loadPublicKey(await readFile(join(dir, `${file}.pub`), 'utf8'), `${file}.pub`);
      expect(keyFingerprint(pub)).toBe(keyFingerprint(key));
      const data = Buffer.from(`signed with ${file}`);
      await writeFile(join(dir, 'data'), data);
      await writeFile(join(dir, 'data.sig'), (await new KeySigner(key).sign(data)).signature);
      const out = await openssl(['dgst', '-sha256', '-verify', `${file}.pub`, '-signature', 'data.sig', 'data']);
      expect(out.trim()).toBe('Verified OK');
    }
  });

  it('reads an encrypted PKCS#8 key with its password, and refuses a wrong one', async () => {
    await openssl([
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-aes-256-cbc',
      '-pass',
      'pass:openssl-pw',
      '-out',
      'enc.pem',
    ]);
    const pem = await readFile(join(dir, 'enc.pem'), 'utf8');
    expect(pem).toContain('BEGIN ENCRYPTED PRIVATE KEY');
    expect((await loadPrivateKey(pem, { source: 'enc.pem', password: 'openssl-pw' })).asymmetricKeyType).toBe('ec');
    await expect(loadPrivateKey(pem, { source: 'enc.pem', password: 'nope' })).rejects.toThrow(
      'enc.pem: cannot read the key (wrong password, or not a PKCS#8 key)',
    );
  });

  it('refuses other curves and algorithms, and PEM blocks that are not keys', async () => {
    await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'p384.pem']);
    await openssl(['genpkey', '-algorithm', 'ED25519', '-out', 'ed.pem']);
    await expect(loadPrivateKey(await readFile(join(dir, 'p384.pem'), 'utf8'), { source: 'p384.pem' })).rejects.toThrow(
      'p384.pem: an EC key on secp384r1; cosign-compatible signing needs ECDSA P-256',
    );
    await expect(loadPrivateKey(await readFile(join(dir, 'ed.pem'), 'utf8'), { source: 'ed.pem' })).rejects.toThrow(
      'ed.pem: a ed25519 key; cosign-compatible signing needs ECDSA P-256',
    );
    await expect(loadPrivateKey(cosignPub, { source: 'cosign.pub' })).rejects.toThrow(
      /"PUBLIC KEY" PEM block is not a private key/,
    );
    expect(() => loadPublicKey(cosignKey, 'cosign.key')).toThrow(
      'cosign.key: expected a "PUBLIC KEY" PEM block, found "ENCRYPTED SIGSTORE PRIVATE KEY"',
    );
    await expect(loadPrivateKey('not a key', { source: 'x' })).rejects.toThrow('x: no PEM key found');
  });
});
