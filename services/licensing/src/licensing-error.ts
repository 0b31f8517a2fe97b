import { CodedError, codedErrorGuard } from "@hutong/errors";
import type { RefusalOf, ServiceRefusal } from "@hutong/service-kit";

/** Why the e-licence reference services refuse something (docs/errors.md, "licensing"). */
export const licensingErrorCodes = [
  /** The event does not apply to its licence in the status it is in (a renewal of a revoked licence, a second issue). */
  "invalid-transition",
  /** An event kind the contract's lifecycle does not know (unset, or newer than this service). */
  "unknown-event-kind",
  /** A request or an event that is not well-formed (a field missing, too long, of the wrong shape). */
  "malformed",
  /** An event that would change a licence's kind: a licence keeps the kind it was issued with. */
  "kind-changed",
  /** The caller speaks for another province than its certificate's. */
  "wrong-province",
  /** A province sequence number already taken by another event. */
  "sequence-conflict",
  /** A maintenance request id a province already used for another request. */
  "request-conflict",
  /** A signed statement (a maintenance request or decision) whose signer or signature does not hold. */
  "bad-signature",
  /** No such licence. */
  "not-found",
  /** The service's configuration cannot work. */
  "invalid-config",
] as const;

export type LicensingErrorCode = (typeof licensingErrorCodes)[number];

export class LicensingError extends CodedError<"licensing", LicensingErrorCode> {
  constructor(code: LicensingErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super("licensing", code, message, options);
    this.name = "LicensingError";
  }
}

export const isLicensingError = codedErrorGuard(LicensingError);

/** The gRPC status name each code answers with (docs/errors.md). */
export const licensingStatus: Readonly<Record<LicensingErrorCode, ServiceRefusal["status"]>> = {
  "invalid-transition": "FAILED_PRECONDITION",
  "unknown-event-kind": "INVALID_ARGUMENT",
  malformed: "INVALID_ARGUMENT",
  "kind-changed": "FAILED_PRECONDITION",
  "wrong-province": "PERMISSION_DENIED",
  "sequence-conflict": "ALREADY_EXISTS",
  "request-conflict": "ALREADY_EXISTS",
  "bad-signature": "PERMISSION_DENIED",
  "not-found": "NOT_FOUND",
  "invalid-config": "INTERNAL",
};

/** The gRPC refusal for a LicensingError. */
export const licensingRefusal: RefusalOf = (e) =>
  isLicensingError(e) ? { status: licensingStatus[e.code], details: `${e.code}: ${e.message}` } : undefined;
