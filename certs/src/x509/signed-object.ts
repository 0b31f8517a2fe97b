import { createHash } from "node:crypto";
import {
  type Asn1,
  Asn1Class,
  Asn1Type,
  bitString,
  encodeDer,
  oid,
  parseDer,
  readBitStringBytes,
  readOid,
  readSeq,
  readTime,
  seq,
} from "../asn1/der.js";
import { oids } from "../asn1/oids.js";
import type { Sm2PrivateKey, Sm2PublicKey } from "../crypto/sm2-key.js";
import { sm2Sign, sm2Verify } from "../crypto/sm2-signature.js";
import { CertsError } from "../error.js";

/**
 * Certificates, CSRs and CRLs share one shape: SEQUENCE { tbs, AlgorithmIdentifier,
 * BIT STRING signature }. This file parses and builds that envelope for the
 * only algorithm of the profile, SM2-with-SM3.
 */

/**
 * Parses DER and insists that re-encoding gives the same bytes. That rejects BER
 * (non-minimal lengths, padded INTEGERs…) and makes every re-encoded piece
 * (tbs, issuer, subject) byte-exact, which signatures and name chaining rely on.
 */
export function parseCanonicalDer(der: Uint8Array, what: string): Asn1 {
  const node = parseDer(der, what);
  if (!Buffer.from(encodeDer(node)).equals(Buffer.from(der.buffer, der.byteOffset, der.byteLength))) {
    throw new CertsError("malformed", `${what}: not in canonical DER form`);
  }
  return node;
}

export function sm2WithSm3AlgorithmIdentifier(): Asn1 {
  // No parameters: what OpenSSL and GmSSL write for SM2-with-SM3.
  return seq(oid(oids.sm2WithSm3));
}

function checkAlgorithm(node: Asn1 | undefined, what: string): void {
  const [algOid, params] = readSeq(node, `${what} signature algorithm`, 1, 2);
  const dotted = readOid(algOid, `${what} signature algorithm`);
  if (dotted !== oids.sm2WithSm3) {
    throw new CertsError("malformed", `${what}: signature algorithm ${dotted} is not SM2-with-SM3`);
  }
  if (params !== undefined && !(params.tagClass === Asn1Class.UNIVERSAL && params.type === Asn1Type.NULL)) {
    throw new CertsError("malformed", `${what}: unexpected SM2-with-SM3 parameters`);
  }
}

export interface SignedObject {
  readonly tbs: Asn1;
  readonly tbsDer: Uint8Array;
  readonly signatureAlgorithm: string;
  readonly signature: Uint8Array;
  /** The outer AlgorithmIdentifier, for comparing with a copy inside the tbs. */
  readonly algorithmDer: Uint8Array;
}

export function parseSignedObject(der: Uint8Array, what: string): SignedObject {
  const [tbs, alg, sig] = readSeq(parseCanonicalDer(der, what), what, 3, 3);
  checkAlgorithm(alg, what);
  readSeq(tbs, `${what} to-be-signed part`);
  return {
    tbs: tbs as Asn1,
    tbsDer: encodeDer(tbs as Asn1),
    signatureAlgorithm: oids.sm2WithSm3,
    signature: readBitStringBytes(sig, `${what} signature`),
    algorithmDer: encodeDer(alg as Asn1),
  };
}

/** RFC 5280 §4.1.1.2: the signature field inside the tbs must equal the outer one. */
export function checkInnerAlgorithm(inner: Asn1 | undefined, signed: SignedObject, what: string): void {
  checkAlgorithm(inner, `${what} (inner)`);
  if (!Buffer.from(encodeDer(inner as Asn1)).equals(Buffer.from(signed.algorithmDer))) {
    throw new CertsError("malformed", `${what}: inner and outer signature algorithms differ`);
  }
}

/** Signs `tbs` with SM2 (default id 1234567812345678, as GM/T 0015 requires) and returns the whole DER. */
export function signObject(tbs: Asn1, key: Sm2PrivateKey): Uint8Array {
  const tbsDer = encodeDer(tbs);
  return encodeDer(seq(tbs, sm2WithSm3AlgorithmIdentifier(), bitString(sm2Sign(key, tbsDer))));
}

function isoDigits(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, "")
    .replace(/\.\d{3}Z$/, "Z");
}

/**
 * readTime plus a calendar check: node-forge rolls "month 13" over into the next
 * year, so the date must format back to the very same text.
 */
export function readX509Time(node: Asn1 | undefined, what: string): Date {
  const date = readTime(node, what);
  const text = (node as Asn1).value as string;
  const y = date.getUTCFullYear();
  const ok =
    !Number.isNaN(date.getTime()) &&
    y >= 1 &&
    y <= 9999 &&
    (node?.type === Asn1Type.UTCTIME ? isoDigits(date).slice(2) : isoDigits(date)) === text;
  if (!ok) throw new CertsError("malformed", `${what}: not a valid calendar time`);
  return date;
}

/** True when `key` made `signature` over `tbsDer` (SM2, default id 1234567812345678, GM/T 0015). */
/**
 * Signatures already seen to verify, keyed by SM3(key || tbs || signature).
 * A gateway validates the same CA certificates and CRLs on every handshake
 * (four SM2 verifications for a two-level chain); remembering exact byte
 * strings that verified is sound because SM3 is collision resistant, and
 * only successes are kept, so nothing that failed can ever pass. Bounded;
 * the oldest entry goes first.
 */
const verifiedCache = new Set<string>();
const verifiedCacheMax = 4096;

function verificationKey(key: Sm2PublicKey, tbs: Uint8Array, signature: Uint8Array): string {
  return createHash("sm3").update(key.point).update(tbs).update(signature).digest("base64");
}

// In front of it, the parsed objects (a CRL, a certificate) already seen to verify under a key
// object: a CRL set is parsed once and checked on every validation that misses the path cache, so
// even the SM3 of its bytes is spared. A parsed object's bytes are fixed at parsing; another
// object with the same bytes goes through the SM3 key above.
const verifiedObjects = new WeakMap<object, WeakSet<Sm2PublicKey>>();

export function verifySignedBytes(
  signed: { readonly tbsDer: Uint8Array; readonly signature: Uint8Array },
  key: Sm2PublicKey,
): boolean {
  let keys = verifiedObjects.get(signed);
  if (keys?.has(key)) return true;
  const ok = verifySignedBytesByHash(signed, key);
  if (ok) {
    if (keys === undefined) {
      keys = new WeakSet();
      verifiedObjects.set(signed, keys);
    }
    keys.add(key);
  }
  return ok;
}

function verifySignedBytesByHash(
  signed: { readonly tbsDer: Uint8Array; readonly signature: Uint8Array },
  key: Sm2PublicKey,
): boolean {
  const cacheKey = verificationKey(key, signed.tbsDer, signed.signature);
  if (verifiedCache.has(cacheKey)) return true;
  // sm2Verify answers false, never throws, for a signature that is not even a DER SEQUENCE { r, s }.
  const ok = sm2Verify(key, signed.tbsDer, signed.signature);
  if (ok) {
    if (verifiedCache.size >= verifiedCacheMax) {
      const oldest = verifiedCache.values().next().value;
      if (oldest !== undefined) verifiedCache.delete(oldest);
    }
    verifiedCache.add(cacheKey);
  }
  return ok;
}

/** Dates the X.509 time types can carry (UTCTime from 1950, GeneralizedTime to 9999). */
export function checkX509Date(date: Date, what: string): void {
  const y = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || y < 1950 || y > 9999) {
    throw new CertsError("invalid-argument", `${what} must be a valid date between 1950 and 9999`);
  }
}
