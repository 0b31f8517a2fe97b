import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sm3 } from "@hutong/certs";
import { AuditDecision, AuditEntry, Purpose, VerifyTicketRequest, VerifyTicketResponse } from "@hutong/proto";
import { isGatewayError } from "../gateway-error.js";
import type { AuditEntryInput } from "../store/index.js";
import { type AuditSink, createShareStep, type ShareCall } from "./share-step.js";

const request = VerifyTicketRequest.encode(
  VerifyTicketRequest.fromPartial({
    context: { targetParty: "prov:510000", purpose: Purpose.PURPOSE_BOARDING_CHECK },
    ticketNo: "51-1",
  }),
).finish();
const reply = VerifyTicketResponse.encode(
  VerifyTicketResponse.fromPartial({ valid: true, holderMatches: false, scheduleMatches: true }),
).finish();

function call(method = "hutong.v1.TicketService/VerifyTicket"): ShareCall {
  return {
    method,
    origin: "prov:440000/ticketing",
    peerParty: "mot",
    peerCertSerial: "01",
    context: { targetParty: "prov:510000", purpose: "BOARDING_CHECK", grantId: "", correlationId: "c-1" },
    hops: ["prov:440000", "mot"],
    traceId: "ab".repeat(16),
    request,
  };
}

function recording(fail = false): AuditSink & { entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    async append(e: AuditEntryInput) {
      if (fail) throw new Error("disk gone");
      entries.push(AuditEntry.decode(e.bytes));
    },
  };
}

const step = (audit: AuditSink) =>
  createShareStep({ self: "prov:510000", audit, subjectKey: new Uint8Array(32).fill(7), now: () => 1_700_000_000_000 });

describe("share step", () => {
  it("releases an open verify only after its entry is recorded, with the digest of the released bytes", async () => {
    const audit = recording();
    const share = await step(audit).begin(call(), "owner");
    assert.equal(audit.entries.length, 0, "nothing recorded before the answer");
    const released = await share.release(reply);
    assert.deepEqual(released, reply);
    assert.equal(audit.entries.length, 1);
    const [e] = audit.entries;
    assert.equal(e?.decision, AuditDecision.AUDIT_DECISION_ALLOW);
    assert.deepEqual(e?.releasedSm3, Buffer.from(sm3(reply)));
    assert.equal(e?.recordDigest.length, 32);
    assert.deepEqual(e?.hops, ["prov:440000", "mot"]);
  });

  it("releases nothing when the audit log cannot record the share", async () => {
    const share = await step(recording(true)).begin(call(), "owner");
    await assert.rejects(share.release(reply), (err) => isGatewayError(err, "audit-unavailable"));
    const relay = await step(recording(true)).begin(call(), "relay");
    await assert.rejects(relay.release(reply), (err) => isGatewayError(err, "audit-unavailable"));
  });

  it("refuses and records a method it does not know, rather than guessing", async () => {
    const audit = recording();
    await assert.rejects(
      step(audit).begin(call("hutong.v1.TicketService/Unknown"), "owner"),
      (err) => isGatewayError(err, "share-denied") && err.denial === "method-unknown",
    );
    assert.equal(audit.entries[0]?.reason, "method-unknown");
    assert.equal(audit.entries[0]?.decision, AuditDecision.AUDIT_DECISION_DENY);
  });

  it("needs a grant for a through-ticket check: refused before forwarding, and recorded", async () => {
    const audit = recording();
    const c = { ...call(), context: { ...call().context, purpose: "THROUGH_TICKET" } };
    await assert.rejects(
      step(audit).begin(c, "owner"),
      (err) => isGatewayError(err, "share-denied") && err.denial === "grant-required",
    );
    assert.equal(audit.entries[0]?.reason, "grant-required");
  });

  it("treats request bytes it cannot read beyond the context as unknown facts, not as an internal error", async () => {
    const audit = recording();
    const garbled = Buffer.concat([Buffer.from(request), Buffer.from([0x12, 0x7f])]); // field 2 claims 127 bytes
    const share = await step(audit).begin({ ...call(), request: garbled }, "owner");
    await share.release(reply);
    assert.equal(audit.entries[0]?.recordDigest.length, 0);
  });
});
