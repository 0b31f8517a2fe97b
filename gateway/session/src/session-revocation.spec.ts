import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { issuerNameHash } from "./peer-certificate.js";
import { isSessionError } from "./session-error.js";
import { checkSessionRevocation } from "./session-revocation.js";
import { crlOf, fixedNow, sessionPki } from "./testing-fixtures.js";

describe("per-call revocation check", () => {
  const pki = sessionPki();
  const subject = { certSerial: pki.client.cert.serial, issuerNameHash: issuerNameHash(pki.client.cert) };
  const revokedAt = fixedNow - 1000;
  const crl = crlOf(pki.root, [{ cert: pki.client.cert, at: revokedAt }]);
  const revoked = (e: unknown) => isSessionError(e, "revoked");

  it("refuses a listed serial from the revocation date on, not before", () => {
    assert.throws(() => checkSessionRevocation(subject, [crl], revokedAt), revoked);
    assert.doesNotThrow(() => checkSessionRevocation(subject, [crl], revokedAt - 1));
    assert.doesNotThrow(() => checkSessionRevocation(subject, [pki.crl], fixedNow));
  });

  it("matches a serial carried with leading zero bytes to the CRL's minimal form", () => {
    const padded = { ...subject, certSerial: Uint8Array.from([0, 0, ...pki.client.cert.serial]) };
    assert.throws(() => checkSessionRevocation(padded, [crl], fixedNow), revoked);
  });

  it("ignores a CRL of another issuer that lists the same serial", () => {
    // A certificate of the rogue root: another issuer name, so another hash.
    const foreign = { ...subject, issuerNameHash: issuerNameHash(pki.untrustedClient.cert) };
    assert.doesNotThrow(() => checkSessionRevocation(foreign, [crl], fixedNow));
  });
});
