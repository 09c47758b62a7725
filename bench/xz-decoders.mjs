// `node bench/xz-decoders.mjs [runs]`: the xz decoders a layer build could use, on the data.tar.xz of real .debs.
// Fetches tzdata, libpython3.11-stdlib and openjdk-17-jre-headless (amd64, pins and sha256 from
// lockfiles/debian12.lock.json) from deb.debian.org into ~/.cache/distroless-action-bench (checked by sha256),
// then decodes each data.tar.xz to a byte counter, each run in a fresh process, and prints wall time and peak RSS:
//   xz-binary  `xz -dc` fed from node (peak RSS: node + the xz child, from /usr/bin/time -f %M)
//   wasm       xz-decompress (xz-embedded in WebAssembly, streaming), as src/deb/deb.ts uses it
//   napi       @napi-rs/lzma xz.decompress (whole member in memory), when installed
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { dataMember } from './deb-member.mjs';

const PACKAGES = ['tzdata', 'libpython3.11-stdlib', 'openjdk-17-jre-headless'];
const MIRRORS = { 'pool/updates/': 'http://deb.debian.org/debian-security/', 'pool/': 'http://deb.debian.org/debian/' };

async function child(decoder, path) {
  const { offset, size } = await dataMember(path);
  const { createReadStream } = await import('node:fs');
  const input = () => createReadStream(path, { start: offset, end: offset + size - 1, highWaterMark: 1 << 20 });
  const start = performance.now();
  let bytes = 0;
  if (decoder === 'xz-binary') {
    const xz = spawn('/usr/bin/time', ['-f', '%M', 'xz', '-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    xz.stderr.on('data', (c) => (err += c));
    input().pipe(xz.stdin);
    for await (const c of xz.stdout) bytes += c.length;
    await new Promise((r) => xz.on('close', r));
    const childKiB = Number(err.trim().split('\n').pop());
    report(start, bytes, childKiB);
  } else if (decoder === 'wasm') {
    const { XzReadableStream } = (await import('xz-decompress')).default;
    for await (const c of Readable.fromWeb(new XzReadableStream(Readable.toWeb(input())))) bytes += c.length;
    report(start, bytes, 0);
  } else {
    const { xz } = await import('@napi-rs/lzma');
    const chunks = [];
    for await (const c of input()) chunks.push(c);
    bytes = (await xz.decompress(Buffer.concat(chunks))).length;
    report(start, bytes, 0);
  }
}

function report(start, bytes, childKiB) {
  const ms = performance.now() - start;
  const peakMiB = (process.resourceUsage().maxRSS + childKiB) / 1024;
  process.stdout.write(JSON.stringify({ ms, bytes, peakMiB }));
}

async function fetchDebs() {
  const lock = JSON.parse(readFileSync(new URL('../lockfiles/debian12.lock.json', import.meta.url), 'utf8'));
  const dir = join(homedir(), '.cache', 'distroless-action-bench');
  mkdirSync(dir, { recursive: true });
  const out = [];
  for (const name of PACKAGES) {
    const pin = lock.packages.amd64[name];
    const file = join(dir, pin.filename.split('/').pop());
    if (!existsSync(file) || sha256(readFileSync(file)) !== pin.sha256) {
      const prefix = Object.keys(MIRRORS).find((p) => pin.filename.startsWith(p));
      const res = await fetch(MIRRORS[prefix] + pin.filename);
      if (!res.ok) throw new Error(`${pin.filename}: HTTP ${res.status}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      if (sha256(bytes) !== pin.sha256) throw new Error(`${pin.filename}: sha256 differs from the lock`);
      writeFileSync(`${file}.tmp`, bytes);
      renameSync(`${file}.tmp`, file);
    }
    out.push({ name, version: pin.version, file });
  }
  return out;
}

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4]);
} else {
  const runs = Number(process.argv[2] ?? 3);
  const decoders = ['xz-binary', 'wasm'];
  try {
    await import('@napi-rs/lzma');
    decoders.push('napi');
  } catch {
    // not installed: not measured
  }
  console.log(
    `# node ${process.version}, ${execFileSync('xz', ['--version']).toString().split('\n')[0]}, ${runs} runs`,
  );
  console.log('package\tdata.tar.xz MiB\tdecoder\twall s (median, min–max)\tpeak RSS MiB (median)');
  for (const deb of await fetchDebs()) {
    const { size } = await dataMember(deb.file);
    for (const decoder of decoders) {
      const results = [];
      for (let i = 0; i < runs; i++) {
        const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--child', decoder, deb.file]);
        results.push(JSON.parse(out.toString()));
      }
      if (new Set(results.map((r) => r.bytes)).size !== 1) throw new Error(`${decoder}: output sizes differ`);
      const secs = results.map((r) => r.ms / 1000);
      console.log(
        [
          `${deb.name} ${deb.version}`,
          (size / 2 ** 20).toFixed(1),
          decoder,
          `${median(secs).toFixed(2)} (${Math.min(...secs).toFixed(2)}–${Math.max(...secs).toFixed(2)})`,
          median(results.map((r) => r.peakMiB)).toFixed(0),
        ].join('\t'),
      );
    }
  }
}
