import { z } from "zod";
import {
  type RailLeg,
  type RailNotice,
  type RailNoticeType,
  type RailPullAnswer,
  type RailQueryAnswer,
  railPaths,
} from "../protocol/partner-api.js";
import type { JourneyLeg, NoticeKind } from "./journey.js";
import { journeyIdSchema, noticeIdsSchema, pageLimitSchema } from "./partner-request-schemas.js";
import type { PartnerShape } from "./partner-shape.js";
import { railTime } from "./partner-time.js";

// The rail partner (JT/T 1310-style, assumed: partner-api.ts): pinyin-initial fields, Beijing
// wall-clock times.

const noticeTypes: Readonly<Record<NoticeKind, RailNoticeType>> = { ISSUED: "CP", CHANGED: "GQ", REFUNDED: "TP" };

function railLeg(leg: JourneyLeg): RailLeg {
  return {
    cc: leg.serviceNo,
    fz: leg.from,
    dz: leg.to,
    fcsj: railTime(leg.departTime),
    ddsj: railTime(leg.arriveTime),
    zt: leg.status === "REFUNDED" ? "TP" : "CP",
    dlzh: leg.roadLegAfter,
  };
}

export const railShape: PartnerShape = {
  protocol: "rail",
  apiPrefix: "/jtt1310/",
  paths: { pull: railPaths.pullNotices, ack: railPaths.ackNotices, query: railPaths.queryOrder },
  noticeIdPrefix: "TZ",
  pullRequest: z.strictObject({ limit: pageLimitSchema }).transform((r) => r.limit),
  ackRequest: z.strictObject({ tzbh: noticeIdsSchema }).transform((r) => r.tzbh),
  queryRequest: z.strictObject({ ddh: journeyIdSchema }).transform((r) => r.ddh),
  station: z.string().min(1, "must not be empty").max(32, "at most 32 characters"),
  serviceNo: z.string().regex(/^[A-Z]?\d{1,5}$/, "a train number (G1234)"),
  pullAnswer: (notices) =>
    ({
      notices: notices.map(
        (n): RailNotice => ({
          tzbh: n.id,
          ddh: n.journeyId,
          xh: n.seq,
          tzlx: noticeTypes[n.kind],
          leg: railLeg(n.leg),
          ...(n.road === undefined ? {} : { dlcc: n.road }),
          tzsj: railTime(n.created),
        }),
      ),
    }) satisfies RailPullAnswer,
  queryAnswer: (journey) => ({ ddh: journey.journeyId, leg: railLeg(journey.leg) }) satisfies RailQueryAnswer,
};
