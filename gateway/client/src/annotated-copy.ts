import {
  type Certificate,
  type Crl,
  constantTimeEqual,
  isValidPartyId,
  parsePartyId,
  sm2Verify,
  sm3,
} from "@hutong/certs";
import { Annotation } from "@hutong/proto";
import {
  concatBytes,
  encodeFields,
  encodeList,
  isSessionError,
  parsePeerChain,
  type TrustStore,
  u32be,
  u64be,
  utf8,
  validatePeerChain,
} from "@hutong/session";

/**
 * Annotated copies (加注件, docs/annotated-copies.md): a record released by its owner's gateway
 * with an Annotation that gateway signed (who received it, for what, under which grant, until when,
 * and the SM3 of the record's exact bytes). This module is the signature's canonical encoding, which
 * the gateway signs and anyone verifies, and the offline verification, which needs nothing of the
 * server: the record bytes, the annotation, trust anchors and CRLs.
 */

/** The domain separator that starts every signed annotation message: ASCII, then one 0x00 byte. */
export const annotationSigningLabel = "hutong/v1 annotated copy\0";

/** What an annotation's signature covers, in the order of its canonical encoding. */
export interface AnnotationFields {
  /**
   * The record message's full name ("hutong.v1.<Record>"). Not a field of Annotation: the signer
   * knows it from the method, a verifier from where the copy says what it holds (the file's
   * recordType), so the bytes cannot be passed off as another kind of record.
   */
  readonly recordType: string;
  /** The party the copy was released to (the calling system). */
  readonly recipientParty: string;
  /** The Purpose value's number. */
  readonly purpose: number;
  /** The grant the share used; "" for none. */
  readonly grantId: string;
  /** Milliseconds since the Unix epoch. */
  readonly issuedAtMs: number;
  readonly validUntilMs: number;
  /** SM3 of the record's exact bytes, 32 bytes. */
  readonly recordSm3: Uint8Array;
  /** The signing gateway's party. */
  readonly signerParty: string;
  /** Its certificate chain, DER, leaf first. */
  readonly signerChain: readonly Uint8Array[];
}

/**
 * The message M an annotation's SM2 signature is over (docs/annotated-copies.md §3):
 *
 *   M = "hutong/v1 annotated copy\0" || field(record_type)
 *       || field(recipient_party) || field(u32be(purpose)) || field(grant_id)
 *       || field(u64be(issued_at ms)) || field(u64be(valid_until ms)) || field(record_sm3)
 *       || field(signer_party) || field(field(chain[0]) || ... || field(chain[n-1]))
 *
 * Strings are UTF-8, integers unsigned big-endian. Never protobuf bytes: protobuf is not canonical.
 */
export function annotationSigningBytes(f: AnnotationFields): Uint8Array {
  return concatBytes([
    utf8(annotationSigningLabel),
    encodeFields([
      utf8(f.recordType),
      utf8(f.recipientParty),
      u32be(f.purpose),
      utf8(f.grantId),
      u64be(f.issuedAtMs),
      u64be(f.validUntilMs),
      f.recordSm3,
      utf8(f.signerParty),
      encodeList(f.signerChain),
    ]),
  ]);
}

/** Why a copy is not valid (docs/annotated-copies.md §4 says which check gives which). */
export const annotationProblems = [
  /** The annotation does not decode, or lacks a field, or its chain is not certificates. */
  "malformed",
  /** The signer's chain does not reach a trust anchor, is expired, lacks a current CRL, ... */
  "untrusted-chain",
  /** A certificate of the signer's chain is on its issuer's CRL. */
  "revoked",
  /** The chain's leaf is not a gateway's certificate of signer_party. */
  "signer-mismatch",
  /** The SM2 signature does not verify over the canonical encoding (a field was changed). */
  "bad-signature",
  /** The record bytes are not the ones the annotation's digest names. */
  "digest-mismatch",
  /** The verification time is before issued_at (minus the allowed clock skew). */
  "not-yet-valid",
  /** The verification time is after valid_until. */
  "expired",
] as const;

export type AnnotationProblem = (typeof annotationProblems)[number];

/** A copy that verified: its fields, the dates as Dates, and the signer's certificate. */
export interface VerifiedAnnotation extends AnnotationFields {
  readonly issuedAt: Date;
  readonly validUntil: Date;
  readonly signer: Certificate;
}

export type AnnotatedCopyVerdict =
  | { readonly ok: true; readonly annotation: VerifiedAnnotation }
  | { readonly ok: false; readonly reason: AnnotationProblem; readonly detail: string };

export interface AnnotatedCopyVerification {
  /** The record message's full name, as the copy states it. */
  readonly recordType: string;
  /** The record's exact bytes (the record message, as released). */
  readonly recordBytes: Uint8Array;
  /** The annotation: its protobuf bytes, or decoded. */
  readonly annotation: Uint8Array | Annotation;
  /** Trust anchors (the federation root) and known intermediates. */
  readonly trust: TrustStore;
  /** Current CRLs: revocation is required for every certificate of the signer's chain. */
  readonly crls: readonly Crl[];
  /** The verification time. */
  readonly now: number | Date;
  /** How far before issued_at a copy is still accepted (clocks differ); default 60 000 ms. */
  readonly clockSkewMs?: number;
}

export const defaultAnnotationClockSkewMs = 60_000;

/** id-kp-serverAuth (RFC 5280): what makes a certificate of the federation a gateway's. */
const serverAuthOid = "1.3.6.1.5.5.7.3.1";

const invalid = (reason: AnnotationProblem, detail: string): AnnotatedCopyVerdict => ({ ok: false, reason, detail });

/** A member's party (a gateway's): valid, without a sub-system. */
function isGatewayParty(party: string): boolean {
  return isValidPartyId(party) && parsePartyId(party).subsystem === undefined;
}

function decoded(annotation: Uint8Array | Annotation): Annotation | string {
  if (!(annotation instanceof Uint8Array)) return annotation;
  try {
    return Annotation.decode(annotation);
  } catch (e) {
    return `the annotation is not a well-formed hutong.v1.Annotation (${(e as Error).message})`;
  }
}

/** The signed fields of a decoded annotation, or what makes it malformed. */
function fieldsOf(a: Annotation, recordType: string): AnnotationFields | string {
  const issuedAtMs = a.issuedAt?.getTime();
  const validUntilMs = a.validUntil?.getTime();
  if (issuedAtMs === undefined || !Number.isSafeInteger(issuedAtMs) || issuedAtMs < 0)
    return "issued_at is missing or before 1970";
  if (validUntilMs === undefined || !Number.isSafeInteger(validUntilMs) || validUntilMs <= issuedAtMs)
    return "valid_until is missing or not after issued_at";
  if (!Number.isInteger(a.purpose) || a.purpose <= 0) return "purpose is unspecified";
  if (a.recordSm3.length !== 32) return `record_sm3 has ${a.recordSm3.length} bytes, not 32`;
  if (a.signature.length === 0) return "the signature is missing";
  return {
    recordType,
    recipientParty: a.recipientParty,
    purpose: a.purpose,
    grantId: a.grantId,
    issuedAtMs,
    validUntilMs,
    recordSm3: a.recordSm3,
    signerParty: a.signerParty,
    signerChain: a.signerChain,
  };
}

/**
 * Verifies an annotated copy offline (docs/annotated-copies.md §4), in this order, the first
 * failure being the reason: the annotation decodes and has every field, its chain parses
 * (malformed); signer_party is a member's party (signer-mismatch); the chain validates at `now` to
 * a trust anchor with current CRLs (untrusted-chain, revoked) and its leaf is a gateway certificate
 * (serverAuth) of signer_party (signer-mismatch);
 * the SM2 signature (user id 1234567812345678) verifies over annotationSigningBytes
 * (bad-signature); SM3 of the record bytes is record_sm3 (digest-mismatch); `now` is within
 * [issued_at − skew, valid_until] (not-yet-valid, expired). Never throws for bad input.
 */
export function verifyAnnotatedCopy(v: AnnotatedCopyVerification): AnnotatedCopyVerdict {
  const now = typeof v.now === "number" ? v.now : v.now.getTime();
  const annotation = decoded(v.annotation);
  if (typeof annotation === "string") return invalid("malformed", annotation);
  const fields = fieldsOf(annotation, v.recordType);
  if (typeof fields === "string") return invalid("malformed", fields);

  let chain: Certificate[];
  try {
    chain = parsePeerChain(fields.signerChain);
  } catch (e) {
    if (!isSessionError(e)) throw e;
    return invalid("malformed", `signer_chain: ${e.message}`);
  }
  if (!isGatewayParty(fields.signerParty)) {
    return invalid("signer-mismatch", `signer_party "${fields.signerParty}" is not a gateway's party`);
  }
  let signer: Certificate;
  try {
    signer = validatePeerChain(chain, {
      trust: v.trust,
      crls: v.crls,
      now,
      requiredEku: "serverAuth",
      expectedPartyId: fields.signerParty,
    }).leaf;
  } catch (e) {
    if (!isSessionError(e)) throw e;
    const detail = e.message;
    if (e.code === "revoked") return invalid("revoked", detail);
    // wrong-party: a leaf of another party, or of none; wrong-usage of a leaf without serverAuth: not
    // a gateway's certificate. A CA's wrong usage is the chain's fault.
    const leafEku = chain[0]?.extensions.extKeyUsage?.oids ?? [];
    if (
      e.code === "wrong-party" ||
      e.certsCode === "wrong-party" ||
      (e.certsCode === "wrong-usage" && !leafEku.includes(serverAuthOid))
    ) {
      return invalid("signer-mismatch", detail);
    }
    return invalid("untrusted-chain", detail);
  }

  if (!sm2Verify(signer.publicKey, annotationSigningBytes(fields), annotation.signature)) {
    return invalid("bad-signature", "the signature does not verify over the annotation's fields");
  }
  if (!constantTimeEqual(sm3(v.recordBytes), fields.recordSm3)) {
    return invalid("digest-mismatch", "the record is not the one the annotation was signed for");
  }
  const skew = v.clockSkewMs ?? defaultAnnotationClockSkewMs;
  if (now < fields.issuedAtMs - skew) {
    return invalid(
      "not-yet-valid",
      `issued at ${new Date(fields.issuedAtMs).toISOString()}, after the verification time`,
    );
  }
  if (now > fields.validUntilMs) {
    return invalid("expired", `valid until ${new Date(fields.validUntilMs).toISOString()}`);
  }
  return {
    ok: true,
    annotation: {
      ...fields,
      issuedAt: new Date(fields.issuedAtMs),
      validUntil: new Date(fields.validUntilMs),
      signer,
    },
  };
}
