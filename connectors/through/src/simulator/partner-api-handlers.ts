import { type ServerAnswer, schemaProblems } from "@hutong/partner-http";
import { type PartnerAnswer, partnerCodes } from "../protocol/partner-api.js";
import type { JourneyStore } from "./journey-store.js";
import type { PartnerShape } from "./partner-shape.js";

// The partner's API, the same for both shapes: pull the feed, acknowledge from it, query a
// journey's leg. A pull takes nothing: only an acknowledgement does, so a pull whose answer is
// lost gives the same notices again, and an acknowledged notice is never given again.

function answer(status: number, body: PartnerAnswer<unknown>): ServerAnswer {
  return { status, body };
}

const ok = (data: unknown) => answer(200, { code: partnerCodes.ok, msg: "成功", data });

/** Answers one authenticated request's parsed body on one of `shape.paths`. */
export function handlePartnerRequest(
  shape: PartnerShape,
  store: JourneyStore,
  path: string,
  body: unknown,
): ServerAnswer {
  switch (path) {
    case shape.paths.pull: {
      const r = shape.pullRequest.safeParse(body);
      if (!r.success) return answer(400, { code: partnerCodes.malformed, msg: schemaProblems(r.error) });
      return ok(shape.pullAnswer(store.pending(r.data)));
    }
    case shape.paths.ack: {
      const r = shape.ackRequest.safeParse(body);
      if (!r.success) return answer(400, { code: partnerCodes.malformed, msg: schemaProblems(r.error) });
      return ok({ acked: store.acknowledge(r.data) });
    }
    case shape.paths.query: {
      const r = shape.queryRequest.safeParse(body);
      if (!r.success) return answer(400, { code: partnerCodes.malformed, msg: schemaProblems(r.error) });
      const journey = store.journey(r.data);
      if (journey === undefined) return answer(200, { code: partnerCodes.notFound, msg: "no such journey" });
      return ok(shape.queryAnswer(journey));
    }
    default:
      return answer(404, { code: partnerCodes.malformed, msg: "no such path" });
  }
}
