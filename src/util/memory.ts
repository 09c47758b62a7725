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
 * Tells V8 to grow its heap slowly from here on: the young generation keeps its starting size and the old
 * generation grows by half its live size after each full collection. V8's defaults size both for the
 * machine's memory (a young generation of ~100 MiB on a 16–24 GiB runner, the old one allowed to reach 3–4×
 * its live size), which suits a long-lived server, not a command that streams ~700 MB of index text through a
 * live set of ~40 MiB. Both flags are read by V8 each time it sizes a space, so setting them at run time
 * takes effect (measured in `npm run bench`: the cold update's peak RSS).
 */
export function leanHeap(): void {
  if (lean) return;
  lean = true;
  setFlagsFromString('--semi-space-growth-factor=1');
  setFlagsFromString('--heap-growing-percent=50');
}
