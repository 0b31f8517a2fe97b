import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isCertsError } from "../error.js";
import {
  bool,
  children,
  encodeDer,
  explicit,
  implicitPrimitive,
  integer,
  integerFromBytes,
  namedBits,
  octets,
  oid,
  parseDer,
  readBitStringBytes,
  readBool,
  readExplicit,
  readImplicitBytes,
  readInteger,
  readNamedBits,
  readOid,
  readSmallInteger,
  readString,
  readUnsignedIntegerBytes,
  seq,
} from "./der.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const fromHex = (h: string) => parseDer(new Uint8Array(Buffer.from(h, "hex")));
const malformed = (pattern: RegExp) => (e: unknown) => {
  assert.ok(isCertsError(e, "malformed"), `expected CertsError malformed, got ${String(e)}`);
  assert.match(e.message, pattern);
  return true;
};

describe("DER readers refuse what is almost right", () => {
  it("BOOLEAN: FF and 00 only", () => {
    assert.equal(readBool(bool(true), "b"), true);
    assert.equal(readBool(bool(false), "b"), false);
    assert.equal(hex(encodeDer(bool(false))), "010100");
    // BER allows any non-zero octet for TRUE; DER does not.
    assert.throws(() => readBool(fromHex("010101"), "flag"), malformed(/^flag: expected a DER BOOLEAN$/));
    assert.throws(() => readBool(fromHex("0500"), "flag"), malformed(/BOOLEAN/));
  });

  it("INTEGER: non-empty, non-negative, minimal", () => {
    assert.equal(readInteger(fromHex("020100"), "i"), 0n);
    assert.equal(readInteger(fromHex("02020080"), "i"), 0x80n);
    assert.equal(
      hex(readUnsignedIntegerBytes(fromHex("02020080"), "i")),
      "80",
      "the pad byte is not part of the value",
    );
    assert.equal(hex(readUnsignedIntegerBytes(fromHex("020100"), "i")), "00");
    assert.throws(() => readInteger(fromHex("0200"), "serial"), malformed(/^serial: expected a non-empty INTEGER$/));
    assert.throws(() => readInteger(fromHex("0201ff"), "serial"), malformed(/non-negative/));
    assert.throws(() => readInteger(fromHex("02020001"), "serial"), malformed(/minimally encoded/));
    assert.throws(() => readInteger(fromHex("0203000080"), "serial"), malformed(/minimally encoded/));
    assert.throws(() => readInteger(fromHex("0401ff"), "serial"), malformed(/expected INTEGER/));
  });

  it("INTEGER: readSmallInteger stops at Number.MAX_SAFE_INTEGER", () => {
    assert.equal(readSmallInteger(integer(Number.MAX_SAFE_INTEGER), "n"), Number.MAX_SAFE_INTEGER);
    assert.throws(() => readSmallInteger(integer(2n ** 53n), "n"), malformed(/small INTEGER/));
  });

  it("OBJECT IDENTIFIER: one spelling per OID", () => {
    assert.equal(readOid(oid("1.2.156.10197.1.301"), "o"), "1.2.156.10197.1.301");
    assert.equal(readOid(fromHex("0603551d13"), "o"), "2.5.29.19");
    assert.throws(() => readOid(fromHex("0600"), "alg"), malformed(/^alg: expected a DER OBJECT IDENTIFIER$/));
    // 2.5.29.19 (basicConstraints) with an unfinished subidentifier after it: node-forge alone
    // would read it as basicConstraints.
    assert.throws(() => readOid(fromHex("0604551d1380"), "ext"), malformed(/DER OBJECT IDENTIFIER/));
    // 2.5.29.19 with its last arc padded by a leading 0x80.
    assert.throws(() => readOid(fromHex("0604551d8013"), "ext"), malformed(/DER OBJECT IDENTIFIER/));
    assert.throws(() => readOid(fromHex("06028001"), "ext"), malformed(/DER OBJECT IDENTIFIER/));
    // Well-formed, but an arc beyond 53 bits: refused, not rounded.
    assert.throws(() => readOid(fromHex("060a2affffffffffffffff7f"), "ext"), malformed(/bad OBJECT IDENTIFIER/));
    assert.throws(() => readOid(octets(Uint8Array.of(0x2a)), "ext"), malformed(/expected OBJECT IDENTIFIER/));
  });

  it("OBJECT IDENTIFIER: every dotted OID round-trips through its DER", () => {
    // node-forge's encoder works on 32-bit arcs; every OID of the profile is far below.
    const arc = fc.integer({ min: 0, max: 2 ** 31 - 1 });
    const dotted = fc
      .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(arc, { maxLength: 6 }))
      .map(([a, b, rest]) => [a, b, ...rest].join("."));
    fc.assert(
      fc.property(dotted, (text) => {
        assert.equal(readOid(parseDer(encodeDer(oid(text))), "o"), text);
      }),
    );
  });

  it("BIT STRING of whole bytes: no unused bits, at least the count octet", () => {
    assert.equal(hex(readBitStringBytes(fromHex("030300abcd"), "key")), "abcd");
    assert.throws(() => readBitStringBytes(fromHex("0300"), "key"), malformed(/whole bytes/));
    assert.throws(() => readBitStringBytes(fromHex("030204f0"), "key"), malformed(/whole bytes/));
  });

  it("named bits: DER-minimal encoding, and readNamedBits inverts it", () => {
    assert.equal(hex(encodeDer(namedBits([]))), "030100");
    assert.equal(hex(encodeDer(namedBits([0]))), "03020780");
    assert.equal(hex(encodeDer(namedBits([5, 6]))), "03020106"); // keyCertSign, cRLSign
    assert.equal(hex(encodeDer(namedBits([0, 8]))), "0303078080");
    assert.deepEqual(readNamedBits(namedBits([]), "ku"), []);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 12 }), (bits) => {
        const sorted = [...bits].sort((a, b) => a - b);
        assert.deepEqual(readNamedBits(parseDer(encodeDer(namedBits(bits))), "ku"), sorted);
      }),
    );
  });

  it("named bits: a bit in the unused tail is not a named bit; impossible counts are refused", () => {
    // One byte, 1 unused bit, and that unused bit set.
    assert.deepEqual(readNamedBits(fromHex("030201ff"), "ku"), [0, 1, 2, 3, 4, 5, 6]);
    assert.throws(() => readNamedBits(fromHex("030108"), "ku"), malformed(/valid BIT STRING/));
    assert.throws(() => readNamedBits(fromHex("030208ff"), "ku"), malformed(/valid BIT STRING/));
    assert.throws(() => readNamedBits(fromHex("0300"), "ku"), malformed(/valid BIT STRING/));
  });

  it("integer(): non-negative only; integerFromBytes(): minimal, zero for no bytes", () => {
    assert.throws(
      () => integer(-1),
      (e: unknown) => isCertsError(e, "invalid-argument"),
    );
    assert.equal(hex(encodeDer(integer(0x80))), "02020080");
    assert.equal(hex(encodeDer(integerFromBytes(new Uint8Array(0)))), "020100");
    assert.equal(hex(encodeDer(integerFromBytes(Uint8Array.of(0, 0, 0x7f)))), "02017f");
    assert.equal(hex(encodeDer(integerFromBytes(Uint8Array.of(0, 0xff)))), "020200ff");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const value = BigInt(`0x${hex(bytes) || "0"}`);
        assert.equal(readInteger(parseDer(encodeDer(integerFromBytes(bytes))), "i"), value);
      }),
    );
  });

  it("structure readers name what they expected", () => {
    assert.throws(
      () => children(octets(Uint8Array.of(1)), "attrs"),
      malformed(/^attrs: expected a constructed value$/),
    );
    assert.throws(() => children(undefined, "attrs"), malformed(/constructed/));
    assert.deepEqual(children(seq(), "attrs"), []);
    assert.throws(() => readExplicit(explicit(1, bool(true)), 0, "version"), malformed(/\[0\] EXPLICIT/));
    assert.throws(() => readExplicit(implicitPrimitive(0, "x"), 0, "version"), malformed(/\[0\] EXPLICIT/));
    assert.throws(() => readExplicit(fromHex("a000"), 0, "version"), malformed(/exactly one value inside \[0\]/));
    assert.throws(() => readExplicit(fromHex("a006020102020103"), 0, "version"), malformed(/exactly one value/));
    assert.equal(readInteger(readExplicit(fromHex("a003020102"), 0, "version"), "version"), 2n);
    assert.throws(() => readImplicitBytes(explicit(0, bool(true)), 0, "keyid"), malformed(/\[0\] IMPLICIT/));
    assert.throws(() => readImplicitBytes(implicitPrimitive(1, "x"), 0, "keyid"), malformed(/\[0\] IMPLICIT/));
    assert.equal(hex(readImplicitBytes(implicitPrimitive(0, Uint8Array.of(1, 2)), 0, "keyid")), "0102");
    assert.throws(() => readString(fromHex("0c02c328"), "cn"), malformed(/bad UTF-8/));
    assert.equal(readString(fromHex("1202 3132".replace(" ", "")), "n"), "12", "NumericString");
  });
});
