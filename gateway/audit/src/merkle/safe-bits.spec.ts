import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { bitLength, isOdd, isSize, popCount, shiftLeft, shiftRight, trailingZeros, xor } from "./safe-bits.js";

// Checked against BigInt, which has no 32-bit truncation, over the whole safe range.
const safe = fc.oneof(
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: 0, max: 2 ** 33 }),
  fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER),
);

describe("safe-integer bit maths", () => {
  it("agrees with BigInt beyond 32 bits (property)", () => {
    fc.assert(
      fc.property(safe, safe, fc.integer({ min: 0, max: 53 }), (a, b, k) => {
        const A = BigInt(a);
        assert.equal(xor(a, b), Number(A ^ BigInt(b)));
        assert.equal(shiftRight(a, k), Number(A >> BigInt(k)));
        assert.equal(bitLength(a), a === 0 ? 0 : A.toString(2).length);
        assert.equal(popCount(a), A.toString(2).replaceAll("0", "").length);
        assert.equal(isOdd(a), (A & 1n) === 1n);
        if (a > 0) assert.equal(trailingZeros(a), A.toString(2).length - A.toString(2).replace(/0+$/, "").length);
        const shifted = A << BigInt(k);
        if (shifted <= BigInt(Number.MAX_SAFE_INTEGER)) assert.equal(shiftLeft(a, k), Number(shifted));
      }),
      { numRuns: 1000 },
    );
  });

  it("isSize accepts exactly the non-negative safe integers", () => {
    for (const ok of [0, 1, 2 ** 40, Number.MAX_SAFE_INTEGER]) assert.equal(isSize(ok), true, String(ok));
    for (const bad of [-1, 0.5, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, -0.1]) {
      assert.equal(isSize(bad), false, String(bad));
    }
  });
});
