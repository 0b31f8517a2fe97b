import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pooledRandomBytes, pooledRandomHex } from "./random-pool.js";

describe("random pool", () => {
  it("hands out values that never repeat and are not changed by later refills", () => {
    const first = pooledRandomBytes(16);
    const copy = Buffer.from(first);
    const seen = new Set<string>([copy.toString("hex")]);
    for (let i = 0; i < 2000; i++) {
      // 2000 × 24 bytes is about twelve refills of the 4 KiB pool.
      const b = Buffer.from(pooledRandomBytes(16)).toString("hex");
      const h = pooledRandomHex(8);
      assert.match(h, /^[0-9a-f]{16}$/);
      assert.equal(seen.has(b), false);
      seen.add(b);
    }
    assert.deepEqual(Buffer.from(first), copy);
  });

  it("refuses sizes it was not made for", () => {
    assert.throws(() => pooledRandomBytes(257), RangeError);
    assert.throws(() => pooledRandomHex(-1), RangeError);
    assert.throws(() => pooledRandomBytes(1.5), RangeError);
  });
});
