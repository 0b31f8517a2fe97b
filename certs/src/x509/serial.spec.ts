import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isCertsError } from "../error.js";
import { checkSerial, normalizeSerialHex, randomSerial, serialFromHex, serialToHex } from "./serial.js";

const invalidArgument = (e: unknown) => isCertsError(e, "invalid-argument");

describe("serial numbers", () => {
  it("have one hex form: lowercase, whole bytes, no leading zero bytes, zero as 00", () => {
    assert.equal(serialToHex(new Uint8Array(0)), "00");
    assert.equal(serialToHex(Uint8Array.of(0, 0)), "00");
    assert.equal(serialToHex(Uint8Array.of(0, 0, 5)), "05");
    assert.equal(serialToHex(Uint8Array.of(0x8f, 1)), "8f01");
    for (const text of ["0x00:0A:BC", "abc", "0abc", " 0ABC ", "000abc"])
      assert.equal(normalizeSerialHex(text), "0abc");
    for (const text of ["", "0x", "xyz", "12 34", "-1"]) assert.throws(() => normalizeSerialHex(text), invalidArgument);
  });

  it("a certificate serial and a CRL entry for it always meet, however the CRL input spelled it", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.nat(3), (bytes, zeros) => {
        const hex = serialToHex(bytes);
        const spelled = `0x${"00".repeat(zeros)}${hex.toUpperCase()}`;
        assert.equal(normalizeSerialHex(spelled), hex);
        assert.equal(serialToHex(serialFromHex(spelled)), hex);
      }),
    );
  });

  it("checkSerial: positive and at most 20 octets, counting the pad before a top bit", () => {
    assert.throws(() => checkSerial(Uint8Array.of(0, 0)), invalidArgument);
    assert.deepEqual(checkSerial(Uint8Array.of(0, 1)), Uint8Array.of(1));
    assert.equal(checkSerial(new Uint8Array(20).fill(0x7f)).length, 20);
    assert.throws(() => checkSerial(new Uint8Array(20).fill(0x80)), invalidArgument);
    assert.throws(() => checkSerial(new Uint8Array(21).fill(1)), invalidArgument);
  });

  it("randomSerial: 16 bytes, top bit clear, never zero, and different each time", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const serial = randomSerial();
      assert.equal(serial.length, 16);
      assert.equal((serial[0] ?? 0xff) & 0x80, 0);
      assert.ok(checkSerial(serial).length <= 16);
      seen.add(serialToHex(serial));
    }
    assert.equal(seen.size, 200);
  });
});
