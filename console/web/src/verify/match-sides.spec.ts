import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuditDecision, AuditRole } from "@hutong/proto";
import type { AuditEntryView } from "../../../src/api/api-types.js";
import { judgeSides, matchSides, type SideProof, type SideProofState } from "./match-sides.js";
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

/** Each side's proof state, in the views' order. */
const proofsOf = (views: readonly AuditEntryView[], ...states: SideProofState[]): SideProof[] =>
  views.map((v, i) => ({
    gateway: v.gateway,
    index: v.index,
    state: states[i] ?? "verified",
    ...(states[i] === "refused" ? { reason: "root-mismatch" } : {}),
    detail: "",
  }));

describe("judgeSides (a side counts only once its proof is checked; consistent only under pins)", () => {
  it("is consistent only when every side is proven under a pinned key and they agree", () => {
    const views = share();
    const judged = judgeSides(views, proofsOf(views, "verified", "verified"));
    assert.equal(judged.state, "consistent");
    assert.equal(judged.page, "consistent");
    assert.deepEqual(judged.match.problems, []);
  });

  it("is unproven when a side is proven only under the server's key, or not proven at all", () => {
    const views = share();
    assert.equal(judgeSides(views, proofsOf(views, "verified", "server-key")).state, "unproven");
    assert.equal(judgeSides(views, proofsOf(views, "server-key", "server-key")).state, "unproven");
    assert.equal(judgeSides(views, proofsOf(views, "unavailable", "verified")).state, "unproven");
    // No proof given for a side: unavailable, so unproven.
    const judged = judgeSides(views, proofsOf(views).slice(0, 1));
    assert.equal(judged.state, "unproven");
    assert.deepEqual(
      judged.proofs.map((p) => p.state),
      ["verified", "unavailable"],
    );
  });

  it("is a mismatch when a side's proof fails, and does not count that side", () => {
    const views = share();
    const judged = judgeSides(views, proofsOf(views, "verified", "refused"));
    assert.equal(judged.state, "mismatch");
    // The refused requester side is not counted: the owner's hop has no side left.
    assert.deepEqual(
      judged.match.problems.map((p) => p.problem),
      ["proof-refused", "requester-side-missing"],
    );
    assert.deepEqual(
      { gateway: judged.match.problems[0]?.gateway, index: judged.match.problems[0]?.index },
      { gateway: "prov:440000", index: 1 },
    );
  });

  it("is a mismatch when the sides differ, however far they are proven", () => {
    const views = share((o) => (o ? {} : { decision: AuditDecision.AUDIT_DECISION_DENY }));
    for (const states of [
      ["verified", "verified"],
      ["server-key", "unavailable"],
    ] as const) {
      const judged = judgeSides(views, proofsOf(views, ...states));
      assert.equal(judged.state, "mismatch", states.join());
      assert.deepEqual(
        judged.match.problems.map((p) => p.problem),
        ["decision-differs"],
      );
    }
  });

  it("shows the server's mismatch, keeping the page's own verdict apart", () => {
    const views = share();
    const judged = judgeSides(views, proofsOf(views, "verified", "verified"), false);
    assert.equal(judged.state, "mismatch");
    assert.equal(judged.page, "consistent");
  });

  it("is a mismatch for no entries at all (the owner's side is missing)", () => {
    assert.equal(judgeSides([], []).state, "mismatch");
  });
});
