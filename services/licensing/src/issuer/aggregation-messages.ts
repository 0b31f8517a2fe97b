import type { OutboxMessageInput } from "@hutong/gateway/outbox";
import { AggregateLicenceEventsRequest, type LicenceEvent, type Purpose } from "@hutong/proto";
import type { AtRestSealer } from "@hutong/service-kit";

/** The outbox topics of a province licence system. */
export const licenceEventsTopic = "licence-events";
export const licenceCountsTopic = "licence-counts";

/**
 * One event for the library: a whole AggregateLicenceEventsRequest, sealed at rest (it carries the
 * holder's data) under its idempotency key, ordered per licence so a licence's versions arrive in
 * order.
 */
export function aggregationMessage(
  event: LicenceEvent,
  library: string,
  purpose: Purpose,
  sealer: AtRestSealer,
): OutboxMessageInput {
  const request = AggregateLicenceEventsRequest.encode({
    context: {
      targetParty: library,
      purpose,
      grantId: "",
      correlationId: `licence-${event.province}-${event.provinceSeq}`,
    },
    events: [event],
  }).finish();
  return {
    topic: licenceEventsTopic,
    destination: library,
    idempotencyKey: event.idempotencyKey,
    orderingKey: event.licence?.licenceId ?? null,
    payload: sealer.seal(request, event.idempotencyKey),
  };
}
