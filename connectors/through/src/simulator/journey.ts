import type { RoadLegBooking } from "../protocol/partner-api.js";

// A partner's journey and its notices as the simulator keeps them, in neither partner's words:
// the rail and air shapes (rail-shape.ts, air-shape.ts) write them out each their own way.

export type JourneyStatus = "DELIVERED" | "REFUNDED";

/** 出票/TICKETED, 改签/REISSUED, 退票/REFUNDED. */
export type NoticeKind = "ISSUED" | "CHANGED" | "REFUNDED";

/** The partner's own leg (the train or the flight). */
export interface JourneyLeg {
  readonly serviceNo: string;
  readonly from: string;
  readonly to: string;
  /** ms since the epoch. */
  readonly departTime: number;
  readonly arriveTime: number;
  readonly status: JourneyStatus;
  /** The road leg follows this leg (rather than leading to it). */
  readonly roadLegAfter: boolean;
}

export interface Journey {
  readonly journeyId: string;
  readonly leg: JourneyLeg;
  /** The road leg as last booked (the passenger in it is the partner's own data). */
  readonly road: RoadLegBooking;
}

/** One notice of a journey's feed, as it was when issued. */
export interface Notice {
  readonly id: string;
  readonly journeyId: string;
  /** From 1, per journey. */
  readonly seq: number;
  readonly kind: NoticeKind;
  readonly leg: JourneyLeg;
  /** ISSUED and CHANGED. */
  readonly road?: RoadLegBooking;
  /** ms since the epoch. */
  readonly created: number;
}

/** What the partner last heard from the connector about a journey's road leg (admin ask-road). */
export interface RoadLegAsked {
  /** The connector's HTTP status. */
  readonly status: number;
  /** Its envelope, when it answered one. */
  readonly answer: unknown;
  /** ms since the epoch. */
  readonly askedAt: number;
}

/** One line of /admin/journeys. */
export interface JourneySummary {
  readonly journeyId: string;
  readonly status: JourneyStatus;
  /** The last notice's seq. */
  readonly seq: number;
  /** ISO 8601, +08:00. */
  readonly departTime: string;
  readonly arriveTime: string;
  readonly roadLegAfter: boolean;
  readonly noticesAcked: number;
  readonly noticesPending: number;
  /** The connector's last answer on the road leg, when the partner asked. */
  readonly roadLegAsked: RoadLegAsked | null;
}
