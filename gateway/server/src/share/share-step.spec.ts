import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { createCertificate, generateSm2PrivateKey, sm2SignAsync, sm3 } from "@hutong/certs";
import { annotationSigningBytes, verifyAnnotatedCopy } from "@hutong/client";
import {
  Annotation,
  AuditDecision,
  AuditEntry,
  GetTicketRequest,
  GetTicketResponse,
  IdType,
  Purpose,
  Ticket,
  VerifyTicketRequest,
  VerifyTicketResponse,
} from "@hutong/proto";
import { isGatewayError } from "../gateway-error.js";
import { signGrant } from "../grants/grant-signature.js";
import { subjectDigest } from "../grants/subject-digest.js";
import type { AuditEntryInput } from "../store/index.js";
import { createTestPki, holderBody, openTestRegistry } from "../testing.js";
import type { Annotator } from "./annotated-release.js";
import { type AuditSink, createShareStep, type ShareCall, type ShareStepOptions } from "./share-step.js";
import { scanMessage } from "./wire-scan.js";

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

  describe("annotated copies (docs/annotated-copies.md)", () => {
    const pki = createTestPki();
    const now = pki.now.getTime();
    const gatewayKey = generateSm2PrivateKey();
    const gatewayCert = createCertificate({
      subject: { commonName: "prov:510000", organization: "hutong test" },
      publicKey: gatewayKey.publicKey,
      issuer: { certificate: pki.ca.cert, privateKey: pki.ca.key },
      partyId: "prov:510000",
      extKeyUsage: ["serverAuth", "clientAuth"],
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 365 * 86_400_000),
    });
    const annotator: Annotator = {
      party: "prov:510000",
      chain: [gatewayCert.der, pki.ca.cert.der],
      validityMs: 30 * 86_400_000,
      sign: (m) => sm2SignAsync(gatewayKey, m),
    };
    const ticket = Ticket.fromPartial({
      ticketNo: "51-7",
      scheduleNo: "K1021",
      routeCode: "51-R001",
      passenger: { name: "张三", idType: IdType.ID_TYPE_RESIDENT_ID_CARD, idNo: "510104199001011234" },
    });
    const minimized = Ticket.encode(Ticket.fromPartial({ ...ticket, passenger: undefined })).finish();
    const answer = GetTicketResponse.encode({ ticket, annotation: undefined }).finish();
    const fetch = (annotate: boolean): ShareCall => ({
      ...call("hutong.v1.TicketService/GetTicket"),
      origin: "prov:440000/enforcement",
      context: { targetParty: "prov:510000", purpose: "REGULATORY_SUPERVISION", grantId: "", correlationId: "c-3" },
      request: GetTicketRequest.encode(
        GetTicketRequest.fromPartial({
          context: { targetParty: "prov:510000", purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION },
          ticketNo: "51-7",
          annotate,
        }),
      ).finish(),
    });
    const stepWith = (audit: AuditSink, o: Partial<ShareStepOptions> = {}) =>
      createShareStep({ self: "prov:510000", audit, subjectKey: new Uint8Array(32).fill(7), now: () => now, ...o });
    const field = (n: number, payload: Uint8Array) =>
      new BinaryWriter().tag(n, WireType.LengthDelimited).bytes(payload).finish();
    /** An annotation a backend might try: signed by nobody, or a copy of a real one. */
    const planted = Annotation.encode(
      Annotation.fromPartial({ recipientParty: "prov:440000/enforcement", signerParty: "prov:510000" }),
    ).finish();

    it("signs the minimized record, once, for the caller, and audits the bytes that leave", async () => {
      const audit = recording();
      const share = await stepWith(audit, { annotator }).begin(fetch(true), "owner");
      const released = await share.release(answer);
      const decoded = GetTicketResponse.decode(released);
      assert.equal(decoded.ticket?.passenger, undefined, "the passenger is not in the operational view");
      const a = decoded.annotation;
      assert.ok(a !== undefined);
      assert.equal(a.recipientParty, "prov:440000/enforcement");
      assert.equal(a.purpose, Purpose.PURPOSE_REGULATORY_SUPERVISION);
      assert.equal(a.grantId, "");
      assert.equal(a.issuedAt?.getTime(), now);
      assert.equal(a.validUntil?.getTime(), now + 30 * 86_400_000);
      assert.equal(a.signerParty, "prov:510000");
      assert.deepEqual(Buffer.from(a.recordSm3), Buffer.from(sm3(minimized)));
      // One annotation, last; the record's bytes in the response are the digested ones.
      const fields = scanMessage(released);
      assert.deepEqual(
        fields.map((o) => o.number),
        [1, 2],
      );
      assert.deepEqual(Buffer.from(released.subarray(fields[0]?.payloadStart, fields[0]?.end)), Buffer.from(minimized));
      const verdict = verifyAnnotatedCopy({
        recordType: "hutong.v1.Ticket",
        recordBytes: minimized,
        annotation: a,
        trust: { trustAnchors: [pki.root.cert] },
        crls: pki.crls,
        now,
      });
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
      assert.deepEqual(audit.entries[0]?.releasedSm3, Buffer.from(sm3(released)));
      assert.deepEqual(audit.entries[0]?.fieldsReleased.includes("ticket.passenger"), false);
    });

    it("strips every annotation the backend put in, asked for or not; the one left is the gateway's", async () => {
      // Twice, the second a wrong wire type (an unknown field to a parser, still never passed on).
      const forged = Buffer.concat([
        field(2, planted),
        GetTicketResponse.encode({ ticket, annotation: undefined }).finish(),
        field(2, planted),
        Uint8Array.of(0x10, 0x01),
      ]);
      const audit = recording();
      const plain = await (await stepWith(audit, { annotator }).begin(fetch(false), "owner")).release(forged);
      assert.deepEqual(
        scanMessage(plain).map((o) => o.number),
        [1],
      );
      assert.equal(GetTicketResponse.decode(plain).annotation, undefined);
      assert.deepEqual(audit.entries[0]?.releasedSm3, Buffer.from(sm3(plain)));

      const annotated = await (await stepWith(audit, { annotator }).begin(fetch(true), "owner")).release(forged);
      const a = GetTicketResponse.decode(annotated).annotation;
      assert.equal(a?.signerChain.length, 2, "the gateway's, not merged with the planted one");
      assert.deepEqual(
        scanMessage(annotated).map((o) => o.number),
        [1, 2],
      );
      // Without an annotator and without a request for one, the strip still happens.
      const none = await (await stepWith(recording()).begin(fetch(false), "owner")).release(forged);
      assert.equal(GetTicketResponse.decode(none).annotation, undefined);
    });

    it("merges a record sent in pieces into one field, so the bytes a recipient takes are the digested ones", async () => {
      const a = Ticket.encode(Ticket.fromPartial({ ticketNo: "51-7" })).finish();
      const b = Ticket.encode(Ticket.fromPartial({ scheduleNo: "K1021" })).finish();
      const pieces = Buffer.concat([field(1, a), field(1, b)]);
      const released = await (await stepWith(recording(), { annotator }).begin(fetch(true), "owner")).release(pieces);
      const fields = scanMessage(released);
      assert.deepEqual(
        fields.map((o) => o.number),
        [1, 2],
      );
      const record = released.subarray(fields[0]?.payloadStart, fields[0]?.end);
      assert.deepEqual(Ticket.decode(record), Ticket.decode(Buffer.concat([a, b])));
      const annotation = GetTicketResponse.decode(released).annotation;
      assert.deepEqual(Buffer.from(annotation?.recordSm3 ?? []), Buffer.from(sm3(record)));
    });

    it("signs the canonical encoding, not protobuf bytes", async () => {
      const released = await (await stepWith(recording(), { annotator }).begin(fetch(true), "owner")).release(answer);
      const a = GetTicketResponse.decode(released).annotation;
      assert.ok(a?.issuedAt !== undefined && a.validUntil !== undefined);
      const message = annotationSigningBytes({
        recordType: "hutong.v1.Ticket",
        recipientParty: a.recipientParty,
        purpose: a.purpose,
        grantId: a.grantId,
        issuedAtMs: a.issuedAt.getTime(),
        validUntilMs: a.validUntil.getTime(),
        recordSm3: a.recordSm3,
        signerParty: a.signerParty,
        signerChain: a.signerChain,
      });
      const { sm2Verify } = await import("@hutong/certs");
      assert.ok(sm2Verify(gatewayKey.publicKey, message, a.signature));
      assert.equal(
        sm2Verify(gatewayKey.publicKey, Annotation.encode({ ...a, signature: Buffer.alloc(0) }).finish(), a.signature),
        false,
      );
    });

    it("refuses a copy it cannot sign before the backend is asked, and records the refusal", async () => {
      const audit = recording();
      await assert.rejects(stepWith(audit).begin(fetch(true), "owner"), (err) =>
        isGatewayError(err, "annotation-unavailable"),
      );
      assert.equal(audit.entries[0]?.decision, AuditDecision.AUDIT_DECISION_DENY);
      assert.equal(audit.entries[0]?.reason, "annotation-unavailable");
      // Not asked for: released as any fetch.
      const released = await (await stepWith(recording()).begin(fetch(false), "owner")).release(answer);
      assert.equal(GetTicketResponse.decode(released).annotation, undefined);
    });

    it("a relay neither signs nor strips: it forwards the owner's bytes", async () => {
      const fromOwner = await (await stepWith(recording(), { annotator }).begin(fetch(true), "owner")).release(answer);
      const audit = recording();
      const relayed = await (await stepWith(audit, { annotator }).begin(fetch(true), "relay")).release(fromOwner);
      assert.equal(relayed, fromOwner);
      assert.deepEqual(audit.entries[0]?.releasedSm3, Buffer.from(sm3(fromOwner)));
    });
  });
});
