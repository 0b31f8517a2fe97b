import {
  type Asn1,
  Asn1Class,
  encodeDer,
  oid,
  printable,
  readOid,
  readSeq,
  readSet,
  readString,
  seq,
  set,
  utf8,
} from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import { CertsError } from "../error.js";

/** One attribute of a Name, in DER order. Multi-valued RDNs are flattened (the DER keeps them). */
export interface NameAttribute {
  readonly oid: string;
  readonly value: string;
}

export type DistinguishedName = readonly NameAttribute[];

export interface NameInput {
  readonly commonName: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  /** ISO 3166 two-letter code, e.g. "CN". */
  readonly country?: string;
  readonly province?: string;
  readonly locality?: string;
  readonly serialNumber?: string;
}

// OpenSSL's short names, so formatted names read like `openssl x509 -subject`.
const shortNames: ReadonlyMap<string, string> = new Map([
  [oids.commonName, "CN"],
  [oids.countryName, "C"],
  [oids.localityName, "L"],
  [oids.stateOrProvinceName, "ST"],
  [oids.organizationName, "O"],
  [oids.organizationalUnitName, "OU"],
  [oids.serialNumber, "serialNumber"],
]);

// RFC 5280 Appendix A upper bounds, in characters.
const upperBounds: ReadonlyMap<string, number> = new Map([
  [oids.commonName, 64],
  [oids.localityName, 128],
  [oids.stateOrProvinceName, 128],
  [oids.organizationName, 64],
  [oids.organizationalUnitName, 64],
  [oids.serialNumber, 64],
]);

const printableChars = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

function attribute(attrOid: string, value: string, field: string): Asn1 {
  if (value.length === 0) throw new CertsError("invalid-argument", `name ${field} must not be empty`);
  const max = upperBounds.get(attrOid);
  if (max !== undefined && [...value].length > max) {
    throw new CertsError("invalid-argument", `name ${field} longer than ${max} characters`);
  }
  if (/\p{Cc}/u.test(value)) throw new CertsError("invalid-argument", `name ${field} contains control characters`);
  // X.520 requires PrintableString for these two; everything else is UTF8String (RFC 5280 §4.1.2.6).
  const printableOnly = attrOid === oids.countryName || attrOid === oids.serialNumber;
  if (printableOnly && !printableChars.test(value)) {
    throw new CertsError("invalid-argument", `name ${field} must be a PrintableString`);
  }
  return set(seq(oid(attrOid), printableOnly ? printable(value) : utf8(value)));
}

/** Name in conventional big-endian order: C, ST, L, O, OU, CN, serialNumber. */
export function encodeName(input: NameInput): Asn1 {
  if (input.country !== undefined && !/^[A-Z]{2}$/.test(input.country)) {
    throw new CertsError("invalid-argument", "name country must be two upper-case letters (ISO 3166)");
  }
  const fields: [string, string | undefined, string][] = [
    [oids.countryName, input.country, "country"],
    [oids.stateOrProvinceName, input.province, "province"],
    [oids.localityName, input.locality, "locality"],
    [oids.organizationName, input.organization, "organization"],
    [oids.organizationalUnitName, input.organizationalUnit, "organizationalUnit"],
    [oids.commonName, input.commonName, "commonName"],
    [oids.serialNumber, input.serialNumber, "serialNumber"],
  ];
  const rdns: Asn1[] = [];
  for (const [attrOid, value, field] of fields) if (value !== undefined) rdns.push(attribute(attrOid, value, field));
  return seq(...rdns);
}

function attributeValue(node: Asn1 | undefined, attrOid: string): string {
  // Unknown attribute types may hold non-string values: show them RFC 4514 style (#hex of the DER).
  if (!shortNames.has(attrOid) && node !== undefined && (node.tagClass !== Asn1Class.UNIVERSAL || node.constructed)) {
    return `#${Buffer.from(encodeDer(node)).toString("hex")}`;
  }
  return readString(node, `name attribute ${attrOid}`);
}

export function parseName(node: Asn1 | undefined): DistinguishedName {
  const out: NameAttribute[] = [];
  for (const rdn of readSeq(node, "Name")) {
    const atvs = readSet(rdn, "RelativeDistinguishedName");
    if (atvs.length === 0) throw new CertsError("malformed", "RelativeDistinguishedName: empty SET");
    for (const atv of atvs) {
      const [type, value] = readSeq(atv, "AttributeTypeAndValue", 2, 2);
      const attrOid = readOid(type, "attribute type");
      out.push(Object.freeze({ oid: attrOid, value: attributeValue(value, attrOid) }));
    }
  }
  return Object.freeze(out);
}

function escapeValue(value: string): string {
  // Escape the separators so the output cannot be mistaken for a different name.
  return value.replace(/[\\,+=]/g, (c) => `\\${c}`);
}

/** "C=CN, O=Hutong, CN=Root" in DER order (like OpenSSL's default oneline form, without the spaces around "="). */
export function formatName(dn: DistinguishedName): string {
  return dn.map((a) => `${shortNames.get(a.oid) ?? a.oid}=${escapeValue(a.value)}`).join(", ");
}

/** The first value of an attribute, e.g. the commonName. */
export function nameAttribute(dn: DistinguishedName, attrOid: string): string | undefined {
  return dn.find((a) => a.oid === attrOid)?.value;
}

/** Names match when their DER is byte-identical (issuer/subject chaining; we never re-encode names). */
export function namesEqual(aDer: Uint8Array, bDer: Uint8Array): boolean {
  return Buffer.from(aDer.buffer, aDer.byteOffset, aDer.byteLength).equals(
    Buffer.from(bDer.buffer, bDer.byteOffset, bDer.byteLength),
  );
}
