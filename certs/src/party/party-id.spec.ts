import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCertsError } from "../error.js";
import { isValidPartyId, parsePartyId, partyIdFromUri, partyIdToUri } from "./party-id.js";

describe("party ids", () => {
  it("parse to their parts; sub-systems are kept apart from the member", () => {
    assert.deepEqual(parsePartyId("prov:510000/licence"), {
      kind: "prov",
      name: "510000",
      text: "prov:510000/licence",
      member: "prov:510000",
      subsystem: "licence",
    });
    assert.deepEqual(parsePartyId("mot"), { kind: "mot", name: "", text: "mot", member: "mot" });
    assert.equal(parsePartyId("prov:xpcc").name, "xpcc");
  });

  it("refuse what is almost a party id", () => {
    for (const bad of [
      "",
      "MOT",
      "prov:510001", // not a province-level code
      "prov:710000", // Taiwan: out of scope
      "prov:51000",
      "rail:",
      "rail:CR",
      "bank:icbc",
      "org:a/b/c",
      "org:a/",
      "prov:510000/Licence",
      `org:${"a".repeat(33)}`,
    ]) {
      assert.throws(
        () => parsePartyId(bad),
        (e) => isCertsError(e, "wrong-party"),
        bad,
      );
      assert.equal(isValidPartyId(bad), false, bad);
    }
  });

  it("stay correct past the parse cache's bound: valid ids parse, invalid ones are still refused", () => {
    // 4096 entries, then the cache starts over; run past it twice.
    for (let i = 0; i < 2 * 4096 + 10; i++) {
      const id = `org:p${i}`;
      assert.equal(parsePartyId(id).name, `p${i}`);
    }
    assert.equal(isValidPartyId("org:p0"), true);
    assert.equal(parsePartyId("org:p0").text, "org:p0");
    assert.equal(isValidPartyId("org:P0"), false);
  });

  it("round-trip through SAN URIs; other URIs and invalid ids give undefined", () => {
    assert.equal(partyIdToUri("rail:cr"), "urn:hutong:party:rail:cr");
    assert.equal(partyIdFromUri("urn:hutong:party:rail:cr"), "rail:cr");
    assert.equal(partyIdFromUri("urn:hutong:subject:abcd"), undefined);
    assert.equal(partyIdFromUri("urn:hutong:party:rail:CR"), undefined);
    assert.equal(partyIdFromUri("URN:hutong:party:rail:cr"), undefined);
    assert.throws(
      () => partyIdToUri("rail"),
      (e) => isCertsError(e, "wrong-party"),
    );
  });
});
