// Small statistics for the benchmark, pure.

/** The p-th percentile (0..100) by nearest rank of an ascending array; NaN when it is empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? Number.NaN;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  if (s.length === 0) return Number.NaN;
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Latency samples in a growing typed array (no allocation per sample), sorted numerically once at the end. */
export function createSampleBuffer(initial = 1 << 16): {
  push(x: number): void;
  sorted(): Float64Array;
  readonly length: number;
} {
  let buf = new Float64Array(initial);
  let n = 0;
  return {
    push(x) {
      if (n === buf.length) {
        const bigger = new Float64Array(buf.length * 2);
        bigger.set(buf);
        buf = bigger;
      }
      buf[n++] = x;
    },
    sorted: () => buf.slice(0, n).sort(),
    get length() {
      return n;
    },
  };
}
