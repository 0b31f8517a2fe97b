import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Asn1, bitString, encodeDer, integer, oid, parseDer, seq, time } from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import { generateSm2PrivateKey } from "../crypto/sm2-key.js";
import { isCertsError } from "../error.js";
import { createCertificate } from "./certificate.js";
import { createCrl, crlToPem, parseCrl, parseCrlPem, type RevocationReason, verifyCrlSignature } from "./crl.js";
import { encodeExtension } from "./extensions.js";
import { namesEqual } from "./name.js";
import { signObject } from "./signed-object.js";

const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString("hex");
const malformed = (e: unknown) => isCertsError(e, "malformed");
const invalidArgument = (e: unknown) => isCertsError(e, "invalid-argument");

const caKey = generateSm2PrivateKey();
const ca = createCertificate({
  subject: { commonName: "Sichuan CA", country: "CN" },
  publicKey: caKey.publicKey,
  selfSignKey: caKey,
  notBefore: new Date("2025-01-01T00:00:00Z"),
  notAfter: new Date("2035-01-01T00:00:00Z"),
  ca: { pathLen: 0 },
});
const thisUpdate = new Date("2026-05-01T00:00:00Z");
const nextUpdate = new Date("2026-05-08T00:00:00Z");
const revokedAt = new Date("2026-04-30T12:34:56Z");

const reasons: RevocationReason[] = [
  "unspecified",
  "keyCompromise",
  "cACompromise",
  "affiliationChanged",
  "superseded",
  "cessationOfOperation",
  "certificateHold",
  "removeFromCRL",
  "privilegeWithdrawn",
  "aACompromise",
];

const crl = createCrl({
  issuer: ca,
  issuerKey: caKey,
  thisUpdate,
  nextUpdate,
  crlNumber: 2n ** 100n + 7n,
  entries: [
    ...reasons.map((reason, i) => ({ serialHex: (0x80 + i).toString(16), revocationDate: revokedAt, reason })),
    { serialHex: "0x00:0A:BC", revocationDate: revokedAt },
  ],
});

function resign(edit: (items: Asn1[]) => void): Uint8Array {
  const tbs = parseDer(crl.tbsDer);
  edit(tbs.value as Asn1[]);
  return signObject(tbs, caKey);
}

describe("createCrl / parseCrl", () => {
  it("round-trips issuer, times, number, AKI and every reason", () => {
    assert.deepEqual(parseCrl(crl.der), crl);
    assert.equal(crl.version, 2);
    assert.equal(crl.signatureAlgorithm, oids.sm2WithSm3);
    assert.ok(namesEqual(crl.issuerDer, ca.subjectDer));
    assert.equal(crl.thisUpdate.toISOString(), thisUpdate.toISOString());
    assert.equal(crl.nextUpdate?.toISOString(), nextUpdate.toISOString());
    assert.equal(crl.crlNumber, 2n ** 100n + 7n);
    assert.equal(hex(crl.authorityKeyId), hex(ca.extensions.subjectKeyId));
    assert.deepEqual(crl.unknownCritical, []);
    assert.equal(crl.entries.length, reasons.length + 1);
    for (const [i, reason] of reasons.entries()) {
      const entry = crl.revoked.get((0x80 + i).toString(16));
      assert.equal(entry?.revocationDate.toISOString(), revokedAt.toISOString());
      // RFC 5280 §5.3.1: reasonCode is omitted rather than "unspecified".
      assert.equal(entry?.reason, reason === "unspecified" ? undefined : reason);
    }
    assert.deepEqual(crl.revoked.get("0abc"), { serialHex: "0abc", revocationDate: revokedAt });
    assert.equal(crl.revoked.get("abc"), undefined, "lookups use the normalised form");
    assert.equal(verifyCrlSignature(crl, caKey.publicKey), true);
  });

  it("encodes reason codes as ENUMERATED with the RFC numbers (7 skipped)", () => {
    const der = Buffer.from(crl.der);
    // extension value OCTET STRING { ENUMERATED n }
    for (const code of [1, 2, 3, 4, 5, 6, 8, 9, 10])
      assert.ok(der.includes(Buffer.from([0x04, 0x03, 0x0a, 0x01, code])), `code ${code}`);
    assert.ok(!der.includes(Buffer.from([0x04, 0x03, 0x0a, 0x01, 0x00])), "unspecified must not be encoded");
  });

  it("omits revokedCertificates when empty and writes PEM", () => {
    const empty = createCrl({ issuer: ca, issuerKey: caKey, thisUpdate, nextUpdate, crlNumber: 0n, entries: [] });
    assert.deepEqual(empty.entries, []);
    assert.equal(empty.crlNumber, 0n);
    assert.equal(parseDer(empty.tbsDer).value.length, 6);
    const pem = `${crlToPem(empty)}${crlToPem(crl)}`;
    assert.match(pem, /^-----BEGIN X509 CRL-----\n/);
    assert.deepEqual(
      parseCrlPem(pem).map((c) => c.crlNumber),
      [0n, crl.crlNumber],
    );
    assert.throws(() => parseCrlPem(""), malformed);
  });

  it("refuses bad input", () => {
    const base = { issuer: ca, issuerKey: caKey, thisUpdate, nextUpdate, crlNumber: 1n, entries: [] };
    const bad = [
      { ...base, issuerKey: generateSm2PrivateKey() },
      { ...base, nextUpdate: new Date(thisUpdate.getTime() - 1) },
      { ...base, crlNumber: -1n },
      { ...base, crlNumber: 1n << 160n },
      { ...base, entries: [{ serialHex: "zz", revocationDate: revokedAt }] },
      {
        ...base,
        entries: [
          { serialHex: "0a", revocationDate: revokedAt },
          { serialHex: "A", revocationDate: revokedAt },
        ],
      },
      { ...base, entries: [{ serialHex: "01", revocationDate: revokedAt, reason: "oops" as RevocationReason }] },
    ];
    for (const input of bad) assert.throws(() => createCrl(input), invalidArgument);
  });
});

describe("verifyCrlSignature", () => {
  it("rejects a tampered CRL and the wrong key", () => {
    const der = new Uint8Array(crl.der);
    const at = Buffer.from(der).indexOf(Buffer.from([0x02, 0x02, 0x00, 0x81])); // serial 0x81
    der[at + 3] = 0xff;
    const tampered = parseCrl(der);
    assert.equal(tampered.revoked.has("81"), false);
    assert.equal(tampered.revoked.has("ff"), true);
    assert.equal(verifyCrlSignature(tampered, caKey.publicKey), false);
    assert.equal(verifyCrlSignature(crl, generateSm2PrivateKey().publicKey), false);
  });
});

describe("parseCrl rejects malformed lists", () => {
  const revokedList = (items: Asn1[]) => items[5] as Asn1;

  it("a duplicate serial", () => {
    const der = resign((items) => {
      const entries = revokedList(items).value as Asn1[];
      entries.push(entries[0] as Asn1);
    });
    assert.throws(() => parseCrl(der), /twice/);
  });

  it("reason code 7 and unknown versions", () => {
    const der = resign((items) => {
      const entries = revokedList(items).value as Asn1[];
      entries[0] = seq(
        integer(5),
        time(revokedAt),
        seq(encodeExtension(oids.cRLReason, false, { ...integer(7), type: 10 })),
      );
    });
    assert.throws(() => parseCrl(der), /unknown reasonCode 7/);
    // The right number as an INTEGER: CRLReason is ENUMERATED.
    const asInteger = resign((items) => {
      const entries = revokedList(items).value as Asn1[];
      entries[0] = seq(integer(5), time(revokedAt), seq(encodeExtension(oids.cRLReason, false, integer(1))));
    });
    assert.throws(() => parseCrl(asInteger), /reasonCode: expected ENUMERATED/);
    const v3 = resign((items) => {
      items[0] = integer(2);
    });
    assert.throws(() => parseCrl(v3), /unknown version/);
  });

  it("a v1 CRL with extensions, inner/outer algorithm mismatch, stray fields", () => {
    assert.throws(() => parseCrl(resign((items) => items.shift())), /v1 CRL with extensions/);
    const inner = resign((items) => {
      items[1] = seq(oid("1.2.840.10045.4.3.2"));
    });
    assert.throws(() => parseCrl(inner), /not SM2-with-SM3/);
    const outer = encodeDer(seq(parseDer(crl.tbsDer), seq(oid("1.2.840.10045.4.3.2")), bitString(crl.signature)));
    assert.throws(() => parseCrl(outer), /not SM2-with-SM3/);
    assert.throws(() => parseCrl(resign((items) => items.push(integer(0)))), malformed);
    const stray = resign((items) => {
      items[4] = integer(0); // in place of nextUpdate
    });
    assert.throws(() => parseCrl(stray), /unexpected field/);
  });

  it("reports unknown critical CRL and entry extensions", () => {
    const der = resign((items) => {
      const entries = revokedList(items).value as Asn1[];
      entries[0] = seq(integer(5), time(revokedAt), seq(encodeExtension("2.5.29.29", true, seq())));
      const exts = ((items[6] as Asn1).value[0] as Asn1).value as Asn1[];
      exts.push(encodeExtension("2.5.29.28", true, seq()));
    });
    assert.deepEqual([...parseCrl(der).unknownCritical].sort(), ["2.5.29.28", "2.5.29.29"]);
  });

  it("truncations and trailing bytes", () => {
    for (let n = 0; n < crl.der.length; n++) assert.throws(() => parseCrl(crl.der.subarray(0, n)), malformed);
    assert.throws(() => parseCrl(new Uint8Array([...crl.der, 0])), malformed);
  });
});
