import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { sha256 } from "./sha256.js";

describe("sha256 (the signed-note key id's hash)", () => {
  it("agrees with node:crypto on every length across the padding boundaries and beyond", () => {
    for (const n of [...Array.from({ length: 140 }, (_, i) => i), 1000, 4096, 65_537]) {
      const data = randomBytes(n);
      assert.deepEqual(sha256(data), new Uint8Array(createHash("sha256").update(data).digest()), `length ${n}`);
    }
  });

  it("gives FIPS 180-4's value for 'abc'", () => {
    assert.equal(
      Buffer.from(sha256(new TextEncoder().encode("abc"))).toString("hex"),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});
