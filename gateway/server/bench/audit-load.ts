// Load shapes for bench:audit: a closed loop of N outstanding async operations,
// and a synchronous loop, each with a warm-up that is not counted.
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { createSampleBuffer, percentile } from "./latency-stats.js";

export interface LoadResult {
  readonly ops: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Main-thread event-loop utilisation over the measured window (0..1). */
  readonly eventLoopUtilization: number;
  /** 99th percentile and max of the main thread's event-loop delay over the window (ms). */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

/**
 * Runs `op` from `concurrency` loops at once (each starts its next op when its
 * last one resolved) for warm-up + measured seconds; counts what completed in
 * the measured window only.
 */
export async function closedLoop(
  concurrency: number,
  warmupSeconds: number,
  seconds: number,
  op: (i: number) => Promise<unknown>,
): Promise<LoadResult> {
  let counting = false;
  let running = true;
  let ops = 0;
  let next = 0;
  const latencies = createSampleBuffer();
  const loop = async () => {
    while (running) {
      const t0 = performance.now();
      await op(next++);
      if (counting && running) {
        ops++;
        latencies.push(performance.now() - t0);
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  await new Promise((r) => setTimeout(r, warmupSeconds * 1000));
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  counting = true;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  delay.disable();
  running = false;
  await Promise.all(loops);
  const sorted = latencies.sorted();
  return {
    ops,
    seconds: elapsed,
    perSecond: ops / elapsed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    eventLoopUtilization: elu,
    loopDelayP99Ms: delay.percentile(99) / 1e6,
    loopDelayMaxMs: delay.max / 1e6,
  };
}

/** Calls `op` back to back on this thread for warm-up + measured seconds. */
export function syncLoop(warmupSeconds: number, seconds: number, op: (i: number) => void): LoadResult {
  let i = 0;
  const warmEnd = performance.now() + warmupSeconds * 1000;
  while (performance.now() < warmEnd) op(i++);
  const latencies = createSampleBuffer();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let ops = 0;
  for (let now = t0; now < end; ) {
    op(i++);
    const after = performance.now();
    latencies.push(after - now);
    now = after;
    ops++;
  }
  const elapsed = (performance.now() - t0) / 1000;
  const sorted = latencies.sorted();
  return {
    ops,
    seconds: elapsed,
    perSecond: ops / elapsed,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    eventLoopUtilization: 1,
    loopDelayP99Ms: Number.NaN,
    loopDelayMaxMs: Number.NaN,
  };
}
