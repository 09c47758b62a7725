import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  loadKeyring
} from "./chunk-O64ZBYY3.js";
import {
  DistrolessError
} from "./chunk-BJUFX5YB.js";

// src/app/keyring-files.ts
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
var BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
async function readKeyringFiles(files, what, cwd) {
  const blocks = [];
  for (const file of files) {
    const text = await readFile(resolve(cwd, file), "utf8").catch((e) => {
      throw new DistrolessError("USAGE", `${what} ${file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
    });
    const found = text.split(new RegExp(`(?=${BEGIN})`)).filter((b) => b.includes(BEGIN));
    if (found.length === 0) throw new DistrolessError("USAGE", `${what} ${file}: no armored OpenPGP public key in it`);
    blocks.push(...found);
  }
  return loadKeyring(blocks);
}

export {
  readKeyringFiles
};
