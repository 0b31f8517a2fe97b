import { hmacSm3 } from "@hutong/certs";
import { IdType } from "@hutong/proto";
import { GrantsError } from "./grants-error.js";

/** Domain-separation label: the digest can never collide with another HMAC under the same key. */
export const subjectDigestLabel = "hutong/v1 subject\0";
export const subjectDigestLength = 32;
/** A shorter federation subject key would make the digests guessable offline. */
export const minSubjectKeyLength = 16;
const maxIdNumberLength = 64;

// Exactly these are stripped, so every implementation normalizes the same way: TAB, LF, VT, FF,
// CR, SPACE, NO-BREAK SPACE and the IDEOGRAPHIC SPACE a Chinese input method types.
const strippedSpaces = /[\t\n\v\f\r \u00a0\u3000]/g;
const printableAscii = /^[\x21-\x7e]+$/;

/**
 * The id number as it is hashed: spaces stripped, then ASCII letters upper-cased (a resident ID's
 * trailing "x" becomes "X"). Anything but 1-64 printable ASCII characters is refused rather than
 * guessed at (full-width digits, say), because a silently different normalization would give the
 * same person two digests. The message never repeats the number.
 */
export function normalizeIdNumber(idNo: string): string {
  const stripped = idNo.replace(strippedSpaces, "");
  if (stripped.length === 0 || stripped.length > maxIdNumberLength || !printableAscii.test(stripped)) {
    throw new GrantsError(
      "invalid-argument",
      `an id number must be 1-${maxIdNumberLength} printable ASCII characters once spaces are removed`,
    );
  }
  return stripped.replace(/[a-z]/g, (c) => c.toUpperCase());
}

function isKnownIdType(idType: number): boolean {
  return Number.isInteger(idType) && idType > 0 && typeof IdType[idType] === "string";
}

/**
 * The subject digest of a person, as grants, holder certificates and audit entries name them:
 *   HMAC-SM3(subjectKey, "hutong/v1 subject\0" || id_type (uint32 big-endian) || normalized id number)
 * `subjectKey` is the federation subject key (every gateway holds the same one). Keyed, so a party
 * without the key cannot test a guessed id number against a digest.
 */
export function subjectDigest(subjectKey: Uint8Array, idType: IdType, idNo: string): Uint8Array {
  if (subjectKey.length < minSubjectKeyLength) {
    throw new GrantsError("invalid-argument", `the subject key must be at least ${minSubjectKeyLength} bytes`);
  }
  if (!isKnownIdType(idType)) throw new GrantsError("invalid-argument", `unknown id type ${idType}`);
  const type = Buffer.alloc(4);
  type.writeUInt32BE(idType);
  return hmacSm3(subjectKey, Buffer.from(subjectDigestLabel, "latin1"), type, Buffer.from(normalizeIdNumber(idNo)));
}
