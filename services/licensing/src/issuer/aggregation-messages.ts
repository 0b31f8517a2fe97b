import type { OutboxMessageInput } from "@hutong/gateway/outbox";
import { AggregateLicenceEventsRequest, type LicenceEvent, type Purpose } from "@hutong/proto";
import type { AtRestSealer } from "@hutong/service-kit";

/** The outbox topics of a province licence system. */
export const licenceEventsTopic = "licence-events";
export const licenceCountsTopic = "licence-counts";

/** Most events one message carries (a licence event with its sealed file is about 2 KiB). */
export const maxEventsPerMessage = 200;

/**
 * Events for the library, in messages of up to maxEventsPerMessage consecutive events: each a whole
 * AggregateLicenceEventsRequest, sealed at rest (it carries holders' data) under its key, which
 * names its first and last sequence numbers (`${prefix}-${first}-${last}`), so the same range
 * queued again while it is pending is not queued twice. No ordering key: the library applies a
 * province's events in its sequence whatever order they arrive in, so messages travel in parallel.
 */
export function aggregationMessages(
  events: readonly LicenceEvent[],
  library: string,
  purpose: Purpose,
  sealer: AtRestSealer,
  prefix = "events",
): OutboxMessageInput[] {
  const messages: OutboxMessageInput[] = [];
  for (let i = 0; i < events.length; i += maxEventsPerMessage) {
    const part = events.slice(i, i + maxEventsPerMessage);
    const first = part[0] as LicenceEvent;
    const last = part.at(-1) as LicenceEvent;
    const key = `${prefix}-${first.province}-${first.provinceSeq}-${last.provinceSeq}`;
    const request = AggregateLicenceEventsRequest.encode({
      context: { targetParty: library, purpose, grantId: "", correlationId: key },
      events: part,
    }).finish();
    messages.push({
      topic: licenceEventsTopic,
      destination: library,
      idempotencyKey: key,
      orderingKey: null,
      payload: sealer.seal(request, key),
    });
  }
  return messages;
}
