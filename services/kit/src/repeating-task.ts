// A job that runs again and again in the background (a follow-up, a check, a feed pull): one run at
// a time, the next after `intervalMs`, or at once when the run says there is more; a failed run is
// reported and the job goes on; close() stops it and waits for the run under way.

export interface RepeatingTask {
  close(): Promise<void>;
}

export function startRepeatingTask(
  /** One run; resolves true when there is more to do at once. */
  run: () => Promise<boolean>,
  intervalMs: number,
  onError: (e: unknown) => void,
): RepeatingTask {
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    if (closed) return;
    running = run()
      .catch((e: unknown) => {
        onError(e);
        return false;
      })
      .then((more) => {
        if (!closed) timer = setTimeout(tick, more ? 0 : intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);
  return {
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}

/** `work` over `items`, at most `concurrency` at once; resolves when all are done (rejects on the first failure). */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i] as T, i);
    }),
  );
}
