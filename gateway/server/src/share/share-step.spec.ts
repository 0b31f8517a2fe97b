import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sm3 } from "@hutong/certs";
import {
  AuditDecision,
  AuditEntry,
  GetTicketRequest,
  GetTicketResponse,
  IdType,
  Purpose,
  VerifyTicketRequest,
  VerifyTicketResponse,
} from "@hutong/proto";
import { isGatewayError } from "../gateway-error.js";
import { signGrant } from "../grants/grant-signature.js";
import { subjectDigest } from "../grants/subject-digest.js";
import type { AuditEntryInput } from "../store/index.js";
import { createTestPki, holderBody, openTestRegistry } from "../testing.js";
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

  it("a use counted for a share the audit log then could not record is given back", async () => {
    const pki = createTestPki();
    const key = new Uint8Array(32).fill(7);
    const idNo = "510104199001011234";
    const digest = subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, idNo);
    const holder = pki.holder(digest);
    const t = await openTestRegistry(pki);
    try {
      const signed = signGrant(
        holderBody({ subjectDigest: Buffer.from(digest), useLimit: 2 }),
        holder.key,
        pki.chain(holder),
      );
      const { id } = await t.registry.register(signed, pki.now.getTime());
      const fetch: ShareCall = {
        ...call("hutong.v1.TicketService/GetTicket"),
        origin: "prov:440000/desk",
        context: { targetParty: "prov:510000", purpose: "TICKET_SERVICE", grantId: id, correlationId: "c-2" },
        request: GetTicketRequest.encode(
          GetTicketRequest.fromPartial({
            context: { targetParty: "prov:510000", purpose: Purpose.PURPOSE_TICKET_SERVICE, grantId: id },
            ticketNo: "T1",
          }),
        ).finish(),
      };
      const answer = GetTicketResponse.encode(
        GetTicketResponse.fromPartial({
          ticket: { ticketNo: "T1", passenger: { name: "张三", idType: IdType.ID_TYPE_RESIDENT_ID_CARD, idNo } },
        }),
      ).finish();
      const stepWith = (audit: AuditSink) =>
        createShareStep({
          self: "prov:510000",
          audit,
          grants: t.registry,
          subjectKey: key,
          now: () => pki.now.getTime(),
        });

      // The audit log fails three times: nothing is released, and no use is spent.
      for (let i = 0; i < 3; i++) {
        const share = await stepWith(recording(true)).begin(fetch, "owner");
        await assert.rejects(share.release(answer), (err) => isGatewayError(err, "audit-unavailable"));
      }
      assert.equal((await t.store.getGrant(id))?.uses, 0, "failed appends cost no use");

      // Then both uses are still there, and a third is refused.
      const audit = recording();
      for (let i = 0; i < 2; i++) await (await stepWith(audit).begin(fetch, "owner")).release(answer);
      assert.equal((await t.store.getGrant(id))?.uses, 2);
      await assert.rejects(
        stepWith(audit).begin(fetch, "owner"),
        (err) => isGatewayError(err, "share-denied") && err.denial === "grant-used-up",
      );
      assert.deepEqual(
        audit.entries.map((e) => e.reason),
        ["allowed", "allowed", "grant-used-up"],
      );
      // refundUse never takes the count below zero or past what was counted.
      assert.deepEqual(await t.store.refundUse("g-none"), { refunded: false });
    } finally {
      await t.close();
    }
  });
});
