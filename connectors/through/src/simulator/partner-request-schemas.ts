import { z } from "zod";

// The fields both partners' API requests share in meaning (rail-shape.ts and air-shape.ts name
// them). zod's messages name the field and the rule, never the value.

/** A journey id (订单号 / orderNo). */
export const journeyIdSchema = z.string().regex(/^[0-9A-Za-z_-]{1,64}$/, "1 to 64 letters, digits, _ or -");

/** How many notices a pull may ask for: the connector's page size is at most 500. */
export const pageLimitSchema = z.number().int().min(1, "at least 1").max(500, "at most 500");

/** The notice ids an ack gives: at most a page. */
export const noticeIdsSchema = z.array(z.string().min(1).max(64, "at most 64 characters")).max(500, "at most 500 ids");
