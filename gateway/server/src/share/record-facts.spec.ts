import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  GetLicenceRequest,
  GetLicenceResponse,
  GetTicketRequest,
  GetTicketResponse,
  IdType,
  VerifyLicenceRequest,
  VerifyLicenceResponse,
  VerifyTicketRequest,
  VerifyTicketResponse,
} from "@hutong/proto";
import fc from "fast-check";
import { answerFacts, type RecordFacts, type RecordSubject, requestFacts } from "./record-facts.js";
import { type ShareMethod, shareMethod } from "./share-methods.js";
import { messageBytes } from "./testing-wire-arbitraries.js";

/**
 * The oracle: the per-method facts the share step read before the contract declared them, decoding
 * each domain message with its generated (ts-proto) type. Kept here verbatim in behaviour, so the
 * generic wire reading is checked against it on random messages.
 */
const nonEmpty = (s: string | undefined): string | null => (s === undefined || s === "" ? null : s);
function subjectOf(idType: IdType, idNo: string | undefined): RecordSubject | null {
  if (idNo === undefined || idNo === "") return null;
  return { idType: idType === IdType.ID_TYPE_UNSPECIFIED ? IdType.ID_TYPE_RESIDENT_ID_CARD : idType, idNo };
}
const oracle: Record<
  string,
  { request(q: Uint8Array): RecordFacts; answer(q: Uint8Array, r: Uint8Array): RecordFacts }
> = {
  "hutong.v1.TicketService/GetTicket": {
    request: (q) => ({ recordId: nonEmpty(GetTicketRequest.decode(q).ticketNo), subject: null }),
    answer: (_q, r) => {
      const ticket = GetTicketResponse.decode(r).ticket;
      const p = ticket?.passenger;
      return { recordId: nonEmpty(ticket?.ticketNo), subject: p === undefined ? null : subjectOf(p.idType, p.idNo) };
    },
  },
  "hutong.v1.TicketService/VerifyTicket": {
    request: (q) => ({ recordId: nonEmpty(VerifyTicketRequest.decode(q).ticketNo), subject: null }),
    answer: (q, r) => {
      const req = VerifyTicketRequest.decode(q);
      const confirmed = VerifyTicketResponse.decode(r).holderMatches;
      return {
        recordId: nonEmpty(req.ticketNo),
        subject: confirmed ? subjectOf(req.holderIdType, req.holderIdNo) : null,
      };
    },
  },
  "hutong.v1.LicenceService/GetLicence": {
    request: (q) => {
      const key = GetLicenceRequest.decode(q).lookup?.key;
      return { recordId: key?.$case === "licenceId" ? nonEmpty(key.value) : null, subject: null };
    },
    answer: (_q, r) => {
      const licence = GetLicenceResponse.decode(r).licence;
      const d = licence?.details;
      // The practitioner; an operating permit's holder and a transport certificate's owner by
      // their unified social credit code.
      const uscc = IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE;
      const subject =
        d?.$case === "practitionerQualification"
          ? subjectOf(d.value.idType, d.value.idNo)
          : d?.$case === "operatingPermit"
            ? subjectOf(uscc, d.value.holderUscc)
            : d?.$case === "transportCertificate"
              ? subjectOf(uscc, d.value.ownerUscc)
              : null;
      return { recordId: nonEmpty(licence?.licenceId), subject };
    },
  },
  "hutong.v1.LicenceService/VerifyLicence": {
    request: (q) => {
      const key = VerifyLicenceRequest.decode(q).lookup?.key;
      return { recordId: key?.$case === "licenceId" ? nonEmpty(key.value) : null, subject: null };
    },
    answer: (q, r) => {
      const req = VerifyLicenceRequest.decode(q);
      const confirmed = VerifyLicenceResponse.decode(r).holderMatches;
      const key = req.lookup?.key;
      return {
        recordId: key?.$case === "licenceId" ? nonEmpty(key.value) : null,
        subject: confirmed ? subjectOf(IdType.ID_TYPE_RESIDENT_ID_CARD, req.holderIdNo) : null,
      };
    },
  },
};

function method(name: string): ShareMethod {
  const m = shareMethod(name);
  if (m === undefined) throw new Error(`no share method ${name}`);
  return m;
}

describe("record facts", () => {
  for (const [name, expected] of Object.entries(oracle)) {
    const m = method(name);
    it(`reads ${name}'s facts on the wire as its generated types decode them (property)`, () => {
      fc.assert(
        fc.property(messageBytes(m.requestType), messageBytes(m.responseType), (q, r) => {
          assert.deepEqual(requestFacts(m, q), expected.request(q));
          assert.deepEqual(answerFacts(m, q, r), expected.answer(q, r));
        }),
        { numRuns: 400 },
      );
    });
  }

  it("reads a verify's subject only when the owner confirms the claimed holder", () => {
    const m = method("hutong.v1.TicketService/VerifyTicket");
    const q = VerifyTicketRequest.encode(
      VerifyTicketRequest.fromPartial({ ticketNo: "T1", holderIdType: IdType.ID_TYPE_PRC_PASSPORT, holderIdNo: "E1" }),
    ).finish();
    const yes = VerifyTicketResponse.encode(VerifyTicketResponse.fromPartial({ holderMatches: true })).finish();
    const no = VerifyTicketResponse.encode(VerifyTicketResponse.fromPartial({ valid: true })).finish();
    assert.deepEqual(answerFacts(m, q, yes), {
      recordId: "T1",
      subject: { idType: IdType.ID_TYPE_PRC_PASSPORT, idNo: "E1" },
    });
    assert.deepEqual(answerFacts(m, q, no), { recordId: "T1", subject: null });
  });

  it("reads a licence's subject by its details: the practitioner, or the enterprise by its credit code", () => {
    const m = method("hutong.v1.LicenceService/GetLicence");
    const q = new Uint8Array();
    const answer = (licence: Parameters<typeof GetLicenceResponse.fromPartial>[0]["licence"]) =>
      GetLicenceResponse.encode(GetLicenceResponse.fromPartial({ licence })).finish();
    const uscc = "91510100MA6CGUAB3X";
    assert.deepEqual(
      answerFacts(
        m,
        q,
        answer({ licenceId: "L1", details: { $case: "operatingPermit", value: { holderUscc: uscc } } }),
      ),
      { recordId: "L1", subject: { idType: IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE, idNo: uscc } },
    );
    assert.deepEqual(
      answerFacts(
        m,
        q,
        answer({ licenceId: "L2", details: { $case: "transportCertificate", value: { ownerUscc: uscc } } }),
      ),
      { recordId: "L2", subject: { idType: IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE, idNo: uscc } },
    );
    // A ride-hailing car of a natural person: no credit code, no subject.
    assert.deepEqual(
      answerFacts(
        m,
        q,
        answer({ licenceId: "L3", details: { $case: "transportCertificate", value: { ownerName: "张三" } } }),
      ),
      { recordId: "L3", subject: null },
    );
    assert.deepEqual(
      answerFacts(
        m,
        q,
        answer({
          licenceId: "L4",
          details: { $case: "practitionerQualification", value: { idNo: "11010519491231002x" } },
        }),
      ),
      { recordId: "L4", subject: { idType: IdType.ID_TYPE_RESIDENT_ID_CARD, idNo: "11010519491231002x" } },
    );
  });

  it("takes no subject when two of a record's subjects are present, rather than guess", () => {
    const m = method("hutong.v1.LicenceService/GetLicence");
    const record = m.record;
    assert.ok(record !== undefined);
    // Not a shape generation lets through (the paths do not part at a oneof), built by hand.
    const both: ShareMethod = {
      ...m,
      record: {
        ...record,
        subjects: [
          { idNo: [{ name: "licence_id", number: 1, type: "string" }] },
          { idNo: [{ name: "licence_no", number: 2, type: "string" }], fixedIdType: 32100 },
        ],
      },
    };
    const r = GetLicenceResponse.encode(GetLicenceResponse.fromPartial({ licence: { licenceId: "L1" } })).finish();
    assert.deepEqual(answerFacts(both, new Uint8Array(), r).subject?.idNo, "L1");
    const r2 = GetLicenceResponse.encode(
      GetLicenceResponse.fromPartial({ licence: { licenceId: "L1", licenceNo: "N1" } }),
    ).finish();
    assert.deepEqual(answerFacts(both, new Uint8Array(), r2), { recordId: "L1", subject: null });
  });

  it("knows no facts for a delivery, and reads nothing beyond what the method declares", () => {
    const deliver = method("hutong.v1.InvoiceService/IssueInvoice");
    assert.equal(deliver.operation, "deliver");
    assert.deepEqual(requestFacts(deliver, Uint8Array.of(0x0a, 0x00)), { recordId: null, subject: null });
    const grant = method("hutong.v1.GrantService/RegisterGrant");
    assert.equal(grant.record, undefined);
    assert.deepEqual(answerFacts(grant, new Uint8Array(), new Uint8Array()), { recordId: null, subject: null });
  });

  it("throws on bytes that are not well-formed where it reads", () => {
    const m = method("hutong.v1.TicketService/GetTicket");
    assert.throws(() => requestFacts(m, Uint8Array.of(0x12, 0x7f)));
  });
});
