import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { backoffCeilingMs, backoffDelayMs } from "./backoff.js";
import { seededRandom } from "./testing-random.js";

describe("backoff with full jitter", () => {
  it("stays within [0, min(cap, base · 2^(attempts − 1))], in whole ms, for any attempts, base and cap", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 3_600_000 }),
        fc.integer({ min: 0, max: 86_400_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempts, base, extra, r) => {
          const cap = base + extra;
          const ceiling = Math.min(cap, base * 2 ** (attempts - 1));
          const delay = backoffDelayMs(attempts, base, cap, () => r);
          assert.ok(Number.isSafeInteger(delay));
          assert.ok(delay >= 0 && delay <= ceiling, `${delay} not in [0, ${ceiling}]`);
        },
      ),
    );
  });

  it("doubles its window each attempt until the cap, and never beyond", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((a) => backoffCeilingMs(a, 500, 20_000)),
      [500, 1000, 2000, 4000, 8000, 16_000, 20_000, 20_000],
    );
    assert.equal(backoffCeilingMs(5000, 500, 300_000), 300_000, "no overflow past the cap");
    assert.equal(
      backoffDelayMs(3, 100, 1000, () => 0),
      0,
      "full jitter may retry at once",
    );
    assert.equal(
      backoffDelayMs(3, 100, 1000, () => 0.999_999_9),
      400,
      "and at most the window",
    );
  });

  it("spreads retries evenly over the window (full jitter, not equal or decorrelated)", () => {
    const random = seededRandom(20_260_101);
    const ceiling = backoffCeilingMs(5, 100, 100_000); // 1600 ms
    const buckets = new Array<number>(10).fill(0);
    const n = 20_000;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const d = backoffDelayMs(5, 100, 100_000, random);
      sum += d;
      const b = Math.min(9, Math.floor((d / (ceiling + 1)) * 10));
      buckets[b] = (buckets[b] ?? 0) + 1;
    }
    assert.ok(Math.abs(sum / n - ceiling / 2) < ceiling * 0.02, `mean ${sum / n} is about half the window`);
    // Chi-square over 10 equal buckets, 9 degrees of freedom: 27.9 is the 0.1% critical value.
    const chi = buckets.reduce((acc, b) => acc + (b - n / 10) ** 2 / (n / 10), 0);
    assert.ok(chi < 27.9, `uniform over the window (chi-square ${chi.toFixed(1)}, buckets ${buckets.join(" ")})`);
  });
});
