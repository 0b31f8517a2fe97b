import { type HutongClient, isWireError, Status } from "@hutong/client";
import {
  EventOutcome,
  LicenceIssuanceServiceService,
  Purpose,
  type RecordedLicenceEvent,
  RecordLicenceEventsRequest,
  RecordLicenceEventsResponse,
} from "@hutong/proto";

/** What became of a workload at its licence system, counted from the answers. */
export interface UploadTally {
  applied: number;
  duplicates: number;
  refused: number;
  /** Calls that failed and were sent again (a gateway down, a timeout). */
  retries: number;
}

export interface UploadOptions {
  readonly client: () => HutongClient;
  /** The province's licence system, e.g. "prov:510000/licence". */
  readonly issuer: string;
  readonly batchSize?: number;
  /** Give up after this long without one call succeeding. */
  readonly patienceMs?: number;
  readonly signal?: AbortSignal;
}

/** Statuses after which the same batch is worth sending again: nothing was decided, or the answer was lost. */
const retriable = new Set<number>([
  Status.UNAVAILABLE,
  Status.DEADLINE_EXCEEDED,
  Status.INTERNAL,
  Status.UNKNOWN,
  Status.CANCELLED,
  Status.RESOURCE_EXHAUSTED,
]);

/**
 * A 运政 system recording its events at the province's licence system through the province's
 * gateway, in batches, sending a batch again until it is answered: the idempotency keys make a
 * batch whose answer was lost come back as duplicates, not as second events.
 */
export async function recordWorkload(
  events: readonly RecordedLicenceEvent[],
  options: UploadOptions,
): Promise<UploadTally> {
  const size = options.batchSize ?? 200;
  const patience = options.patienceMs ?? 120_000;
  const tally: UploadTally = { applied: 0, duplicates: 0, refused: 0, retries: 0 };
  for (let i = 0; i < events.length; i += size) {
    const batch = events.slice(i, i + size);
    const request = Buffer.from(
      RecordLicenceEventsRequest.encode({
        context: {
          targetParty: options.issuer,
          purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
          grantId: "",
          correlationId: `yz-${batch[0]?.idempotencyKey ?? i}`,
        },
        events: batch,
      }).finish(),
    );
    const since = Date.now();
    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      try {
        const answer = await options
          .client()
          .session.call(LicenceIssuanceServiceService.recordLicenceEvents.path, request, {
            deadline: Date.now() + 15_000,
          });
        for (const r of RecordLicenceEventsResponse.decode(answer.body).results) {
          if (r.outcome === EventOutcome.EVENT_OUTCOME_APPLIED) tally.applied += 1;
          else if (r.outcome === EventOutcome.EVENT_OUTCOME_DUPLICATE) tally.duplicates += 1;
          else tally.refused += 1;
        }
        break;
      } catch (e) {
        if (!isWireError(e) || !retriable.has(e.code) || Date.now() - since > patience) throw e;
        tally.retries += 1;
        await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(attempt, 5))));
      }
    }
  }
  return tally;
}
