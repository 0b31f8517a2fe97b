import { sm3 } from "@hutong/certs";
import {
  type LegNotice,
  LegNoticeKind,
  SaleChannel,
  Ticket,
  type TicketEvent,
  TicketEventKind,
  TicketMedium,
} from "@hutong/proto";
import { TicketingError } from "../ticketing-error.js";

// A partner's notice about its leg of a through journey (联程), as the road leg's ticket events
// (docs/connectors.md §4). Pure. A journey's notices come in the partner's order (seq 1, 2, ...):
// seq 1 delivers it (the road leg is sold), a change moves it (the road leg is changed out and a
// new one changed in), a refund ends it. Every ticket a notice creates is numbered from the
// journey and the notice's seq, so the province needs no state to find a journey's current road
// leg (the one the latest delivery or change created), and the passenger's app can name it in a
// grant before it exists.

/** The partner parties that may notify (a rail or an air partner's connector). */
export const isPartnerParty = (party: string): boolean => /^(rail|air):[a-z0-9-]+$/.test(party);

/** The road leg's ticket number: ≤ 32 of [0-9A-Z], from the province, the journey and the notice's seq. */
export function roadLegTicketNo(province: string, partner: string, journeyId: string, seq: number): string {
  const digest = Buffer.from(sm3(Buffer.from(`${partner}\0${journeyId}`, "utf8")))
    .toString("hex")
    .slice(0, 20)
    .toUpperCase();
  return `L${province.slice(0, 2)}${digest}${String(seq).padStart(3, "0")}`;
}

/** The upload source a journey's events are numbered in: its own sequence, so journeys never wait on each other. */
export const journeySource = (partner: string, journeyId: string): string => `${partner}/journey/${journeyId}`;

/** The partner and journey of a journey source, or undefined for a station's. */
export function journeyOfSource(source: string): { partner: string; journeyId: string } | undefined {
  const m = /^((?:rail|air):[a-z0-9-]+)\/journey\/(.+)$/.exec(source);
  return m === null ? undefined : { partner: m[1] as string, journeyId: m[2] as string };
}

export interface NoticeEvents {
  /** The road leg the journey has after the notice. */
  readonly roadTicketNo: string;
  /** Numbered from `firstSeq` in the journey's source. */
  readonly events: TicketEvent[];
}

/**
 * The events of one notice. Checks the notice's form (INVALID_ARGUMENT, `malformed`); whether the
 * events fit the road leg's lifecycle is the upload's to decide, as for a station's.
 */
export function legNoticeEvents(
  province: string,
  partner: string,
  notice: LegNotice,
  firstSeq: bigint,
  /** The journey's current road leg as the province holds it (none before the delivery). */
  current: Ticket | undefined,
): NoticeEvents {
  const bad = (what: string) => new TicketingError("malformed", `notice ${notice.noticeId.slice(0, 64)}: ${what}`);
  const leg = notice.partnerLeg;
  if (!/^[\x21-\x7e]{1,64}$/.test(notice.noticeId)) throw bad("notice_id must be 1 to 64 printable characters");
  if (leg === undefined || !/^[0-9A-Za-z_-]{1,64}$/.test(leg.journeyId)) throw bad("a partner leg with a journey id");
  if (leg.partner !== partner)
    throw new TicketingError("wrong-source", `a notice of ${leg.partner} sent by ${partner}`);
  if (notice.seq < 1) throw bad("seq counts from 1");
  if (notice.noticedAt === undefined) throw bad("noticed_at is missing");
  const source = journeySource(partner, leg.journeyId);
  const at = notice.noticedAt;
  const held = roadLegTicketNo(province, partner, leg.journeyId, notice.seq - 1);
  const next = roadLegTicketNo(province, partner, leg.journeyId, notice.seq);
  let seq = firstSeq;
  const event = (kind: TicketEventKind, ticket: Ticket, part: string): TicketEvent => {
    const e: TicketEvent = {
      idempotencyKey: `${partner}#${notice.noticeId}#${part}`,
      source,
      sourceSeq: seq,
      kind,
      occurredAt: at,
      ticket,
      refundFeeFen: 0n,
      station: ticket.boardStation,
    };
    seq += 1n;
    return e;
  };
  const newLeg = (ticketNo: string, origTicketNo: string): Ticket => {
    const road = notice.roadLeg;
    if (road === undefined) throw bad("a delivery or change carries the road leg");
    return {
      ...road,
      ticketNo,
      origTicketNo,
      issuerProvince: province,
      saleChannel: SaleChannel.SALE_CHANNEL_PARTNER,
      medium: TicketMedium.TICKET_MEDIUM_ELECTRONIC,
      orderNo: leg.journeyId,
    };
  };
  // Events after the first name the road leg by number only: the province holds the rest.
  const existing = (): Ticket => {
    if (current === undefined || current.ticketNo !== held) {
      throw new TicketingError("not-found", `journey ${leg.journeyId}: no road leg ${held} to move`);
    }
    return Ticket.fromPartial({ ticketNo: held, issuerProvince: province, boardStation: current.boardStation });
  };
  switch (notice.kind) {
    case LegNoticeKind.LEG_NOTICE_KIND_DELIVERED: {
      if (notice.seq !== 1) throw bad("a delivery is a journey's first notice");
      const t = newLeg(next, "");
      return { roadTicketNo: next, events: [event(TicketEventKind.TICKET_EVENT_KIND_SALE, t, "sale")] };
    }
    case LegNoticeKind.LEG_NOTICE_KIND_CHANGED: {
      if (notice.seq < 2) throw bad("a change follows the delivery");
      const out = existing();
      return {
        roadTicketNo: next,
        events: [
          event(TicketEventKind.TICKET_EVENT_KIND_CHANGE_OUT, out, "out"),
          event(TicketEventKind.TICKET_EVENT_KIND_CHANGE_IN, newLeg(next, held), "in"),
        ],
      };
    }
    case LegNoticeKind.LEG_NOTICE_KIND_REFUNDED: {
      if (notice.seq < 2) throw bad("a refund follows the delivery");
      return { roadTicketNo: held, events: [event(TicketEventKind.TICKET_EVENT_KIND_REFUND, existing(), "refund")] };
    }
    default:
      throw bad("an unknown notice kind");
  }
}
