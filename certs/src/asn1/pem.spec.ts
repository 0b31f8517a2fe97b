import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isCertsError } from "../error.js";
import { decodePem, decodePemBlocks, decodePemDers, encodePem } from "./pem.js";

const malformed = (pattern: RegExp) => (e: unknown) => {
  assert.ok(isCertsError(e, "malformed"), `expected CertsError malformed, got ${String(e)}`);
  assert.match(e.message, pattern);
  return true;
};

describe("PEM", () => {
  it("round-trips any DER, with 64-column lines", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (der) => {
        const pem = encodePem("CERTIFICATE", der);
        for (const line of pem.split("\n")) assert.ok(line.length <= 64 || line.startsWith("-----"));
        assert.deepEqual(decodePem(pem, ["CERTIFICATE"]), { label: "CERTIFICATE", der });
      }),
    );
    assert.equal(encodePem("X", new Uint8Array(0)), "-----BEGIN X-----\n\n-----END X-----\n");
  });

  it("reads CRLF line ends and ignores text around blocks", () => {
    const pem = `Bag Attributes\r\n${encodePem("PUBLIC KEY", Uint8Array.of(1, 2, 3)).replace(/\n/g, "\r\n")}trailer`;
    assert.deepEqual(decodePemBlocks(pem), [{ label: "PUBLIC KEY", der: Uint8Array.of(1, 2, 3) }]);
  });

  it("refuses bad base64 inside a block rather than decoding what it can", () => {
    for (const body of ["AQID!", "AQI", "A===", "AQID=AQID", "Proc-Type: 4,ENCRYPTED\nAQID"]) {
      assert.throws(
        () => decodePemBlocks(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`),
        malformed(/^PEM block "CERTIFICATE": bad base64$/),
        body,
      );
    }
  });

  it("a block whose END label differs is no block", () => {
    assert.deepEqual(decodePemBlocks("-----BEGIN CERTIFICATE-----\nAQID\n-----END X509 CRL-----\n"), []);
  });

  it("decodePem wants exactly one block with the label; decodePemDers at least one", () => {
    const two = encodePem("CERTIFICATE", Uint8Array.of(1)) + encodePem("CERTIFICATE", Uint8Array.of(2));
    assert.throws(() => decodePem(two, ["CERTIFICATE"]), malformed(/more than one PEM block labelled CERTIFICATE/));
    assert.throws(() => decodePem(two, ["X509 CRL"]), malformed(/no PEM block labelled X509 CRL/));
    assert.deepEqual(decodePemDers(two, ["CERTIFICATE"]), [Uint8Array.of(1), Uint8Array.of(2)]);
    assert.throws(
      () => decodePemDers(two, ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"]),
      malformed(/^no PEM block labelled CERTIFICATE REQUEST or NEW CERTIFICATE REQUEST$/),
    );
  });
});
