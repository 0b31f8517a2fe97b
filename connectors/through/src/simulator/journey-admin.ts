import { randomBytes } from "node:crypto";
import { type ServerAnswer, schemaProblems } from "@hutong/partner-http";
import type { z } from "zod";
import {
  askRoadSchema,
  changeJourneySchema,
  createJourneySchema,
  refundJourneySchema,
  silentChangeSchema,
} from "./admin-request-schemas.js";
import type { JourneyLeg, Notice, NoticeKind } from "./journey.js";
import type { JourneyStore, StoredJourney } from "./journey-store.js";
import type { PartnerShape } from "./partner-shape.js";
import { askRoadLeg, type ConnectorAccess } from "./road-leg-asker.js";

// The simulator's admin routes, the same for both shapes: what the partner's own systems do to
// its journeys (sell, change, refund, and a change its feed never tells: a planted mismatch), and
// the partner asking the connector about a road leg. Unsigned and never faulty (the kit's
// /admin/); the chaos run and the tests drive the partner through them.

export interface JourneyAdminOptions {
  readonly shape: PartnerShape;
  readonly store: JourneyStore;
  readonly now: () => number;
  readonly connector: ConnectorAccess | undefined;
  /** The /admin/stats answer. */
  readonly stats: () => unknown;
}

const problem = (status: number, msg: string): ServerAnswer => ({ status, body: { msg } });

/** The admin handler for the partner server (PartnerServerOptions.admin). */
export function journeyAdmin(options: JourneyAdminOptions) {
  const { shape, store, now } = options;
  const createSchema = createJourneySchema(shape);

  const newNoticeId = () => `${shape.noticeIdPrefix}${randomBytes(10).toString("hex").toUpperCase()}`;

  /** Issues the journey's next notice, with its leg (and road booking) as they now are. */
  const issue = (
    journey: StoredJourney,
    kind: NoticeKind,
    leg: JourneyLeg,
    road: StoredJourney["road"] | undefined,
  ) => {
    const notice: Notice = {
      id: newNoticeId(),
      journeyId: journey.journeyId,
      seq: journey.lastSeq + 1,
      kind,
      leg,
      ...(road === undefined ? {} : { road }),
      created: now(),
    };
    store.insertNotice(notice);
    return { journeyId: notice.journeyId, seq: notice.seq, noticeId: notice.id };
  };

  /** A body checked by `schema`, or the 400 answer saying why not. */
  const parse = <T>(schema: z.ZodType<T>, body: unknown): { data: T } | { refused: ServerAnswer } => {
    const r = schema.safeParse(body);
    return r.success ? { data: r.data } : { refused: problem(400, schemaProblems(r.error)) };
  };

  const create = (body: unknown): ServerAnswer => {
    const p = parse(createSchema, body);
    if ("refused" in p) return p.refused;
    const r = p.data;
    return store.transaction(() => {
      if (store.journey(r.journeyId) !== undefined) return problem(409, "the journey exists");
      const leg: JourneyLeg = {
        serviceNo: r.serviceNo,
        from: r.from,
        to: r.to,
        departTime: Date.parse(r.departTime),
        arriveTime: Date.parse(r.arriveTime),
        status: "DELIVERED",
        roadLegAfter: r.roadLegAfter,
      };
      store.insertJourney({ journeyId: r.journeyId, leg, road: r.road }, now());
      return {
        status: 201,
        body: issue({ journeyId: r.journeyId, leg, road: r.road, lastSeq: 0 }, "ISSUED", leg, r.road),
      };
    });
  };

  /** Runs `work` on a journey still sold: 404 when there is none, 409 when it is refunded. */
  const onSold = (journeyId: string, work: (journey: StoredJourney) => ServerAnswer): ServerAnswer =>
    store.transaction(() => {
      const journey = store.journey(journeyId);
      if (journey === undefined) return problem(404, "no such journey");
      if (journey.leg.status === "REFUNDED") return problem(409, "the journey is refunded");
      return work(journey);
    });

  const change = (body: unknown): ServerAnswer => {
    const p = parse(changeJourneySchema, body);
    if ("refused" in p) return p.refused;
    const r = p.data;
    return onSold(r.journeyId, (journey) => {
      const leg = { ...journey.leg, departTime: Date.parse(r.departTime), arriveTime: Date.parse(r.arriveTime) };
      store.updateJourney(r.journeyId, leg, r.road);
      return { status: 200, body: issue(journey, "CHANGED", leg, r.road) };
    });
  };

  const refund = (body: unknown): ServerAnswer => {
    const p = parse(refundJourneySchema, body);
    if ("refused" in p) return p.refused;
    return onSold(p.data.journeyId, (journey) => {
      const leg: JourneyLeg = { ...journey.leg, status: "REFUNDED" };
      store.updateJourney(journey.journeyId, leg, journey.road);
      return { status: 200, body: issue(journey, "REFUNDED", leg, journey.road) };
    });
  };

  /** The partner's leg changes and its feed says nothing. */
  const silent = (body: unknown): ServerAnswer => {
    const p = parse(silentChangeSchema, body);
    if ("refused" in p) return p.refused;
    const r = p.data;
    return store.transaction(() => {
      const journey = store.journey(r.journeyId);
      if (journey === undefined) return problem(404, "no such journey");
      const leg: JourneyLeg = {
        ...journey.leg,
        ...(r.status === undefined ? {} : { status: r.status }),
        ...(r.arriveTime === undefined ? {} : { arriveTime: Date.parse(r.arriveTime) }),
      };
      store.updateJourney(journey.journeyId, leg, journey.road);
      return { status: 200, body: { journeyId: journey.journeyId, seq: journey.lastSeq } };
    });
  };

  const askRoad = async (body: unknown): Promise<ServerAnswer> => {
    const p = parse(askRoadSchema, body);
    if ("refused" in p) return p.refused;
    const { connector } = options;
    if (connector === undefined) return problem(409, "no connector is configured");
    if (store.journey(p.data.journeyId) === undefined) return problem(404, "no such journey");
    let reply: Awaited<ReturnType<typeof askRoadLeg>>;
    try {
      reply = await askRoadLeg(connector, p.data);
    } catch {
      return problem(502, "the connector did not answer");
    }
    const asked = { status: reply.status, answer: reply.answer ?? null, askedAt: now() };
    store.recordRoadLegAsked(p.data.journeyId, asked);
    return { status: 200, body: { status: reply.status, answer: reply.answer ?? null } };
  };

  return async (method: string, path: string, body: unknown): Promise<ServerAnswer | undefined> => {
    if (method === "GET") {
      if (path === "/admin/journeys") return { status: 200, body: { journeys: store.summaries() } };
      if (path === "/admin/stats") return { status: 200, body: options.stats() };
      return undefined;
    }
    if (method !== "POST") return undefined;
    switch (path) {
      case "/admin/journeys":
        return create(body);
      case "/admin/journeys/change":
        return change(body);
      case "/admin/journeys/refund":
        return refund(body);
      case "/admin/journeys/silent":
        return silent(body);
      case "/admin/journeys/ask-road":
        return askRoad(body);
      default:
        return undefined;
    }
  };
}
