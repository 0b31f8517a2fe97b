import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type Asn1,
  bitString,
  encodeDer,
  implicitConstructed,
  integer,
  oid,
  parseDer,
  seq,
  set,
  utf8,
} from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import { generateSm2PrivateKey } from "../crypto/sm2-key.js";
import { isCertsError } from "../error.js";
import { createCsr, csrToPem, parseCsr, parseCsrPem, verifyCsrSignature } from "./csr.js";
import { encodeExtensionList } from "./extensions.js";
import { formatName } from "./name.js";
import { signObject } from "./signed-object.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const malformed = (e: unknown) => isCertsError(e, "malformed");

const key = generateSm2PrivateKey();
const csr = createCsr({
  subject: { commonName: "gateway.sc", organization: "Sichuan DoT", country: "CN" },
  privateKey: key,
  partyId: "prov:510000",
  extKeyUsage: ["clientAuth", "serverAuth"],
  dnsNames: ["gw.sc.example.cn"],
});

/** Re-signs an edited copy of the CSR's certificationRequestInfo. */
function resign(edit: (items: Asn1[]) => void): Uint8Array {
  const info = parseDer(csr.tbsDer);
  edit(info.value as Asn1[]);
  return signObject(info, key);
}

describe("createCsr / parseCsr", () => {
  it("round-trips subject, key, party id, EKU and DNS names", () => {
    const again = parseCsr(csr.der);
    assert.deepEqual(again, csr);
    assert.equal(formatName(csr.subject), "C=CN, O=Sichuan DoT, CN=gateway.sc");
    assert.equal(hex(csr.publicKey.point), hex(key.publicKey.point));
    assert.equal(csr.partyId, "prov:510000");
    assert.deepEqual(csr.requestedExtKeyUsage, [oids.clientAuth, oids.serverAuth]);
    assert.deepEqual(csr.requestedExtensions.subjectAltName?.uris, ["urn:hutong:party:prov:510000"]);
    assert.deepEqual(csr.requestedExtensions.subjectAltName?.dnsNames, ["gw.sc.example.cn"]);
    assert.equal(csr.signatureAlgorithm, oids.sm2WithSm3);
    assert.equal(verifyCsrSignature(csr), true);
  });

  it("writes an empty attributes [0] when nothing is requested", () => {
    const bare = createCsr({ subject: { commonName: "x" }, privateKey: key });
    assert.ok(hex(bare.tbsDer).endsWith("a000"));
    assert.equal(bare.partyId, undefined);
    assert.deepEqual(bare.requestedExtKeyUsage, []);
    assert.equal(verifyCsrSignature(bare), true);
  });

  it("PEM round trip, several blocks in order", () => {
    const other = createCsr({ subject: { commonName: "y" }, privateKey: key });
    const parsed = parseCsrPem(`${csrToPem(csr)}\n${csrToPem(other)}`);
    assert.deepEqual(
      parsed.map((c) => hex(c.der)),
      [hex(csr.der), hex(other.der)],
    );
    assert.match(csrToPem(csr), /^-----BEGIN CERTIFICATE REQUEST-----\n/);
    assert.throws(() => parseCsrPem("nothing here"), malformed);
  });

  it("rejects an invalid party id with invalid-argument", () => {
    assert.throws(
      () => createCsr({ subject: { commonName: "x" }, privateKey: key, partyId: "PROV:510000" }),
      (e) => isCertsError(e, "invalid-argument"),
    );
  });
});

describe("verifyCsrSignature", () => {
  it("rejects a tampered request and a signature by another key", () => {
    const der = new Uint8Array(csr.der);
    const at = Buffer.from(der).indexOf(Buffer.from("prov:510000"));
    der.set(Buffer.from("prov:110000"), at);
    const tampered = parseCsr(der);
    assert.equal(tampered.partyId, "prov:110000");
    assert.equal(verifyCsrSignature(tampered), false);
    const foreign = parseCsr(signObject(parseDer(csr.tbsDer), generateSm2PrivateKey()));
    assert.equal(verifyCsrSignature(foreign), false);
    assert.equal(verifyCsrSignature({ ...csr, signature: new Uint8Array([0x30, 0x00]) }), false);
  });
});

describe("parseCsr rejects malformed requests", () => {
  it("version other than 0", () => {
    assert.throws(
      () =>
        parseCsr(
          resign((items) => {
            items[0] = integer(1);
          }),
        ),
      /version must be 0/,
    );
  });

  it("a duplicate extensionRequest or one with two values", () => {
    const request = () =>
      seq(oid(oids.extensionRequest), set(seq(...encodeExtensionList({ subjectKeyId: new Uint8Array([1]) }))));
    assert.throws(
      () =>
        parseCsr(
          resign((items) => {
            items[3] = implicitConstructed(0, [request(), request()]);
          }),
        ),
      /twice/,
    );
    const twoValues = seq(
      oid(oids.extensionRequest),
      set(...[1, 2].map((n) => seq(...encodeExtensionList({ subjectKeyId: new Uint8Array([n]) })))),
    );
    assert.throws(
      () =>
        parseCsr(
          resign((items) => {
            items[3] = implicitConstructed(0, [twoValues]);
          }),
        ),
      /exactly one value/,
    );
  });

  it("tolerates a request without the attributes field, and an empty extensionRequest", () => {
    const bare = parseCsr(
      resign((items) => {
        items.splice(3, 1);
      }),
    );
    assert.equal(bare.partyId, undefined);
    assert.deepEqual(bare.requestedExtKeyUsage, []);
    assert.equal(verifyCsrSignature(bare), true);
    const empty = parseCsr(
      resign((items) => {
        items[3] = implicitConstructed(0, [seq(oid(oids.extensionRequest), set(seq()))]);
      }),
    );
    assert.equal(empty.partyId, undefined);
    assert.deepEqual(empty.requestedExtensions, { unknownCritical: [] });
    assert.throws(
      () =>
        parseCsr(
          resign((items) => {
            items[3] = seq();
          }),
        ),
      /expected attributes \[0\]/,
    );
  });

  it("ignores other attributes such as challengePassword", () => {
    const der = resign((items) => {
      ((items[3] as Asn1).value as Asn1[]).push(seq(oid("1.2.840.113549.1.9.7"), set(utf8("secret"))));
    });
    assert.equal(parseCsr(der).partyId, "prov:510000");
  });

  it("a signature algorithm other than SM2-with-SM3", () => {
    const der = encodeDer(seq(parseDer(csr.tbsDer), seq(oid("1.2.840.10045.4.3.2")), bitString(csr.signature)));
    assert.throws(() => parseCsr(der), /not SM2-with-SM3/);
  });

  it("truncations and trailing bytes", () => {
    for (let n = 0; n < csr.der.length; n++) assert.throws(() => parseCsr(csr.der.subarray(0, n)), malformed);
    assert.throws(() => parseCsr(new Uint8Array([...csr.der, 0])), malformed);
  });
});
