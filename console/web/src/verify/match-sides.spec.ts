import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuditDecision, AuditRole } from "@hutong/proto";
import type { AuditEntryView } from "../../../src/api/api-types.js";
import { matchSides } from "./match-sides.js";
import { encodeEntry, entryFields, viewOf } from "./testing-audit-log.js";

/** One share seen at the owner's gateway (index 0) and at the requester's (index 1). */
function share(change: (owner: boolean) => Partial<ReturnType<typeof entryFields>> = () => ({})): AuditEntryView[] {
  const base = entryFields(2);
  return [true, false].map((owner, i) => {
    const fields = {
      ...base,
      gatewayParty: owner ? "prov:510000" : "prov:440000",
      role: owner ? AuditRole.AUDIT_ROLE_OWNER : AuditRole.AUDIT_ROLE_RELAY,
      reason: owner ? "allowed" : "relayed",
      hops: owner ? ["prov:440000"] : [],
      ...change(owner),
    };
    return viewOf(i, encodeEntry(fields));
  });
}

const problems = (views: readonly AuditEntryView[]) => matchSides(views).problems.map((p) => p.problem);

describe("matchSides (the page's own comparison of both sides of a share)", () => {
  it("finds the two sides of an honest share consistent", () => {
    const result = matchSides(share());
    assert.deepEqual(result, { consistent: true, problems: [] });
  });

  it("flags a decision, released digest, method or subject that differs between the sides", () => {
    assert.deepEqual(problems(share((o) => (o ? {} : { decision: AuditDecision.AUDIT_DECISION_DENY }))), [
      "decision-differs",
    ]);
    assert.deepEqual(problems(share((o) => (o ? {} : { releasedSm3: Buffer.alloc(32, 1) }))), ["released-differs"]);
    assert.deepEqual(problems(share((o) => (o ? {} : { method: "hutong.v1.TicketService/GetTicket" }))), [
      "method-differs",
    ]);
    assert.deepEqual(problems(share((o) => (o ? {} : { subjectDigest: Buffer.alloc(32, 2) }))), ["subject-differs"]);
  });

  it("flags a missing side: the owner's, or a gateway the owner's entry names as a hop", () => {
    const [owner, requester] = share() as [AuditEntryView, AuditEntryView];
    assert.deepEqual(problems([owner]), ["requester-side-missing"]);
    assert.deepEqual(problems([requester]), ["owner-side-missing"]);
    // A direct call (no hops) has no requester-side gateway to look for.
    const direct = viewOf(0, encodeEntry({ ...entryFields(2), hops: [] }));
    assert.deepEqual(problems([direct]), []);
  });

  it("treats an empty subject digest as unknown on that side, not as a difference", () => {
    assert.deepEqual(problems(share((o) => (o ? {} : { subjectDigest: Buffer.alloc(0) }))), []);
  });

  it("compares the entries' bytes, not the server's display of them", () => {
    const [owner, requester] = share((o) => (o ? {} : { decision: AuditDecision.AUDIT_DECISION_DENY })) as [
      AuditEntryView,
      AuditEntryView,
    ];
    // The server shows "allow" on both sides, but the requester's bytes say deny.
    const disguised = { ...requester, decision: "allow" as const };
    assert.deepEqual(problems([owner, disguised]), ["served-entry-mismatch", "requester-side-missing"]);
  });
});
