import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { readU64be, u64be } from "./canonical-encoding.js";

function viaBigInt(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

describe("u64be", () => {
  it("encodes big-endian at the 32-bit boundary and the top of the safe range", () => {
    for (const n of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 1_763_683_200_000, Number.MAX_SAFE_INTEGER]) {
      assert.deepEqual(u64be(n), viaBigInt(n), String(n));
      assert.equal(readU64be(u64be(n)), n);
    }
    assert.equal(Buffer.from(u64be(2 ** 32)).toString("hex"), "0000000100000000");
  });

  it("agrees with BigInt's encoding for every safe integer", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        assert.deepEqual(u64be(n), viaBigInt(n));
      }),
    );
  });

  it("refuses what is not a non-negative safe integer", () => {
    for (const n of [-1, 0.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) assert.throws(() => u64be(n), RangeError);
  });
});
