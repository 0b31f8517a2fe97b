import { hmacSm3 } from "../crypto/sm3.js";
import { CertsError } from "../error.js";

// How holder certificates name their subject (docs/grants.md §2): a SAN URI holding the keyed
// subject digest, never the ID number. The one implementation of the digest: the gateway's
// subjectDigest adds the contract's id type check on top, and `hutong-certs issue-holder` uses it
// to enrol a person or an enterprise.

/** Domain-separation label: the digest can never collide with another HMAC under the same key. */
export const subjectDigestLabel = "hutong/v1 subject\0";
export const subjectDigestLength = 32;
/** A shorter federation subject key would make the digests guessable offline. */
export const minSubjectKeyLength = 16;
export const maxSubjectIdLength = 64;
export const subjectUriPrefix = "urn:hutong:subject:";
/**
 * The hutong.v1.IdType number of an enterprise's unified social credit code (GB 32100), the
 * subject of its operating permits and vehicle certificates. Pinned to the contract's value by the
 * gateway's subject-digest spec (this package does not depend on the contract).
 */
export const unifiedSocialCreditCodeIdType = 32100;
/** GB 32100's published pattern: 18 characters of the code's alphabet (no I, O, S, V, Z); the check character is not verified. */
export const unifiedSocialCreditCodePattern = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

// Exactly these are stripped, so every implementation normalizes the same way: TAB, LF, VT, FF,
// CR, SPACE, NO-BREAK SPACE and the IDEOGRAPHIC SPACE a Chinese input method types.
const strippedSpaces = /[\t\n\v\f\r \u00a0\u3000]/g;
const printableAscii = /^[\x21-\x7e]+$/;

/**
 * The id number as it is hashed: spaces stripped, then ASCII letters upper-cased (a resident ID's
 * trailing "x" becomes "X"). Anything but 1-64 printable ASCII characters is refused rather than
 * guessed at (full-width digits, say), because a silently different normalization would give the
 * same subject two digests. The message never repeats the number.
 */
export function normalizeSubjectId(idNo: string): string {
  const stripped = idNo.replace(strippedSpaces, "");
  if (stripped.length === 0 || stripped.length > maxSubjectIdLength || !printableAscii.test(stripped)) {
    throw new CertsError(
      "invalid-argument",
      `an id number must be 1-${maxSubjectIdLength} printable ASCII characters once spaces are removed`,
    );
  }
  return stripped.replace(/[a-z]/g, (c) => c.toUpperCase());
}

/**
 * HMAC-SM3(subjectKey, "hutong/v1 subject\0" || id_type (uint32 big-endian) || normalized id number).
 * `idType` is a hutong.v1.IdType number; which ones exist is the contract's business (the gateway
 * checks), here only that it is a positive 32-bit integer.
 */
export function keyedSubjectDigest(subjectKey: Uint8Array, idType: number, idNo: string): Uint8Array {
  if (subjectKey.length < minSubjectKeyLength) {
    throw new CertsError("invalid-argument", `the subject key must be at least ${minSubjectKeyLength} bytes`);
  }
  if (!Number.isInteger(idType) || idType <= 0 || idType > 0xffff_ffff) {
    throw new CertsError("invalid-argument", `unknown id type ${idType}`);
  }
  const type = Buffer.alloc(4);
  type.writeUInt32BE(idType);
  return hmacSm3(subjectKey, Buffer.from(subjectDigestLabel, "latin1"), type, Buffer.from(normalizeSubjectId(idNo)));
}

/** The SAN URI of a holder certificate: urn:hutong:subject:<64 lowercase hex>. */
export function subjectUriFor(digest: Uint8Array): string {
  if (digest.length !== subjectDigestLength) {
    throw new CertsError("invalid-argument", `a subject digest is ${subjectDigestLength} bytes`);
  }
  return subjectUriPrefix + Buffer.from(digest).toString("hex");
}
