import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isValidPartyId as certsIsValidPartyId } from "@hutong/certs";
import { escapeForDisplay, isValidPartyId, partyOfAuditOrigin } from "./party-id.js";

const valid = [
  "mot",
  "mot/console",
  "prov:510000",
  "prov:440000",
  "prov:110000",
  "prov:650000",
  "prov:xpcc",
  "prov:510000/licence",
  "rail:cr",
  "air:caac",
  "tax:chinatax",
  "org:a",
  `org:${"a".repeat(32)}`,
  "org:0-9",
];

const invalid = [
  "",
  "MOT",
  "mot/",
  "prov:510001", // not a province-level code
  "prov:710000", // Taiwan: out of scope
  "prov:51000",
  "prov:5100000",
  "prov:",
  "rail:",
  "rail:CR",
  "bank:icbc",
  "hub:mot",
  "org:a/b/c",
  "org:a/",
  "org:-a",
  "prov:510000/Licence",
  `org:${"a".repeat(33)}`,
  // Lookalikes: invisible characters, full-width and other-script letters, other digits.
  "prov:510000\u200b",
  "\u200bprov:510000",
  "prov\uff1a510000",
  "pr\u043ev:510000",
  "prov:\u0665\u0661\u0660\u0660\u0660\u0660",
  "prov:５10000",
  "prov:510000 ",
  "prov:510000\n",
  "prov:510000\u0000",
  "mot\u00ad",
];

describe("party ids (docs/pki-profile.md)", () => {
  it("accepts the profile's party ids, with an optional sub-system", () => {
    for (const id of valid) assert.equal(isValidPartyId(id), true, id);
  });

  it("refuses what is almost a party id, lookalikes and invisible characters included", () => {
    for (const id of invalid) assert.equal(isValidPartyId(id), false, JSON.stringify(id));
  });

  it("agrees with @hutong/certs, the certificates' own parser", () => {
    for (const id of [...valid, ...invalid]) {
      assert.equal(isValidPartyId(id), certsIsValidPartyId(id), JSON.stringify(id));
    }
  });
});

describe("partyOfAuditOrigin", () => {
  it("reads the party of a gateway's audit origin", () => {
    assert.equal(partyOfAuditOrigin("hutong/prov:510000/audit/sm3"), "prov:510000");
    assert.equal(partyOfAuditOrigin("hutong/mot/audit/sm3"), "mot");
    assert.equal(partyOfAuditOrigin("hutong/prov:510000/licence/audit/sm3"), "prov:510000/licence");
    assert.equal(partyOfAuditOrigin("example.org/mot/mot/audit/sm3"), "mot/mot");
  });

  it("gives no party for another form, or a name that is not a party id", () => {
    for (const name of [
      "hutong.example/audit/prov:510000/sm3",
      "prov:510000/audit/sm3",
      "/prov:510000/audit/sm3",
      "hutong/prov:510000/sm3",
      "hutong/prov:510000/audit/sha256",
      "hutong/prov:510000\u200b/audit/sm3",
      "hutong/hub:mot/audit/sm3",
      "a/b/prov:510000/audit/sm3",
      "hut\u043eng/prov:510000/audit/sm3",
      "hutong/audit/sm3",
    ]) {
      assert.equal(partyOfAuditOrigin(name), undefined, JSON.stringify(name));
    }
  });
});

describe("escapeForDisplay", () => {
  it("leaves printable ASCII as it is", () => {
    assert.equal(escapeForDisplay("prov:510000/licence"), "prov:510000/licence");
  });

  it("escapes invisible, control and non-ASCII characters, and the backslash itself", () => {
    assert.equal(escapeForDisplay("prov:510000\u200b"), "prov:510000\\u{200b}");
    assert.equal(escapeForDisplay("prov\uff1a510000"), "prov\\u{ff1a}510000");
    assert.equal(escapeForDisplay("a\nb\u0000"), "a\\u{a}b\\u{0}");
    assert.equal(escapeForDisplay("😀"), "\\u{1f600}");
    // A literal backslash sequence cannot pass for an escaped character.
    assert.equal(escapeForDisplay("prov:510000\\u{200b}"), "prov:510000\\\\u{200b}");
    assert.notEqual(escapeForDisplay("prov:510000\\u{200b}"), escapeForDisplay("prov:510000\u200b"));
  });
});
