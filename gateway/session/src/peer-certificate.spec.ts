import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCertificate } from "@hutong/certs";
import { issuerNameHash, parsePeerChain, validatePeerChain } from "./peer-certificate.js";
import { defaultLimits } from "./protocol-constants.js";
import { isSessionError, type SessionErrorCode } from "./session-error.js";
import { clientParty, fixedNow, sessionPki } from "./testing-fixtures.js";

const fails = (code: SessionErrorCode, message: RegExp, certsCode?: string) => (e: unknown) => {
  assert.ok(isSessionError(e, code), `expected SessionError ${code}, got ${String(e)}`);
  assert.match(e.message, message);
  assert.equal(e.certsCode, certsCode);
  return true;
};

describe("peer certificate chains", () => {
  const pki = sessionPki();
  const der = pki.client.cert.der;

  it("are refused by size before any parsing: 1..8 certificates, each at most 16 KiB", () => {
    assert.throws(() => parsePeerChain([]), fails("malformed", /1\.\.8 certificates/));
    assert.throws(
      () => parsePeerChain(Array(defaultLimits.maxChainLength + 1).fill(der)),
      fails("malformed", /1\.\.8/),
    );
    assert.equal(parsePeerChain(Array(defaultLimits.maxChainLength).fill(der)).length, 8);
    const huge = new Uint8Array(defaultLimits.maxCertificateBytes + 1);
    assert.throws(() => parsePeerChain([der, huge]), fails("malformed", /certificate too large/));
  });

  it("that do not parse are bad-certificate, with the certs error code kept", () => {
    assert.throws(
      () => parsePeerChain([der.subarray(0, 100)]),
      fails("bad-certificate", /does not parse/, "malformed"),
    );
    // No bytes at all is a field of the wrong size, refused before parsing.
    assert.throws(() => parsePeerChain([new Uint8Array(0)]), fails("malformed", /empty certificate/));
  });

  it("parse to the same certificate however many distinct chains came before (bounded cache)", () => {
    // Distinct DERs that still parse: the last two bytes are the end of the signature's s.
    const variants = Array.from({ length: 1100 }, (_, i) => {
      const copy = Uint8Array.from(der);
      copy[copy.length - 2] = i >> 8;
      copy[copy.length - 1] = i & 0xff;
      return copy;
    });
    for (const v of variants) parsePeerChain([v]);
    assert.deepEqual(parsePeerChain([der])[0], parseCertificate(der));
    assert.deepEqual(
      parsePeerChain([variants[5] as Uint8Array])[0]?.signature,
      parseCertificate(variants[5] as Uint8Array).signature,
    );
  });

  it("validation needs a leaf, and maps the certs refusal to the session code", () => {
    const v = {
      trust: { trustAnchors: [pki.root.cert] },
      crls: [pki.crl],
      now: fixedNow,
      requiredEku: "clientAuth" as const,
    };
    assert.throws(() => validatePeerChain([], v), fails("malformed", /empty certificate chain/));
    assert.equal(validatePeerChain([pki.client.cert], v).partyId, clientParty);
    assert.throws(
      () => validatePeerChain([pki.client.cert], { ...v, crls: [] }),
      fails("bad-certificate", /no current CRL/, "crl-missing"),
    );
    assert.throws(
      () => validatePeerChain([pki.revokedClient.cert], { ...v, crls: [pki.crlWithRevoked] }),
      fails("revoked", /revoked/, "revoked"),
    );
    assert.throws(
      () => validatePeerChain([pki.client.cert], { ...v, expectedPartyId: "prov:440000" }),
      fails("wrong-party", /expected "prov:440000"/, "wrong-party"),
    );
  });

  it("issuerNameHash is SM3 of the issuer name DER: equal for siblings, different across issuers", () => {
    assert.deepEqual(issuerNameHash(pki.client.cert), issuerNameHash(pki.server.cert));
    assert.notDeepEqual(issuerNameHash(pki.client.cert), issuerNameHash(pki.untrustedClient.cert));
  });
});
