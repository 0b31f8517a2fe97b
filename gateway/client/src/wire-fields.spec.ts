import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readWireString, scanWireFields } from "./wire-fields.js";

const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));

describe("wire fields", () => {
  it("takes a message apart into its occurrences, every wire type the contract uses", () => {
    // 1: varint 150 (2 bytes), 2: 64-bit, 3: "ab", 4: 32-bit
    const bytes = hex("08 9601  11 0102030405060708  1a 02 6162  25 01020304");
    assert.deepEqual(
      scanWireFields(bytes).map((o) => [o.number, o.wireType, o.start, o.end, o.payloadStart]),
      [
        [1, 0, 0, 3, 1],
        [2, 1, 3, 12, 4],
        [3, 2, 12, 16, 14],
        [4, 5, 16, 21, 17],
      ],
    );
    // A negative int32 (ten bytes): skipped like any varint.
    assert.deepEqual(
      scanWireFields(hex("08 ffffffffffffffffff01 12 00")).map((o) => [o.number, o.end]),
      [
        [1, 11],
        [2, 13],
      ],
    );
    // A field number that needs a two-byte tag.
    assert.deepEqual(
      scanWireFields(hex("a206 00")).map((o) => o.number),
      [100],
    );
  });

  it("refuses bytes that are not well-formed protobuf", () => {
    const hugeLength = "0a ffffffffffffffff7f";
    for (const bad of [
      "0a 05 6162",
      "08",
      "08 ff",
      "0b",
      "00 00",
      "09 0102",
      "08 ffffffffffffffffffff01",
      hugeLength,
    ]) {
      assert.throws(() => scanWireFields(hex(bad)), RangeError, bad);
    }
  });

  it("reads a string as a parser would: the last occurrence, sub-messages merged, a oneof's last member", () => {
    // outer.2 { 1: "x" } outer.2 { 1: "y" } -> "y"; outer.2 { 3: "z" } merged in too.
    const inner = (n: number, s: string) => [0x08 * n + 2, s.length, ...Buffer.from(s)];
    const outer = (payload: number[]) => [0x12, payload.length, ...payload];
    const bytes = Uint8Array.from([...outer(inner(1, "x")), ...outer(inner(1, "y")), ...outer(inner(3, "z"))]);
    assert.equal(readWireString(bytes, [{ number: 2 }, { number: 1 }]), "y");
    assert.equal(readWireString(bytes, [{ number: 2 }, { number: 3 }]), "z");
    assert.equal(readWireString(bytes, [{ number: 2 }, { number: 4 }]), undefined);
    assert.equal(readWireString(bytes, [{ number: 5 }, { number: 1 }]), undefined);
    // Member 1 of the oneof {1, 3}, then member 3 set after it: member 1 no longer counts.
    assert.equal(readWireString(bytes, [{ number: 2 }, { number: 1, oneof: [1, 3] }]), undefined);
    assert.equal(readWireString(Uint8Array.from(inner(1, "x")), [{ number: 1, oneof: [1, 3] }]), "x");
    assert.equal(readWireString(bytes, []), undefined);
  });
});
