import {
  type Asn1,
  encodeDer,
  explicit,
  integer,
  integerFromBytes,
  isContext,
  parseDer,
  readExplicit,
  readSeq,
  readSmallInteger,
  readUnsignedIntegerBytes,
  seq,
  time,
} from "../asn1/der.js";
import { decodePemDers, encodePem } from "../asn1/pem.js";
import type { Sm2PrivateKey, Sm2PublicKey } from "../crypto/sm2-key.js";
import { decodeSm2SpkiNode, spkiNode } from "../crypto/sm2-key-codec.js";
import { sm3 } from "../crypto/sm3.js";
import { CertsError } from "../error.js";
import { partyUriPrefix } from "../party/party-id.js";
import {
  type CertificateExtensions,
  type ExtKeyUsageName,
  encodeExtensionList,
  extKeyUsageOidsFor,
  type KeyUsage,
  parseExtensions,
  partyIdFromExtensions,
  partyUriFor,
} from "./extensions.js";
import { type DistinguishedName, encodeName, type NameInput, parseName } from "./name.js";
import { checkSerial, randomSerial, serialToHex } from "./serial.js";
import {
  checkInnerAlgorithm,
  checkX509Date,
  parseSignedObject,
  readX509Time,
  signObject,
  sm2WithSm3AlgorithmIdentifier,
  verifySignedBytes,
} from "./signed-object.js";

export interface Certificate {
  readonly der: Uint8Array;
  /** The exact bytes the issuer signed. */
  readonly tbsDer: Uint8Array;
  /** Dotted OID; always SM2-with-SM3 (1.2.156.10197.1.501), anything else fails to parse. */
  readonly signatureAlgorithm: string;
  /** DER SEQUENCE { r, s }. */
  readonly signature: Uint8Array;
  /** Always 3: v1 and v2 certificates fail to parse. */
  readonly version: number;
  /** Unsigned magnitude of the serial number. */
  readonly serial: Uint8Array;
  /** Lowercase hex of `serial`, whole bytes, no leading zero bytes (see serial.ts). */
  readonly serialHex: string;
  readonly issuer: DistinguishedName;
  readonly issuerDer: Uint8Array;
  readonly subject: DistinguishedName;
  readonly subjectDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: Sm2PublicKey;
  readonly extensions: CertificateExtensions;
  /** Party id from a urn:hutong:party: SAN URI, if any. */
  readonly partyId?: string;
}

/** Parses one DER certificate of the profile. Throws CertsError("malformed") or ("invalid-key"). */
export function parseCertificate(der: Uint8Array): Certificate {
  const what = "Certificate";
  const signed = parseSignedObject(der, what);
  const items = readSeq(signed.tbs, "TBSCertificate", 7, 10);
  const [versionNode, serialNode, sigAlg, issuerNode, validity, subjectNode, spki] = items;
  if (!isContext(versionNode, 0)) throw new CertsError("malformed", `${what}: v1 certificate (no version field)`);
  const version = readSmallInteger(readExplicit(versionNode, 0, `${what} version`), `${what} version`) + 1;
  if (version !== 3) throw new CertsError("malformed", `${what}: version ${version}, only v3 is supported`);
  const serial = readUnsignedIntegerBytes(serialNode, `${what} serialNumber`);
  checkInnerAlgorithm(sigAlg, signed, what);
  const [notBefore, notAfter] = readSeq(validity, `${what} validity`, 2, 2);
  // Optional trailing fields must come in order [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions.
  let extensionsNode: Asn1 | undefined;
  let lastTag = 0;
  for (const item of items.slice(7)) {
    const tag = [1, 2, 3].find((t) => isContext(item, t));
    if (tag === undefined || tag <= lastTag) throw new CertsError("malformed", `${what}: unexpected field in tbs`);
    lastTag = tag;
    if (tag === 3) extensionsNode = readExplicit(item, 3, `${what} extensions`);
  }
  const extensions = parseExtensions(extensionsNode, `${what} extensions`);
  const partyId = partyIdFromExtensions(extensions, what);
  const cert: Certificate = {
    der: new Uint8Array(der),
    tbsDer: signed.tbsDer,
    signatureAlgorithm: signed.signatureAlgorithm,
    signature: signed.signature,
    version,
    serial,
    serialHex: serialToHex(serial),
    issuer: parseName(issuerNode),
    issuerDer: encodeDer(issuerNode as Asn1),
    subject: parseName(subjectNode),
    subjectDer: encodeDer(subjectNode as Asn1),
    notBefore: readX509Time(notBefore, `${what} notBefore`),
    notAfter: readX509Time(notAfter, `${what} notAfter`),
    publicKey: decodeSm2SpkiNode(spki as Asn1),
    extensions,
    ...(partyId === undefined ? {} : { partyId }),
  };
  return Object.freeze(cert);
}

/** Every "CERTIFICATE" block of a PEM text, in order (a chain file, say). Throws if there is none. */
export function parseCertificatePem(text: string): Certificate[] {
  return decodePemDers(text, ["CERTIFICATE"]).map(parseCertificate);
}

export function certificateToPem(cert: Certificate): string {
  return encodePem("CERTIFICATE", cert.der);
}

/** True when `issuerKey` signed this certificate (SM2 with the default id 1234567812345678, GM/T 0015). */
export function verifyCertificateSignature(cert: Certificate, issuerKey: Sm2PublicKey): boolean {
  return verifySignedBytes(cert, issuerKey);
}

/**
 * Key identifier for subjectKeyIdentifier: RFC 7093 method 1 with SM3 in place of
 * SHA-256, i.e. the leftmost 160 bits of SM3 over the subjectPublicKey BIT STRING
 * value (the 65-byte uncompressed point, without tag, length or unused-bits byte).
 */
export function subjectKeyIdFor(key: Sm2PublicKey): Uint8Array {
  return sm3(key.point).subarray(0, 20);
}

export interface CertificateTemplate {
  readonly subject: NameInput;
  readonly publicKey: Sm2PublicKey;
  /** Omitted: self-signed with selfSignKey. */
  readonly issuer?: { readonly certificate: Certificate; readonly privateKey: Sm2PrivateKey };
  readonly selfSignKey?: Sm2PrivateKey;
  /** Default: 16 random bytes, top bit cleared, never zero (a positive INTEGER). */
  readonly serial?: Uint8Array;
  /** Second precision: milliseconds are dropped by the DER time encodings. */
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Present: basicConstraints cA=TRUE and keyUsage keyCertSign+cRLSign, both critical. */
  readonly ca?: { readonly pathLen?: number };
  /** Leaf default: digitalSignature (critical). For a CA these are added to keyCertSign+cRLSign. */
  readonly keyUsage?: readonly KeyUsage[];
  /** Replaces the profile's key usages entirely, e.g. a CA without keyCertSign for negative tests. */
  readonly exactKeyUsage?: readonly KeyUsage[];
  readonly extKeyUsage?: readonly ExtKeyUsageName[];
  /** Validated; becomes a non-critical SAN URI urn:hutong:party:<id> (the subject is never empty). */
  readonly partyId?: string;
  /**
   * Further SAN URIs, e.g. a holder certificate's urn:hutong:subject:<digest> (docs/grants.md).
   * A urn:hutong:party: URI must come through partyId, which validates it.
   */
  readonly uris?: readonly string[];
  readonly dnsNames?: readonly string[];
}

function sameKey(a: Sm2PublicKey, b: Sm2PublicKey): boolean {
  return Buffer.from(a.point).equals(Buffer.from(b.point));
}

/**
 * Builds, signs and re-parses a v3 certificate. Issuer name and authorityKeyIdentifier
 * come from the issuer certificate (its exact subject DER and its SKI). Whether the
 * issuer may issue (cA, keyCertSign) is deliberately not checked here: that is path
 * validation's job, and tests need such certificates.
 */
export function createCertificate(t: CertificateTemplate): Certificate {
  checkX509Date(t.notBefore, "notBefore");
  checkX509Date(t.notAfter, "notAfter");
  if (t.notAfter.getTime() < t.notBefore.getTime()) {
    throw new CertsError("invalid-argument", "notAfter is before notBefore");
  }
  let signingKey: Sm2PrivateKey;
  if (t.issuer !== undefined) {
    signingKey = t.issuer.privateKey;
    if (!sameKey(signingKey.publicKey, t.issuer.certificate.publicKey)) {
      throw new CertsError("invalid-argument", "issuer private key does not match the issuer certificate");
    }
  } else {
    if (t.selfSignKey === undefined) throw new CertsError("invalid-argument", "need an issuer or a selfSignKey");
    signingKey = t.selfSignKey;
    if (!sameKey(signingKey.publicKey, t.publicKey)) {
      throw new CertsError("invalid-argument", "selfSignKey does not match publicKey");
    }
  }
  const serial = t.serial === undefined ? randomSerial() : checkSerial(t.serial);
  const subjectName = encodeName(t.subject);
  const issuerName = t.issuer === undefined ? subjectName : parseDer(t.issuer.certificate.subjectDer, "issuer name");
  const subjectKeyId = subjectKeyIdFor(t.publicKey);
  const authorityKeyId = t.issuer === undefined ? subjectKeyId : t.issuer.certificate.extensions.subjectKeyId;
  const keyUsage: KeyUsage[] =
    t.exactKeyUsage !== undefined
      ? [...t.exactKeyUsage]
      : t.ca === undefined
        ? [...(t.keyUsage ?? ["digitalSignature"])]
        : ["keyCertSign", "cRLSign", ...(t.keyUsage ?? [])];
  for (const uri of t.uris ?? []) {
    if (uri.startsWith(partyUriPrefix)) {
      throw new CertsError("invalid-argument", "a party URI goes in partyId, where it is validated");
    }
  }
  const uris = [...(t.partyId === undefined ? [] : [partyUriFor(t.partyId)]), ...(t.uris ?? [])];
  const dnsNames = t.dnsNames ?? [];
  const extensions = encodeExtensionList({
    basicConstraints:
      t.ca === undefined
        ? { ca: false, critical: true }
        : { ca: true, critical: true, ...(t.ca.pathLen === undefined ? {} : { pathLen: t.ca.pathLen }) },
    keyUsage: { usages: keyUsage, critical: true },
    ...(t.extKeyUsage === undefined || t.extKeyUsage.length === 0
      ? {}
      : { extKeyUsage: { oids: extKeyUsageOidsFor(t.extKeyUsage), critical: false } }),
    ...(uris.length + dnsNames.length === 0 ? {} : { subjectAltName: { uris, dnsNames, critical: false } }),
    subjectKeyId,
    ...(authorityKeyId === undefined ? {} : { authorityKeyId }),
  });
  const tbs = seq(
    explicit(0, integer(2)),
    integerFromBytes(serial),
    sm2WithSm3AlgorithmIdentifier(),
    issuerName,
    seq(time(t.notBefore), time(t.notAfter)),
    subjectName,
    spkiNode(t.publicKey),
    explicit(3, seq(...extensions)),
  );
  return parseCertificate(signObject(tbs, signingKey));
}
