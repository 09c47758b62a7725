/**
 * A full garbage collection, for the moments a command knows it has just dropped a large structure (one arch's
 * parsed indices in `update`: docs/architecture.md, "update in bounded memory"). V8 otherwise lets such garbage
 * pile up to a limit set by the machine's memory (hundreds of MiB here) before it collects. The collector is
 * reached the way jest's leak detector reaches it: `--expose-gc` turned on for a moment, `gc` taken from a
 * fresh context, the flag turned off again. A full collection of ~70 MiB live costs tens of milliseconds.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collector: (() => void) | undefined;

export function collectGarbage(): void {
  if (collector === undefined) {
    setFlagsFromString('--expose-gc');
    collector = runInNewContext('gc') as () => void;
    setFlagsFromString('--no-expose-gc');
  }
  collector();
}

let lean = false;

/**
 * Tells V8 to grow its heap slowly from here on: the young generation keeps the size it has now (call this
 * early) and the old generation may grow to 1.25× its live size before the next full collection. V8's
 * defaults size both for the machine's memory (a young generation of up to ~100 MiB on a 16–24 GiB runner, the
 * old one allowed 3–4× its live size), which suits a long-lived server, not a command that streams ~700 MB of
 * index text through a live set of ~40 MiB. Both flags are read by V8 each time it sizes a space, so setting
 * them at run time takes effect. Measured (cold `update` of both distros × 11 archs, indices cached, quiet
 * 2-core machine): peak RSS 767 MiB before this work; with streaming and compact records ~205–250 MiB; with
 * these flags 194–202 MiB, ~1 s slower of ~20 s than growing by half.
 */
export function leanHeap(): void {
  if (lean) return;
  lean = true;
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=25');
}

/**
 * For commands that build layers (build, publish, build-shard): lets V8's old generation grow to 4× its live
 * size before the next full collection. A build keeps a live heap of ~13 MiB while hundreds of MiB of tar pass
 * through streams; V8's default limit leaves less headroom than its young generation grows to, and from then on
 * it starts a new marking cycle every ~150 ms (42 full collections in a java17 build, ~1.5 CPU-s of marking on
 * 2 cores). With this, 16 collections and ~1.5 s less CPU for ~25 MiB more RSS (docs/architecture.md, "Where the
 * time goes"). Read by V8 each time it sizes the heap, so setting it at run time takes effect. Not for `update`
 * (`leanHeap`), whose live set is large and whose target is memory.
 */
export function roomyHeap(): void {
  if (lean) return;
  setFlagsFromString('--heap-growing-percent=300');
}
