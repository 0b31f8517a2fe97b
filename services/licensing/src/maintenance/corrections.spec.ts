// Corrections of a maintenance request on the licence itself: an empty item can be filled (what a
// completeness finding asks for), a number must be a whole number, and the licence's identity,
// kind, status and signed QR payload are not items a request may change.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LicenceKind as K } from "@hutong/proto";
import { testLicence } from "../testing.js";
import { applyCorrections, correctionProblem } from "./corrections.js";

describe("corrections", () => {
  const permit = testLicence("L1", K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT);
  const emptyAddress = {
    ...permit,
    details:
      permit.details?.$case === "operatingPermit"
        ? { ...permit.details, value: { ...permit.details.value, address: "" } }
        : permit.details,
  };

  it("fills an empty item and changes a present one, leaving the licence given untouched", () => {
    assert.equal(correctionProblem(emptyAddress, "operating_permit.address"), undefined);
    const done = applyCorrections(emptyAddress, [
      { field: "operating_permit.address", correctedValue: "成都市武侯区一环路南四段1号" },
      { field: "issuer_code", correctedValue: "510107" },
    ]);
    assert.ok(done.details?.$case === "operatingPermit");
    assert.equal(done.details.value.address, "成都市武侯区一环路南四段1号");
    assert.equal(done.issuerCode, "510107");
    assert.ok(emptyAddress.details?.$case === "operatingPermit");
    assert.equal(emptyAddress.details.value.address, "", "the input is not changed");
  });

  it("takes a number only as a whole number", () => {
    const car = testLicence("C1", K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE);
    const done = applyCorrections(car, [{ field: "transport_certificate.seats", correctedValue: "45" }]);
    assert.ok(done.details?.$case === "transportCertificate");
    assert.equal(done.details.value.seats, 45);
    for (const bad of ["abc", "4.5", "-3", "", "1e3"]) {
      assert.throws(
        () => applyCorrections(car, [{ field: "transport_certificate.seats", correctedValue: bad }]),
        /not a whole number/,
        bad,
      );
    }
  });

  it("refuses protected, unknown, absent and composite items", () => {
    for (const [field, said] of [
      ["licence_id", /changes only by the licence's own events/],
      ["status", /changes only by the licence's own events/],
      ["qr_payload", /changes only by the licence's own events/],
      ["bogus", /no such item/],
      ["transport_certificate.seats", /carries no transport_certificate/],
      ["operating_permit.nope", /no such item/],
      ["details", /no such item/],
      ["status_updated_at", /changes only/],
      ["Operating_Permit.address", /dotted proto name/],
      ["a.b.c", /dotted proto name/],
    ] as const) {
      assert.match(correctionProblem(permit, field) ?? "", said, field);
    }
  });
});
