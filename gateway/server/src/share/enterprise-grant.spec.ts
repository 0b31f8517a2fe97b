// Enterprises grant as persons do (docs/grants.md §2): a licence's subject is its practitioner, or
// the enterprise holding the permit / owning the vehicle, by its unified social credit code. The
// share step reads the subject from the released record and digests it the same way for both.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AuditDecision,
  AuditEntry,
  type DeepPartial,
  GetLicenceRequest,
  GetLicenceResponse,
  IdType,
  type Licence,
  LicenceKind,
  Purpose,
  RecordKind,
} from "@hutong/proto";
import { isGatewayError } from "../gateway-error.js";
import { signGrant } from "../grants/grant-signature.js";
import { subjectDigest } from "../grants/subject-digest.js";
import type { AuditEntryInput } from "../store/index.js";
import { createTestPki, holderBody, openTestRegistry, type TestRegistry } from "../testing.js";
import { type AuditSink, createShareStep, type ShareCall } from "./share-step.js";

const key = new Uint8Array(32).fill(7);
const owner = "prov:510000";
const usccA = "91510100MA6CGUAB32";
const usccB = "91440300MA5FXXXX1B";
const idNo = "510104199001011234";
const enterpriseA = subjectDigest(key, IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE, usccA);
const enterpriseB = subjectDigest(key, IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE, usccB);
const person = subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, idNo);

const licences: Record<string, DeepPartial<Licence>> = {
  "L-A": {
    licenceId: "L-A",
    kind: LicenceKind.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT,
    details: {
      $case: "operatingPermit",
      value: { holderName: "甲运输有限公司", holderUscc: usccA, legalRepresentative: "李四", businessScope: "客运" },
    },
  },
  "L-B": {
    licenceId: "L-B",
    kind: LicenceKind.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT,
    details: {
      $case: "operatingPermit",
      value: { holderName: "乙运输有限公司", holderUscc: usccB, businessScope: "货运" },
    },
  },
  "V-A": {
    licenceId: "V-A",
    kind: LicenceKind.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE,
    details: {
      $case: "transportCertificate",
      value: { ownerName: "甲运输有限公司", ownerUscc: usccA, plateNo: "川A12345" },
    },
  },
  "V-P": {
    licenceId: "V-P",
    kind: LicenceKind.LICENCE_KIND_RIDE_HAILING_TRANSPORT_CERTIFICATE,
    // A natural person's car: no credit code, so no subject.
    details: { $case: "transportCertificate", value: { ownerName: "张三", plateNo: "川A23456" } },
  },
  "Q-1": {
    licenceId: "Q-1",
    kind: LicenceKind.LICENCE_KIND_PRACTITIONER_QUALIFICATION,
    details: { $case: "practitionerQualification", value: { name: "张三", idNo } },
  },
};

const answer = (id: string): Uint8Array =>
  GetLicenceResponse.encode(GetLicenceResponse.fromPartial({ licence: licences[id] })).finish();

function fetchCall(grantId: string, licenceId: string): ShareCall {
  const context = { targetParty: owner, purpose: Purpose.PURPOSE_LICENCE_USE, grantId, correlationId: "c-e" };
  return {
    method: "hutong.v1.LicenceService/GetLicence",
    origin: "prov:440000/desk",
    peerParty: "mot",
    peerCertSerial: "01",
    context: { ...context, purpose: "LICENCE_USE" },
    hops: ["prov:440000", "mot"],
    traceId: "ab".repeat(16),
    request: GetLicenceRequest.encode(
      GetLicenceRequest.fromPartial({ context, lookup: { key: { $case: "licenceId", value: licenceId } } }),
    ).finish(),
  };
}

describe("share step: enterprises grant as persons do", () => {
  const pki = createTestPki();
  let t: TestRegistry;
  const entries: AuditEntry[] = [];
  const audit: AuditSink = {
    async append(e: AuditEntryInput) {
      entries.push(AuditEntry.decode(e.bytes));
    },
  };
  const step = () =>
    createShareStep({ self: owner, audit, grants: t.registry, subjectKey: key, now: () => pki.now.getTime() });

  /** A LICENCE_USE grant to prov:440000 for these licences, signed with `subject`'s holder certificate. */
  async function grant(subject: Uint8Array, recordIds: string[], signer: Uint8Array = subject): Promise<string> {
    const holder = pki.holder(signer);
    const signed = signGrant(
      holderBody({
        subjectDigest: Buffer.from(subject),
        recordKind: RecordKind.RECORD_KIND_LICENCE,
        recordIds,
        purpose: Purpose.PURPOSE_LICENCE_USE,
        fieldsAllowed: [
          "licence.licence_id",
          "licence.operating_permit",
          "licence.transport_certificate",
          "licence.practitioner_qualification.name",
        ],
      }),
      holder.key,
      pki.chain(holder),
    );
    return (await t.registry.register(signed, pki.now.getTime())).id;
  }

  async function fetch(grantId: string, licenceId: string): Promise<Uint8Array> {
    const share = await step().begin(fetchCall(grantId, licenceId), "owner");
    return share.release(answer(licenceId));
  }

  async function refused(grantId: string, licenceId: string, reason: string): Promise<AuditEntry | undefined> {
    const before = entries.length;
    await assert.rejects(
      fetch(grantId, licenceId),
      (err) => isGatewayError(err, "share-denied") && err.denial === reason,
    );
    assert.equal(entries.length, before + 1, "the refusal is recorded");
    const e = entries.at(-1);
    assert.equal(e?.decision, AuditDecision.AUDIT_DECISION_DENY);
    assert.equal(e?.reason, reason);
    return e;
  }

  before(async () => {
    t = await openTestRegistry(pki, { thread: "main" });
  });
  after(async () => {
    await t.close();
  });

  it("an enterprise's grant lets the grantee fetch its permit and its vehicle's certificate", async () => {
    const id = await grant(enterpriseA, ["L-A", "V-A"]);
    const released = GetLicenceResponse.decode(await fetch(id, "L-A")).licence;
    assert.equal(released?.details?.$case, "operatingPermit");
    assert.equal(released?.details?.$case === "operatingPermit" && released.details.value.holderUscc, usccA);
    const e = entries.at(-1);
    assert.equal(e?.decision, AuditDecision.AUDIT_DECISION_ALLOW);
    assert.equal(e?.grantId, id);
    assert.deepEqual(new Uint8Array(e?.subjectDigest ?? []), enterpriseA, "audited under the enterprise's digest");
    const vehicle = GetLicenceResponse.decode(await fetch(id, "V-A")).licence;
    assert.equal(vehicle?.details?.$case, "transportCertificate");
    assert.equal((await t.store.getGrant(id))?.uses, 2);
  });

  it("does not open another enterprise's permit, even when the grant names it", async () => {
    // Named in the grant, but held by enterprise B: the subject does not match.
    const id = await grant(enterpriseA, ["L-B"]);
    const e = await refused(id, "L-B", "wrong-subject");
    assert.deepEqual(new Uint8Array(e?.subjectDigest ?? []), enterpriseB);
    assert.equal((await t.store.getGrant(id))?.uses, 0, "a refusal costs no use");
    // Not named: refused before the backend is asked.
    const other = await grant(enterpriseA, ["L-A"]);
    await refused(other, "L-B", "wrong-record");
  });

  it("a person's grant still works for their practitioner qualification", async () => {
    const id = await grant(person, ["Q-1"]);
    const released = GetLicenceResponse.decode(await fetch(id, "Q-1")).licence;
    assert.equal(released?.details?.$case, "practitionerQualification");
    assert.deepEqual(new Uint8Array(entries.at(-1)?.subjectDigest ?? []), person);
  });

  it("refuses a mismatched subject as before: a person's grant on a permit, any grant on a subjectless record", async () => {
    // A person's grant naming an enterprise's permit.
    const id = await grant(person, ["L-A"]);
    const e = await refused(id, "L-A", "wrong-subject");
    assert.deepEqual(new Uint8Array(e?.subjectDigest ?? []), enterpriseA);
    // A credit code digested as a person's document: another digest, so no match either.
    const asPerson = subjectDigest(key, IdType.ID_TYPE_RESIDENT_ID_CARD, usccA);
    await refused(await grant(asPerson, ["L-A"]), "L-A", "wrong-subject");
    // An enterprise's grant on a licence whose owner is a natural person without a code.
    const none = await refused(await grant(enterpriseA, ["V-P"]), "V-P", "record-unknown");
    assert.equal(none?.subjectDigest.length, 0);
  });

  it("takes the grant only from the subject's own holder certificate", async () => {
    // Enterprise B's certificate cannot sign a grant about enterprise A.
    await assert.rejects(grant(enterpriseA, ["L-A"], enterpriseB), /holder certificate is for another subject/);
  });
});
