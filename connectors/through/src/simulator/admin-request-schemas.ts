import { z } from "zod";
import type { RoadLegBooking } from "../protocol/partner-api.js";
import { journeyIdSchema } from "./partner-request-schemas.js";
import type { PartnerShape } from "./partner-shape.js";

// The admin requests (journey-admin.ts), checked before they touch the store. Times are ISO 8601
// with an offset, as a test or the chaos run writes them; stations and service numbers as the
// partner's shape has them.

const isoTime = z.iso.datetime({ offset: true, message: "an ISO 8601 time with an offset" });
const text = (max: number) => z.string().min(1, "must not be empty").max(max, `at most ${max} characters`);
const station = z.strictObject({ code: text(32), name: text(64) });

export const roadLegBookingSchema = z.strictObject({
  province: z.string().regex(/^\d{6}$/, "6 digits"),
  routeCode: text(32),
  scheduleNo: text(32),
  boardStation: station,
  alightStation: station,
  departTime: isoTime,
  fareFen: z.number().int().min(0).max(100_000_000),
  seatType: text(32),
  carrier: z.strictObject({
    uscc: z.string().regex(/^[0-9A-Z]{18}$/, "18 digits or capital letters"),
    name: text(128),
  }),
  passenger: z.strictObject({ name: text(64), idType: z.number().int().min(0).max(999), idNo: text(32) }),
}) satisfies z.ZodType<RoadLegBooking>;

/** The leg's times: arrival not before departure. */
function legTimes<T extends { departTime: string; arriveTime: string }>(schema: z.ZodType<T>) {
  return schema.refine((r) => Date.parse(r.arriveTime) >= Date.parse(r.departTime), {
    message: "arrives before it departs",
    path: ["arriveTime"],
  });
}

export function createJourneySchema(shape: PartnerShape) {
  return legTimes(
    z.strictObject({
      journeyId: journeyIdSchema,
      serviceNo: shape.serviceNo,
      from: shape.station,
      to: shape.station,
      departTime: isoTime,
      arriveTime: isoTime,
      roadLegAfter: z.boolean(),
      road: roadLegBookingSchema,
    }),
  );
}

export const changeJourneySchema = legTimes(
  z.strictObject({ journeyId: journeyIdSchema, departTime: isoTime, arriveTime: isoTime, road: roadLegBookingSchema }),
);

export const refundJourneySchema = z.strictObject({ journeyId: journeyIdSchema });

export const silentChangeSchema = z
  .strictObject({
    journeyId: journeyIdSchema,
    status: z.literal("REFUNDED").optional(),
    arriveTime: isoTime.optional(),
  })
  .refine((r) => r.status !== undefined || r.arriveTime !== undefined, { message: "a status or an arrival time" });

export const askRoadSchema = z.strictObject({
  journeyId: journeyIdSchema,
  province: z.string().regex(/^\d{6}$/, "6 digits"),
});
