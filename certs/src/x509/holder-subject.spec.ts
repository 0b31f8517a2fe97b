import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCertsError } from "../error.js";
import {
  keyedSubjectDigest,
  normalizeSubjectId,
  subjectUriFor,
  unifiedSocialCreditCodeIdType,
  unifiedSocialCreditCodePattern,
} from "./holder-subject.js";

const key = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

// The vectors of docs/grants.md §2, cross-checked with `openssl dgst -sm3 -mac HMAC`.
describe("keyed subject digest", () => {
  it("matches the person and enterprise vectors", () => {
    assert.equal(
      hex(keyedSubjectDigest(key, 201, "11010519491231002x")),
      "5bff1e6c41e5847bf8e00eeced7f11a1dc9acb810a3e942300718687d120786d",
    );
    assert.equal(
      hex(keyedSubjectDigest(key, unifiedSocialCreditCodeIdType, "91510100MA6CGUAB32")),
      "7167abf287f43acb8a08f21e8306796c7c71f6fcb7d0ae6f63ddb9b8680eaa43",
    );
  });

  it("refuses short keys, impossible id types and numbers it cannot normalize, without echoing them", () => {
    const secret = "110105194912310021";
    const invalid = (e: unknown) => isCertsError(e, "invalid-argument") && !e.message.includes(secret);
    assert.throws(() => keyedSubjectDigest(key.subarray(0, 15), 201, secret), invalid);
    for (const t of [0, -1, 1.5, 2 ** 32]) assert.throws(() => keyedSubjectDigest(key, t, secret), invalid);
    for (const bad of ["", " \u3000", `${secret}é`, "x".repeat(65)]) {
      assert.throws(() => normalizeSubjectId(bad), invalid);
    }
    assert.equal(normalizeSubjectId(" 110105 19491231002x\u3000"), "11010519491231002X");
  });

  it("names the digest in a subject URI, and knows a credit code's shape", () => {
    assert.equal(subjectUriFor(new Uint8Array(32).fill(0xab)), `urn:hutong:subject:${"ab".repeat(32)}`);
    assert.throws(
      () => subjectUriFor(new Uint8Array(31)),
      (e: unknown) => isCertsError(e, "invalid-argument"),
    );
    assert.ok(unifiedSocialCreditCodePattern.test("91510100MA6CGUAB32"));
    for (const bad of ["91510100MA6CGUAB3", "91510100MA6CGUAB3I", "9151010AMA6CGUAB32"]) {
      assert.ok(!unifiedSocialCreditCodePattern.test(bad), bad);
    }
  });
});
