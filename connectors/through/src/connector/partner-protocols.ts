import { fromBeijingText, type PartnerChannel, postSigned } from "@hutong/partner-http";
import { type LegNotice, LegNoticeKind, type PartnerLeg, PartnerLegStatus, Ticket } from "@hutong/proto";
import {
  type AirFetchAnswer,
  type AirNotice,
  type AirSegment,
  type AirStatusAnswer,
  airPaths,
  partnerCodes,
  type RailLeg,
  type RailNotice,
  type RailPullAnswer,
  type RailQueryAnswer,
  type RoadLegBooking,
  railPaths,
} from "../protocol/partner-api.js";

// The rail and air partners' assumed shapes (partner-api.ts) in the contract's terms: a notice
// becomes a LegNotice (its road leg a Ticket), a leg a PartnerLeg. One interface, two adapters.

/** A call's outcome: the answer, the partner saying "not found", or no usable answer. */
export type Asked<T> =
  | { readonly kind: "ok"; readonly value: T }
  | { readonly kind: "not-found" }
  | { readonly kind: "no-answer"; readonly reason: string };

/** A page of the feed: the notices read, and those that could not be (id, journey, why). */
export interface PulledPage {
  readonly notices: readonly LegNotice[];
  readonly unreadable: readonly { readonly noticeId: string; readonly journeyId: string; readonly why: string }[];
}

export interface PartnerProtocol {
  /** Up to `limit` notices not yet acknowledged, in the feed's order. */
  pull(limit: number, signal: AbortSignal): Promise<Asked<PulledPage>>;
  ack(noticeIds: readonly string[], signal: AbortSignal): Promise<Asked<number>>;
  /** One journey's leg, as the partner says now. */
  queryLeg(journeyId: string, signal: AbortSignal): Promise<Asked<PartnerLeg>>;
}

function fromIso(text: string): Date | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** The road leg the partner booked, as the ticket the province will number. */
export function roadLegOf(b: RoadLegBooking): Ticket {
  return Ticket.fromPartial({
    issuerProvince: b.province,
    routeCode: b.routeCode,
    scheduleNo: b.scheduleNo,
    departTime: fromIso(b.departTime),
    boardStation: b.boardStation,
    alightStation: b.alightStation,
    seatType: b.seatType,
    fareType: 1,
    fareFen: BigInt(b.fareFen),
    carrierUscc: b.carrier.uscc,
    carrierName: b.carrier.name,
    passenger: { name: b.passenger.name, idType: b.passenger.idType, idNo: b.passenger.idNo, phone: "" },
  });
}

async function ask<T>(channel: PartnerChannel, path: string, body: unknown, signal: AbortSignal): Promise<Asked<T>> {
  try {
    const r = await postSigned<T>(channel, path, body, { signal });
    if (r.answer === undefined) return { kind: "no-answer", reason: `HTTP ${r.status}` };
    if (r.answer.code === partnerCodes.ok && r.answer.data !== undefined) return { kind: "ok", value: r.answer.data };
    if (r.answer.code === partnerCodes.notFound) return { kind: "not-found" };
    // The partner's own words may repeat a value (a passenger's name): its code only.
    return { kind: "no-answer", reason: `code ${r.answer.code}` };
  } catch (e) {
    return { kind: "no-answer", reason: (e as Error).name === "TimeoutError" ? "timeout" : "unreachable" };
  }
}

/** Each notice read on its own: one the connector cannot read does not hide the others. */
function readPage<N>(
  items: readonly N[],
  ids: (n: N) => readonly [unknown, unknown],
  read: (n: N) => LegNotice,
): PulledPage {
  const notices: LegNotice[] = [];
  const unreadable: { noticeId: string; journeyId: string; why: string }[] = [];
  for (const n of items) {
    const [noticeId, journeyId] = ids(n);
    try {
      notices.push(read(n));
    } catch (e) {
      unreadable.push({
        noticeId: String(noticeId).slice(0, 64),
        journeyId: String(journeyId).slice(0, 64),
        why: (e as Error).message,
      });
    }
  }
  return { notices, unreadable };
}

const railKinds: Record<string, LegNoticeKind> = {
  CP: LegNoticeKind.LEG_NOTICE_KIND_DELIVERED,
  GQ: LegNoticeKind.LEG_NOTICE_KIND_CHANGED,
  TP: LegNoticeKind.LEG_NOTICE_KIND_REFUNDED,
};
const airKinds: Record<string, LegNoticeKind> = {
  TICKETED: LegNoticeKind.LEG_NOTICE_KIND_DELIVERED,
  REISSUED: LegNoticeKind.LEG_NOTICE_KIND_CHANGED,
  REFUNDED: LegNoticeKind.LEG_NOTICE_KIND_REFUNDED,
};

function railLeg(party: string, journeyId: string, l: RailLeg): PartnerLeg {
  return {
    partner: party,
    journeyId,
    serviceNo: l.cc,
    fromStation: l.fz,
    toStation: l.dz,
    departTime: fromBeijingText(l.fcsj),
    arriveTime: fromBeijingText(l.ddsj),
    status:
      l.zt === "TP" ? PartnerLegStatus.PARTNER_LEG_STATUS_REFUNDED : PartnerLegStatus.PARTNER_LEG_STATUS_DELIVERED,
    roadLegAfter: l.dlzh,
  };
}

function airLeg(party: string, journeyId: string, s: AirSegment): PartnerLeg {
  return {
    partner: party,
    journeyId,
    serviceNo: s.flightNo,
    fromStation: s.depAirport,
    toStation: s.arrAirport,
    departTime: fromIso(s.depTime),
    arriveTime: fromIso(s.arrTime),
    status:
      s.status === "REFUNDED"
        ? PartnerLegStatus.PARTNER_LEG_STATUS_REFUNDED
        : PartnerLegStatus.PARTNER_LEG_STATUS_DELIVERED,
    roadLegAfter: s.roadAfterFlight,
  };
}

/** The rail partner (JT/T 1310-style, assumed). */
export function railProtocol(party: string, channel: PartnerChannel): PartnerProtocol {
  return {
    async pull(limit, signal) {
      const r = await ask<RailPullAnswer>(channel, railPaths.pullNotices, { limit }, signal);
      if (r.kind !== "ok") return r;
      if (!Array.isArray(r.value.notices)) return { kind: "no-answer", reason: "an answer for another request" };
      return {
        kind: "ok",
        value: readPage(
          r.value.notices,
          (n: RailNotice) => [n.tzbh, n.ddh],
          (n) => {
            const kind = railKinds[n.tzlx];
            if (kind === undefined) throw new Error(`unknown notice type ${String(n.tzlx).slice(0, 8)}`);
            return {
              noticeId: n.tzbh,
              seq: n.xh,
              kind,
              partnerLeg: railLeg(party, n.ddh, n.leg),
              roadLeg: n.dlcc === undefined ? undefined : roadLegOf(n.dlcc),
              noticedAt: fromBeijingText(n.tzsj),
            };
          },
        ),
      };
    },
    async ack(ids, signal) {
      const r = await ask<{ acked: number }>(channel, railPaths.ackNotices, { tzbh: ids }, signal);
      return r.kind === "ok" ? { kind: "ok", value: r.value.acked } : r;
    },
    async queryLeg(journeyId, signal) {
      const r = await ask<RailQueryAnswer>(channel, railPaths.queryOrder, { ddh: journeyId }, signal);
      if (r.kind !== "ok") return r;
      if (r.value.ddh !== journeyId || r.value.leg === undefined) {
        return { kind: "no-answer", reason: "an answer for another request" };
      }
      return { kind: "ok", value: railLeg(party, journeyId, r.value.leg) };
    },
  };
}

/** The air partner (T/CCTAS 171-style, assumed). */
export function airProtocol(party: string, channel: PartnerChannel): PartnerProtocol {
  return {
    async pull(limit, signal) {
      const r = await ask<AirFetchAnswer>(channel, airPaths.fetchNotices, { max: limit }, signal);
      if (r.kind !== "ok") return r;
      if (!Array.isArray(r.value.items)) return { kind: "no-answer", reason: "an answer for another request" };
      return {
        kind: "ok",
        value: readPage(
          r.value.items,
          (n: AirNotice) => [n.noticeId, n.orderNo],
          (n) => {
            const kind = airKinds[n.type];
            if (kind === undefined) throw new Error(`unknown notice type ${String(n.type).slice(0, 12)}`);
            return {
              noticeId: n.noticeId,
              seq: n.sequence,
              kind,
              partnerLeg: airLeg(party, n.orderNo, n.segment),
              roadLeg: n.roadSegment === undefined ? undefined : roadLegOf(n.roadSegment),
              noticedAt: fromIso(n.issuedAt),
            };
          },
        ),
      };
    },
    async ack(ids, signal) {
      const r = await ask<{ acked: number }>(channel, airPaths.confirmNotices, { noticeIds: ids }, signal);
      return r.kind === "ok" ? { kind: "ok", value: r.value.acked } : r;
    },
    async queryLeg(journeyId, signal) {
      const r = await ask<AirStatusAnswer>(channel, airPaths.orderStatus, { orderNo: journeyId }, signal);
      if (r.kind !== "ok") return r;
      if (r.value.orderNo !== journeyId || r.value.segment === undefined) {
        return { kind: "no-answer", reason: "an answer for another request" };
      }
      return { kind: "ok", value: airLeg(party, journeyId, r.value.segment) };
    },
  };
}
