import { isCertsError, keyedSubjectDigest, minSubjectKeyLength, normalizeSubjectId } from "@hutong/certs";
import { IdType } from "@hutong/proto";
import { GrantsError } from "./grants-error.js";

// The algorithm lives in @hutong/certs (x509/holder-subject.ts), where `hutong-certs issue-holder`
// uses it too; this module adds the contract's id types and the grants' error type.
export { minSubjectKeyLength, subjectDigestLabel, subjectDigestLength } from "@hutong/certs";

/** The same error, as a GrantsError (the message never repeats the number). */
function asGrantsError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isCertsError(e)) throw new GrantsError("invalid-argument", e.message, { cause: e });
    throw e;
  }
}

/**
 * The id number as it is hashed: spaces stripped, then ASCII letters upper-cased (a resident ID's
 * trailing "x" becomes "X"). Anything but 1-64 printable ASCII characters is refused rather than
 * guessed at (full-width digits, say), because a silently different normalization would give the
 * same person two digests. The message never repeats the number.
 */
export function normalizeIdNumber(idNo: string): string {
  return asGrantsError(() => normalizeSubjectId(idNo));
}

function isKnownIdType(idType: number): boolean {
  return Number.isInteger(idType) && idType > 0 && typeof IdType[idType] === "string";
}

/**
 * The subject digest of a person, or of an enterprise by its unified social credit code
 * (IdType.ID_TYPE_UNIFIED_SOCIAL_CREDIT_CODE), as grants, holder certificates and audit entries
 * name them:
 *   HMAC-SM3(subjectKey, "hutong/v1 subject\0" || id_type (uint32 big-endian) || normalized id number)
 * `subjectKey` is the federation subject key (every gateway holds the same one). Keyed, so a party
 * without the key cannot test a guessed id number against a digest.
 */
export function subjectDigest(subjectKey: Uint8Array, idType: IdType, idNo: string): Uint8Array {
  if (subjectKey.length < minSubjectKeyLength) {
    throw new GrantsError("invalid-argument", `the subject key must be at least ${minSubjectKeyLength} bytes`);
  }
  if (!isKnownIdType(idType)) throw new GrantsError("invalid-argument", `unknown id type ${idType}`);
  return asGrantsError(() => keyedSubjectDigest(subjectKey, idType, idNo));
}
