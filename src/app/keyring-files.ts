import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadKeyring, type Keyring } from '../archive/index.js';
import { DistrolessError } from '../errors.js';

const BEGIN = '-----BEGIN PGP PUBLIC KEY BLOCK-----';

/**
 * Armored OpenPGP public keys from files (a file may hold several key blocks), relative to `cwd`; `what` names
 * the option in errors, which quote each file as given.
 */
export async function readKeyringFiles(files: readonly string[], what: string, cwd: string): Promise<Keyring> {
  const blocks: string[] = [];
  for (const file of files) {
    const text = await readFile(resolve(cwd, file), 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new DistrolessError('USAGE', `${what} ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    });
    const found = text.split(new RegExp(`(?=${BEGIN})`)).filter((b) => b.includes(BEGIN));
    if (found.length === 0) throw new DistrolessError('USAGE', `${what} ${file}: no armored OpenPGP public key in it`);
    blocks.push(...found);
  }
  return loadKeyring(blocks);
}
