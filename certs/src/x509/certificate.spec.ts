import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import {
  type Asn1,
  bitString,
  encodeDer,
  explicit,
  implicitPrimitive,
  integer,
  nullValue,
  oid,
  parseDer,
  seq,
  time,
} from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import { generateSm2PrivateKey, type Sm2PrivateKey } from "../crypto/sm2-key.js";
import { sm3 } from "../crypto/sm3.js";
import { isCertsError } from "../error.js";
import {
  type Certificate,
  certificateToPem,
  createCertificate,
  parseCertificate,
  parseCertificatePem,
  subjectKeyIdFor,
  verifyCertificateSignature,
} from "./certificate.js";
import { encodeExtension } from "./extensions.js";
import { formatName, namesEqual } from "./name.js";
import { signObject } from "./signed-object.js";

const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString("hex");
const malformed = (e: unknown) => isCertsError(e, "malformed");
const invalidArgument = (e: unknown) => isCertsError(e, "invalid-argument");

const notBefore = new Date("2025-03-01T08:00:00.789Z");
const notAfter = new Date("2030-03-01T08:00:00Z");

function chain() {
  const rootKey = generateSm2PrivateKey();
  const root = createCertificate({
    subject: { commonName: "Hutong Root CA", organization: "Ministry of Transport", country: "CN" },
    publicKey: rootKey.publicKey,
    selfSignKey: rootKey,
    notBefore,
    notAfter,
    ca: { pathLen: 1 },
  });
  const caKey = generateSm2PrivateKey();
  const ca = createCertificate({
    subject: { commonName: "Sichuan CA", organization: "Sichuan DoT", country: "CN", province: "四川" },
    publicKey: caKey.publicKey,
    issuer: { certificate: root, privateKey: rootKey },
    notBefore,
    notAfter,
    ca: { pathLen: 0 },
  });
  const leafKey = generateSm2PrivateKey();
  const leaf = createCertificate({
    subject: { commonName: "gateway.sc", organization: "Sichuan DoT", organizationalUnit: "网关", country: "CN" },
    publicKey: leafKey.publicKey,
    issuer: { certificate: ca, privateKey: caKey },
    notBefore,
    notAfter,
    serial: new Uint8Array([0x00, 0x8f, 0x01]),
    keyUsage: ["digitalSignature", "keyAgreement"],
    extKeyUsage: ["clientAuth", "serverAuth"],
    partyId: "prov:510000/licence",
    dnsNames: ["gw.sc.example.cn"],
  });
  return { rootKey, root, caKey, ca, leafKey, leaf };
}

const fixture = chain();

/** Re-signs an edited copy of the certificate's tbs with `key`. */
function resign(cert: Certificate, key: Sm2PrivateKey, edit: (items: Asn1[]) => void): Uint8Array {
  const tbs = parseDer(cert.tbsDer);
  edit(tbs.value as Asn1[]);
  return signObject(tbs, key);
}

function extensionsOf(items: Asn1[]): Asn1[] {
  return ((items[7] as Asn1).value[0] as Asn1).value as Asn1[];
}

describe("createCertificate / parseCertificate", () => {
  it("round-trips a root, an intermediate and a leaf with every field", () => {
    const { root, ca, leaf, rootKey, caKey, leafKey } = fixture;
    for (const cert of [root, ca, leaf]) {
      const again = parseCertificate(cert.der);
      assert.deepEqual(again, cert);
      assert.equal(cert.version, 3);
      assert.equal(cert.signatureAlgorithm, oids.sm2WithSm3);
      assert.equal(hex(encodeDer(parseDer(cert.der))), hex(cert.der));
      assert.equal(cert.notBefore.toISOString(), "2025-03-01T08:00:00.000Z", "milliseconds are dropped");
      assert.equal(cert.notAfter.toISOString(), notAfter.toISOString());
      assert.equal(cert.extensions.basicConstraints?.critical, true);
      assert.equal(cert.extensions.keyUsage?.critical, true);
      assert.deepEqual(cert.extensions.unknownCritical, []);
    }
    assert.equal(formatName(root.subject), "C=CN, O=Ministry of Transport, CN=Hutong Root CA");
    assert.ok(namesEqual(root.issuerDer, root.subjectDer));
    assert.ok(namesEqual(ca.issuerDer, root.subjectDer));
    assert.ok(namesEqual(leaf.issuerDer, ca.subjectDer));
    assert.equal(formatName(leaf.issuer), "C=CN, ST=四川, O=Sichuan DoT, CN=Sichuan CA");
    assert.equal(formatName(leaf.subject), "C=CN, O=Sichuan DoT, OU=网关, CN=gateway.sc");
    assert.equal(hex(root.publicKey.point), hex(rootKey.publicKey.point));
    assert.equal(hex(ca.publicKey.point), hex(caKey.publicKey.point));
    assert.equal(hex(leaf.publicKey.point), hex(leafKey.publicKey.point));

    assert.deepEqual(root.extensions.basicConstraints, { ca: true, pathLen: 1, critical: true });
    assert.deepEqual(ca.extensions.basicConstraints, { ca: true, pathLen: 0, critical: true });
    assert.deepEqual(leaf.extensions.basicConstraints, { ca: false, critical: true });
    assert.deepEqual([...(root.extensions.keyUsage?.usages ?? [])].sort(), ["cRLSign", "keyCertSign"]);
    assert.deepEqual([...(leaf.extensions.keyUsage?.usages ?? [])].sort(), ["digitalSignature", "keyAgreement"]);
    assert.deepEqual(leaf.extensions.extKeyUsage, { oids: [oids.clientAuth, oids.serverAuth], critical: false });
    assert.equal(root.extensions.extKeyUsage, undefined);
    assert.deepEqual(leaf.extensions.subjectAltName, {
      uris: ["urn:hutong:party:prov:510000/licence"],
      dnsNames: ["gw.sc.example.cn"],
      critical: false,
    });
    assert.equal(leaf.partyId, "prov:510000/licence");
    assert.equal(root.partyId, undefined);
    assert.equal(root.extensions.subjectAltName, undefined);

    // SKI: RFC 7093 method 1 with SM3; AKI chains to the issuer's SKI (a root's to its own).
    assert.equal(hex(root.extensions.subjectKeyId), hex(sm3(rootKey.publicKey.point).subarray(0, 20)));
    assert.equal(hex(leaf.extensions.subjectKeyId), hex(subjectKeyIdFor(leafKey.publicKey)));
    assert.equal(hex(root.extensions.authorityKeyId), hex(root.extensions.subjectKeyId));
    assert.equal(hex(ca.extensions.authorityKeyId), hex(root.extensions.subjectKeyId));
    assert.equal(hex(leaf.extensions.authorityKeyId), hex(ca.extensions.subjectKeyId));
  });

  it("normalises serials: magnitude bytes, lowercase hex, DER pad byte when the top bit is set", () => {
    const { leaf } = fixture;
    assert.equal(leaf.serialHex, "8f01");
    assert.equal(hex(leaf.serial), "8f01");
    assert.match(hex(leaf.tbsDer), /0203008f01/);
    for (let i = 0; i < 20; i++) {
      const key = generateSm2PrivateKey();
      const c = createCertificate({
        subject: { commonName: "s" },
        publicKey: key.publicKey,
        selfSignKey: key,
        notBefore,
        notAfter,
      });
      assert.ok(c.serial.length <= 16 && c.serial.length >= 1);
      assert.ok((c.serial[0] ?? 0) < 0x80 || c.serial.length < 16, "16 random bytes with the top bit cleared");
      assert.match(c.serialHex, /^([0-9a-f]{2})+$/);
      assert.notEqual(c.serialHex, "00");
    }
  });

  it("uses GeneralizedTime from 2050 and reads it back", () => {
    const key = generateSm2PrivateKey();
    const late = new Date("2051-06-30T23:59:59Z");
    const c = createCertificate({
      subject: { commonName: "x" },
      publicKey: key.publicKey,
      selfSignKey: key,
      notBefore,
      notAfter: late,
    });
    assert.equal(c.notAfter.toISOString(), late.toISOString());
    assert.ok(Buffer.from(c.tbsDer).includes(Buffer.from("20510630235959Z")));
  });

  it("writes and reads PEM chains in order, ignoring text between blocks", () => {
    const { root, ca, leaf } = fixture;
    const text = `subject=leaf\n${certificateToPem(leaf)}junk\n${certificateToPem(ca)}${certificateToPem(root)}`;
    assert.match(
      certificateToPem(leaf),
      /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/,
    );
    assert.deepEqual(
      parseCertificatePem(text).map((c) => c.serialHex),
      [leaf, ca, root].map((c) => c.serialHex),
    );
    assert.throws(() => parseCertificatePem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), malformed);
  });

  it("refuses inconsistent templates", () => {
    const { root, rootKey, caKey } = fixture;
    const key = generateSm2PrivateKey();
    const base = { subject: { commonName: "x" }, publicKey: key.publicKey, notBefore, notAfter };
    const bad = [
      { ...base }, // neither issuer nor selfSignKey
      { ...base, selfSignKey: rootKey }, // self-signed with another key
      { ...base, issuer: { certificate: root, privateKey: caKey } }, // key does not match issuer cert
      { ...base, selfSignKey: key, notAfter: new Date(notBefore.getTime() - 1000) },
      { ...base, selfSignKey: key, notBefore: new Date(Number.NaN) },
      { ...base, selfSignKey: key, serial: new Uint8Array([0, 0]) },
      { ...base, selfSignKey: key, serial: new Uint8Array(21).fill(1) },
      { ...base, selfSignKey: key, serial: new Uint8Array(20).fill(0xff) }, // 21 octets with the pad
      { ...base, selfSignKey: key, partyId: "prov:999999" },
      { ...base, selfSignKey: key, extKeyUsage: ["codeSigning" as "clientAuth"] },
      { ...base, selfSignKey: key, ca: { pathLen: 1.5 } },
      { ...base, selfSignKey: key, uris: ["urn:hutong:party:prov:510000"] }, // party URIs go through partyId
    ];
    for (const t of bad) assert.throws(() => createCertificate(t), invalidArgument);
    assert.doesNotThrow(() => createCertificate({ ...base, selfSignKey: key, serial: new Uint8Array(20).fill(0x7f) }));
  });
});

describe("further SAN URIs", () => {
  it("writes them after the party URI and reads them back (a holder certificate's subject URI)", () => {
    const key = generateSm2PrivateKey();
    const subjectUri = `urn:hutong:subject:${"ab".repeat(32)}`;
    const cert = createCertificate({
      subject: { commonName: "holder" },
      publicKey: key.publicKey,
      selfSignKey: key,
      notBefore,
      notAfter,
      partyId: "org:wallet",
      uris: [subjectUri],
    });
    assert.deepEqual(parseCertificate(cert.der).extensions.subjectAltName?.uris, [
      "urn:hutong:party:org:wallet",
      subjectUri,
    ]);
    assert.equal(cert.partyId, "org:wallet");
  });
});

describe("verifyCertificateSignature", () => {
  it("accepts each link of the chain and rejects the wrong issuer key", () => {
    const { root, ca, leaf, rootKey, caKey, leafKey } = fixture;
    assert.equal(verifyCertificateSignature(root, rootKey.publicKey), true);
    assert.equal(verifyCertificateSignature(ca, rootKey.publicKey), true);
    assert.equal(verifyCertificateSignature(leaf, caKey.publicKey), true);
    assert.equal(verifyCertificateSignature(leaf, rootKey.publicKey), false);
    assert.equal(verifyCertificateSignature(leaf, leafKey.publicKey), false);
  });

  it("rejects a tampered tbs, a tampered signature and a signature that is not DER", () => {
    const { leaf, caKey } = fixture;
    const der = new Uint8Array(leaf.der);
    const at = Buffer.from(der).indexOf(Buffer.from("gateway.sc"));
    der[at] = "G".charCodeAt(0);
    const tampered = parseCertificate(der);
    assert.equal(formatName(tampered.subject).endsWith("CN=Gateway.sc"), true);
    assert.equal(verifyCertificateSignature(tampered, caKey.publicKey), false);

    const sig = new Uint8Array(leaf.signature);
    sig[10] = (sig[10] ?? 0) ^ 1;
    assert.equal(verifyCertificateSignature({ ...leaf, signature: sig }, caKey.publicKey), false);
    assert.equal(verifyCertificateSignature({ ...leaf, signature: new Uint8Array([1, 2, 3]) }, caKey.publicKey), false);
  });
});

describe("parseCertificate rejects what the profile does not allow", () => {
  const { leaf, caKey } = fixture;

  it("v1 and v2 certificates", () => {
    assert.throws(() => parseCertificate(resign(leaf, caKey, (items) => items.shift())), /v1 certificate/);
    assert.throws(
      () =>
        parseCertificate(
          resign(leaf, caKey, (items) => {
            items[0] = explicit(0, integer(1));
          }),
        ),
      /version 2, only v3/,
    );
  });

  it("inner signature algorithm other than SM2-with-SM3, or differing from the outer one", () => {
    assert.throws(
      () =>
        parseCertificate(
          resign(leaf, caKey, (items) => {
            items[2] = seq(oid("1.2.840.10045.4.3.2"));
          }),
        ),
      /\(inner\): signature algorithm 1.2.840.10045.4.3.2 is not SM2-with-SM3/,
    );
    assert.throws(
      () =>
        parseCertificate(
          resign(leaf, caKey, (items) => {
            items[2] = seq(oid(oids.sm2WithSm3), nullValue());
          }),
        ),
      /differ/,
    );
  });

  it("outer signature algorithm other than SM2-with-SM3", () => {
    const der = encodeDer(seq(parseDer(leaf.tbsDer), seq(oid("1.2.840.10045.4.3.2")), bitString(leaf.signature)));
    assert.throws(() => parseCertificate(der), /Certificate: signature algorithm 1.2.840.10045.4.3.2 is not SM2/);
    const withNull = encodeDer(
      seq(parseDer(leaf.tbsDer), seq(oid(oids.sm2WithSm3), nullValue()), bitString(leaf.signature)),
    );
    assert.throws(() => parseCertificate(withNull), /differ/);
    // Parameters other than NULL, outside and inside alike.
    const withParams = seq(oid(oids.sm2WithSm3), oid(oids.sm2));
    const outer = encodeDer(seq(parseDer(leaf.tbsDer), withParams, bitString(leaf.signature)));
    assert.throws(() => parseCertificate(outer), /Certificate: unexpected SM2-with-SM3 parameters/);
    const inner = resign(leaf, caKey, (items) => {
      items[2] = withParams;
    });
    assert.throws(() => parseCertificate(inner), /\(inner\): unexpected SM2-with-SM3 parameters/);
  });

  it("duplicate extensions", () => {
    const der = resign(leaf, caKey, (items) => {
      const exts = extensionsOf(items);
      exts.push(exts[0] as Asn1);
    });
    assert.throws(() => parseCertificate(der), /appears twice/);
  });

  it("two different party ids in the SAN", () => {
    const der = resign(leaf, caKey, (items) => {
      extensionsOf(items).push(
        encodeExtension(
          "2.5.29.17",
          false,
          seq(
            implicitPrimitive(6, "urn:hutong:party:prov:510000"),
            implicitPrimitive(6, "urn:hutong:party:prov:110000"),
          ),
        ),
      );
      // drop the original SAN so the test is about the two ids, not a duplicate extension
      const exts = extensionsOf(items);
      exts.splice(
        exts.findIndex((e) => hex(encodeDer(e)).includes("0603551d11")),
        1,
      );
    });
    assert.throws(() => parseCertificate(der), /more than one hutong party id/);
  });

  it("accepts an unknown critical extension but reports it", () => {
    const der = resign(leaf, caKey, (items) =>
      extensionsOf(items).push(encodeExtension("1.3.6.1.4.1.99999.1", true, seq())),
    );
    assert.deepEqual(parseCertificate(der).extensions.unknownCritical, ["1.3.6.1.4.1.99999.1"]);
  });

  it("impossible calendar times, BER encodings and stray fields", () => {
    const badTime = resign(leaf, caKey, (items) => {
      items[4] = seq({ ...time(notBefore), value: "251301000000Z" }, time(notAfter));
    });
    assert.throws(() => parseCertificate(badTime), /calendar/);
    const extra = resign(leaf, caKey, (items) => items.push(explicit(4, integer(0))));
    assert.throws(() => parseCertificate(extra), /unexpected field/);
    const outOfOrder = resign(leaf, caKey, (items) => items.push(implicitPrimitive(1, "\x00")));
    assert.throws(() => parseCertificate(outOfOrder), /unexpected field/);
    // Long-form length where the short form fits: valid BER, not DER.
    const der = leaf.der;
    assert.equal(der[1], 0x82);
    const ber = new Uint8Array([0x30, 0x83, 0x00, ...der.subarray(2)]);
    assert.throws(() => parseCertificate(ber), /canonical DER/);
    // Padded INTEGER serial (non-minimal): node-forge would silently fix it on re-encoding.
    const padded = resign(leaf, caKey, (items) => {
      items[1] = { ...integer(1), value: "\x00\x00\x01" };
    });
    assert.throws(() => parseCertificate(padded), /canonical DER/);
  });

  it("a non-SM2 public key is invalid-key", () => {
    const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "der" });
    const der = resign(leaf, caKey, (items) => {
      items[6] = parseDer(new Uint8Array(p256));
    });
    assert.throws(
      () => parseCertificate(der),
      (e) => isCertsError(e, "invalid-key"),
    );
  });

  it("every truncation and some garbage throw CertsError malformed", () => {
    for (let n = 0; n < leaf.der.length; n++) {
      assert.throws(() => parseCertificate(leaf.der.subarray(0, n)), malformed, `prefix ${n}`);
    }
    for (const junk of [
      new Uint8Array(),
      new Uint8Array([0x30]),
      new Uint8Array([0x30, 0x00]),
      new Uint8Array(100).fill(0xff),
    ]) {
      assert.throws(() => parseCertificate(junk), malformed);
    }
    assert.throws(() => parseCertificate(new Uint8Array([...leaf.der, 0])), malformed, "trailing byte");
  });
});
