import {
  type Asn1,
  Asn1Class,
  Asn1Type,
  encodeDer,
  explicit,
  implicitPrimitive,
  integer,
  integerFromBytes,
  isContext,
  parseDer,
  readExplicit,
  readInteger,
  readSeq,
  readSmallInteger,
  readUnsignedIntegerBytes,
  seq,
  time,
} from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import { decodePemDers, encodePem } from "../asn1/pem.js";
import type { Sm2PrivateKey, Sm2PublicKey } from "../crypto/sm2-key.js";
import { CertsError } from "../error.js";
import type { Certificate } from "./certificate.js";
import { decodeAuthorityKeyId, encodeExtension, readRawExtensions } from "./extensions.js";
import { type DistinguishedName, parseName } from "./name.js";
import { normalizeSerialHex, serialFromHex, serialToHex } from "./serial.js";
import {
  checkInnerAlgorithm,
  checkX509Date,
  parseCanonicalDer,
  parseSignedObject,
  readX509Time,
  signObject,
  sm2WithSm3AlgorithmIdentifier,
  verifySignedBytes,
} from "./signed-object.js";

/** CRLReason names (RFC 5280 §5.3.1), in code order. */
export const revocationReasons = [
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
] as const;

export type RevocationReason = (typeof revocationReasons)[number];

/** CRLReason codes (RFC 5280 §5.3.1); 7 is unused. */
const reasonCodes: Readonly<Record<RevocationReason, number>> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
};

const reasonsByCode: ReadonlyMap<number, RevocationReason> = new Map(
  Object.entries(reasonCodes).map(([name, code]) => [code, name as RevocationReason]),
);

export interface CrlEntry {
  readonly serialHex: string;
  readonly revocationDate: Date;
  readonly reason?: RevocationReason;
}

export interface Crl {
  readonly der: Uint8Array;
  /** The exact bytes the issuer signed. */
  readonly tbsDer: Uint8Array;
  readonly signature: Uint8Array;
  readonly signatureAlgorithm: string;
  /** 2 for v2 CRLs (ours), 1 for v1 CRLs (no version field, no extensions). */
  readonly version: number;
  readonly issuer: DistinguishedName;
  readonly issuerDer: Uint8Array;
  readonly thisUpdate: Date;
  readonly nextUpdate?: Date;
  readonly crlNumber?: bigint;
  readonly authorityKeyId?: Uint8Array;
  readonly entries: readonly CrlEntry[];
  /** Lookup by serialHex (serial.ts form: lowercase, whole bytes, no leading zero bytes). */
  readonly revoked: ReadonlyMap<string, CrlEntry>;
  /**
   * Critical CRL or entry extensions this profile does not understand (an indirect
   * CRL's certificateIssuer, say). RFC 5280 §5.2: such a CRL must not be used.
   */
  readonly unknownCritical: readonly string[];
}

export interface CrlInput {
  readonly issuer: Certificate;
  readonly issuerKey: Sm2PrivateKey;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly crlNumber: bigint;
  readonly entries: readonly {
    readonly serialHex: string;
    readonly revocationDate: Date;
    readonly reason?: RevocationReason;
  }[];
}

// ENUMERATED has no constructor in der.ts: an INTEGER node re-tagged is the same content encoding.
function enumerated(value: number): Asn1 {
  return { ...integer(value), type: Asn1Type.ENUMERATED };
}

function readEnumerated(node: Asn1 | undefined, what: string): number {
  if (node === undefined || node.tagClass !== Asn1Class.UNIVERSAL || node.type !== Asn1Type.ENUMERATED) {
    throw new CertsError("malformed", `${what}: expected ENUMERATED`);
  }
  return readSmallInteger({ ...node, type: Asn1Type.INTEGER }, what);
}

/**
 * Builds and signs an X.509 v2 CRL with cRLNumber and authorityKeyIdentifier
 * (the issuer's SKI, when it has one). reasonCode is left out for "unspecified",
 * as RFC 5280 §5.3.1 asks.
 */
export function createCrl(input: CrlInput): Crl {
  if (!Buffer.from(input.issuerKey.publicKey.point).equals(Buffer.from(input.issuer.publicKey.point))) {
    throw new CertsError("invalid-argument", "CRL issuer key does not match the issuer certificate");
  }
  checkX509Date(input.thisUpdate, "thisUpdate");
  checkX509Date(input.nextUpdate, "nextUpdate");
  if (input.nextUpdate.getTime() < input.thisUpdate.getTime()) {
    throw new CertsError("invalid-argument", "nextUpdate is before thisUpdate");
  }
  if (input.crlNumber < 0n || input.crlNumber >= 1n << 159n) {
    throw new CertsError("invalid-argument", "crlNumber must be a non-negative integer of at most 20 octets");
  }
  const seen = new Set<string>();
  const revoked = input.entries.map((e) => {
    const serialHex = normalizeSerialHex(e.serialHex);
    if (seen.has(serialHex)) throw new CertsError("invalid-argument", `serial ${serialHex} listed twice`);
    seen.add(serialHex);
    checkX509Date(e.revocationDate, "revocationDate");
    const items = [integerFromBytes(serialFromHex(serialHex)), time(e.revocationDate)];
    if (e.reason !== undefined && e.reason !== "unspecified") {
      const code = Object.hasOwn(reasonCodes, e.reason) ? reasonCodes[e.reason] : undefined;
      if (code === undefined) throw new CertsError("invalid-argument", `unknown revocation reason "${e.reason}"`);
      items.push(seq(encodeExtension(oids.cRLReason, false, enumerated(code))));
    }
    return seq(...items);
  });
  const aki = input.issuer.extensions.subjectKeyId;
  const extensions = [
    ...(aki === undefined ? [] : [encodeExtension(oids.authorityKeyIdentifier, false, seq(implicitPrimitive(0, aki)))]),
    encodeExtension(oids.cRLNumber, false, integer(input.crlNumber)),
  ];
  const tbs = seq(
    integer(1), // v2
    sm2WithSm3AlgorithmIdentifier(),
    parseDer(input.issuer.subjectDer, "issuer name"),
    time(input.thisUpdate),
    time(input.nextUpdate),
    // An empty revokedCertificates must be absent, not an empty SEQUENCE (RFC 5280 §5.1.2.6).
    ...(revoked.length === 0 ? [] : [seq(...revoked)]),
    explicit(0, seq(...extensions)),
  );
  return parseCrl(signObject(tbs, input.issuerKey));
}

function isTime(node: Asn1 | undefined): boolean {
  return (
    node !== undefined &&
    node.tagClass === Asn1Class.UNIVERSAL &&
    (node.type === Asn1Type.UTCTIME || node.type === Asn1Type.GENERALIZEDTIME)
  );
}

function isUniversal(node: Asn1 | undefined, type: number): boolean {
  return node !== undefined && node.tagClass === Asn1Class.UNIVERSAL && node.type === type;
}

function parseEntry(node: Asn1, unknownCritical: Set<string>): CrlEntry {
  const what = "CRL entry";
  const [serialNode, dateNode, extNode] = readSeq(node, what, 2, 3);
  const serialHex = serialToHex(readUnsignedIntegerBytes(serialNode, `${what} userCertificate`));
  const revocationDate = readX509Time(dateNode, `${what} revocationDate`);
  let reason: RevocationReason | undefined;
  if (extNode !== undefined) {
    for (const ext of readRawExtensions(extNode, `${what} extensions`)) {
      if (ext.oid === oids.cRLReason) {
        const code = readEnumerated(parseCanonicalDer(ext.value, "reasonCode"), "reasonCode");
        reason = reasonsByCode.get(code);
        if (reason === undefined) throw new CertsError("malformed", `${what}: unknown reasonCode ${code}`);
      } else if (ext.critical) {
        unknownCritical.add(ext.oid);
      }
    }
  }
  return Object.freeze(reason === undefined ? { serialHex, revocationDate } : { serialHex, revocationDate, reason });
}

export function parseCrl(der: Uint8Array): Crl {
  const what = "CertificateList";
  const signed = parseSignedObject(der, what);
  const items = readSeq(signed.tbs, "TBSCertList", 3, 7);
  let i = 0;
  const version = isUniversal(items[0], Asn1Type.INTEGER) ? readSmallInteger(items[i++], `${what} version`) + 1 : 1;
  if (version !== 1 && version !== 2) throw new CertsError("malformed", `${what}: unknown version ${version}`);
  checkInnerAlgorithm(items[i++], signed, what);
  const issuerNode = items[i++];
  const issuer = parseName(issuerNode);
  const thisUpdate = readX509Time(items[i++], `${what} thisUpdate`);
  const nextUpdate = isTime(items[i]) ? readX509Time(items[i++], `${what} nextUpdate`) : undefined;
  const unknownCritical = new Set<string>();
  const entries: CrlEntry[] = [];
  const revoked = new Map<string, CrlEntry>();
  if (isUniversal(items[i], Asn1Type.SEQUENCE)) {
    for (const node of readSeq(items[i++], `${what} revokedCertificates`)) {
      const entry = parseEntry(node, unknownCritical);
      // A serial listed twice would make the lookup depend on order; refuse the CRL instead.
      if (revoked.has(entry.serialHex)) throw new CertsError("malformed", `${what}: serial ${entry.serialHex} twice`);
      revoked.set(entry.serialHex, entry);
      entries.push(entry);
    }
  }
  let crlNumber: bigint | undefined;
  let authorityKeyId: Uint8Array | undefined;
  if (isContext(items[i], 0)) {
    if (version === 1) throw new CertsError("malformed", `${what}: v1 CRL with extensions`);
    for (const ext of readRawExtensions(readExplicit(items[i++], 0, `${what} extensions`), `${what} extensions`)) {
      if (ext.oid === oids.cRLNumber) crlNumber = readInteger(parseCanonicalDer(ext.value, "cRLNumber"), "cRLNumber");
      else if (ext.oid === oids.authorityKeyIdentifier) authorityKeyId = decodeAuthorityKeyId(ext.value);
      else if (ext.critical) unknownCritical.add(ext.oid);
    }
  }
  if (i !== items.length) throw new CertsError("malformed", `${what}: unexpected field in tbs`);
  const crl: Crl = {
    der: new Uint8Array(der),
    tbsDer: signed.tbsDer,
    signature: signed.signature,
    signatureAlgorithm: signed.signatureAlgorithm,
    version,
    issuer,
    issuerDer: encodeDer(issuerNode as Asn1),
    thisUpdate,
    ...(nextUpdate === undefined ? {} : { nextUpdate }),
    ...(crlNumber === undefined ? {} : { crlNumber }),
    ...(authorityKeyId === undefined ? {} : { authorityKeyId }),
    entries: Object.freeze(entries),
    revoked,
    unknownCritical: Object.freeze([...unknownCritical]),
  };
  return Object.freeze(crl);
}

/** Every "X509 CRL" block of a PEM text, in order. Throws if there is none. */
export function parseCrlPem(text: string): Crl[] {
  return decodePemDers(text, ["X509 CRL"]).map(parseCrl);
}

export function crlToPem(crl: Crl): string {
  return encodePem("X509 CRL", crl.der);
}

/** True when `issuerKey` signed this CRL (SM2, default id 1234567812345678). */
export function verifyCrlSignature(crl: Crl, issuerKey: Sm2PublicKey): boolean {
  return verifySignedBytes(crl, issuerKey);
}
