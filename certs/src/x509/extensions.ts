import {
  type Asn1,
  bool,
  encodeDer,
  implicitPrimitive,
  integer,
  isContext,
  namedBits,
  octets,
  oid,
  readBool,
  readImplicitBytes,
  readNamedBits,
  readOctets,
  readOid,
  readSeq,
  readSmallInteger,
  seq,
} from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import { CertsError } from "../error.js";
import { partyIdFromUri, partyIdToUri, partyUriPrefix } from "../party/party-id.js";
import { parseCanonicalDer } from "./signed-object.js";

/** RFC 5280 §4.2.1.3 bit positions, in order. */
export const keyUsageNames = [
  "digitalSignature",
  "nonRepudiation",
  "keyEncipherment",
  "dataEncipherment",
  "keyAgreement",
  "keyCertSign",
  "cRLSign",
  "encipherOnly",
  "decipherOnly",
] as const;

export type KeyUsage = (typeof keyUsageNames)[number];

export type ExtKeyUsageName = "serverAuth" | "clientAuth";

export const extKeyUsageOids: Readonly<Record<ExtKeyUsageName, string>> = {
  serverAuth: oids.serverAuth,
  clientAuth: oids.clientAuth,
};

export interface CertificateExtensions {
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLen?: number; readonly critical: boolean };
  readonly keyUsage?: { readonly usages: ReadonlySet<KeyUsage>; readonly critical: boolean };
  readonly extKeyUsage?: { readonly oids: readonly string[]; readonly critical: boolean };
  readonly subjectAltName?: {
    readonly uris: readonly string[];
    readonly dnsNames: readonly string[];
    readonly critical: boolean;
  };
  readonly subjectKeyId?: Uint8Array;
  readonly authorityKeyId?: Uint8Array;
  /** OIDs of critical extensions this profile does not understand (path validation rejects them). */
  readonly unknownCritical: readonly string[];
}

/** What encodeExtensions writes; absent fields are left out. */
export interface ExtensionsInput {
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLen?: number; readonly critical: boolean };
  readonly keyUsage?: { readonly usages: readonly KeyUsage[]; readonly critical: boolean };
  readonly extKeyUsage?: { readonly oids: readonly string[]; readonly critical: boolean };
  readonly subjectAltName?: {
    readonly uris?: readonly string[];
    readonly dnsNames?: readonly string[];
    readonly critical: boolean;
  };
  readonly subjectKeyId?: Uint8Array;
  readonly authorityKeyId?: Uint8Array;
}

/** One raw Extension as found in the DER. */
export interface RawExtension {
  readonly oid: string;
  readonly critical: boolean;
  /** Contents of extnValue: the DER of the extension's own value. */
  readonly value: Uint8Array;
}

// --- encoding ---------------------------------------------------------------

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
export function encodeExtension(extnId: string, critical: boolean, value: Asn1): Asn1 {
  // DER: a DEFAULT value is never encoded, so FALSE is left out.
  const items = [oid(extnId)];
  if (critical) items.push(bool(true));
  items.push(octets(encodeDer(value)));
  return seq(...items);
}

function ia5Text(text: string, what: string): string {
  if (text.length === 0 || !/^[\x21-\x7e]+$/.test(text)) {
    throw new CertsError("invalid-argument", `${what} "${text.slice(0, 80)}" must be non-empty printable ASCII`);
  }
  return text;
}

const dnsName = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

function checkDnsName(name: string): string {
  if (name.length > 253 || !dnsName.test(name)) {
    throw new CertsError("invalid-argument", `"${name.slice(0, 80)}" is not a DNS name`);
  }
  return name;
}

/** The extensions, in a fixed order, as the list that goes inside [3] (or an extensionRequest). */
export function encodeExtensionList(input: ExtensionsInput): Asn1[] {
  const list: Asn1[] = [];
  const bc = input.basicConstraints;
  if (bc !== undefined) {
    const items: Asn1[] = [];
    if (bc.ca) items.push(bool(true));
    if (bc.pathLen !== undefined) {
      if (!bc.ca) throw new CertsError("invalid-argument", "pathLen is only meaningful for a CA");
      if (!Number.isSafeInteger(bc.pathLen) || bc.pathLen < 0) {
        throw new CertsError("invalid-argument", "pathLen must be a non-negative integer");
      }
      items.push(integer(bc.pathLen));
    }
    list.push(encodeExtension(oids.basicConstraints, bc.critical, seq(...items)));
  }
  const ku = input.keyUsage;
  if (ku !== undefined) {
    if (ku.usages.length === 0) throw new CertsError("invalid-argument", "keyUsage must name at least one usage");
    const bits = [...new Set(ku.usages)].map((u) => {
      const bit = keyUsageNames.indexOf(u);
      if (bit < 0) throw new CertsError("invalid-argument", `unknown key usage "${String(u)}"`);
      return bit;
    });
    list.push(encodeExtension(oids.keyUsage, ku.critical, namedBits(bits)));
  }
  const eku = input.extKeyUsage;
  if (eku !== undefined) {
    if (eku.oids.length === 0) throw new CertsError("invalid-argument", "extKeyUsage must name at least one purpose");
    list.push(encodeExtension(oids.extKeyUsage, eku.critical, seq(...[...new Set(eku.oids)].map((o) => oid(o)))));
  }
  const san = input.subjectAltName;
  if (san !== undefined) {
    const names = [
      ...(san.dnsNames ?? []).map((d) => implicitPrimitive(2, checkDnsName(d))),
      ...(san.uris ?? []).map((u) => implicitPrimitive(6, ia5Text(u, "SAN URI"))),
    ];
    if (names.length === 0) throw new CertsError("invalid-argument", "subjectAltName must hold at least one name");
    list.push(encodeExtension(oids.subjectAltName, san.critical, seq(...names)));
  }
  if (input.subjectKeyId !== undefined) {
    list.push(encodeExtension(oids.subjectKeyIdentifier, false, octets(input.subjectKeyId)));
  }
  if (input.authorityKeyId !== undefined) {
    // keyIdentifier [0] only: issuer name + serial would pin one issuer certificate and break re-issued CAs.
    list.push(encodeExtension(oids.authorityKeyIdentifier, false, seq(implicitPrimitive(0, input.authorityKeyId))));
  }
  return list;
}

// --- parsing ----------------------------------------------------------------

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension, with duplicate OIDs rejected (RFC 5280 §4.2). */
export function readRawExtensions(node: Asn1 | undefined, what: string): RawExtension[] {
  const out: RawExtension[] = [];
  const seen = new Set<string>();
  for (const ext of readSeq(node, what, 1)) {
    const items = readSeq(ext, `${what} entry`, 2, 3);
    const extnId = readOid(items[0], `${what} extnID`);
    if (seen.has(extnId)) throw new CertsError("malformed", `${what}: extension ${extnId} appears twice`);
    seen.add(extnId);
    const critical = items.length === 3 ? readBool(items[1], `${what} ${extnId} critical`) : false;
    out.push({ oid: extnId, critical, value: readOctets(items[items.length - 1], `${what} ${extnId} extnValue`) });
  }
  return out;
}

function parseValue(ext: RawExtension, name: string): Asn1 {
  return parseCanonicalDer(ext.value, name);
}

function parseBasicConstraints(ext: RawExtension): NonNullable<CertificateExtensions["basicConstraints"]> {
  const what = "basicConstraints";
  const items = readSeq(parseValue(ext, what), what, 0, 2);
  let i = 0;
  let ca = false;
  if (items[i]?.type === 1 /* BOOLEAN */) ca = readBool(items[i++], `${what} cA`);
  const pathLen = items[i] === undefined ? undefined : readSmallInteger(items[i++], `${what} pathLenConstraint`);
  if (i !== items.length) throw new CertsError("malformed", `${what}: unexpected field`);
  return pathLen === undefined ? { ca, critical: ext.critical } : { ca, pathLen, critical: ext.critical };
}

function parseKeyUsage(ext: RawExtension): NonNullable<CertificateExtensions["keyUsage"]> {
  const usages = new Set<KeyUsage>();
  // Bits beyond decipherOnly have no meaning in RFC 5280; they are ignored.
  for (const bit of readNamedBits(parseValue(ext, "keyUsage"), "keyUsage")) {
    const name = keyUsageNames[bit];
    if (name !== undefined) usages.add(name);
  }
  return { usages, critical: ext.critical };
}

function parseExtKeyUsage(ext: RawExtension): NonNullable<CertificateExtensions["extKeyUsage"]> {
  const items = readSeq(parseValue(ext, "extKeyUsage"), "extKeyUsage", 1);
  return { oids: Object.freeze(items.map((n) => readOid(n, "extKeyUsage purpose"))), critical: ext.critical };
}

function ia5Content(node: Asn1, tag: number, what: string): string {
  const bytes = readImplicitBytes(node, tag, what);
  if (bytes.some((b) => b > 0x7f)) throw new CertsError("malformed", `${what}: not IA5 (ASCII)`);
  return Buffer.from(bytes).toString("latin1");
}

function parseSubjectAltName(ext: RawExtension): NonNullable<CertificateExtensions["subjectAltName"]> {
  const uris: string[] = [];
  const dnsNames: string[] = [];
  for (const name of readSeq(parseValue(ext, "subjectAltName"), "subjectAltName", 1)) {
    // Other GeneralName forms (rfc822Name, iPAddress, directoryName…) carry nothing this profile uses.
    if (isContext(name, 6)) uris.push(ia5Content(name, 6, "SAN URI"));
    else if (isContext(name, 2)) dnsNames.push(ia5Content(name, 2, "SAN dNSName"));
  }
  return { uris: Object.freeze(uris), dnsNames: Object.freeze(dnsNames), critical: ext.critical };
}

export function decodeSubjectKeyId(value: Uint8Array): Uint8Array {
  return readOctets(parseCanonicalDer(value, "subjectKeyIdentifier"), "subjectKeyIdentifier");
}

/** The keyIdentifier [0] of an AuthorityKeyIdentifier, if present (issuer+serial forms are ignored). */
export function decodeAuthorityKeyId(value: Uint8Array): Uint8Array | undefined {
  const items = readSeq(parseCanonicalDer(value, "authorityKeyIdentifier"), "authorityKeyIdentifier", 0, 3);
  const first = items[0];
  return isContext(first, 0) ? readImplicitBytes(first, 0, "authorityKeyIdentifier keyIdentifier") : undefined;
}

/** Parses the [3] contents of a certificate (or a CSR's extensionRequest); `undefined` means none. */
export function parseExtensions(node: Asn1 | undefined, what = "extensions"): CertificateExtensions {
  if (node === undefined) return Object.freeze({ unknownCritical: Object.freeze([]) });
  const out: {
    -readonly [K in keyof CertificateExtensions]: CertificateExtensions[K];
  } = { unknownCritical: [] };
  const unknownCritical: string[] = [];
  for (const ext of readRawExtensions(node, what)) {
    switch (ext.oid) {
      case oids.basicConstraints:
        out.basicConstraints = parseBasicConstraints(ext);
        break;
      case oids.keyUsage:
        out.keyUsage = parseKeyUsage(ext);
        break;
      case oids.extKeyUsage:
        out.extKeyUsage = parseExtKeyUsage(ext);
        break;
      case oids.subjectAltName:
        out.subjectAltName = parseSubjectAltName(ext);
        break;
      case oids.subjectKeyIdentifier:
        out.subjectKeyId = decodeSubjectKeyId(ext.value);
        break;
      case oids.authorityKeyIdentifier: {
        const keyId = decodeAuthorityKeyId(ext.value);
        if (keyId !== undefined) out.authorityKeyId = keyId;
        break;
      }
      default:
        if (ext.critical) unknownCritical.push(ext.oid);
    }
  }
  out.unknownCritical = Object.freeze(unknownCritical);
  return Object.freeze(out);
}

// --- profile helpers shared by certificates and CSRs ---------------------------

/** The party id named by the SAN URIs; two different ones make the identity ambiguous, so that is malformed. */
export function partyIdFromExtensions(ext: CertificateExtensions, what: string): string | undefined {
  const ids = new Set<string>();
  for (const uri of ext.subjectAltName?.uris ?? []) {
    // A hutong URI whose id does not validate names no party; path validation then reports wrong-party.
    const id = uri.startsWith(partyUriPrefix) ? partyIdFromUri(uri) : undefined;
    if (id !== undefined) ids.add(id);
  }
  if (ids.size > 1) throw new CertsError("malformed", `${what}: more than one hutong party id in subjectAltName`);
  return ids.values().next().value;
}

/** OIDs for EKU names, rejecting names outside the profile (callers may not be TypeScript). */
export function extKeyUsageOidsFor(names: readonly ExtKeyUsageName[]): string[] {
  return names.map((n) => {
    const dotted = Object.hasOwn(extKeyUsageOids, n) ? extKeyUsageOids[n] : undefined;
    if (dotted === undefined) throw new CertsError("invalid-argument", `unknown extended key usage "${String(n)}"`);
    return dotted;
  });
}

/** The SAN URI for a party id; an invalid id is the caller's mistake (invalid-argument). */
export function partyUriFor(partyId: string): string {
  try {
    return partyIdToUri(partyId);
  } catch (cause) {
    throw new CertsError("invalid-argument", `invalid party id "${partyId.slice(0, 80)}"`, { cause });
  }
}
