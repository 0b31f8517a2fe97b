import { CodedError, codedErrorGuard } from "@hutong/errors";

/**
 * The one error type of @hutong/certs. Codes are a closed set: callers (the
 * gateway, the CLI) switch on `code`, never on message text. `cause` keeps the
 * underlying error for logs without putting it in the message.
 */
export const certsErrorCodes = [
  /** Bytes that do not parse as the expected DER/PEM structure. */
  "malformed",
  /** A key that is not a valid SM2 key (scalar out of range, point not on the curve). */
  "invalid-key",
  /** A signature that does not verify. */
  "bad-signature",
  /** A certificate whose notAfter is before the validation time. */
  "expired",
  /** A certificate whose notBefore is after the validation time. */
  "not-yet-valid",
  /** No path to a trust anchor. */
  "untrusted",
  /** A certificate listed on its issuer's CRL. */
  "revoked",
  /** Key usage, extended key usage or basicConstraints forbid this use. */
  "wrong-usage",
  /** A path longer than a CA's pathLenConstraint allows. */
  "path-too-long",
  /** A CRL past its nextUpdate, or not yet valid. */
  "crl-stale",
  /** Revocation checking was required and no CRL from the issuer was given. */
  "crl-missing",
  /** The certificate carries no party id, or not the one required. */
  "wrong-party",
  /** An extension marked critical that this profile does not understand. */
  "unsupported-critical-extension",
  /** A private key file that is encrypted, and the passphrase is missing or wrong. */
  "bad-passphrase",
  /** The requested SM2 backend is not available in this process. */
  "backend-unavailable",
  /** A caller passed an argument outside the documented domain. */
  "invalid-argument",
] as const;

export type CertsErrorCode = (typeof certsErrorCodes)[number];

export class CertsError extends CodedError<"certs", CertsErrorCode> {
  constructor(code: CertsErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super("certs", code, message, options);
    this.name = "CertsError";
  }
}

export const isCertsError = codedErrorGuard(CertsError);
