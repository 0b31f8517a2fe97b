// The data checks' judgements, pure: a stored violation is incompleteness or invalidity; a licence
// still marked valid past its last day is invalid; a copy is untrue when it says something else
// than its issuer at the same version, is ahead of it, or is unknown to it, and not when it is only
// behind (an event on its way).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataCheck, LicenceStatus } from "@hutong/proto";
import { findingsOfViolations, staleValidity, truthFinding } from "./data-checks.js";

const copy = {
  licenceId: "L1",
  version: 3,
  status: LicenceStatus.LICENCE_STATUS_VALID,
  validTo: "2027-05-01",
  updatedMs: 0,
};

describe("data checks", () => {
  it("sorts stored violations into completeness and validity", () => {
    assert.deepEqual(
      findingsOfViolations("L1", [
        "issuer_code: is required",
        "transport_certificate: is required for LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE (it carries operating_permit)",
        "valid_to: is not a civil date (YYYY-MM-DD)",
        "file: the issuer's seal does not verify over the file",
      ]).map((f) => f.check),
      [
        DataCheck.DATA_CHECK_COMPLETENESS,
        DataCheck.DATA_CHECK_COMPLETENESS,
        DataCheck.DATA_CHECK_VALIDITY,
        DataCheck.DATA_CHECK_VALIDITY,
      ],
    );
    assert.deepEqual(findingsOfViolations("L1", []), []);
  });

  it("finds a licence marked valid after its last day, and only that", () => {
    assert.equal(staleValidity(copy, "2027-05-01"), undefined, "valid on its last day");
    assert.equal(staleValidity(copy, "2027-05-02")?.check, DataCheck.DATA_CHECK_VALIDITY);
    assert.equal(staleValidity({ ...copy, status: LicenceStatus.LICENCE_STATUS_CANCELLED }, "2030-01-01"), undefined);
    assert.equal(staleValidity({ ...copy, validTo: "" }, "2030-01-01"), undefined);
  });

  it("compares a copy with its issuer", () => {
    const issuer = { licenceId: "L1", version: 3, status: LicenceStatus.LICENCE_STATUS_VALID, validTo: "2027-05-01" };
    assert.equal(truthFinding(copy, issuer), undefined);
    assert.equal(truthFinding(copy, { ...issuer, version: 4 }), undefined, "behind: an event on its way");
    assert.match(truthFinding(copy, { ...issuer, version: 2 })?.detail ?? "", /holds version 3; the issuer's is 2/);
    assert.match(
      truthFinding(copy, { ...issuer, status: LicenceStatus.LICENCE_STATUS_SUSPENDED })?.detail ?? "",
      /status LICENCE_STATUS_VALID at the library, LICENCE_STATUS_SUSPENDED at the issuer/,
    );
    assert.match(truthFinding(copy, { ...issuer, validTo: "2027-06-01" })?.detail ?? "", /valid to 2027-05-01/);
    assert.equal(truthFinding(copy, undefined)?.check, DataCheck.DATA_CHECK_TRUTHFULNESS);
  });
});
