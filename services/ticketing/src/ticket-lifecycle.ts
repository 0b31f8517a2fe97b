import { type Lifecycle, lifecycles } from "@hutong/proto";

/** The e-ticket lifecycle as the contract declares it (proto/hutong/v1/ticket_event.proto). */
export const ticketLifecycle: Lifecycle = (() => {
  const l = lifecycles.get("hutong.v1.TicketEventKind");
  if (l === undefined) throw new Error("the contract declares no lifecycle for hutong.v1.TicketEventKind");
  return l;
})();
