import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditEntryView } from "../api/api-types.js";
import { entryMatches, filterOf } from "./audit-filter.js";

const e = {
  requesterParty: "prov:510000/ticketing",
  ownerParty: "prov:440000",
  purpose: "BOARDING_CHECK",
  grantId: "g1",
  decision: "allow",
  correlationId: "c1",
  subjectDigestHex: "ab",
  time: "2026-12-06T08:00:00.000Z",
} as AuditEntryView;

describe("audit filters", () => {
  it("drops a form's blank fields and trims the others", () => {
    assert.deepEqual(filterOf({ party: " ", purpose: "", correlationId: " c1 " }, undefined), { correlationId: "c1" });
    assert.deepEqual(filterOf({ from: "2026-12-06T00:00:00Z" }, "ab"), {
      subjectDigestHex: "ab",
      fromMs: Date.parse("2026-12-06T00:00:00Z"),
    });
  });

  it("matches on every field it names and nothing else", () => {
    assert.equal(entryMatches(e, {}), true);
    assert.equal(entryMatches(e, { party: "prov:440000" }), true, "the owner");
    assert.equal(entryMatches(e, { party: "prov:510000/ticketing" }), true, "the requester");
    assert.equal(entryMatches(e, { party: "mot" }), false);
    assert.equal(entryMatches(e, { purpose: "LAW_ENFORCEMENT" }), false);
    assert.equal(entryMatches(e, { decision: "deny" }), false);
    assert.equal(entryMatches(e, { grantId: "g2" }), false);
    assert.equal(entryMatches(e, { correlationId: "c2" }), false);
    assert.equal(entryMatches(e, { subjectDigestHex: "cd" }), false);
    assert.equal(entryMatches(e, { fromMs: Date.parse("2026-12-06T09:00:00Z") }), false);
    assert.equal(entryMatches(e, { toMs: Date.parse("2026-12-06T07:00:00Z") }), false);
    assert.equal(
      entryMatches(e, { fromMs: Date.parse("2026-12-06T07:00:00Z"), toMs: Date.parse("2026-12-06T09:00:00Z") }),
      true,
    );
  });
});
