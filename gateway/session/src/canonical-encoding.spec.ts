import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  decodeFields,
  encodeFields,
  encodeMessage,
  fromUtf8,
  readU64be,
  u8,
  u32be,
  u64be,
} from "./canonical-encoding.js";
import { isSessionError, type SessionErrorCode } from "./session-error.js";

const fails = (code: SessionErrorCode, message: RegExp) => (e: unknown) => {
  assert.ok(isSessionError(e, code), `expected SessionError ${code}, got ${String(e)}`);
  assert.match(e.message, message);
  return true;
};
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex.replace(/ /g, ""), "hex"));

function viaBigInt(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

describe("u8", () => {
  it("encodes one byte and refuses anything else", () => {
    assert.deepEqual(u8(0), Uint8Array.of(0));
    assert.deepEqual(u8(255), Uint8Array.of(255));
    for (const n of [-1, 256, 1.5, Number.NaN]) assert.throws(() => u8(n), RangeError, String(n));
  });
});

describe("u32be", () => {
  it("encodes big-endian and refuses what it would wrap", () => {
    assert.equal(Buffer.from(u32be(0x01020304)).toString("hex"), "01020304");
    assert.equal(Buffer.from(u32be(0xffff_ffff)).toString("hex"), "ffffffff");
    for (const n of [-1, 2 ** 32, 1.5, Number.NaN]) assert.throws(() => u32be(n), RangeError, String(n));
  });
});

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

describe("readU64be", () => {
  it("refuses other lengths and values past Number.MAX_SAFE_INTEGER, with the caller's code", () => {
    for (const n of [0, 7, 9]) {
      assert.throws(() => readU64be(new Uint8Array(n), "bad-ticket"), fails("bad-ticket", /8-byte integer/));
    }
    assert.throws(() => readU64be(bytes("0020000000000000")), fails("malformed", /out of range/));
    assert.equal(readU64be(bytes("001fffffffffffff")), Number.MAX_SAFE_INTEGER);
  });
});

describe("decodeFields", () => {
  it("inverts encodeFields for any fields", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 6 }), (fields) => {
        assert.deepEqual(decodeFields(encodeFields(fields), fields.length), fields);
      }),
    );
  });

  it("gives each byte string at most one decoding: truncation, overrun, extra or missing fields", () => {
    const two = encodeFields([bytes("aa"), bytes("bbbb")]); // 00000001 aa 00000002 bbbb
    assert.throws(
      () => decodeFields(two.subarray(0, 7), 2, "bad-cookie"),
      fails("bad-cookie", /truncated field length/),
    );
    assert.throws(() => decodeFields(two.subarray(0, 10), 2), fails("malformed", /runs past the end/));
    assert.throws(() => decodeFields(bytes("ffffffff00"), 1), fails("malformed", /runs past the end/));
    assert.throws(() => decodeFields(two, 3), fails("malformed", /expected 3 fields, found 2/));
    assert.throws(() => decodeFields(two, 1), fails("malformed", /expected 1 fields, found 2/));
    assert.deepEqual(decodeFields(new Uint8Array(0), 0), []);
    // A message frame is not a field list.
    assert.throws(
      () => decodeFields(encodeMessage(1, [bytes("aa")]), 1),
      (e) => isSessionError(e, "malformed"),
    );
  });
});

describe("fromUtf8", () => {
  it("is strict: an invalid sequence is an error, never U+FFFD", () => {
    assert.equal(fromUtf8(bytes("e5 9b 9b e5 b7 9d")), "四川");
    for (const bad of ["ff", "c3", "e5 9b", "ed a0 80", "c0 af"]) {
      assert.throws(() => fromUtf8(bytes(bad), "bad-ticket"), fails("bad-ticket", /invalid UTF-8/), bad);
    }
  });
});
