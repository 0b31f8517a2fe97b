import { CodedError, codedErrorGuard } from "@hutong/errors";

/**
 * The one error type of the grants core. Codes are a closed set; callers switch
 * on `code`, never on message text. Messages name fields and lengths, never a
 * subject's id number, a record's content or key material.
 */
export const grantsErrorCodes = [
  /** Bytes that are not a well-formed SignedGrant, GrantBody, SignedRevocation or certificate. */
  "malformed",
  /** A body that decodes but breaks a rule of the grant format (docs/grants.md, "Format rules"). */
  "invalid-grant",
  /** A revocation that breaks a format rule: wrong grant id, time in the future, unknown reason. */
  "invalid-revocation",
  /** The signer chain does not validate (untrusted, expired, revoked, wrong usage, stale CRL, ...). */
  "untrusted-signer",
  /** The chain validates but its leaf is not the grantor (or not someone allowed to revoke). */
  "wrong-signer",
  /** The SM2 signature does not verify over the exact signed bytes. */
  "bad-signature",
  /** The purpose policy does not accept this grantor kind, grantor party or record kind. */
  "grantor-not-allowed",
  /** The grant is wider than the purpose policy's caps (validity, use limit). */
  "exceeds-policy",
  /** A caller passed an argument outside the documented domain. */
  "invalid-argument",
] as const;

export type GrantsErrorCode = (typeof grantsErrorCodes)[number];

export class GrantsError extends CodedError<"grants", GrantsErrorCode> {
  constructor(code: GrantsErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super("grants", code, message, options);
    this.name = "GrantsError";
  }
}

export const isGrantsError = codedErrorGuard(GrantsError);
