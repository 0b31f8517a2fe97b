import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { type Asn1, octets, oid, readOid } from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import { type CertsErrorCode, isCertsError } from "../error.js";
import {
  certificateExtensions,
  crlExtensions,
  day,
  fixedNow,
  type Issued,
  makeCa,
  makeLeaf,
  makeRoot,
  resignCertificate,
  resignCrl,
} from "../testing/pki-fixtures.js";
import { type Certificate, parseCertificate } from "../x509/certificate.js";
import { createCrl, parseCrl } from "../x509/crl.js";
import { encodeExtension } from "../x509/extensions.js";
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

  it("accepts a leaf issued by the anchor itself, with no intermediates given at all", () => {
    const direct = makeLeaf(root, "mot");
    const path = validateCertificatePath(direct.cert, { trustAnchors: [root.cert], time: fixedNow });
    assert.deepEqual(
      path.chain.map((c) => c.serialHex),
      [direct.cert.serialHex, root.cert.serialHex],
    );
  });

  it("chains and checks CRLs by name and signature under an anchor without key identifiers", () => {
    // A legacy root with neither subjectKeyIdentifier nor authorityKeyIdentifier.
    const legacy = makeRoot({ commonName: "legacy root" });
    const noKeyIds = resignCertificate(legacy.cert, legacy.key, (tbs) => {
      const extensions = certificateExtensions(tbs);
      const keyIds: string[] = [oids.subjectKeyIdentifier, oids.authorityKeyIdentifier];
      const kept = extensions.filter((e) => !keyIds.includes(readOid((e.value as Asn1[])[0], "extnID")));
      extensions.splice(0, extensions.length, ...kept);
    });
    assert.equal(noKeyIds.extensions.subjectKeyId, undefined);
    const anchor: Issued = { cert: noKeyIds, key: legacy.key };
    const child = makeLeaf(anchor, "org:legacy");
    assert.equal(child.cert.extensions.authorityKeyId, undefined);
    const crl = createCrl({
      issuer: noKeyIds,
      issuerKey: legacy.key,
      thisUpdate: new Date(fixedNow.getTime() - day),
      nextUpdate: new Date(fixedNow.getTime() + day),
      crlNumber: 1n,
      entries: [],
    });
    assert.equal(crl.authorityKeyId, undefined);
    const options = { trustAnchors: [noKeyIds], crls: [crl], time: fixedNow, revocation: "require" as const };
    assert.equal(validateCertificatePath(child.cert, options).partyId, "org:legacy");
    const revoking = createCrl({
      issuer: noKeyIds,
      issuerKey: legacy.key,
      thisUpdate: new Date(fixedNow.getTime() - day),
      nextUpdate: new Date(fixedNow.getTime() + day),
      crlNumber: 2n,
      entries: [{ serialHex: child.cert.serialHex, revocationDate: new Date(fixedNow.getTime() - day) }],
    });
    assert.throws(() => validateCertificatePath(child.cert, { ...options, crls: [revoking] }), rejects("revoked"));
  });

  it("refuses a certificate with a critical extension it does not understand, anywhere in the chain", () => {
    const addUnknownCritical = (tbs: Asn1[]) => {
      certificateExtensions(tbs).push(encodeExtension("1.3.6.1.4.1.99999.7", true, octets(Uint8Array.of(1))));
    };
    const oddLeaf = resignCertificate(leaf.cert, prov.key, addUnknownCritical);
    assert.deepEqual(oddLeaf.extensions.unknownCritical, ["1.3.6.1.4.1.99999.7"]);
    assert.throws(() => validateCertificatePath(oddLeaf, base), rejects("unsupported-critical-extension"));
    const oddCa = resignCertificate(prov.cert, root.key, addUnknownCritical);
    assert.throws(
      () => validateCertificatePath(leaf.cert, { ...base, intermediates: [oddCa] }),
      rejects("unsupported-critical-extension"),
    );
    // The same extension marked non-critical may be ignored.
    const benign = resignCertificate(leaf.cert, prov.key, (tbs) => {
      certificateExtensions(tbs).push(encodeExtension("1.3.6.1.4.1.99999.7", false, octets(Uint8Array.of(1))));
    });
    assert.equal(validateCertificatePath(benign, base).partyId, "prov:510000");
  });

  it("refuses a CA certificate presented as the leaf when an end-entity usage is required", () => {
    const subCa = makeCa(
      root,
      { commonName: "Chengdu CA" },
      { partyId: "prov:510000", extKeyUsage: ["clientAuth"], keyUsage: ["digitalSignature"] },
    );
    assert.throws(
      () => validateCertificatePath(subCa.cert, { ...base, requiredEku: "clientAuth" }),
      (e: unknown) => rejects("wrong-usage")(e) && /is a CA certificate/.test((e as Error).message),
    );
    // Without a purpose to check, it is a path to a CA certificate like any other.
    assert.equal(validateCertificatePath(subCa.cert, base).partyId, "prov:510000");
  });

  it("refuses a leaf whose keyUsage does not include digitalSignature", () => {
    const encipherOnly = makeLeaf(prov, "prov:510000", { keyUsage: ["keyEncipherment"] });
    assert.throws(
      () => validateCertificatePath(encipherOnly.cert, base),
      (e: unknown) => rejects("wrong-usage")(e) && /digitalSignature/.test((e as Error).message),
    );
  });

  it("gives up past eight certificates without an anchor", () => {
    // root → ca1 → … → caN → leaf, every CA without a pathLen limit.
    const build = (n: number) => {
      let issuer = root;
      const cas: Issued[] = [];
      for (let i = 1; i <= n; i++) {
        issuer = makeCa(issuer, { commonName: `Level ${i} CA` }, { ca: {} });
        cas.push(issuer);
      }
      return { leaf: makeLeaf(issuer, "org:deep"), intermediates: cas.map((c) => c.cert) };
    };
    const ok = build(7);
    assert.equal(validateCertificatePath(ok.leaf.cert, { ...base, intermediates: ok.intermediates }).chain.length, 9);
    const tooDeep = build(8);
    assert.throws(
      () => validateCertificatePath(tooDeep.leaf.cert, { ...base, intermediates: tooDeep.intermediates }),
      rejects("path-too-long"),
    );
  });

  it("when every candidate issuer fails, reports the failure that got furthest", () => {
    // Three certificates for the same CA name and key (a re-issued CA, say): the leaf's signature
    // verifies under each, and each fails one step further up in its own way.
    const key = prov.key;
    const name = { commonName: "Sichuan CA", province: "Sichuan" };
    const rogueRoot = makeRoot({ commonName: "hutong test root", organization: "hutong" });
    const untrusted = makeCa(rogueRoot, name, { key }).cert;
    const goodCopy = makeCa(root, name, { key }).cert;
    const forged = Uint8Array.from(goodCopy.der);
    forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
    const badSignature = parseCertificate(forged);
    // A copy whose own chain is too long: eight more CAs between it and the root.
    let issuer = root;
    const ladder: Issued[] = [];
    for (let i = 1; i <= 8; i++) {
      issuer = makeCa(issuer, { commonName: `Rung ${i} CA` }, { ca: {} });
      ladder.push(issuer);
    }
    const tooLong = makeCa(issuer, name, { key }).cert;
    const ladderCerts = ladder.map((c) => c.cert);
    const attempt = (candidates: Certificate[]) => () =>
      validateCertificatePath(leaf.cert, { ...base, intermediates: [...candidates, ...ladderCerts] });
    assert.throws(attempt([untrusted, badSignature]), rejects("bad-signature"));
    assert.throws(attempt([badSignature, untrusted]), rejects("bad-signature"));
    assert.throws(attempt([untrusted, tooLong]), rejects("path-too-long"));
    assert.throws(attempt([tooLong, untrusted]), rejects("path-too-long"));
    assert.throws(attempt([tooLong, badSignature]), rejects("path-too-long"));
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

    it("the freshest of several current CRLs decides, whatever their order", () => {
      const older = crl(prov, [leaf.cert.serialHex], { thisUpdate: new Date(fixedNow.getTime() - 3 * day) });
      const newer = crl(prov, []); // the hold was lifted
      for (const crls of [
        [older, newer],
        [newer, older],
      ]) {
        const all = [...crls, crl(root, [])];
        assert.doesNotThrow(() => validateCertificatePath(leaf.cert, { ...base, crls: all, revocation: "require" }));
      }
      const revokedNow = crl(prov, [leaf.cert.serialHex]);
      const cleanBefore = crl(prov, [], { thisUpdate: new Date(fixedNow.getTime() - 3 * day) });
      for (const crls of [
        [revokedNow, cleanBefore],
        [cleanBefore, revokedNow],
      ]) {
        assert.throws(() => validateCertificatePath(leaf.cert, { ...base, crls }), rejects("revoked"));
      }
    });

    it("ignores a CRL of another key under the same CA name: it neither revokes nor counts as current", () => {
      const sameName = makeCa(root, { commonName: "Sichuan CA", province: "Sichuan" });
      const foreign = crl(sameName, [leaf.cert.serialHex]);
      assert.notDeepEqual(foreign.authorityKeyId, prov.cert.extensions.subjectKeyId);
      assert.doesNotThrow(() => validateCertificatePath(leaf.cert, { ...base, crls: [foreign] }));
      assert.throws(
        () => validateCertificatePath(leaf.cert, { ...base, crls: [foreign, crl(root, [])], revocation: "require" }),
        rejects("crl-missing"),
      );
    });

    it("refuses a CRL with a critical extension it does not understand", () => {
      const odd = resignCrl(crl(prov, []), prov.key, (tbs) => {
        crlExtensions(tbs).push(encodeExtension("1.3.6.1.4.1.99999.8", true, oid(oids.sm2)));
      });
      assert.deepEqual(odd.unknownCritical, ["1.3.6.1.4.1.99999.8"]);
      assert.throws(
        () => validateCertificatePath(leaf.cert, { ...base, crls: [odd] }),
        rejects("unsupported-critical-extension"),
      );
    });

    it("treats a CRL without nextUpdate as never current", () => {
      const open = resignCrl(crl(prov, []), prov.key, (tbs) => {
        tbs.splice(4, 1); // version, signature, issuer, thisUpdate, [nextUpdate], …
      });
      assert.equal(open.nextUpdate, undefined);
      assert.throws(
        () => validateCertificatePath(leaf.cert, { ...base, crls: [open] }),
        (e: unknown) => rejects("crl-stale")(e) && /nextUpdate absent/.test((e as Error).message),
      );
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
