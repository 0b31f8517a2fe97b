import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { keyedSubjectDigest, unifiedSocialCreditCodeIdType } from "@hutong/certs";
import { IdType } from "@hutong/proto";
import fc from "fast-check";
import { isGrantsError } from "./grants-error.js";
import { normalizeIdNumber, subjectDigest } from "./subject-digest.js";
import { subjectDigestFromUri, subjectUri, subjectUriPrefix } from "./subject-uri.js";

const key = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("subjectDigest", () => {
  it("matches the golden vector (cross-checked with `openssl dgst -sm3 -mac HMAC`)", () => {
    // printf 'hutong/v1 subject\x00\x00\x00\x00\xc911010519491231002X' | openssl dgst -sm3 -mac HMAC -macopt hexkey:0001…1f
    assert.equal(
      hex(subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, "11010519491231002x")),
      "5bff1e6c41e5847bf8e00eeced7f11a1dc9acb810a3e942300718687d120786d",
    );
  });

  it("digests an enterprise's credit code the same way, under its own id type (vector in docs/grants.md §2)", () => {
    // printf 'hutong/v1 subject\x00\x00\x00\x7d\x6491510100MA6CGUAB32' | openssl dgst -sm3 -mac HMAC -macopt hexkey:0001…1f
    const uscc = IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE;
    assert.equal(uscc, 32100);
    const expected = "7167abf287f43acb8a08f21e8306796c7c71f6fcb7d0ae6f63ddb9b8680eaa43";
    assert.equal(hex(subjectDigest(key, uscc, "91510100MA6CGUAB32")), expected);
    assert.equal(hex(subjectDigest(key, uscc, " 91510100ma6cguab32 ")), expected);
    // The same characters as a person's document number give another digest.
    assert.notEqual(hex(subjectDigest(key, IdType.ID_TYPE_OTHER, "91510100MA6CGUAB32")), expected);
  });

  it("is the one implementation in @hutong/certs, whose enterprise id type is the contract's", () => {
    assert.equal(unifiedSocialCreditCodeIdType, IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE);
    for (const [type, id] of [
      [IdType.ID_TYPE_RESIDENT_ID_CARD, "11010519491231002x"],
      [IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE, "91510100MA6CGUAB32"],
    ] as const) {
      assert.deepEqual(subjectDigest(key, type, id), keyedSubjectDigest(key, type, id));
    }
    assert.equal(subjectUriPrefix, "urn:hutong:subject:");
  });

  it("is HMAC-SM3 over label, id type (uint32 BE) and the normalized number", () => {
    const type = Buffer.alloc(4);
    type.writeUInt32BE(227);
    const expected = createHmac("sm3", key)
      .update(Buffer.concat([Buffer.from("hutong/v1 subject\0"), type, Buffer.from("E12345678")]))
      .digest("hex");
    assert.equal(hex(subjectDigest(key, IdType.ID_TYPE_PRC_PASSPORT, " e1234 5678 ")), expected);
  });

  it("normalizes spaces and case: one person, one digest", () => {
    const canonical = hex(subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, "11010519491231002X"));
    for (const variant of [
      "11010519491231002x",
      " 110105 19491231 002X ",
      "110105\u300019491231002x",
      "1101\t0519\u00a0491231002X",
    ]) {
      assert.equal(hex(subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, variant)), canonical, variant);
    }
  });

  it("separates id types and keys", () => {
    const a = hex(subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, "A1234567"));
    assert.notEqual(hex(subjectDigest(key, IdType.ID_TYPE_FOREIGN_PASSPORT, "A1234567")), a);
    assert.notEqual(hex(subjectDigest(Buffer.alloc(32, 9), IdType.ID_TYPE_RESIDENT_ID_CARD, "A1234567")), a);
    assert.notEqual(hex(subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, "A1234568")), a);
  });

  it("refuses what it cannot normalize, without echoing the number", () => {
    const secret = "110105194912310021";
    for (const bad of ["", "   ", "\u3000", "１１０１０５", `${secret}é`, "x".repeat(65)]) {
      assert.throws(
        () => subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, bad),
        (e: unknown) => isGrantsError(e, "invalid-argument") && !e.message.includes(secret),
        JSON.stringify(bad),
      );
    }
    assert.throws(() => subjectDigest(key, IdType.ID_TYPE_UNSPECIFIED, secret), /unknown id type/);
    assert.throws(() => subjectDigest(key, 202 as IdType, secret), /unknown id type/);
    assert.throws(() => subjectDigest(key.subarray(0, 15), IdType.ID_TYPE_RESIDENT_ID_CARD, secret), /at least 16/);
  });

  it("normalization is idempotent and ignores inserted spaces (property)", () => {
    const idChar = fc.constantFrom(..."0123456789ABCDEFXabcdefx");
    const space = fc.constantFrom(" ", "\t", "\u3000", "\u00a0");
    fc.assert(
      fc.property(fc.array(fc.tuple(idChar, fc.option(space)), { minLength: 1, maxLength: 30 }), (parts) => {
        const plain = parts.map(([c]) => c).join("");
        const spaced = parts.map(([c, s]) => c + (s ?? "")).join("");
        const n = normalizeIdNumber(spaced);
        assert.equal(n, plain.toUpperCase());
        assert.equal(normalizeIdNumber(n), n);
      }),
    );
  });
});

describe("subject URI", () => {
  it("round-trips a digest as lowercase hex", () => {
    const d = subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, "11010519491231002X");
    const uri = subjectUri(d);
    assert.equal(uri, `urn:hutong:subject:${hex(d)}`);
    assert.deepEqual(subjectDigestFromUri(uri), new Uint8Array(d));
  });

  it("reads nothing from other URIs", () => {
    const h = "ab".repeat(32);
    for (const uri of [
      `urn:hutong:subject:${h.toUpperCase()}`,
      `urn:hutong:subject:${h}00`,
      `urn:hutong:party:mot`,
      h,
    ]) {
      assert.equal(subjectDigestFromUri(uri), undefined, uri);
    }
    assert.throws(
      () => subjectUri(new Uint8Array(31)),
      (e: unknown) => isGrantsError(e, "invalid-argument"),
    );
  });
});
