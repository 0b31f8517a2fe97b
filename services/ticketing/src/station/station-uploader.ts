import { type HutongClient, isWireError, Status } from "@hutong/client";
import { type EventResult, Purpose, type TicketEvent, TicketEventServiceService } from "@hutong/proto";

export interface UploadSummary {
  /** The province's cursor for this source after the last answer. */
  readonly ackedSeq: bigint;
  readonly results: readonly EventResult[];
  /** Batches sent again after a failure (the gateway or the service away, or a gap). */
  readonly resends: number;
}

const transient = new Set<number>([
  Status.UNAVAILABLE,
  Status.DEADLINE_EXCEEDED,
  Status.RESOURCE_EXHAUSTED,
  Status.ABORTED,
  Status.INTERNAL,
]);

/**
 * A station system's uploader: its events in batches, each batch resent from the province's
 * cursor after a transient failure (what a station does when it reconnects), until all are taken.
 * A refusal for a gap (FAILED_PRECONDITION: the province has less than the station believes, say a
 * restored backup) asks the province for the cursor (Ping) and resends from there. `events` must
 * be the source's whole sequence from 1, or from where the caller knows the province stands.
 */
export async function uploadStationEvents(
  client: HutongClient,
  target: string,
  source: string,
  events: readonly TicketEvent[],
  options: { readonly batch?: number; readonly retryMs?: number; readonly deadlineMs?: number } = {},
): Promise<UploadSummary> {
  const batch = options.batch ?? 200;
  const results: EventResult[] = [];
  let acked = (events[0]?.sourceSeq ?? 1n) - 1n;
  let resends = 0;
  const first = events[0]?.sourceSeq ?? 1n;
  while (true) {
    const from = Number(acked - first + 1n);
    if (from >= events.length) break;
    const chunk = events.slice(from, from + batch);
    try {
      const r = await client.unary(
        TicketEventServiceService.uploadTicketEvents,
        {
          context: {
            targetParty: target,
            purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
            grantId: "",
            correlationId: "",
          },
          source,
          events: chunk,
        },
        { deadline: Date.now() + (options.deadlineMs ?? 15_000) },
      );
      for (const x of r.results) if (x.sourceSeq > acked) results.push(x);
      acked = r.ackedSeq;
    } catch (e) {
      if (isWireError(e) && e.code === Status.FAILED_PRECONDITION) {
        const pong = await client.unary(TicketEventServiceService.ping, {
          context: {
            targetParty: target,
            purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
            grantId: "",
            correlationId: "",
          },
          nonce: "",
          source,
        });
        // Only a cursor behind ours, and within what we hold, explains the gap.
        if (pong.ackedSeq >= acked || pong.ackedSeq < first - 1n) throw e;
        acked = pong.ackedSeq;
        resends += 1;
        continue;
      }
      if (!isWireError(e) || !transient.has(e.code)) throw e;
      resends += 1;
      await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 200));
    }
  }
  return { ackedSeq: acked, results, resends };
}
