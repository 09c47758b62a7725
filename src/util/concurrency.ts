/**
 * Maps `items` with at most `limit` calls in flight; results keep the input order. After the first failure no
 * new call starts, the running ones are waited for (so nothing keeps writing after the caller has moved on),
 * and then the first error is thrown.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}

/**
 * Promise.all that waits for every promise before it fails, then throws the first failure in input order: the
 * work still running when one part fails (a download writing into a cache, an `xz` process) finishes before the
 * caller moves on, so nothing keeps writing into a directory the caller is about to remove.
 */
export async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/**
 * Runs at most `limit` of the functions handed to it at once; the others wait their turn: the highest
 * `priority` first (default 0), then in the order they came.
 */
export function limiter(limit: number): <R>(fn: () => Promise<R>, priority?: number) => Promise<R> {
  let active = 0;
  const waiting: Array<{ priority: number; wake: () => void }> = [];
  return async <R>(fn: () => Promise<R>, priority = 0): Promise<R> => {
    // A finishing call hands its slot straight to the next waiter (the count stays), so no newcomer can slip
    // in between the release and the waiter waking up.
    if (active < limit) active++;
    else {
      await new Promise<void>((wake) => {
        // Kept sorted: highest priority first, arrival order within one priority (the queue is short).
        let at = waiting.length;
        while (at > 0 && (waiting[at - 1] as { priority: number }).priority < priority) at--;
        waiting.splice(at, 0, { priority, wake });
      });
    }
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next.wake();
      else active--;
    }
  };
}
