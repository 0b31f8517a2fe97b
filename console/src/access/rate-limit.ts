import { ConsoleError } from "../errors/console-error.js";

// A token bucket per user for the calls that cost the gateways something permanent: each subject
// search appends an audit entry at every gateway searched, so a user reloading in a loop would
// otherwise grow every log. Pure but for the clock.

export interface RateLimit {
  /** Takes one token for `key`; throws too-many-attempts when none is left. */
  take(key: string): void;
}

export function createRateLimit(o: { perMinute: number; burst: number; now?: () => number }): RateLimit {
  const now = o.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = now();
      const b = buckets.get(key) ?? { tokens: o.burst, at: t };
      b.tokens = Math.min(o.burst, b.tokens + ((t - b.at) * o.perMinute) / 60_000);
      b.at = t;
      if (b.tokens < 1) {
        buckets.set(key, b);
        throw new ConsoleError("too-many-attempts", "too many searches; try again in a minute");
      }
      b.tokens -= 1;
      buckets.set(key, b);
      if (buckets.size > 10_000) buckets.delete(buckets.keys().next().value as string);
    },
  };
}
