/**
 * The wait before the next try after `attempts` failed tries (≥ 1): exponential backoff with full
 * jitter, sleep = random(0, min(cap, base · 2^(attempts − 1))), in whole ms. Full jitter spreads
 * the retries of many messages that failed together (a peer that went down) over the whole
 * window instead of sending them back in a burst, at the price of a retry that may come at once
 * (Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
 */
export function backoffDelayMs(attempts: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * (backoffCeilingMs(attempts, baseMs, capMs) + 1));
}

/** The largest wait after `attempts` failed tries: min(cap, base · 2^(attempts − 1)). */
export function backoffCeilingMs(attempts: number, baseMs: number, capMs: number): number {
  // 2 ** 1100 is Infinity, and min() brings it back to the cap.
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
}
