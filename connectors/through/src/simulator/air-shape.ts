import { z } from "zod";
import {
  type AirFetchAnswer,
  type AirNotice,
  type AirNoticeType,
  type AirSegment,
  type AirStatusAnswer,
  airPaths,
} from "../protocol/partner-api.js";
import type { JourneyLeg, NoticeKind } from "./journey.js";
import { journeyIdSchema, noticeIdsSchema, pageLimitSchema } from "./partner-request-schemas.js";
import type { PartnerShape } from "./partner-shape.js";
import { beijingIso } from "./partner-time.js";

// The air partner (T/CCTAS 171-style, assumed: partner-api.ts): English camelCase fields, IATA
// airports, ISO 8601 times at +08:00.

const noticeTypes: Readonly<Record<NoticeKind, AirNoticeType>> = {
  ISSUED: "TICKETED",
  CHANGED: "REISSUED",
  REFUNDED: "REFUNDED",
};

function airSegment(leg: JourneyLeg): AirSegment {
  return {
    flightNo: leg.serviceNo,
    depAirport: leg.from,
    arrAirport: leg.to,
    depTime: beijingIso(leg.departTime),
    arrTime: beijingIso(leg.arriveTime),
    status: leg.status === "REFUNDED" ? "REFUNDED" : "TICKETED",
    roadAfterFlight: leg.roadLegAfter,
  };
}

export const airShape: PartnerShape = {
  protocol: "air",
  apiPrefix: "/cctas171/",
  paths: { pull: airPaths.fetchNotices, ack: airPaths.confirmNotices, query: airPaths.orderStatus },
  noticeIdPrefix: "DN",
  pullRequest: z.strictObject({ max: pageLimitSchema }).transform((r) => r.max),
  ackRequest: z.strictObject({ noticeIds: noticeIdsSchema }).transform((r) => r.noticeIds),
  queryRequest: z.strictObject({ orderNo: journeyIdSchema }).transform((r) => r.orderNo),
  station: z.string().regex(/^[A-Z]{3}$/, "an IATA airport code"),
  serviceNo: z.string().regex(/^[A-Z0-9]{2}\d{1,4}[A-Z]?$/, "a flight number (CA4101)"),
  pullAnswer: (notices) =>
    ({
      items: notices.map(
        (n): AirNotice => ({
          noticeId: n.id,
          orderNo: n.journeyId,
          sequence: n.seq,
          type: noticeTypes[n.kind],
          segment: airSegment(n.leg),
          ...(n.road === undefined ? {} : { roadSegment: n.road }),
          issuedAt: beijingIso(n.created),
        }),
      ),
    }) satisfies AirFetchAnswer,
  queryAnswer: (journey) =>
    ({ orderNo: journey.journeyId, segment: airSegment(journey.leg) }) satisfies AirStatusAnswer,
};
