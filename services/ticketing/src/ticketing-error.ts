import { CodedError, codedErrorGuard } from "@hutong/errors";
import type { RefusalOf, ServiceRefusal } from "@hutong/service-kit";

type ServiceRefusalStatus = ServiceRefusal["status"];

/** Why the e-ticket reference services refuse something (docs/errors.md, "ticketing"). */
export const ticketingErrorCodes = [
  /** The event does not apply to its record in the state it is in (refund after check, change of a refunded ticket, a second sale). */
  "invalid-transition",
  /** An event kind the contract's lifecycle does not know (unset, or newer than this service). */
  "unknown-event-kind",
  /** A request or an event that is not well-formed (a field missing, too long, of the wrong shape). */
  "malformed",
  /** A station the province does not register. */
  "unknown-station",
  /** A ticket another province issued: a province takes events only for its own tickets. */
  "foreign-ticket",
  /** The caller is not who the request says (a station uploading under another's name). */
  "wrong-source",
  /** A batch that starts after the source's cursor: events are missing in between. */
  "sequence-gap",
  /** A sequence number already taken by another event. */
  "sequence-conflict",
  /** No such ticket. */
  "not-found",
  /** The service's configuration cannot work. */
  "invalid-config",
] as const;

export type TicketingErrorCode = (typeof ticketingErrorCodes)[number];

export class TicketingError extends CodedError<"ticketing", TicketingErrorCode> {
  constructor(code: TicketingErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super("ticketing", code, message, options);
    this.name = "TicketingError";
  }
}

export const isTicketingError = codedErrorGuard(TicketingError);

/** The gRPC status name each code answers with (docs/errors.md). */
export const ticketingStatus: Readonly<Record<TicketingErrorCode, string>> = {
  "invalid-transition": "FAILED_PRECONDITION",
  "unknown-event-kind": "INVALID_ARGUMENT",
  malformed: "INVALID_ARGUMENT",
  "unknown-station": "INVALID_ARGUMENT",
  "foreign-ticket": "PERMISSION_DENIED",
  "wrong-source": "PERMISSION_DENIED",
  "sequence-gap": "FAILED_PRECONDITION",
  "sequence-conflict": "ALREADY_EXISTS",
  "not-found": "NOT_FOUND",
  "invalid-config": "INTERNAL",
};

/** The gRPC refusal for a TicketingError (the service kit's handlers answer with it). */
export const ticketingRefusal: RefusalOf = (e) =>
  isTicketingError(e)
    ? { status: ticketingStatus[e.code] as ServiceRefusalStatus, details: `${e.code}: ${e.message}` }
    : undefined;
