// The holes in a province's sequence the library asks for: examples, then a property that the
// missing ranges and the numbers present partition (applied, head] exactly.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { missingRanges, rangeParts, type SeqRange, uncovered } from "./sequence-gaps.js";

const r = (from: number, to: number): SeqRange => ({ from: BigInt(from), to: BigInt(to) });
const missing = (applied: number, present: readonly number[], head: number) =>
  missingRanges(BigInt(applied), present.map(BigInt), BigInt(head));

describe("missingRanges", () => {
  it("finds nothing when everything up to the head is there, or the head is not beyond what is applied", () => {
    assert.deepEqual(missing(5, [], 5), []);
    assert.deepEqual(missing(5, [6, 7, 8], 8), []);
    assert.deepEqual(missing(5, [8, 6, 7], 8), [], "in any order");
    assert.deepEqual(missing(5, [], 3), [], "a head behind the applied sequence");
    assert.deepEqual(missing(0, [], 0), []);
  });

  it("finds a hole in the middle, and several, sorted", () => {
    assert.deepEqual(missing(0, [1, 2, 5, 6], 6), [r(3, 4)]);
    assert.deepEqual(missing(10, [14, 12, 19], 19), [r(11, 11), r(13, 13), r(15, 18)]);
    assert.deepEqual(missing(0, [3], 3), [r(1, 2)], "a hole right after the applied sequence");
  });

  it("finds a trailing hole up to a head the province reported", () => {
    assert.deepEqual(missing(4, [], 9), [r(5, 9)]);
    assert.deepEqual(missing(4, [6], 9), [r(5, 5), r(7, 9)]);
  });

  it("ignores numbers present at or below the applied sequence, or beyond the head", () => {
    assert.deepEqual(missing(5, [1, 5, 7], 8), [r(6, 6), r(8, 8)]);
    assert.deepEqual(missing(5, [7, 12], 8), [r(6, 6), r(8, 8)]);
  });

  it("counts a number present twice once", () => {
    assert.deepEqual(missing(0, [2, 2, 4, 2, 4], 5), [r(1, 1), r(3, 3), r(5, 5)]);
  });

  it("works beyond 2^53", () => {
    const big = 2n ** 60n;
    assert.deepEqual(missingRanges(big, [big + 2n], big + 3n), [
      { from: big + 1n, to: big + 1n },
      { from: big + 3n, to: big + 3n },
    ]);
  });
});

describe("uncovered", () => {
  it("is the range less every covered part, in order", () => {
    assert.deepEqual(uncovered(r(3, 9), []), [r(3, 9)]);
    assert.deepEqual(uncovered(r(3, 9), [r(3, 9)]), []);
    assert.deepEqual(uncovered(r(3, 9), [r(1, 20)]), []);
    assert.deepEqual(uncovered(r(3, 9), [r(5, 6)]), [r(3, 4), r(7, 9)]);
    assert.deepEqual(uncovered(r(6, 15), [r(6, 10)]), [r(11, 15)]);
    assert.deepEqual(uncovered(r(3, 9), [r(1, 3), r(9, 12)]), [r(4, 8)]);
    assert.deepEqual(uncovered(r(3, 9), [r(10, 12)]), [r(3, 9)]);
  });
});

describe("missingRanges over random sequences", () => {
  it("partitions (applied, head] into the missing ranges and the numbers present, ranges sorted and disjoint", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 1n << 50n }),
        fc.integer({ min: -3, max: 60 }),
        fc.array(fc.integer({ min: -5, max: 70 }), { maxLength: 80 }),
        (applied, span, offsets) => {
          const head = applied + BigInt(span);
          const present = offsets.map((o) => applied + BigInt(o)).filter((s) => s >= 0n);
          const ranges = missingRanges(applied, present, head);
          for (const [i, g] of ranges.entries()) {
            assert.ok(g.from <= g.to, "a range is not empty");
            assert.ok(g.from > applied && g.to <= head, "a range lies in (applied, head]");
            const next = ranges[i + 1];
            // Sorted, disjoint, and not adjacent (two holes have a number present between them).
            if (next !== undefined) assert.ok(g.to + 1n < next.from, "sorted and apart");
          }
          const inRange = new Set(present.filter((s) => s > applied && s <= head));
          const gapCount = ranges.reduce((n, g) => n + Number(g.to - g.from + 1n), 0);
          assert.equal(gapCount + inRange.size, Math.max(0, Number(head - applied)), "the sizes add up");
          for (let s = applied + 1n; s <= head; s++) {
            const inGap = ranges.some((g) => g.from <= s && s <= g.to);
            assert.notEqual(inGap, inRange.has(s), `${s}: missing exactly when not present`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("rangeParts", () => {
  it("cuts a range into consecutive parts of at most max numbers", () => {
    assert.deepEqual(rangeParts(r(1, 5), 10n), [r(1, 5)]);
    assert.deepEqual(rangeParts(r(1, 10), 10n), [r(1, 10)]);
    assert.deepEqual(rangeParts(r(1, 25), 10n), [r(1, 10), r(11, 20), r(21, 25)]);
    assert.deepEqual(rangeParts(r(7, 7), 10_000n), [r(7, 7)]);
  });
});
