import {
  type Asn1,
  children,
  encodeDer,
  implicitConstructed,
  integer,
  isContext,
  oid,
  readOid,
  readSeq,
  readSet,
  readSmallInteger,
  seq,
  set,
} from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import { decodePemDers, encodePem } from "../asn1/pem.js";
import type { Sm2PrivateKey, Sm2PublicKey } from "../crypto/sm2-key.js";
import { decodeSm2SpkiNode, spkiNode } from "../crypto/sm2-key-codec.js";
import { CertsError } from "../error.js";
import {
  type CertificateExtensions,
  type ExtKeyUsageName,
  encodeExtensionList,
  extKeyUsageOidsFor,
  parseExtensions,
  partyIdFromExtensions,
  partyUriFor,
} from "./extensions.js";
import { type DistinguishedName, encodeName, type NameInput, parseName } from "./name.js";
import { parseSignedObject, signObject, verifySignedBytes } from "./signed-object.js";

/** A PKCS#10 (RFC 2986) certification request. Its self-signature is checked with verifyCsrSignature. */
export interface Csr {
  readonly der: Uint8Array;
  /** certificationRequestInfo: the exact bytes the requester signed. */
  readonly tbsDer: Uint8Array;
  readonly signatureAlgorithm: string;
  readonly signature: Uint8Array;
  readonly subject: DistinguishedName;
  readonly subjectDer: Uint8Array;
  readonly publicKey: Sm2PublicKey;
  /** Extensions from the extensionRequest attribute (empty when there is none). */
  readonly requestedExtensions: CertificateExtensions;
  /** Requested extended key usage OIDs (serverAuth 1.3.6.1.5.5.7.3.1, clientAuth 1.3.6.1.5.5.7.3.2, …). */
  readonly requestedExtKeyUsage: readonly string[];
  /** Party id from a urn:hutong:party: SAN URI in the request, if any. A CA must still check it. */
  readonly partyId?: string;
}

export interface CsrInput {
  readonly subject: NameInput;
  readonly privateKey: Sm2PrivateKey;
  readonly partyId?: string;
  readonly extKeyUsage?: readonly ExtKeyUsageName[];
  readonly dnsNames?: readonly string[];
}

/** Builds and self-signs a CSR; SAN (party URI, DNS names) and EKU travel in an extensionRequest attribute. */
export function createCsr(input: CsrInput): Csr {
  const uris = input.partyId === undefined ? [] : [partyUriFor(input.partyId)];
  const dnsNames = input.dnsNames ?? [];
  const eku = input.extKeyUsage ?? [];
  const extensions = encodeExtensionList({
    ...(eku.length === 0 ? {} : { extKeyUsage: { oids: extKeyUsageOidsFor(eku), critical: false } }),
    ...(uris.length + dnsNames.length === 0 ? {} : { subjectAltName: { uris, dnsNames, critical: false } }),
  });
  const attributes = extensions.length === 0 ? [] : [seq(oid(oids.extensionRequest), set(seq(...extensions)))];
  const info = seq(
    integer(0),
    encodeName(input.subject),
    spkiNode(input.privateKey.publicKey),
    // attributes [0] IMPLICIT SET OF Attribute is mandatory, even when empty (OpenSSL writes A0 00 too).
    implicitConstructed(0, attributes),
  );
  return parseCsr(signObject(info, input.privateKey));
}

function readExtensionRequest(attributesNode: Asn1 | undefined): Asn1 | undefined {
  if (attributesNode === undefined) return undefined;
  if (!isContext(attributesNode, 0)) throw new CertsError("malformed", "CSR: expected attributes [0]");
  let found: Asn1 | undefined;
  for (const attr of children(attributesNode, "CSR attributes")) {
    const [type, values] = readSeq(attr, "CSR attribute", 2, 2);
    const vals = readSet(values, "CSR attribute values");
    if (readOid(type, "CSR attribute type") !== oids.extensionRequest) continue; // challengePassword etc.
    if (found !== undefined) throw new CertsError("malformed", "CSR: extensionRequest appears twice");
    if (vals.length !== 1) throw new CertsError("malformed", "CSR: extensionRequest must hold exactly one value");
    found = vals[0];
  }
  return found;
}

export function parseCsr(der: Uint8Array): Csr {
  const what = "CertificationRequest";
  const signed = parseSignedObject(der, what);
  // Some producers drop the empty attributes field; tolerate that.
  const [version, subjectNode, spki, attributes] = readSeq(signed.tbs, "CertificationRequestInfo", 3, 4);
  if (readSmallInteger(version, `${what} version`) !== 0)
    throw new CertsError("malformed", `${what}: version must be 0`);
  const requestNode = readExtensionRequest(attributes);
  // An empty extensionRequest SEQUENCE is harmless; parseExtensions wants at least one.
  const empty = requestNode !== undefined && Array.isArray(requestNode.value) && requestNode.value.length === 0;
  const requestedExtensions = parseExtensions(empty ? undefined : requestNode, `${what} extensionRequest`);
  const partyId = partyIdFromExtensions(requestedExtensions, what);
  const csr: Csr = {
    der: new Uint8Array(der),
    tbsDer: signed.tbsDer,
    signatureAlgorithm: signed.signatureAlgorithm,
    signature: signed.signature,
    subject: parseName(subjectNode),
    subjectDer: encodeDer(subjectNode as Asn1),
    publicKey: decodeSm2SpkiNode(spki as Asn1),
    requestedExtensions,
    requestedExtKeyUsage: requestedExtensions.extKeyUsage?.oids ?? Object.freeze([]),
    ...(partyId === undefined ? {} : { partyId }),
  };
  return Object.freeze(csr);
}

/** Every "CERTIFICATE REQUEST" (or legacy "NEW CERTIFICATE REQUEST") block, in order. Throws if none. */
export function parseCsrPem(text: string): Csr[] {
  return decodePemDers(text, ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"]).map(parseCsr);
}

export function csrToPem(csr: Csr): string {
  return encodePem("CERTIFICATE REQUEST", csr.der);
}

/** True when the CSR is signed by its own key (proof of possession), default SM2 id. */
export function verifyCsrSignature(csr: Csr): boolean {
  return verifySignedBytes(csr, csr.publicKey);
}
