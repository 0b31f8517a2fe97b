import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeDer, oid, parseDer, printable, seq, set, utf8 } from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import { isCertsError } from "../error.js";
import { encodeName, formatName, nameAttribute, namesEqual, parseName } from "./name.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("encodeName / parseName", () => {
  it("writes C, ST, L, O, OU, CN, serialNumber in that order and reads them back", () => {
    const node = encodeName({
      commonName: "四川省交通运输厅网关",
      organization: "Sichuan DoT",
      organizationalUnit: "IT",
      country: "CN",
      province: "四川",
      locality: "成都",
      serialNumber: "510000-01",
    });
    const dn = parseName(parseDer(encodeDer(node)));
    assert.deepEqual(
      dn.map((a) => a.oid),
      [
        oids.countryName,
        oids.stateOrProvinceName,
        oids.localityName,
        oids.organizationName,
        oids.organizationalUnitName,
        oids.commonName,
        oids.serialNumber,
      ],
    );
    assert.equal(nameAttribute(dn, oids.commonName), "四川省交通运输厅网关");
    assert.equal(nameAttribute(dn, oids.localityName), "成都");
    assert.equal(
      formatName(dn),
      "C=CN, ST=四川, L=成都, O=Sichuan DoT, OU=IT, CN=四川省交通运输厅网关, serialNumber=510000-01",
    );
  });

  it("uses PrintableString for country and serialNumber, UTF8String for the rest", () => {
    const der = encodeDer(encodeName({ commonName: "gw", country: "CN", serialNumber: "7" }));
    // SET { SEQ { OID 2.5.4.6, PrintableString "CN" } } ...
    assert.equal(
      hex(der),
      hex(
        encodeDer(
          seq(
            set(seq(oid(oids.countryName), printable("CN"))),
            set(seq(oid(oids.commonName), utf8("gw"))),
            set(seq(oid(oids.serialNumber), printable("7"))),
          ),
        ),
      ),
    );
  });

  it("rejects bad input with invalid-argument", () => {
    for (const input of [
      { commonName: "" },
      { commonName: "x".repeat(65) },
      { commonName: "a\nb" },
      { commonName: "gw", country: "cn" },
      { commonName: "gw", country: "CHN" },
      { commonName: "gw", serialNumber: "号" },
    ]) {
      assert.throws(
        () => encodeName(input),
        (e) => isCertsError(e, "invalid-argument"),
        JSON.stringify(input),
      );
    }
  });

  it("accepts 64 Chinese characters in a CN (bounds count characters, not bytes)", () => {
    assert.doesNotThrow(() => encodeName({ commonName: "路".repeat(64) }));
  });

  it("escapes separators and shows unknown attribute types by OID", () => {
    const node = seq(set(seq(oid("1.2.3.4"), utf8("a,b+c=d\\e"))));
    assert.equal(formatName(parseName(node)), "1.2.3.4=a\\,b\\+c\\=d\\\\e");
  });

  it("shows a non-string value of an unknown attribute type as #hex of its DER, and refuses one for a known type", () => {
    const unknown = seq(set(seq(oid("1.2.3.4"), seq(utf8("x")))));
    assert.equal(formatName(parseName(unknown)), "1.2.3.4=#30030c0178");
    assert.throws(
      () => parseName(seq(set(seq(oid(oids.commonName), seq(utf8("x")))))),
      (e) => isCertsError(e, "malformed"),
    );
  });

  it("flattens multi-valued RDNs and rejects empty ones", () => {
    const multi = seq(set(seq(oid(oids.organizationName), utf8("A")), seq(oid(oids.commonName), utf8("B"))));
    assert.equal(formatName(parseName(multi)), "O=A, CN=B");
    assert.throws(
      () => parseName(seq(set())),
      (e) => isCertsError(e, "malformed"),
    );
  });

  it("reads BMPString values (node-forge pre-decodes them)", () => {
    const bmp = parseDer(
      new Uint8Array([
        0x30, 0x0f, 0x31, 0x0d, 0x30, 0x0b, 0x06, 0x03, 0x55, 0x04, 0x03, 0x1e, 0x04, 0x8d, 0xef, 0x00, 0x41,
      ]),
    );
    assert.equal(formatName(parseName(bmp)), "CN=路A");
  });

  it("rejects names that are not SEQUENCE OF SET OF SEQUENCE { OID, string }", () => {
    for (const node of [set(), seq(seq()), seq(set(seq(oid(oids.commonName)))), seq(set(seq(utf8("x"), utf8("y"))))]) {
      assert.throws(
        () => parseName(node),
        (e) => isCertsError(e, "malformed"),
      );
    }
  });
});

describe("namesEqual", () => {
  it("compares exact DER: same text in another string type is a different name", () => {
    const a = encodeDer(seq(set(seq(oid(oids.commonName), utf8("gw")))));
    const b = encodeDer(seq(set(seq(oid(oids.commonName), printable("gw")))));
    assert.equal(namesEqual(a, new Uint8Array(a)), true);
    assert.equal(namesEqual(a, b), false);
    assert.equal(namesEqual(a, a.subarray(0, a.length - 1)), false);
  });
});
