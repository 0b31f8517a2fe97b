import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { type CertsErrorCode, isCertsError } from "../error.js";
import { day, fixedNow, type Issued, makeCa, makeLeaf, makeRoot } from "../testing/pki-fixtures.js";
import { parseCertificate } from "../x509/certificate.js";
import { createCrl, parseCrl } from "../x509/crl.js";
import { type PathValidationOptions, validateCertificatePath } from "./validate-path.js";

const rejects = (code: CertsErrorCode) => (e: unknown) => {
  assert.ok(isCertsError(e), `expected CertsError, got ${String(e)}`);
  assert.equal(e.code, code, e.message);
  return true;
};

describe("validateCertificatePath", () => {
  let root: Issued;
  let prov: Issued;
  let leaf: Issued;
  let base: PathValidationOptions;

  before(() => {
    root = makeRoot();
    prov = makeCa(root, { commonName: "Sichuan CA", province: "Sichuan" });
    leaf = makeLeaf(prov, "prov:510000");
    base = { trustAnchors: [root.cert], intermediates: [prov.cert], time: fixedNow };
  });

  it("accepts leaf → intermediate → root and returns the party id and chain", () => {
    const path = validateCertificatePath(leaf.cert, {
      ...base,
      requiredEku: "clientAuth",
      expectedPartyId: "prov:510000",
    });
    assert.equal(path.partyId, "prov:510000");
    assert.deepEqual(
      path.chain.map((c) => c.serialHex),
      [leaf.cert.serialHex, prov.cert.serialHex, root.cert.serialHex],
    );
  });

  it("finds the right issuer among several with the same name (key rollover)", () => {
    const otherProv = makeCa(root, { commonName: "Sichuan CA", province: "Sichuan" });
    const path = validateCertificatePath(leaf.cert, { ...base, intermediates: [otherProv.cert, prov.cert] });
    assert.equal(path.chain[1]?.serialHex, prov.cert.serialHex);
  });

  it("refuses a leaf from an untrusted CA, and a missing intermediate", () => {
    const rogue = makeRoot({ commonName: "hutong test root", organization: "hutong" });
    const rogueLeaf = makeLeaf(makeCa(rogue, { commonName: "Sichuan CA", province: "Sichuan" }), "prov:510000");
    assert.throws(() => validateCertificatePath(rogueLeaf.cert, base), rejects("untrusted"));
    const rogueCa = makeCa(rogue, { commonName: "Sichuan CA", province: "Sichuan" });
    const rogueLeaf2 = makeLeaf(rogueCa, "prov:510000");
    assert.throws(
      () => validateCertificatePath(rogueLeaf2.cert, { ...base, intermediates: [prov.cert, rogueCa.cert] }),
      rejects("untrusted"),
    );
    assert.throws(() => validateCertificatePath(leaf.cert, { ...base, intermediates: [] }), rejects("untrusted"));
    assert.throws(() => validateCertificatePath(leaf.cert, { ...base, trustAnchors: [] }), rejects("untrusted"));
  });

  it("refuses a certificate whose signature was tampered with", () => {
    const der = Uint8Array.from(leaf.cert.der);
    der[der.length - 1] = (der[der.length - 1] ?? 0) ^ 0x01;
    const tampered = parseCertificate(der);
    assert.throws(() => validateCertificatePath(tampered, base), rejects("bad-signature"));
  });

  it("refuses expired and not-yet-valid certificates anywhere in the chain", () => {
    assert.throws(
      () => validateCertificatePath(leaf.cert, { ...base, time: new Date(fixedNow.getTime() + 400 * day) }),
      rejects("expired"),
    );
    assert.throws(
      () => validateCertificatePath(leaf.cert, { ...base, time: new Date(fixedNow.getTime() - 40 * day) }),
      rejects("not-yet-valid"),
    );
    const expiredCa = makeCa(root, { commonName: "Old CA" }, { notAfter: new Date(fixedNow.getTime() - day) });
    const l = makeLeaf(expiredCa, "prov:440000");
    assert.throws(
      () => validateCertificatePath(l.cert, { ...base, intermediates: [expiredCa.cert] }),
      rejects("expired"),
    );
  });

  it("refuses a leaf without the required EKU", () => {
    const serverOnly = makeLeaf(prov, "prov:510000", { extKeyUsage: ["serverAuth"] });
    assert.doesNotThrow(() => validateCertificatePath(serverOnly.cert, { ...base, requiredEku: "serverAuth" }));
    assert.throws(
      () => validateCertificatePath(serverOnly.cert, { ...base, requiredEku: "clientAuth" }),
      rejects("wrong-usage"),
    );
    const noEku = makeLeaf(prov, "prov:510000", { extKeyUsage: [] });
    assert.throws(
      () => validateCertificatePath(noEku.cert, { ...base, requiredEku: "serverAuth" }),
      rejects("wrong-usage"),
    );
  });

  it("refuses a certificate issued by a non-CA leaf", () => {
    const fake = makeLeaf(leaf, "prov:440000");
    assert.throws(
      () => validateCertificatePath(fake.cert, { ...base, intermediates: [prov.cert, leaf.cert] }),
      rejects("wrong-usage"),
    );
  });

  it("refuses a CA whose keyUsage lacks keyCertSign, and a CRL from a CA without cRLSign", () => {
    const noSign = makeCa(root, { commonName: "No-sign CA" }, { exactKeyUsage: ["cRLSign", "digitalSignature"] });
    const l = makeLeaf(noSign, "prov:510000");
    assert.throws(
      () => validateCertificatePath(l.cert, { ...base, intermediates: [noSign.cert] }),
      rejects("wrong-usage"),
    );
    const noCrlSign = makeCa(root, { commonName: "No-CRL CA" }, { exactKeyUsage: ["keyCertSign"] });
    const l2 = makeLeaf(noCrlSign, "prov:510000");
    const opts = { ...base, intermediates: [noCrlSign.cert] };
    assert.doesNotThrow(() => validateCertificatePath(l2.cert, opts));
    const crl = createCrl({
      issuer: noCrlSign.cert,
      issuerKey: noCrlSign.key,
      thisUpdate: new Date(fixedNow.getTime() - day),
      nextUpdate: new Date(fixedNow.getTime() + day),
      crlNumber: 1n,
      entries: [],
    });
    assert.throws(() => validateCertificatePath(l2.cert, { ...opts, crls: [crl] }), rejects("wrong-usage"));
  });

  it("enforces pathLenConstraint", () => {
    // prov has pathLen 0: a sub-CA under it makes the path too long.
    const sub = makeCa(prov, { commonName: "Chengdu CA" });
    const l = makeLeaf(sub, "prov:510000/licence");
    assert.throws(
      () => validateCertificatePath(l.cert, { ...base, intermediates: [prov.cert, sub.cert] }),
      rejects("path-too-long"),
    );
    const wide = makeCa(root, { commonName: "Hub CA" }, { ca: { pathLen: 1 } });
    const sub2 = makeCa(wide, { commonName: "Hub sub CA" });
    const l2 = makeLeaf(sub2, "mot");
    assert.equal(validateCertificatePath(l2.cert, { ...base, intermediates: [wide.cert, sub2.cert] }).partyId, "mot");
  });

  it("requires a party id, and the expected one when asked", () => {
    const anonymous = makeLeaf(prov, undefined);
    assert.throws(() => validateCertificatePath(anonymous.cert, base), rejects("wrong-party"));
    assert.equal(validateCertificatePath(anonymous.cert, { ...base, requirePartyId: false }).partyId, "");
    assert.throws(
      () => validateCertificatePath(leaf.cert, { ...base, expectedPartyId: "prov:440000" }),
      rejects("wrong-party"),
    );
  });

  describe("revocation", () => {
    const crl = (
      issuer: Issued,
      serials: string[],
      o: { thisUpdate?: Date; nextUpdate?: Date; signer?: Issued } = {},
    ) =>
      createCrl({
        issuer: issuer.cert,
        issuerKey: (o.signer ?? issuer).key,
        thisUpdate: o.thisUpdate ?? new Date(fixedNow.getTime() - day),
        nextUpdate: o.nextUpdate ?? new Date(fixedNow.getTime() + 7 * day),
        crlNumber: 1n,
        entries: serials.map((serialHex) => ({
          serialHex,
          revocationDate: new Date(fixedNow.getTime() - day),
          reason: "keyCompromise" as const,
        })),
      });

    it("refuses a revoked leaf and a revoked intermediate", () => {
      const crls = [crl(prov, [leaf.cert.serialHex]), crl(root, [])];
      assert.throws(() => validateCertificatePath(leaf.cert, { ...base, crls }), rejects("revoked"));
      const crls2 = [crl(prov, []), crl(root, [prov.cert.serialHex])];
      assert.throws(() => validateCertificatePath(leaf.cert, { ...base, crls: crls2 }), rejects("revoked"));
      const clean = [crl(prov, ["0badc0de"]), crl(root, [])];
      assert.doesNotThrow(() => validateCertificatePath(leaf.cert, { ...base, crls: clean, revocation: "require" }));
    });

    it("refuses a CRL signed by the wrong key", () => {
      // Same issuer name and authorityKeyIdentifier as the real CA, another key.
      const impostor = makeCa(root, { commonName: "Sichuan CA", province: "Sichuan" });
      const forged = crl({ cert: { ...prov.cert, publicKey: impostor.key.publicKey }, key: impostor.key }, []);
      assert.throws(() => validateCertificatePath(leaf.cert, { ...base, crls: [forged] }), rejects("bad-signature"));
      const flipped = Uint8Array.from(crl(prov, []).der);
      flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 0x01;
      assert.throws(
        () => validateCertificatePath(leaf.cert, { ...base, crls: [parseCrl(flipped)] }),
        rejects("bad-signature"),
      );
    });

    it("refuses a CRL past its nextUpdate or not yet issued", () => {
      const stale = crl(prov, [], {
        thisUpdate: new Date(fixedNow.getTime() - 10 * day),
        nextUpdate: new Date(fixedNow.getTime() - day),
      });
      assert.throws(() => validateCertificatePath(leaf.cert, { ...base, crls: [stale] }), rejects("crl-stale"));
      const future = crl(prov, [], { thisUpdate: new Date(fixedNow.getTime() + day) });
      assert.throws(() => validateCertificatePath(leaf.cert, { ...base, crls: [future] }), rejects("crl-stale"));
      // A fresh CRL next to a stale one is used.
      assert.doesNotThrow(() => validateCertificatePath(leaf.cert, { ...base, crls: [stale, crl(prov, [])] }));
    });

    it("requires CRLs for every link in require mode", () => {
      assert.throws(
        () => validateCertificatePath(leaf.cert, { ...base, revocation: "require" }),
        rejects("crl-missing"),
      );
      assert.throws(
        () => validateCertificatePath(leaf.cert, { ...base, revocation: "require", crls: [crl(prov, [])] }),
        rejects("crl-missing"),
      );
      const revoked = [crl(prov, [leaf.cert.serialHex])];
      assert.doesNotThrow(() => validateCertificatePath(leaf.cert, { ...base, revocation: "off", crls: revoked }));
    });
  });
});
