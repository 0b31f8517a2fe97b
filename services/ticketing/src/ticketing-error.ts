import { CodedError, codedErrorGuard } from "@hutong/errors";

/** Why the province e-ticket service refuses an event (docs/errors.md, "ticketing"). */
export const ticketingErrorCodes = [
  /** The event does not apply to its record in the state it is in (refund after check, change of a refunded ticket, a second sale). */
  "invalid-transition",
  /** An event kind the contract's lifecycle does not know (unset, or newer than this service). */
  "unknown-event-kind",
] as const;

export type TicketingErrorCode = (typeof ticketingErrorCodes)[number];

export class TicketingError extends CodedError<"ticketing", TicketingErrorCode> {
  constructor(code: TicketingErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super("ticketing", code, message, options);
    this.name = "TicketingError";
  }
}

export const isTicketingError = codedErrorGuard(TicketingError);
