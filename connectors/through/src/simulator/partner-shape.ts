import type { z } from "zod";
import type { Journey, Notice } from "./journey.js";

// What differs between the rail and the air partner (partner-api.ts): paths, field names, time
// formats, what a station and a service number look like. The semantics are one: the simulator's
// handlers (partner-api-handlers.ts) and admin (journey-admin.ts) are written once, over this.

export type PartnerProtocolName = "rail" | "air";

export interface PartnerShape {
  readonly protocol: PartnerProtocolName;
  /** Where the partner's API lives; every path below is under it. */
  readonly apiPrefix: string;
  readonly paths: {
    /** Pull/fetch: up to a limit of unacknowledged notices. */
    readonly pull: string;
    /** Ack/confirm: these notices are taken. */
    readonly ack: string;
    /** Query/status: one journey's leg. */
    readonly query: string;
  };
  /** What the partner's notice ids start with. */
  readonly noticeIdPrefix: string;
  /** A pull request, to the limit it asks for. */
  readonly pullRequest: z.ZodType<number>;
  /** An ack request, to the notice ids it acknowledges. */
  readonly ackRequest: z.ZodType<readonly string[]>;
  /** A query request, to the journey id it asks about. */
  readonly queryRequest: z.ZodType<string>;
  /** A station (rail) or airport (air), as an admin request gives it. */
  readonly station: z.ZodType<string>;
  /** A train or flight number, as an admin request gives it. */
  readonly serviceNo: z.ZodType<string>;
  /** A pull's answer data: the notices in the partner's words. */
  pullAnswer(notices: readonly Notice[]): unknown;
  /** A query's answer data: the journey's leg in the partner's words. */
  queryAnswer(journey: Journey): unknown;
}
