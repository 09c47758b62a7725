import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);
import {
  RegistryError
} from "./chunk-XZB375P5.js";
import {
  IN_TOTO_PAYLOAD_TYPE,
  SLSA_PROVENANCE_PREDICATE_TYPE,
  SPDX_PREDICATE_TYPE
} from "./chunk-B3YJ2Z46.js";
import {
  DistrolessError,
  isDistrolessError
} from "./chunk-BJUFX5YB.js";

// src/sign/keys.ts
import { createHash, createPrivateKey, createPublicKey, scrypt } from "node:crypto";

// node_modules/@noble/ciphers/utils.js
function isBytes(a) {
  return a instanceof Uint8Array || ArrayBuffer.isView(a) && a.constructor.name === "Uint8Array" && "BYTES_PER_ELEMENT" in a && a.BYTES_PER_ELEMENT === 1;
}
var atitle = (title) => title ? `"${title}" ` : "";
function abool(value, title = "") {
  if (typeof value !== "boolean")
    throw new TypeError(atitle(title) + "expected boolean, got type=" + typeof value);
  return value;
}
function anumber(n, title = "") {
  if (typeof n !== "number")
    throw new TypeError(atitle(title) + "expected number, got " + typeof n);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(atitle(title) + "expected integer >= 0, got " + n);
  return n;
}
function abytes(value, length, title = "") {
  if (isBytes(value) && (length === void 0 || value.length === length))
    return value;
  if (length !== void 0)
    anumber(length, "length");
  const bytes = isBytes(value);
  const ofLen = length !== void 0 ? ` of length ${length}` : "";
  const got = bytes ? `length=${value.length}` : `type=${typeof value}`;
  const message = atitle(title) + "expected Uint8Array" + ofLen + ", got " + got;
  if (!bytes)
    throw new TypeError(message);
  throw new RangeError(message);
}
var aobject = (value, label) => {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new TypeError(label === "object" ? "expected valid options object" : `"${label}" expected object, got type=${typeof value}`);
};
function aexists(instance, checkFinished = true) {
  if (instance.destroyed)
    throw new Error("hash was destroyed");
  if (checkFinished && instance.finished)
    throw new Error("digest() was already called");
}
function aoutput(out, instance) {
  abytes(out, void 0, "output");
  const min = instance.outputLen;
  if (!(out.length >= min)) {
    throw new RangeError('"output" expected length >= ' + min);
  }
}
function u32(arr) {
  return new Uint32Array(arr.buffer, arr.byteOffset, Math.floor(arr.byteLength / 4));
}
function clean(...arrays) {
  for (let i = 0; i < arrays.length; i++) {
    arrays[i].fill(0);
  }
}
var isLE = /* @__PURE__ */ (() => new Uint8Array(new Uint32Array([287454020]).buffer)[0] === 68)();
function byteSwap(word) {
  return word << 24 & 4278190080 | word << 8 & 16711680 | word >>> 8 & 65280 | word >>> 24 & 255;
}
function byteSwap32(arr) {
  for (let i = 0; i < arr.length; i++) {
    arr[i] = byteSwap(arr[i]);
  }
  return arr;
}
var swap32IfBE = isLE ? (u) => u : byteSwap32;
function overlapBytes(a, b) {
  if (!a.byteLength || !b.byteLength)
    return false;
  return a.buffer === b.buffer && // best we can do, may fail with an obscure Proxy
  a.byteOffset < b.byteOffset + b.byteLength && // a starts before b end
  b.byteOffset < a.byteOffset + a.byteLength;
}
function complexOverlapBytes(input, output) {
  if (overlapBytes(input, output) && input.byteOffset < output.byteOffset)
    throw new Error("complex overlap of input and output is not supported");
}
function checkOpts(defaults, opts) {
  aobject(defaults, "defaults");
  aobject(opts, "opts");
  const merged = Object.assign(defaults, opts);
  return merged;
}
function equalBytes(a, b) {
  a = abytes(a);
  b = abytes(b);
  if (a.length !== b.length)
    return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++)
    diff |= a[i] ^ b[i];
  return diff === 0;
}
function wrapMacConstructor(keyLen, macCons, fromMsg) {
  const mac = macCons;
  const getArgs = fromMsg || (() => []);
  const macC = (msg, key) => mac(key, ...getArgs(msg)).update(msg).digest();
  const tmp = mac(new Uint8Array(keyLen), ...getArgs(new Uint8Array(0)));
  macC.outputLen = tmp.outputLen;
  macC.blockLen = tmp.blockLen;
  macC.create = (key, ...args) => mac(key, ...args);
  return macC;
}
var wrapCipher = /* @__NO_SIDE_EFFECTS__ */ (params, constructor) => {
  function wrappedCipher(key, ...args) {
    abytes(key, void 0, "key");
    if (params.nonceLength !== void 0) {
      const nonce = args[0];
      abytes(nonce, params.varSizeNonce ? void 0 : params.nonceLength, "nonce");
    }
    const tagl = params.tagLength;
    const aadStart = params.nonceLength !== void 0 ? 1 : 0;
    if (!params.withAAD) {
      for (let i = aadStart; i < args.length; i++)
        if (isBytes(args[i]))
          throw new Error("AAD not supported");
    }
    if (params.withAAD && args[aadStart] !== void 0)
      abytes(args[aadStart], void 0, "AAD");
    const cipher = constructor(key, ...args);
    const checkOutput = (fnLength, output) => {
      if (output !== void 0) {
        if (fnLength !== 2)
          throw new Error("cipher output not supported");
        abytes(output, void 0, "output");
      }
    };
    let called = false;
    const wrCipher = {
      encrypt(data, output) {
        if (called)
          throw new Error("cannot encrypt() twice with same key + nonce");
        called = true;
        abytes(data, void 0, "data");
        checkOutput(cipher.encrypt.length, output);
        return cipher.encrypt(data, output);
      },
      decrypt(data, output) {
        abytes(data, void 0, "data");
        if (tagl && data.length < tagl)
          throw new Error('"ciphertext" expected length >= tagLength=' + tagl);
        checkOutput(cipher.decrypt.length, output);
        return cipher.decrypt(data, output);
      }
    };
    return wrCipher;
  }
  Object.assign(wrappedCipher, params);
  return wrappedCipher;
};
function getOutput(expectedLength, out, onlyAligned = true) {
  if (out === void 0)
    return new Uint8Array(expectedLength);
  abytes(out, expectedLength, "output");
  if (onlyAligned && !isAligned32(out))
    throw new Error("invalid output, must be aligned");
  return out;
}
function isAligned32(bytes) {
  return bytes.byteOffset % 4 === 0;
}
function copyBytes(bytes) {
  return Uint8Array.from(abytes(bytes));
}

// node_modules/@noble/ciphers/_arx.js
var encodeStr = (str) => Uint8Array.from(str.split(""), (c) => c.charCodeAt(0));
var sigma16_32 = /* @__PURE__ */ (() => swap32IfBE(u32(encodeStr("expand 16-byte k"))))();
var sigma32_32 = /* @__PURE__ */ (() => swap32IfBE(u32(encodeStr("expand 32-byte k"))))();
function rotl(a, b) {
  return a << b | a >>> 32 - b;
}
var BLOCK_LEN = 64;
var BLOCK_LEN32 = 16;
var MAX_COUNTER = /* @__PURE__ */ (() => 2 ** 32 - 1)();
var U32_EMPTY = /* @__PURE__ */ Uint32Array.of();
function runCipher(core, sigma, key, nonce, data, output, counter, rounds) {
  const len = data.length;
  const block = new Uint8Array(BLOCK_LEN);
  const b32 = u32(block);
  const isAligned = isLE && isAligned32(data) && isAligned32(output);
  const d32 = isAligned ? u32(data) : U32_EMPTY;
  const o32 = isAligned ? u32(output) : U32_EMPTY;
  if (!isLE) {
    for (let pos = 0; pos < len; counter++) {
      core(sigma, key, nonce, b32, counter, rounds);
      swap32IfBE(b32);
      if (counter >= MAX_COUNTER)
        throw new Error("arx: counter overflow");
      const take = Math.min(BLOCK_LEN, len - pos);
      for (let j = 0, posj; j < take; j++) {
        posj = pos + j;
        output[posj] = data[posj] ^ block[j];
      }
      pos += take;
    }
    return;
  }
  for (let pos = 0; pos < len; counter++) {
    core(sigma, key, nonce, b32, counter, rounds);
    if (counter >= MAX_COUNTER)
      throw new Error("arx: counter overflow");
    const take = Math.min(BLOCK_LEN, len - pos);
    if (isAligned && take === BLOCK_LEN) {
      const pos32 = pos / 4;
      if (pos % 4 !== 0)
        throw new Error("arx: invalid block position");
      for (let j = 0, posj; j < BLOCK_LEN32; j++) {
        posj = pos32 + j;
        o32[posj] = d32[posj] ^ b32[j];
      }
      pos += BLOCK_LEN;
      continue;
    }
    for (let j = 0, posj; j < take; j++) {
      posj = pos + j;
      output[posj] = data[posj] ^ block[j];
    }
    pos += take;
  }
}
function createCipher(core, opts) {
  const { allowShortKeys, extendNonceFn, counterLength, counterRight, rounds } = checkOpts({ allowShortKeys: false, counterLength: 8, counterRight: false, rounds: 20 }, opts);
  if (typeof core !== "function")
    throw new Error("core must be a function");
  anumber(counterLength);
  anumber(rounds);
  abool(counterRight);
  abool(allowShortKeys);
  return (key, nonce, data, output, counter = 0) => {
    abytes(key, void 0, "key");
    abytes(nonce, void 0, "nonce");
    abytes(data, void 0, "data");
    const len = data.length;
    const hasOutput = output !== void 0;
    output = getOutput(len, output, false);
    if (hasOutput)
      complexOverlapBytes(data, output);
    anumber(counter);
    if (counter < 0 || counter >= MAX_COUNTER)
      throw new Error("arx: counter overflow");
    const toClean = [];
    let l = key.length;
    let k;
    let sigma;
    if (l === 32) {
      toClean.push(k = copyBytes(key));
      sigma = sigma32_32;
    } else if (l === 16 && allowShortKeys) {
      k = new Uint8Array(32);
      k.set(key);
      k.set(key, 16);
      sigma = sigma16_32;
      toClean.push(k);
    } else {
      abytes(key, 32, "arx key");
      throw new Error("invalid key size");
    }
    if (!isLE || !isAligned32(nonce))
      toClean.push(nonce = copyBytes(nonce));
    let k32 = u32(k);
    if (extendNonceFn) {
      if (nonce.length !== 24)
        throw new Error("arx: extended nonce must be 24 bytes");
      const n16 = nonce.subarray(0, 16);
      if (isLE)
        extendNonceFn(sigma, k32, u32(n16), k32);
      else {
        const sigmaRaw = swap32IfBE(Uint32Array.from(sigma));
        extendNonceFn(sigmaRaw, k32, u32(n16), k32);
        clean(sigmaRaw);
        swap32IfBE(k32);
      }
      nonce = nonce.subarray(16);
    } else if (!isLE)
      swap32IfBE(k32);
    const nonceNcLen = 16 - counterLength;
    if (nonceNcLen !== nonce.length)
      throw new Error(`arx: nonce must be ${nonceNcLen} or 16 bytes`);
    if (nonceNcLen !== 12) {
      const nc = new Uint8Array(12);
      nc.set(nonce, counterRight ? 0 : 12 - nonce.length);
      nonce = nc;
      toClean.push(nonce);
    }
    const n32 = swap32IfBE(u32(nonce));
    try {
      runCipher(core, sigma, k32, n32, data, output, counter, rounds);
      return output;
    } finally {
      clean(...toClean);
    }
  };
}

// node_modules/@noble/ciphers/_poly1305.js
function u8to16(a, i) {
  return a[i++] & 255 | (a[i++] & 255) << 8;
}
var Poly1305 = class {
  blockLen = 16;
  outputLen = 16;
  buffer = new Uint8Array(16);
  r = new Uint16Array(10);
  // Allocating 1 array with .subarray() here is slower than 3
  h = new Uint16Array(10);
  pad = new Uint16Array(8);
  pos = 0;
  finished = false;
  destroyed = false;
  // Can be speed-up using BigUint64Array, at the cost of complexity
  constructor(key) {
    key = copyBytes(abytes(key, 32, "key"));
    const t0 = u8to16(key, 0);
    const t1 = u8to16(key, 2);
    const t2 = u8to16(key, 4);
    const t3 = u8to16(key, 6);
    const t4 = u8to16(key, 8);
    const t5 = u8to16(key, 10);
    const t6 = u8to16(key, 12);
    const t7 = u8to16(key, 14);
    this.r[0] = t0 & 8191;
    this.r[1] = (t0 >>> 13 | t1 << 3) & 8191;
    this.r[2] = (t1 >>> 10 | t2 << 6) & 7939;
    this.r[3] = (t2 >>> 7 | t3 << 9) & 8191;
    this.r[4] = (t3 >>> 4 | t4 << 12) & 255;
    this.r[5] = t4 >>> 1 & 8190;
    this.r[6] = (t4 >>> 14 | t5 << 2) & 8191;
    this.r[7] = (t5 >>> 11 | t6 << 5) & 8065;
    this.r[8] = (t6 >>> 8 | t7 << 8) & 8191;
    this.r[9] = t7 >>> 5 & 127;
    for (let i = 0; i < 8; i++)
      this.pad[i] = u8to16(key, 16 + 2 * i);
  }
  process(data, offset, isLast = false) {
    const hibit = isLast ? 0 : 1 << 11;
    const { h, r } = this;
    const r0 = r[0];
    const r1 = r[1];
    const r2 = r[2];
    const r3 = r[3];
    const r4 = r[4];
    const r5 = r[5];
    const r6 = r[6];
    const r7 = r[7];
    const r8 = r[8];
    const r9 = r[9];
    const t0 = u8to16(data, offset + 0);
    const t1 = u8to16(data, offset + 2);
    const t2 = u8to16(data, offset + 4);
    const t3 = u8to16(data, offset + 6);
    const t4 = u8to16(data, offset + 8);
    const t5 = u8to16(data, offset + 10);
    const t6 = u8to16(data, offset + 12);
    const t7 = u8to16(data, offset + 14);
    let h0 = h[0] + (t0 & 8191);
    let h1 = h[1] + ((t0 >>> 13 | t1 << 3) & 8191);
    let h2 = h[2] + ((t1 >>> 10 | t2 << 6) & 8191);
    let h3 = h[3] + ((t2 >>> 7 | t3 << 9) & 8191);
    let h4 = h[4] + ((t3 >>> 4 | t4 << 12) & 8191);
    let h5 = h[5] + (t4 >>> 1 & 8191);
    let h6 = h[6] + ((t4 >>> 14 | t5 << 2) & 8191);
    let h7 = h[7] + ((t5 >>> 11 | t6 << 5) & 8191);
    let h8 = h[8] + ((t6 >>> 8 | t7 << 8) & 8191);
    let h9 = h[9] + (t7 >>> 5 | hibit);
    let c = 0;
    let d0 = c + h0 * r0 + h1 * (5 * r9) + h2 * (5 * r8) + h3 * (5 * r7) + h4 * (5 * r6);
    c = d0 >>> 13;
    d0 &= 8191;
    d0 += h5 * (5 * r5) + h6 * (5 * r4) + h7 * (5 * r3) + h8 * (5 * r2) + h9 * (5 * r1);
    c += d0 >>> 13;
    d0 &= 8191;
    let d1 = c + h0 * r1 + h1 * r0 + h2 * (5 * r9) + h3 * (5 * r8) + h4 * (5 * r7);
    c = d1 >>> 13;
    d1 &= 8191;
    d1 += h5 * (5 * r6) + h6 * (5 * r5) + h7 * (5 * r4) + h8 * (5 * r3) + h9 * (5 * r2);
    c += d1 >>> 13;
    d1 &= 8191;
    let d2 = c + h0 * r2 + h1 * r1 + h2 * r0 + h3 * (5 * r9) + h4 * (5 * r8);
    c = d2 >>> 13;
    d2 &= 8191;
    d2 += h5 * (5 * r7) + h6 * (5 * r6) + h7 * (5 * r5) + h8 * (5 * r4) + h9 * (5 * r3);
    c += d2 >>> 13;
    d2 &= 8191;
    let d3 = c + h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * (5 * r9);
    c = d3 >>> 13;
    d3 &= 8191;
    d3 += h5 * (5 * r8) + h6 * (5 * r7) + h7 * (5 * r6) + h8 * (5 * r5) + h9 * (5 * r4);
    c += d3 >>> 13;
    d3 &= 8191;
    let d4 = c + h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
    c = d4 >>> 13;
    d4 &= 8191;
    d4 += h5 * (5 * r9) + h6 * (5 * r8) + h7 * (5 * r7) + h8 * (5 * r6) + h9 * (5 * r5);
    c += d4 >>> 13;
    d4 &= 8191;
    let d5 = c + h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1;
    c = d5 >>> 13;
    d5 &= 8191;
    d5 += h5 * r0 + h6 * (5 * r9) + h7 * (5 * r8) + h8 * (5 * r7) + h9 * (5 * r6);
    c += d5 >>> 13;
    d5 &= 8191;
    let d6 = c + h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2;
    c = d6 >>> 13;
    d6 &= 8191;
    d6 += h5 * r1 + h6 * r0 + h7 * (5 * r9) + h8 * (5 * r8) + h9 * (5 * r7);
    c += d6 >>> 13;
    d6 &= 8191;
    let d7 = c + h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3;
    c = d7 >>> 13;
    d7 &= 8191;
    d7 += h5 * r2 + h6 * r1 + h7 * r0 + h8 * (5 * r9) + h9 * (5 * r8);
    c += d7 >>> 13;
    d7 &= 8191;
    let d8 = c + h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4;
    c = d8 >>> 13;
    d8 &= 8191;
    d8 += h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * (5 * r9);
    c += d8 >>> 13;
    d8 &= 8191;
    let d9 = c + h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5;
    c = d9 >>> 13;
    d9 &= 8191;
    d9 += h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0;
    c += d9 >>> 13;
    d9 &= 8191;
    c = (c << 2) + c | 0;
    c = c + d0 | 0;
    d0 = c & 8191;
    c = c >>> 13;
    d1 += c;
    h[0] = d0;
    h[1] = d1;
    h[2] = d2;
    h[3] = d3;
    h[4] = d4;
    h[5] = d5;
    h[6] = d6;
    h[7] = d7;
    h[8] = d8;
    h[9] = d9;
  }
  finalize() {
    const { h, pad } = this;
    const g = new Uint16Array(10);
    let c = h[1] >>> 13;
    h[1] &= 8191;
    for (let i = 2; i < 10; i++) {
      h[i] += c;
      c = h[i] >>> 13;
      h[i] &= 8191;
    }
    h[0] += c * 5;
    c = h[0] >>> 13;
    h[0] &= 8191;
    h[1] += c;
    c = h[1] >>> 13;
    h[1] &= 8191;
    h[2] += c;
    g[0] = h[0] + 5;
    c = g[0] >>> 13;
    g[0] &= 8191;
    for (let i = 1; i < 10; i++) {
      g[i] = h[i] + c;
      c = g[i] >>> 13;
      g[i] &= 8191;
    }
    g[9] -= 1 << 13;
    let mask = (c ^ 1) - 1;
    for (let i = 0; i < 10; i++)
      g[i] &= mask;
    mask = ~mask;
    for (let i = 0; i < 10; i++)
      h[i] = h[i] & mask | g[i];
    h[0] = (h[0] | h[1] << 13) & 65535;
    h[1] = (h[1] >>> 3 | h[2] << 10) & 65535;
    h[2] = (h[2] >>> 6 | h[3] << 7) & 65535;
    h[3] = (h[3] >>> 9 | h[4] << 4) & 65535;
    h[4] = (h[4] >>> 12 | h[5] << 1 | h[6] << 14) & 65535;
    h[5] = (h[6] >>> 2 | h[7] << 11) & 65535;
    h[6] = (h[7] >>> 5 | h[8] << 8) & 65535;
    h[7] = (h[8] >>> 8 | h[9] << 5) & 65535;
    let f = h[0] + pad[0];
    h[0] = f & 65535;
    for (let i = 1; i < 8; i++) {
      f = (h[i] + pad[i] | 0) + (f >>> 16) | 0;
      h[i] = f & 65535;
    }
    clean(g);
  }
  update(data) {
    aexists(this);
    abytes(data);
    data = copyBytes(data);
    const { buffer, blockLen } = this;
    const len = data.length;
    for (let pos = 0; pos < len; ) {
      const take = Math.min(blockLen - this.pos, len - pos);
      if (take === blockLen) {
        for (; blockLen <= len - pos; pos += blockLen)
          this.process(data, pos);
        continue;
      }
      buffer.set(data.subarray(pos, pos + take), this.pos);
      this.pos += take;
      pos += take;
      if (this.pos === blockLen) {
        this.process(buffer, 0, false);
        this.pos = 0;
      }
    }
    return this;
  }
  destroy() {
    this.destroyed = true;
    clean(this.h, this.r, this.buffer, this.pad);
  }
  digestInto(out) {
    aexists(this);
    aoutput(out, this);
    this.finished = true;
    const { buffer, h } = this;
    let { pos } = this;
    if (pos) {
      buffer[pos++] = 1;
      for (; pos < 16; pos++)
        buffer[pos] = 0;
      this.process(buffer, 0, true);
    }
    this.finalize();
    let opos = 0;
    for (let i = 0; i < 8; i++) {
      out[opos++] = h[i] >>> 0;
      out[opos++] = h[i] >>> 8;
    }
  }
  digest() {
    const { buffer, outputLen } = this;
    this.digestInto(buffer);
    const res = buffer.slice(0, outputLen);
    this.destroy();
    return res;
  }
};
var poly1305 = /* @__PURE__ */ wrapMacConstructor(32, (key) => new Poly1305(key));

// node_modules/@noble/ciphers/salsa.js
function salsaCore(s, k, n, out, cnt, rounds = 20, cntHi = 0) {
  let y00 = s[0], y01 = k[0], y02 = k[1], y03 = k[2], y04 = k[3], y05 = s[1], y06 = n[0], y07 = n[1], y08 = cnt, y09 = cntHi, y10 = s[2], y11 = k[4], y12 = k[5], y13 = k[6], y14 = k[7], y15 = s[3];
  let x00 = y00, x01 = y01, x02 = y02, x03 = y03, x04 = y04, x05 = y05, x06 = y06, x07 = y07, x08 = y08, x09 = y09, x10 = y10, x11 = y11, x12 = y12, x13 = y13, x14 = y14, x15 = y15;
  for (let r = 0; r < rounds; r += 2) {
    x04 ^= rotl(x00 + x12 | 0, 7);
    x08 ^= rotl(x04 + x00 | 0, 9);
    x12 ^= rotl(x08 + x04 | 0, 13);
    x00 ^= rotl(x12 + x08 | 0, 18);
    x09 ^= rotl(x05 + x01 | 0, 7);
    x13 ^= rotl(x09 + x05 | 0, 9);
    x01 ^= rotl(x13 + x09 | 0, 13);
    x05 ^= rotl(x01 + x13 | 0, 18);
    x14 ^= rotl(x10 + x06 | 0, 7);
    x02 ^= rotl(x14 + x10 | 0, 9);
    x06 ^= rotl(x02 + x14 | 0, 13);
    x10 ^= rotl(x06 + x02 | 0, 18);
    x03 ^= rotl(x15 + x11 | 0, 7);
    x07 ^= rotl(x03 + x15 | 0, 9);
    x11 ^= rotl(x07 + x03 | 0, 13);
    x15 ^= rotl(x11 + x07 | 0, 18);
    x01 ^= rotl(x00 + x03 | 0, 7);
    x02 ^= rotl(x01 + x00 | 0, 9);
    x03 ^= rotl(x02 + x01 | 0, 13);
    x00 ^= rotl(x03 + x02 | 0, 18);
    x06 ^= rotl(x05 + x04 | 0, 7);
    x07 ^= rotl(x06 + x05 | 0, 9);
    x04 ^= rotl(x07 + x06 | 0, 13);
    x05 ^= rotl(x04 + x07 | 0, 18);
    x11 ^= rotl(x10 + x09 | 0, 7);
    x08 ^= rotl(x11 + x10 | 0, 9);
    x09 ^= rotl(x08 + x11 | 0, 13);
    x10 ^= rotl(x09 + x08 | 0, 18);
    x12 ^= rotl(x15 + x14 | 0, 7);
    x13 ^= rotl(x12 + x15 | 0, 9);
    x14 ^= rotl(x13 + x12 | 0, 13);
    x15 ^= rotl(x14 + x13 | 0, 18);
  }
  let oi = 0;
  out[oi++] = y00 + x00 | 0;
  out[oi++] = y01 + x01 | 0;
  out[oi++] = y02 + x02 | 0;
  out[oi++] = y03 + x03 | 0;
  out[oi++] = y04 + x04 | 0;
  out[oi++] = y05 + x05 | 0;
  out[oi++] = y06 + x06 | 0;
  out[oi++] = y07 + x07 | 0;
  out[oi++] = y08 + x08 | 0;
  out[oi++] = y09 + x09 | 0;
  out[oi++] = y10 + x10 | 0;
  out[oi++] = y11 + x11 | 0;
  out[oi++] = y12 + x12 | 0;
  out[oi++] = y13 + x13 | 0;
  out[oi++] = y14 + x14 | 0;
  out[oi++] = y15 + x15 | 0;
}
function hsalsa(s, k, i, out) {
  const s2 = isLE ? s : swap32IfBE(s.slice(0, 4));
  const k2 = isLE ? k : swap32IfBE(k.slice(0, 8));
  const i2 = isLE ? i : swap32IfBE(i.slice(0, 4));
  const t = new Uint32Array(16);
  salsaCore(s2, k2, i2.subarray(0, 2), t, i2[2], 20, i2[3]);
  let oi = 0;
  out[oi++] = t[0] - s2[0] | 0;
  out[oi++] = t[5] - s2[1] | 0;
  out[oi++] = t[10] - s2[2] | 0;
  out[oi++] = t[15] - s2[3] | 0;
  out[oi++] = t[6] - i2[0] | 0;
  out[oi++] = t[7] - i2[1] | 0;
  out[oi++] = t[8] - i2[2] | 0;
  out[oi++] = t[9] - i2[3] | 0;
  swap32IfBE(out);
  if (!isLE)
    clean(s2, k2, i2);
  clean(t);
}
var xsalsa20 = /* @__PURE__ */ createCipher(salsaCore, {
  counterRight: true,
  extendNonceFn: hsalsa
});
var xsalsa20poly1305 = /* @__PURE__ */ wrapCipher({ blockSize: 64, nonceLength: 24, tagLength: 16 }, (key, nonce) => {
  return {
    encrypt(plaintext, output) {
      output = getOutput(plaintext.length + 32, output, false);
      const authKey = output.subarray(0, 32);
      const ciphPlaintext = output.subarray(32);
      output.set(plaintext, 32);
      clean(authKey);
      xsalsa20(key, nonce, output, output);
      const tag = poly1305(ciphPlaintext, authKey);
      output.set(tag, 16);
      clean(output.subarray(0, 16), tag);
      return output.subarray(16);
    },
    decrypt(ciphertext, output) {
      abytes(ciphertext, void 0, "data");
      output = getOutput(ciphertext.length + 32, output, false);
      const tmp = output.subarray(0, 32);
      const passedTag = output.subarray(32, 48);
      const ciphPlaintext = output.subarray(48);
      output.set(ciphertext, 32);
      clean(tmp);
      const authKey = xsalsa20(key, nonce, tmp, tmp);
      const tag = poly1305(ciphPlaintext, authKey);
      if (!equalBytes(passedTag, tag)) {
        clean(output);
        throw new Error("invalid tag");
      }
      xsalsa20(key, nonce, output.subarray(16), output.subarray(16));
      clean(tmp, passedTag, tag);
      return ciphPlaintext;
    }
  };
});

// src/sign/keys.ts
var COSIGN_TYPES = /* @__PURE__ */ new Set(["ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"]);
var PLAIN_PRIVATE_TYPES = /* @__PURE__ */ new Set(["PRIVATE KEY", "EC PRIVATE KEY"]);
var MAX_SCRYPT_N = 1 << 20;
function firstPemBlock(text, source) {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (m === null) throw new DistrolessError("USAGE", `${source}: no PEM key found (expected "-----BEGIN \u2026 KEY-----")`);
  const type = m[1] ?? "";
  const lines = (m[2] ?? "").split(/\r?\n/).filter((l) => l.trim() !== "" && !l.includes(":"));
  return { type, body: Buffer.from(lines.join(""), "base64"), text: m[0] };
}
async function loadPrivateKey(pem, opts) {
  const block = firstPemBlock(pem, opts.source);
  let key;
  if (COSIGN_TYPES.has(block.type)) {
    key = await decryptCosignKey(block.body, opts);
  } else if (PLAIN_PRIVATE_TYPES.has(block.type)) {
    key = parseKey(() => createPrivateKey({ key: block.text, format: "pem" }), opts.source);
  } else if (block.type === "ENCRYPTED PRIVATE KEY") {
    if (opts.password === void 0) throw new DistrolessError("USAGE", `${opts.source}: the key is encrypted; give its password (COSIGN_PASSWORD)`);
    const passphrase = opts.password;
    key = parseKey(() => createPrivateKey({ key: block.text, format: "pem", passphrase }), opts.source, "wrong password, or not a PKCS#8 key");
  } else {
    throw new DistrolessError("USAGE", `${opts.source}: a "${block.type}" PEM block is not a private key this tool reads (PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED SIGSTORE PRIVATE KEY)`);
  }
  return checkP256(key, opts.source);
}
function loadPublicKey(pem, source) {
  const block = firstPemBlock(pem, source);
  if (block.type !== "PUBLIC KEY") throw new DistrolessError("USAGE", `${source}: expected a "PUBLIC KEY" PEM block, found "${block.type}"`);
  return checkP256(parseKey(() => createPublicKey({ key: block.text, format: "pem" }), source), source);
}
function publicKeyPem(key) {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return pub.export({ type: "spki", format: "pem" }).toString();
}
function keyFingerprint(key) {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  return `sha256:${createHash("sha256").update(pub.export({ type: "spki", format: "der" })).digest("hex")}`;
}
async function decryptCosignKey(body, opts) {
  const bad = (what) => new DistrolessError("USAGE", `${opts.source}: not a cosign encrypted key (${what})`);
  let doc;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    throw bad("the PEM body is not JSON");
  }
  if (doc.kdf?.name !== "scrypt") throw bad(`kdf ${JSON.stringify(doc.kdf?.name)}, expected "scrypt"`);
  if (doc.cipher?.name !== "nacl/secretbox") throw bad(`cipher ${JSON.stringify(doc.cipher?.name)}, expected "nacl/secretbox"`);
  const { N, r, p } = doc.kdf.params ?? {};
  if (!isCount(N) || !isCount(r) || !isCount(p) || N > MAX_SCRYPT_N || (N & N - 1) !== 0) throw bad("scrypt parameters");
  const salt = base64Field(doc.kdf.salt);
  const nonce = base64Field(doc.cipher.nonce);
  const ciphertext = base64Field(doc.ciphertext);
  if (salt === void 0 || nonce?.length !== 24 || ciphertext === void 0 || ciphertext.length <= 16) throw bad("salt, nonce or ciphertext");
  if (opts.password === void 0) throw new DistrolessError("USAGE", `${opts.source}: the key is encrypted; give its password (COSIGN_PASSWORD)`);
  const secret = await scryptKey(opts.password, salt, { N, r, p });
  let plain;
  try {
    plain = xsalsa20poly1305(secret, nonce).decrypt(ciphertext);
  } catch {
    throw new DistrolessError("USAGE", `${opts.source}: cannot decrypt the cosign key: wrong password (COSIGN_PASSWORD)`);
  } finally {
    secret.fill(0);
  }
  const der = Buffer.from(plain);
  try {
    return parseKey(() => createPrivateKey({ key: der, format: "der", type: "pkcs8" }), opts.source);
  } finally {
    der.fill(0);
    plain.fill(0);
  }
}
function scryptKey(password, salt, params) {
  const maxmem = 128 * params.N * params.r * params.p + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 32, { ...params, maxmem }, (err, key) => err ? reject(err) : resolve(key));
  });
}
function isCount(v) {
  return typeof v === "number" && Number.isInteger(v) && v > 0;
}
function base64Field(v) {
  if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return void 0;
  const b = Buffer.from(v, "base64");
  return b.length > 0 ? b : void 0;
}
function parseKey(make, source, why = "malformed key") {
  try {
    return make();
  } catch {
    throw new DistrolessError("USAGE", `${source}: cannot read the key (${why})`);
  }
}
function checkP256(key, source) {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== "ec" || curve !== "prime256v1") {
    const what = key.asymmetricKeyType === "ec" ? `an EC key on ${curve ?? "an unknown curve"}` : `a ${key.asymmetricKeyType ?? "unknown"} key`;
    throw new DistrolessError("USAGE", `${source}: ${what}; cosign-compatible signing needs ECDSA P-256`);
  }
  return key;
}

// src/sign/signer.ts
import { createPublicKey as createPublicKey2, sign, verify } from "node:crypto";
var KeySigner = class {
  constructor(privateKey) {
    this.privateKey = privateKey;
    this.publicKey = createPublicKey2(privateKey);
    this.publicKeyPem = publicKeyPem(this.publicKey);
    this.identity = `key ${keyFingerprint(this.publicKey)}`;
  }
  privateKey;
  identity;
  /** SPKI PEM of the public key (with `signDer`, what src/sigstore's `BundleKeySigner` asks for). */
  publicKeyPem;
  publicKey;
  async sign(data) {
    const signature = await this.signDer(data);
    return { signature, key: { $case: "publicKey", publicKey: this.publicKeyPem, hint: keyFingerprint(this.publicKey).slice("sha256:".length) } };
  }
  /** The bare DER signature over `data`. */
  async signDer(data) {
    return sign("sha256", data, { key: this.privateKey, dsaEncoding: "der" });
  }
  owns(data, signature) {
    return verifySignature(this.publicKey, data, signature);
  }
};
function verifySignature(publicKey, data, signature) {
  try {
    return verify("sha256", data, { key: publicKey, dsaEncoding: "der" }, signature);
  } catch {
    return false;
  }
}

// src/sign/payload.ts
var SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
var SIMPLE_SIGNING_TYPE = "cosign container image signature";
var DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";
function simpleSigningPayload(dockerReference, digest) {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new DistrolessError("USAGE", `not a sha256 digest: ${JSON.stringify(digest)}`);
  const identity = `{"docker-reference":${JSON.stringify(dockerReference)}}`;
  const image = `{"docker-manifest-digest":${JSON.stringify(digest)}}`;
  return Buffer.from(`{"critical":{"identity":${identity},"image":${image},"type":${JSON.stringify(SIMPLE_SIGNING_TYPE)}},"optional":null}`, "utf8");
}
function parseSimpleSigning(bytes) {
  let doc;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new DistrolessError("SIGNATURE_INVALID", "the signature payload is not JSON");
  }
  const critical = isObject(doc) ? doc.critical : void 0;
  if (!isObject(critical)) throw new DistrolessError("SIGNATURE_INVALID", 'the signature payload has no "critical" object');
  if (critical.type !== SIMPLE_SIGNING_TYPE) throw new DistrolessError("SIGNATURE_INVALID", `the signature payload's type is ${JSON.stringify(critical.type)}, not "${SIMPLE_SIGNING_TYPE}"`);
  const digest = isObject(critical.image) ? critical.image["docker-manifest-digest"] : void 0;
  const ref = isObject(critical.identity) ? critical.identity["docker-reference"] : void 0;
  if (typeof digest !== "string") throw new DistrolessError("SIGNATURE_INVALID", "the signature payload names no docker-manifest-digest");
  return { digest, dockerReference: typeof ref === "string" ? ref : "" };
}
function pae(payloadType, body) {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}
function serializeEnvelope(payloadType, body, signatures) {
  const envelope = {
    payloadType,
    payload: body.toString("base64"),
    signatures: signatures.map((s) => ({ keyid: s.keyid ?? "", sig: s.sig.toString("base64") }))
  };
  return Buffer.from(JSON.stringify(envelope), "utf8");
}
function parseEnvelope(bytes) {
  let doc;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new DistrolessError("SIGNATURE_INVALID", "the DSSE envelope is not JSON");
  }
  if (!isObject(doc) || typeof doc.payloadType !== "string" || typeof doc.payload !== "string" || !Array.isArray(doc.signatures)) {
    throw new DistrolessError("SIGNATURE_INVALID", "not a DSSE envelope (payloadType, payload, signatures)");
  }
  const signatures = doc.signatures.filter(isObject).map((s) => ({ keyid: typeof s.keyid === "string" ? s.keyid : "", sig: Buffer.from(typeof s.sig === "string" ? s.sig : "", "base64") }));
  return { payloadType: doc.payloadType, body: Buffer.from(doc.payload, "base64"), signatures };
}
function statementBytes(statement) {
  return Buffer.from(JSON.stringify(statement), "utf8");
}
function parseStatement(body) {
  let doc;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch {
    throw new DistrolessError("SIGNATURE_INVALID", "the attestation payload is not JSON");
  }
  if (!isObject(doc) || typeof doc._type !== "string" || typeof doc.predicateType !== "string" || !Array.isArray(doc.subject)) {
    throw new DistrolessError("SIGNATURE_INVALID", "the attestation payload is not an in-toto statement (_type, subject, predicateType)");
  }
  return doc;
}
function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// src/sign/legacy-manifest.ts
import { createHash as createHash2 } from "node:crypto";
var OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
var OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
var SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
var PREDICATE_TYPE_ANNOTATION = "predicateType";
var DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
var GO_ZERO_TIME = "0001-01-01T00:00:00Z";
function sha256Digest(bytes) {
  return `sha256:${createHash2("sha256").update(bytes).digest("hex")}`;
}
function tagFor(digest, suffix) {
  const m = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (m === null) throw new DistrolessError("USAGE", `not a sha256 digest: ${JSON.stringify(digest)}`);
  return `sha256-${m[1]}.${suffix}`;
}
function signatureTag(digest) {
  return tagFor(digest, "sig");
}
function attestationTag(digest) {
  return tagFor(digest, "att");
}
function payloadLayer(mediaType, bytes, annotations) {
  return { mediaType, size: bytes.length, digest: sha256Digest(bytes), annotations, bytes };
}
function signatureConfig(layers) {
  const config = {
    architecture: "",
    created: GO_ZERO_TIME,
    history: layers.map(() => ({ created: GO_ZERO_TIME })),
    os: "",
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.digest) },
    config: {}
  };
  return Buffer.from(JSON.stringify(config), "utf8");
}
function signatureManifest(config, layers) {
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, size: config.length, digest: sha256Digest(config) },
    layers: layers.map((l) => ({ mediaType: l.mediaType, size: l.size, digest: l.digest, annotations: l.annotations }))
  };
  return Buffer.from(JSON.stringify(manifest), "utf8");
}
function parseSignatureManifest(bytes, where) {
  let doc;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new DistrolessError("SIGNATURE_INVALID", `${where}: the signature manifest is not JSON`);
  }
  if (doc.schemaVersion !== 2 || doc.mediaType !== void 0 && doc.mediaType !== OCI_MANIFEST && doc.mediaType !== DOCKER_MANIFEST || !Array.isArray(doc.layers)) {
    throw new DistrolessError("SIGNATURE_INVALID", `${where}: not an image manifest (${JSON.stringify(doc.mediaType ?? null)})`);
  }
  return doc.layers.map((l, i) => {
    const d = typeof l === "object" && l !== null ? l : {};
    if (typeof d.mediaType !== "string" || typeof d.digest !== "string" || typeof d.size !== "number") {
      throw new DistrolessError("SIGNATURE_INVALID", `${where}: layer ${i} is not a descriptor`);
    }
    const annotations = typeof d.annotations === "object" && d.annotations !== null ? stringRecord(d.annotations) : {};
    return { mediaType: d.mediaType, digest: d.digest, size: d.size, annotations };
  });
}
function stringRecord(o) {
  return Object.fromEntries(Object.entries(o).filter((e) => typeof e[1] === "string"));
}

// src/sign/legacy.ts
import { Readable } from "node:stream";
function createLegacyStorage(signer) {
  return new LegacyStorage(signer);
}
var LegacyStorage = class {
  constructor(signer) {
    this.signer = signer;
  }
  signer;
  format = "legacy";
  async sign(image) {
    const tag = signatureTag(image.digest);
    const payload = simpleSigningPayload(image.name, image.digest);
    const digest = sha256Digest(payload);
    const existing = await readExisting(image, tag);
    const result = { format: this.format, kind: "signature", location: `${image.repository}:${tag}`, replaced: 0 };
    const ours = existing.layers.some((l) => l.digest === digest && l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE && this.owns(payload, l));
    if (ours && existing.manifestDigest !== void 0) return { ...result, added: 0, existing: 1, manifestDigest: existing.manifestDigest };
    const signature = await this.signer.sign(payload);
    const extra = await this.signer.legacyAnnotations?.(payload, signature) ?? {};
    const layer = payloadLayer(SIMPLE_SIGNING_MEDIA_TYPE, payload, { [SIGNATURE_ANNOTATION]: signature.signature.toString("base64"), ...extra });
    const manifestDigest = await writeLayers(image, tag, [...existing.layers, layer], [layer]);
    return { ...result, added: 1, existing: 0, manifestDigest };
  }
  async attest(image, statements) {
    const tag = attestationTag(image.digest);
    const existing = await readExisting(image, tag);
    const own = await this.ownAttestations(image, existing.layers);
    const dropped = /* @__PURE__ */ new Set();
    const added = [];
    let already = 0;
    for (const statement of statements) {
      checkSubject(statement, image.digest);
      const body = statementBytes(statement);
      const sameType = own.filter((o) => o.predicateType === statement.predicateType && !dropped.has(o.layer));
      if (sameType.some((o) => o.body.equals(body))) {
        already++;
        continue;
      }
      for (const o of sameType) dropped.add(o.layer);
      added.push(await this.attestationLayer(statement.predicateType, body));
    }
    const result = { format: this.format, kind: "attestation", location: `${image.repository}:${tag}`, existing: already, replaced: dropped.size };
    if (added.length === 0 && dropped.size === 0 && existing.manifestDigest !== void 0) return { ...result, added: 0, manifestDigest: existing.manifestDigest };
    const layers = [...existing.layers.filter((l) => !dropped.has(l)), ...added];
    const manifestDigest = await writeLayers(image, tag, layers, added);
    return { ...result, added: added.length, manifestDigest };
  }
  async attestationLayer(predicateType, body) {
    const signature = await this.signer.sign(pae(IN_TOTO_PAYLOAD_TYPE, body));
    const envelope = serializeEnvelope(IN_TOTO_PAYLOAD_TYPE, body, [{ keyid: "", sig: signature.signature }]);
    const extra = await this.signer.legacyAnnotations?.(envelope, signature) ?? {};
    return payloadLayer(DSSE_MEDIA_TYPE, envelope, { [SIGNATURE_ANNOTATION]: "", [PREDICATE_TYPE_ANNOTATION]: predicateType, ...extra });
  }
  owns(payload, layer) {
    const sig = layer.annotations[SIGNATURE_ANNOTATION];
    return sig !== void 0 && sig !== "" && this.signer.owns(payload, Buffer.from(sig, "base64"), layer.annotations);
  }
  /** The DSSE layers whose envelope carries a signature of ours (others' are kept as they are). */
  async ownAttestations(image, layers) {
    const own = [];
    for (const layer of layers) {
      if (layer.mediaType !== DSSE_MEDIA_TYPE) continue;
      const envelope = parseEnvelope(await image.client.getBlob(image.repository, layer.digest));
      const signed = pae(envelope.payloadType, envelope.body);
      if (!envelope.signatures.some((s) => this.signer.owns(signed, s.sig, layer.annotations))) continue;
      const predicateType = layer.annotations[PREDICATE_TYPE_ANNOTATION] ?? "";
      own.push({ layer, predicateType, body: envelope.body });
    }
    return own;
  }
};
function checkSubject(statement, digest) {
  const hex = digest.slice("sha256:".length);
  if (!statement.subject.some((s) => s.digest.sha256 === hex)) {
    throw new DistrolessError("USAGE", `attestation ${statement.predicateType}: its subject is not ${digest}`);
  }
}
async function readExisting(image, tag) {
  const info = await image.client.manifestInfo(image.repository, tag);
  if (info === void 0) return { layers: [], manifestDigest: void 0 };
  const { bytes, digest } = await image.client.getManifest(image.repository, tag);
  return { layers: parseSignatureManifest(bytes, `${image.repository}:${tag}`), manifestDigest: digest };
}
async function writeLayers(image, tag, layers, fresh) {
  const config = signatureConfig(layers);
  for (const blob of [...fresh.map((l) => l.bytes), config]) await putBlob(image, blob);
  return image.client.putManifest(image.repository, tag, signatureManifest(config, layers), OCI_MANIFEST);
}
async function putBlob(image, bytes) {
  const digest = sha256Digest(bytes);
  if (await image.client.blobExists(image.repository, digest)) return;
  await image.client.uploadBlob(image.repository, { digest, size: bytes.length, open: () => Readable.from([bytes]) });
}

// src/sign/verify-legacy.ts
function createLegacyVerifier(publicKey) {
  return new LegacyVerifier(publicKey);
}
var LegacyVerifier = class {
  constructor(publicKey) {
    this.publicKey = publicKey;
    this.keyName = `key ${keyFingerprint(publicKey).slice(0, 19)}\u2026`;
  }
  publicKey;
  format = "legacy";
  keyName;
  async verify(image, policy) {
    try {
      return [await this.signatures(image), ...await this.attestations(image, policy)];
    } catch (e) {
      if (isDistrolessError(e, "SIGNATURE_INVALID")) return [{ format: this.format, what: "signature", ok: false, detail: e.message }];
      throw e;
    }
  }
  async signatures(image) {
    const tag = signatureTag(image.digest);
    const check = (ok, detail) => ({ format: this.format, what: "signature", ok, detail });
    const layers = await readLayers(image, tag);
    if (layers === void 0) return check(false, `no signatures: ${image.repository}:${tag} does not exist`);
    const outcomes = await Promise.all(layers.filter((l) => l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE).map((l) => this.signatureLayer(image, l)));
    const good = outcomes.filter((o) => o.ok).length;
    if (good > 0) return check(true, `${good} of ${outcomes.length} signature(s) in ${tag} verified with ${this.keyName}`);
    if (outcomes.length === 0) return check(false, `${tag} holds no simple-signing layer`);
    return check(false, reasons(outcomes));
  }
  async signatureLayer(image, layer) {
    const payload = await image.client.getBlob(image.repository, layer.digest);
    let claim;
    try {
      claim = parseSimpleSigning(payload);
    } catch (e) {
      if (isDistrolessError(e, "SIGNATURE_INVALID")) return { ok: false, reason: e.message };
      throw e;
    }
    if (claim.digest !== image.digest) return { ok: false, reason: `signature is for ${claim.digest}, image is ${image.digest}` };
    if (claim.dockerReference !== image.name) return { ok: false, reason: `signature is for repository ${claim.dockerReference}, image is in ${image.name}` };
    const sig = Buffer.from(layer.annotations[SIGNATURE_ANNOTATION] ?? "", "base64");
    if (!verifySignature(this.publicKey, payload, sig)) return { ok: false, reason: `signature does not verify with ${this.keyName} (payload changed, or another key)` };
    return { ok: true };
  }
  async attestations(image, policy) {
    if (policy.predicateTypes.length === 0) return [];
    const tag = attestationTag(image.digest);
    const layers = await readLayers(image, tag);
    const check = (type, ok, detail) => ({ format: this.format, what: `attestation ${type}`, ok, detail });
    if (layers === void 0) return policy.predicateTypes.map((t) => check(t, false, `no attestations: ${image.repository}:${tag} does not exist`));
    const outcomes = await Promise.all(layers.filter((l) => l.mediaType === DSSE_MEDIA_TYPE).map((l) => this.attestationLayer(image, l)));
    return policy.predicateTypes.map((type) => {
      const mine = outcomes.filter((o) => o.predicateType === type);
      const good = mine.filter((o) => o.ok).length;
      if (good > 0) return check(type, true, `${good} of ${mine.length} verified with ${this.keyName}`);
      if (mine.length > 0) return check(type, false, reasons(mine));
      const found = [...new Set(outcomes.map((o) => o.predicateType ?? "?"))];
      return check(type, false, `none in ${tag} (found: ${found.join(", ") || "nothing"})`);
    });
  }
  async attestationLayer(image, layer) {
    const annotated = layer.annotations[PREDICATE_TYPE_ANNOTATION];
    const fail = (reason, predicateType = annotated) => ({ ok: false, reason, predicateType });
    try {
      const envelope = parseEnvelope(await image.client.getBlob(image.repository, layer.digest));
      if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return fail(`payloadType is ${envelope.payloadType}, not ${IN_TOTO_PAYLOAD_TYPE}`);
      const signed = pae(envelope.payloadType, envelope.body);
      const verified = envelope.signatures.some((s) => verifySignature(this.publicKey, signed, s.sig));
      const statement = parseStatement(envelope.body);
      if (!verified) return fail(`attestation does not verify with ${this.keyName} (payload changed, or another key)`, statement.predicateType);
      const hex = image.digest.slice("sha256:".length);
      if (!statement.subject.some((s) => s.digest?.sha256 === hex)) {
        const named = statement.subject.map((s) => `sha256:${s.digest?.sha256 ?? "?"}`).join(", ");
        return fail(`attestation is for ${named}, image is ${image.digest}`, statement.predicateType);
      }
      return { ok: true, predicateType: statement.predicateType };
    } catch (e) {
      if (isDistrolessError(e, "SIGNATURE_INVALID")) return fail(e.message);
      throw e;
    }
  }
};
async function readLayers(image, tag) {
  try {
    const { bytes } = await image.client.getManifest(image.repository, tag);
    return parseSignatureManifest(bytes, `${image.repository}:${tag}`);
  } catch (e) {
    if (e instanceof RegistryError && e.status === 404) return void 0;
    throw e;
  }
}
function reasons(outcomes) {
  return [...new Set(outcomes.flatMap((o) => o.ok ? [] : [o.reason]))].join("; ");
}

// src/sign/types.ts
var SIGNATURE_FORMATS = ["legacy", "bundle", "both"];

// src/sign/index.ts
var DEFAULT_PREDICATE_TYPES = [SPDX_PREDICATE_TYPE, SLSA_PROVENANCE_PREDICATE_TYPE];

export {
  loadPrivateKey,
  loadPublicKey,
  publicKeyPem,
  keyFingerprint,
  KeySigner,
  verifySignature,
  SIMPLE_SIGNING_MEDIA_TYPE,
  DSSE_MEDIA_TYPE,
  simpleSigningPayload,
  parseSimpleSigning,
  pae,
  serializeEnvelope,
  parseEnvelope,
  statementBytes,
  parseStatement,
  SIGNATURE_ANNOTATION,
  PREDICATE_TYPE_ANNOTATION,
  signatureTag,
  attestationTag,
  signatureConfig,
  signatureManifest,
  parseSignatureManifest,
  createLegacyStorage,
  createLegacyVerifier,
  SIGNATURE_FORMATS,
  DEFAULT_PREDICATE_TYPES
};
