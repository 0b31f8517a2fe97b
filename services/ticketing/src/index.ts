// @hutong/ticketing: the province e-ticket reference service (issue 12). So far its pure core: the
// ticket lifecycle from the contract, applied to station systems' events.

export { type LifecycleState, nextState, stateOf } from "./lifecycle/next-state.js";
export { ticketLifecycle } from "./ticket-lifecycle.js";
export { isTicketingError, TicketingError, type TicketingErrorCode, ticketingErrorCodes } from "./ticketing-error.js";
