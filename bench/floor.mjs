// The floor of a cold build on this machine (issue 16): the CPU time of the native work no build of these
// layers can avoid, divided by the cores. For each .deb: `xz -t` of its data.tar.xz run on its own (GNU time's
// user + system time of decoding without writing), and Node's zlib deflating the tar as the layer writer does
// (level 6; 512 KiB chunks, each with the 32 KiB before it as its dictionary; one gzip stream below 1 MiB:
// src/oci/parallel-gzip.ts), timed with process.cpuUsage() on one thread; each the best of two runs. What a build adds (reading and writing tar, hashing, I/O, garbage collection,
// control.tar, generated layers) is left out, so a real build can only be slower. Also the start-up floor of
// every command: `node -e 0` and the CLI's `--version` (median of 5).
// `nativeFloor(debPaths)` is what `bench/build.mjs` reports beside its targets; `node bench/floor.mjs DEB...`
// prints it for any .debs.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { dataMemberBytes } from './deb-member.mjs';
import { constants, deflateRawSync, gunzipSync, gzipSync, zstdDecompressSync } from 'node:zlib';

const CHUNK = 512 * 1024;
const DICTIONARY = 32 * 1024;
/** Each measurement is the best of this many runs: a floor, on a machine whose run-to-run spread is ±10–15%. */
const RUNS = 2;

/**
 * `xz` on `bytes`: the CPU seconds of decoding alone (`xz -t` decodes and checks without writing: a build's
 * decoder also writes into a pipe, a cost of the build, not of the data), then the decoded bytes (`xz -dc`,
 * not timed).
 */
function xzDecode(bytes) {
  let cpuS = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const timed = spawnSync('/usr/bin/time', ['-f', '%U %S', 'xz', '-t'], { input: bytes, encoding: 'utf8' });
    if (timed.status !== 0) throw new Error(`xz -t failed: ${timed.stderr.slice(0, 500)}`);
    const [user, system] = timed.stderr.trim().split('\n').at(-1).split(' ').map(Number);
    cpuS = Math.min(cpuS, user + system);
  }
  const r = spawnSync('xz', ['-dc'], { input: bytes, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`xz -dc failed: ${r.stderr.toString().slice(0, 500)}`);
  return { tar: r.stdout, cpuS };
}

/** CPU seconds of deflating `tar` as the layer writer does (one thread). */
function deflateCpu(tar) {
  let cpuS = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const before = process.cpuUsage();
    if (tar.length < 2 * CHUNK) gzipSync(tar, { level: 6 });
    else {
      for (let at = 0; at < tar.length; at += CHUNK) {
        const last = at + CHUNK >= tar.length;
        const opts = { level: 6, finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH };
        if (at > 0) opts.dictionary = tar.subarray(at - DICTIONARY, at);
        deflateRawSync(tar.subarray(at, at + CHUNK), opts);
      }
    }
    const used = process.cpuUsage(before);
    cpuS = Math.min(cpuS, (used.user + used.system) / 1e6);
  }
  return cpuS;
}

/**
 * The native work of building one layer per .deb: xz CPU (data.tar.xz members; others are decoded here without
 * being counted), deflate CPU, and the floor they set on `cores` cores if both were spread perfectly.
 */
export async function nativeFloor(debPaths, cores = availableParallelism()) {
  let xzCpuS = 0;
  let deflateCpuS = 0;
  let tarBytes = 0;
  for (const path of debPaths) {
    const { name, bytes } = await dataMemberBytes(path);
    let tar;
    if (name.endsWith('.xz')) {
      const decoded = xzDecode(bytes);
      xzCpuS += decoded.cpuS;
      tar = decoded.tar;
    } else if (name.endsWith('.gz')) tar = gunzipSync(bytes);
    else if (name.endsWith('.zst')) tar = zstdDecompressSync(bytes);
    else tar = bytes;
    tarBytes += tar.length;
    deflateCpuS += deflateCpu(tar);
  }
  return {
    debs: debPaths.length,
    tarMiB: +(tarBytes / 1048576).toFixed(1),
    xzCpuS: +xzCpuS.toFixed(2),
    deflateCpuS: +deflateCpuS.toFixed(2),
    cores,
    floorS: +((xzCpuS + deflateCpuS) / cores).toFixed(2),
  };
}

/** Median wall time of 5 runs of `node args…`: the part of every command's time that is Node starting. */
export function startupFloor(cli) {
  const median = (args) => {
    const walls = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
      walls.push((performance.now() - t0) / 1000);
    }
    return +walls.sort((a, b) => a - b)[2].toFixed(3);
  };
  return { nodeS: median(['-e', '0']), cliVersionS: median([cli, '--version']) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const debs = process.argv.slice(2);
  if (debs.length === 0) {
    console.error('usage: node bench/floor.mjs DEB...');
    process.exit(2);
  }
  const cli = join(new URL('..', import.meta.url).pathname, 'bin/distroless-action.js');
  console.log(JSON.stringify({ bench: 'floor', native: await nativeFloor(debs), startup: startupFloor(cli) }, null, 2));
}
