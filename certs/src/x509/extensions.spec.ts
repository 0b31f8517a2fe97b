import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Asn1, bool, encodeDer, implicitPrimitive, integer, octets, oid, seq, utf8 } from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import { isCertsError } from "../error.js";
import {
  decodeAuthorityKeyId,
  encodeExtension,
  encodeExtensionList,
  type KeyUsage,
  keyUsageNames,
  parseExtensions,
  partyIdFromExtensions,
} from "./extensions.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const list = (...items: Asn1[]) => seq(...items);
const malformed = (e: unknown) => isCertsError(e, "malformed");

describe("extensions", () => {
  it("round-trips every field of the profile", () => {
    const ski = new Uint8Array(20).fill(7);
    const aki = new Uint8Array(20).fill(9);
    const parsed = parseExtensions(
      list(
        ...encodeExtensionList({
          basicConstraints: { ca: true, pathLen: 3, critical: true },
          keyUsage: { usages: ["keyCertSign", "cRLSign", "decipherOnly"], critical: true },
          extKeyUsage: { oids: [oids.clientAuth, oids.serverAuth], critical: false },
          subjectAltName: {
            uris: ["urn:hutong:party:prov:510000"],
            dnsNames: ["gw.example.cn", "*.example.cn"],
            critical: false,
          },
          subjectKeyId: ski,
          authorityKeyId: aki,
        }),
      ),
    );
    assert.deepEqual(parsed.basicConstraints, { ca: true, pathLen: 3, critical: true });
    assert.deepEqual([...(parsed.keyUsage?.usages ?? [])].sort(), ["cRLSign", "decipherOnly", "keyCertSign"]);
    assert.equal(parsed.keyUsage?.critical, true);
    assert.deepEqual(parsed.extKeyUsage, { oids: [oids.clientAuth, oids.serverAuth], critical: false });
    assert.deepEqual(parsed.subjectAltName?.uris, ["urn:hutong:party:prov:510000"]);
    assert.deepEqual(parsed.subjectAltName?.dnsNames, ["gw.example.cn", "*.example.cn"]);
    assert.equal(hex(parsed.subjectKeyId ?? new Uint8Array()), hex(ski));
    assert.equal(hex(parsed.authorityKeyId ?? new Uint8Array()), hex(aki));
    assert.deepEqual(parsed.unknownCritical, []);
    assert.equal(partyIdFromExtensions(parsed, "test"), "prov:510000");
  });

  it("encodes each key usage at its RFC 5280 bit, DER-minimal", () => {
    for (const [bit, name] of keyUsageNames.entries()) {
      const [ext] = encodeExtensionList({ keyUsage: { usages: [name], critical: true } });
      const parsed = parseExtensions(list(ext as Asn1));
      assert.deepEqual([...(parsed.keyUsage?.usages ?? [])], [name]);
      // BIT STRING: unused-bits count, then the bit at position `bit` (MSB first).
      const expected =
        bit < 8
          ? `0302${(7 - bit).toString(16).padStart(2, "0")}${(0x80 >> bit).toString(16).padStart(2, "0")}`
          : "0303070080";
      const value = encodeDer((ext as Asn1).value[2] as Asn1).subarray(2);
      assert.equal(hex(value), expected, name);
    }
    // keyCertSign + cRLSign is the familiar 03 02 01 06.
    const [ca] = encodeExtensionList({ keyUsage: { usages: ["keyCertSign", "cRLSign"], critical: true } });
    assert.match(hex(encodeDer(ca as Asn1)), /03020106$/);
  });

  it("leaves cA=FALSE out (DER DEFAULT) and reads an empty basicConstraints as a non-CA", () => {
    const [bc] = encodeExtensionList({ basicConstraints: { ca: false, critical: true } });
    assert.match(hex(encodeDer(bc as Asn1)), /04023000$/);
    assert.deepEqual(parseExtensions(list(bc as Asn1)).basicConstraints, { ca: false, critical: true });
  });

  it("rejects a duplicate extension", () => {
    const [ski] = encodeExtensionList({ subjectKeyId: new Uint8Array([1]) });
    assert.throws(() => parseExtensions(list(ski as Asn1, ski as Asn1)), malformed);
  });

  it("records unknown critical extensions and ignores unknown non-critical ones", () => {
    const parsed = parseExtensions(
      list(encodeExtension("1.2.3.4", true, utf8("x")), encodeExtension("1.2.3.5", false, utf8("y"))),
    );
    assert.deepEqual(parsed.unknownCritical, ["1.2.3.4"]);
  });

  it("ignores other GeneralName forms and the issuer/serial parts of authorityKeyIdentifier", () => {
    const san = encodeExtension(
      oids.subjectAltName,
      false,
      seq(
        implicitPrimitive(1, "ops@example.cn"),
        implicitPrimitive(7, "\x7f\x00\x00\x01"),
        implicitPrimitive(6, "urn:x"),
      ),
    );
    const akiValue = seq(implicitPrimitive(0, "\x01\x02"), implicitPrimitive(2, "\x05"));
    const parsed = parseExtensions(list(san, encodeExtension(oids.authorityKeyIdentifier, false, akiValue)));
    assert.deepEqual(parsed.subjectAltName?.uris, ["urn:x"]);
    assert.deepEqual(parsed.subjectAltName?.dnsNames, []);
    assert.equal(hex(parsed.authorityKeyId ?? new Uint8Array()), "0102");
    assert.equal(decodeAuthorityKeyId(encodeDer(seq(implicitPrimitive(2, "\x05")))), undefined);
  });

  it("rejects malformed values of known extensions", () => {
    const bad: Asn1[] = [
      encodeExtension(oids.basicConstraints, true, seq(integer(1), bool(true))), // wrong order
      encodeExtension(oids.basicConstraints, true, utf8("x")),
      encodeExtension(oids.keyUsage, true, octets(new Uint8Array([1]))),
      encodeExtension(oids.extKeyUsage, false, seq()),
      encodeExtension(oids.subjectAltName, false, seq(implicitPrimitive(6, "\xe4\xb8\xad"))), // not IA5
      encodeExtension(oids.subjectAltName, false, seq()),
      encodeExtension(oids.subjectKeyIdentifier, false, seq()),
      // extnValue that is not DER at all
      seq(oid(oids.subjectKeyIdentifier), octets(new Uint8Array([0x04, 0x05, 0x00]))),
      // critical encoded as a non-DER BOOLEAN
      seq(oid(oids.keyUsage), { ...bool(true), value: "\x01" }, octets(new Uint8Array([3, 2, 7, 0x80]))),
    ];
    for (const ext of bad) assert.throws(() => parseExtensions(list(ext)), malformed, hex(encodeDer(ext)));
    assert.throws(() => parseExtensions(seq()), malformed, "Extensions must not be empty");
  });

  it("treats two different party URIs as malformed and an invalid one as no party", () => {
    const two = parseExtensions(
      list(
        encodeExtension(
          oids.subjectAltName,
          false,
          seq(implicitPrimitive(6, "urn:hutong:party:prov:510000"), implicitPrimitive(6, "urn:hutong:party:rail:cr")),
        ),
      ),
    );
    assert.throws(() => partyIdFromExtensions(two, "test"), malformed);
    const invalid = parseExtensions(
      list(encodeExtension(oids.subjectAltName, false, seq(implicitPrimitive(6, "urn:hutong:party:prov:999999")))),
    );
    assert.equal(partyIdFromExtensions(invalid, "test"), undefined);
  });

  it("refuses to encode nonsense", () => {
    const cases = [
      { keyUsage: { usages: [] as KeyUsage[], critical: true } },
      { keyUsage: { usages: ["signEverything" as KeyUsage], critical: true } },
      { basicConstraints: { ca: false, pathLen: 0, critical: true } },
      { basicConstraints: { ca: true, pathLen: -1, critical: true } },
      { subjectAltName: { dnsNames: ["bad name"], critical: false } },
      { subjectAltName: { uris: ["urn:中"], critical: false } },
      { subjectAltName: { critical: false } },
      { extKeyUsage: { oids: [], critical: false } },
    ];
    for (const input of cases) {
      assert.throws(
        () => encodeExtensionList(input),
        (e) => isCertsError(e, "invalid-argument"),
        JSON.stringify(input),
      );
    }
  });
});
