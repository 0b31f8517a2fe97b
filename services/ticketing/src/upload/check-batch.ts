import type { UploadTicketEventsRequest } from "@hutong/proto";
import { TicketingError } from "../ticketing-error.js";

/** Most events one upload may carry. */
export const maxBatch = 1000;

/**
 * The checks of a whole upload before any of it is read against the store: the source is the
 * calling system, the batch is 1..maxBatch events with consecutive sequence numbers from 1 up.
 * A failure refuses the batch: nothing of it is applied.
 */
export function checkBatch(origin: string, request: UploadTicketEventsRequest): void {
  if (request.source === "" || request.source !== origin) {
    throw new TicketingError(
      "wrong-source",
      `the batch's source "${request.source}" is not the calling system ${origin}`,
    );
  }
  const n = request.events.length;
  if (n === 0 || n > maxBatch) throw new TicketingError("malformed", `a batch holds 1 to ${maxBatch} events, not ${n}`);
  const first = request.events[0]?.sourceSeq ?? 0n;
  if (first < 1n) throw new TicketingError("malformed", "source_seq starts at 1");
  for (const [i, e] of request.events.entries()) {
    if (e.sourceSeq !== first + BigInt(i)) {
      throw new TicketingError(
        "malformed",
        `source_seq must be consecutive: event ${i} has ${e.sourceSeq}, not ${first + BigInt(i)}`,
      );
    }
  }
}
