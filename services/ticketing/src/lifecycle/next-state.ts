import type { Lifecycle } from "@hutong/proto";
import { applyTransition, type LifecycleState } from "@hutong/service-kit";
import { TicketingError } from "../ticketing-error.js";

export { type LifecycleState, stateOf } from "@hutong/service-kit";

/**
 * The state an event of `kind` leaves its record in, from `current` (undefined: the record does not
 * exist yet), as the contract's lifecycle says. Throws TicketingError invalid-transition with a
 * reason naming the states, or unknown-event-kind.
 */
export function nextState(lifecycle: Lifecycle, kind: number, current: LifecycleState | undefined): LifecycleState {
  const outcome = applyTransition(lifecycle, kind, current);
  if (!outcome.ok) throw new TicketingError(outcome.code, outcome.reason);
  return outcome.state;
}
