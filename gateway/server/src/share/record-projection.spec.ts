import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GetLicenceResponse, GetTicketResponse, IdType, LicenceKind, LicenceStatus } from "@hutong/proto";
import { sampleTickets } from "../dev/simulated-backends.js";
import { projectRecord } from "./record-projection.js";
import { type ShareMethod, shareMethod } from "./share-methods.js";

function method(name: string): ShareMethod {
  const m = shareMethod(name);
  if (m === undefined) throw new Error(`no share method ${name}`);
  return m;
}
/** The records' response fields, as the contract declares them (GetTicket's `ticket`, GetLicence's `licence`). */
const ticketField = method("hutong.v1.TicketService/GetTicket");
const licenceField = method("hutong.v1.LicenceService/GetLicence");

const ticket = sampleTickets("510000")[0];
if (ticket === undefined) throw new Error("no sample ticket");
const passenger = ticket.passenger;
if (passenger === undefined) throw new Error("no sample passenger");
const ticketBytes = GetTicketResponse.encode({
  ticket: { ...ticket, passenger: { ...passenger, phone: "13800000000" } },
}).finish();

describe("projectRecord", () => {
  it("keeps exactly the allowed ticket fields and drops the passenger's ID number and phone", () => {
    const out = GetTicketResponse.decode(
      projectRecord(ticketField, ticketBytes, ["ticket.passenger.name", "ticket.ticket_no"]),
    );
    assert.equal(out.ticket?.ticketNo, ticket.ticketNo);
    assert.equal(out.ticket?.passenger?.name, "张三");
    assert.equal(out.ticket?.passenger?.idNo, "");
    assert.equal(out.ticket?.passenger?.phone, "");
    assert.equal(out.ticket?.carrierName, "");
    assert.equal(out.ticket?.fareFen, 0n);
    assert.equal(out.ticket?.departTime, undefined);
    assert.equal(out.ticket?.boardStation, undefined);
    const text = Buffer.from(projectRecord(ticketField, ticketBytes, ["ticket.ticket_no"])).toString("latin1");
    assert.ok(!text.includes(ticket.passenger?.idNo ?? "?"), "the ID number is not in the released bytes");
  });

  it("releases the whole record for the root path, and nothing of it for an unrelated path", () => {
    assert.deepEqual(
      projectRecord(ticketField, ticketBytes, ["ticket"]),
      GetTicketResponse.encode(GetTicketResponse.decode(ticketBytes)).finish(),
    );
    assert.equal(
      GetTicketResponse.decode(projectRecord(ticketField, ticketBytes, ["licence.licence_id"])).ticket,
      undefined,
    );
  });

  it("follows a oneof by its case name and drops the photo", () => {
    const licence = GetLicenceResponse.encode(
      GetLicenceResponse.fromPartial({
        licence: {
          licenceId: "L-1",
          licenceNo: "川交运从510100000001",
          kind: LicenceKind.LICENCE_KIND_PRACTITIONER_QUALIFICATION,
          status: LicenceStatus.LICENCE_STATUS_VALID,
          details: {
            $case: "practitionerQualification",
            value: {
              name: "李四",
              idType: IdType.ID_TYPE_RESIDENT_ID_CARD,
              idNo: "510000199001011234",
              photo: Buffer.from("JPEG"),
              categories: [],
            },
          },
        },
      }),
    ).finish();
    const out = GetLicenceResponse.decode(
      projectRecord(licenceField, licence, [
        "licence.licence_id",
        "licence.status",
        "licence.practitioner_qualification.name",
      ]),
    ).licence;
    assert.equal(out?.licenceId, "L-1");
    assert.equal(out?.licenceNo, "");
    assert.equal(out?.details?.$case, "practitionerQualification");
    const pq = out?.details?.$case === "practitionerQualification" ? out.details.value : undefined;
    assert.equal(pq?.name, "李四");
    assert.equal(pq?.idNo, "");
    assert.equal(pq?.photo.length, 0);
  });
});
