import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  GetLicenceResponse,
  GetTicketResponse,
  IdType,
  Licence,
  LicenceKind,
  LicenceStatus,
  Ticket,
  wireLayouts,
} from "@hutong/proto";
import fc from "fast-check";
import { sampleTickets } from "../dev/simulated-backends.js";
import { projectRecord } from "./record-projection.js";
import { type ShareMethod, shareMethod } from "./share-methods.js";
import { messageBytes } from "./testing-wire-arbitraries.js";

function method(name: string): ShareMethod {
  const m = shareMethod(name);
  if (m === undefined) throw new Error(`no share method ${name}`);
  return m;
}
/** The records' response fields, as the contract declares them (GetTicket's `ticket`, GetLicence's `licence`). */
const ticketField = method("hutong.v1.TicketService/GetTicket");
const licenceField = method("hutong.v1.LicenceService/GetLicence");

const sampleTicket = () => {
  const t = sampleTickets("510000")[0];
  if (t === undefined) throw new Error("no sample ticket");
  return t;
};
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

/**
 * The oracle: minimization as it was before it worked on the wire, on the generated objects
 * (decode, reset what the paths neither cover nor lead into, encode).
 */
const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const under = (outer: string, inner: string) => outer === inner || inner.startsWith(`${outer}.`);
const leadsIntoOld = (path: string, allowed: readonly string[]) => allowed.some((a) => under(path, a) && a !== path);
const coveredOld = (path: string, allowed: readonly string[]) => allowed.some((a) => under(a, path));
function defaultOf(value: unknown): unknown {
  if (typeof value === "string") return "";
  if (typeof value === "number") return 0;
  if (typeof value === "bigint") return 0n;
  if (typeof value === "boolean") return false;
  if (Array.isArray(value)) return [];
  if (value instanceof Uint8Array) return Buffer.alloc(0);
  return undefined;
}
function isPlainMessage(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !(value instanceof Uint8Array) && !(value instanceof Date);
}
function pruneOld(message: Record<string, unknown>, prefix: string, allowed: readonly string[]): void {
  for (const [key, value] of Object.entries(message)) {
    const union =
      isPlainMessage(value) && typeof value.$case === "string" && "value" in value
        ? (value as { $case: string; value: unknown })
        : undefined;
    const path = `${prefix}.${snake(union?.$case ?? key)}`;
    if (coveredOld(path, allowed)) continue;
    const inner = union === undefined ? value : union.value;
    if (leadsIntoOld(path, allowed) && (isPlainMessage(inner) || Array.isArray(inner))) {
      for (const item of Array.isArray(inner) ? inner : [inner]) {
        if (isPlainMessage(item)) pruneOld(item, path, allowed);
      }
      continue;
    }
    message[key] = defaultOf(value);
  }
}
function projectOld(root: "ticket" | "licence", response: Uint8Array, allowed: readonly string[]): unknown {
  if (root === "ticket") {
    const r = GetTicketResponse.decode(response);
    if (r.ticket !== undefined && !coveredOld("ticket", allowed)) {
      if (leadsIntoOld("ticket", allowed)) pruneOld(r.ticket as unknown as Record<string, unknown>, "ticket", allowed);
      else r.ticket = undefined;
    }
    return GetTicketResponse.decode(GetTicketResponse.encode(r).finish());
  }
  const r = GetLicenceResponse.decode(response);
  if (r.licence !== undefined && !coveredOld("licence", allowed)) {
    if (leadsIntoOld("licence", allowed)) pruneOld(r.licence as unknown as Record<string, unknown>, "licence", allowed);
    else r.licence = undefined;
  }
  return GetLicenceResponse.decode(GetLicenceResponse.encode(r).finish());
}

/** Every path through the record's fields (sub-messages of well-known types left whole), from the layouts. */
function recordPaths(message: string, prefix: string, depth = 0): string[] {
  const fields = wireLayouts.get(message) ?? [];
  return fields.flatMap((f) => {
    const path = `${prefix}.${f.name}`;
    const below =
      f.message !== undefined && !f.message.startsWith("google.protobuf.") && depth < 3
        ? recordPaths(f.message, path, depth + 1)
        : [];
    return [path, ...below];
  });
}

describe("projectRecord on the wire", () => {
  const cases = [
    { root: "ticket" as const, method: ticketField },
    { root: "licence" as const, method: licenceField },
  ];
  for (const { root, method: m } of cases) {
    const pool = [root, ...recordPaths(m.record?.message ?? "", root), `${root}.no_such_field`];
    const policyViews = [...(m.record?.views.values() ?? [])];
    const allowedArb = fc.oneof(fc.subarray(pool, { maxLength: 8 }), fc.constantFrom(...policyViews));

    it(`reduces ${m.responseType} as decoding and re-encoding did (property)`, () => {
      fc.assert(
        fc.property(messageBytes(m.responseType), allowedArb, (response, allowed) => {
          const decode = root === "ticket" ? GetTicketResponse.decode : GetLicenceResponse.decode;
          assert.deepEqual(decode(projectRecord(m, response, allowed)), projectOld(root, response, allowed));
        }),
        { numRuns: 300 },
      );
    });
  }

  it("keeps no unknown field, however the record is covered", () => {
    const unknown = Uint8Array.of(0xb8, 0x3e, 0x01); // field 999, varint 1
    // The unknown field inside the record and at the response's top level.
    const record = Buffer.concat([Ticket.encode(sampleTicket()).finish(), unknown]);
    const response = Buffer.concat([
      new BinaryWriter().tag(1, WireType.LengthDelimited).bytes(record).finish(),
      unknown,
    ]);
    assert.equal(GetTicketResponse.decode(response).ticket?.ticketNo, sampleTicket().ticketNo);
    for (const allowed of [["ticket"], ["ticket.ticket_no", "ticket.passenger"], []]) {
      const out = Buffer.from(projectRecord(ticketField, response, allowed));
      assert.equal(out.includes(Buffer.from(unknown)), false, allowed.join());
    }
  });

  it("keeps only the oneof member that is set, when the wire names two", () => {
    const first = Licence.encode(
      Licence.fromPartial({
        licenceId: "L-2",
        kind: LicenceKind.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT,
        details: { $case: "operatingPermit", value: { holderName: "某运输公司", holderUscc: "91X" } },
      }),
    ).finish();
    const second = Licence.encode(
      Licence.fromPartial({ details: { $case: "transportCertificate", value: { plateNo: "川A1" } } }),
    ).finish();
    // One licence naming both members: the later one is the case that is set.
    const response = new BinaryWriter()
      .tag(1, WireType.LengthDelimited)
      .bytes(Buffer.concat([first, second]))
      .finish();
    assert.equal(GetLicenceResponse.decode(response).licence?.details?.$case, "transportCertificate");
    const out = projectRecord(licenceField, response, ["licence.operating_permit", "licence.licence_id"]);
    const licence = GetLicenceResponse.decode(out).licence;
    assert.equal(licence?.licenceId, "L-2");
    assert.equal(licence?.details, undefined, "the superseded operating permit is not released");
    assert.equal(Buffer.from(out).includes(Buffer.from("某运输公司")), false);
  });
});
