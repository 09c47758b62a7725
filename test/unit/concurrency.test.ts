import { expect, it } from '@jest/globals';
import { limiter, mapLimit, settleAll } from '../../src/util/concurrency.js';

it('keeps order, respects the limit, and after a failure starts nothing new but waits for running calls', async () => {
  let running = 0;
  let peak = 0;
  const out = await mapLimit([5, 1, 3, 2], 2, async (n) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, n));
    running--;
    return n * 10;
  });
  expect(out).toEqual([50, 10, 30, 20]);
  expect(peak).toBe(2);

  const started: number[] = [];
  const finished: number[] = [];
  const run = mapLimit([0, 1, 2, 3, 4], 2, async (i) => {
    started.push(i);
    if (i === 0) throw new Error('first');
    await new Promise((r) => setTimeout(r, 20));
    finished.push(i);
    return i;
  });
  await expect(run).rejects.toThrow('first');
  expect(started).toEqual([0, 1]);
  expect(finished).toEqual([1]); // the running call was waited for
});

it('limiter runs at most N functions at once, in order, and frees a slot when one throws', async () => {
  const slot = limiter(2);
  let running = 0;
  let peak = 0;
  const order: number[] = [];
  const task = (i: number) =>
    slot(async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (i === 1) throw new Error('boom');
      return i;
    });
  const results = await Promise.allSettled([0, 1, 2, 3, 4].map(task));
  expect(peak).toBe(2);
  expect(order).toEqual([0, 1, 2, 3, 4]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
});

it('limiter hands a free slot to the highest priority waiting, in arrival order within a priority', async () => {
  const slot = limiter(1);
  const order: string[] = [];
  let release: () => void = () => undefined;
  const first = slot(() => new Promise<void>((r) => (release = r)));
  const task = (name: string, priority?: number) =>
    slot(async () => {
      order.push(name);
    }, priority);
  const waiting = [task('small-a', 1), task('default'), task('big', 100), task('small-b', 1), task('big-2', 100)];
  await new Promise((r) => setTimeout(r, 5));
  expect(order).toEqual([]); // the slot is still held
  release();
  await Promise.all([first, ...waiting]);
  expect(order).toEqual(['big', 'big-2', 'small-a', 'small-b', 'default']);
});

it('settleAll keeps order, and on a failure waits for the rest before it throws the first failure', async () => {
  expect(
    await settleAll([Promise.resolve(1), new Promise((r) => setTimeout(() => r(2), 20)), Promise.resolve(3)]),
  ).toEqual([1, 2, 3]);
  let slowDone = false;
  const slow = new Promise<void>((resolve) =>
    setTimeout(() => {
      slowDone = true;
      resolve();
    }, 100),
  );
  const late = new Promise<void>((_, reject) => setTimeout(() => reject(new Error('second')), 10));
  const early = Promise.reject(new Error('first'));
  await expect(settleAll([slow, late, early])).rejects.toThrow('second'); // the first in input order
  expect(slowDone).toBe(true);
});
