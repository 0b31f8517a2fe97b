import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { documentedCodes } from "@hutong/errors/testing";
import { isLicensingError, LicensingError, licensingErrorCodes, licensingRefusal } from "./licensing-error.js";

describe("LicensingError", () => {
  it("documents exactly its codes in docs/errors.md", () => {
    const doc = fileURLToPath(new URL("../../../docs/errors.md", import.meta.url));
    assert.deepEqual(documentedCodes(doc, "### licensing").sort(), [...licensingErrorCodes].sort());
  });

  it("is a coded error of the licensing domain, refused with its status", () => {
    const e = new LicensingError("request-conflict", "WH-1 was another request");
    assert.equal(e.domain, "licensing");
    assert.ok(isLicensingError(e, "request-conflict"));
    assert.deepEqual(licensingRefusal(e), {
      status: "ALREADY_EXISTS",
      details: "request-conflict: WH-1 was another request",
    });
    assert.equal(licensingRefusal(new Error("x")), undefined);
  });
});
