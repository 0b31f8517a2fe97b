import {
  FareType,
  IdType,
  SaleChannel,
  type Ticket,
  type TicketEvent,
  TicketEventKind,
  TicketMedium,
} from "@hutong/proto";
import { beijingDayStart, pick, seededRandom } from "@hutong/service-kit";
import type { SimulatedProvince, SimulatedRoute } from "./simulated-registry.js";

/** The share of each thing that happens to a sold ticket (the rest are checked, or no-shows). */
export interface StationMix {
  readonly refund: number;
  readonly change: number;
  readonly void: number;
  readonly noShow: number;
  /** Of the checked: a check undone, then checked again. */
  readonly checkRevoked: number;
  /** Of the sales: paper tickets. */
  readonly paper: number;
}

export const defaultMix: StationMix = {
  refund: 0.05,
  change: 0.03,
  void: 0.01,
  noShow: 0.04,
  checkRevoked: 0.01,
  paper: 0.2,
};

/** Sales per hour of the day (Beijing time): the morning and evening peaks of a coach station. */
const hourWeights = [0, 0, 0, 0, 0, 1, 4, 9, 10, 7, 5, 4, 4, 4, 5, 6, 7, 9, 8, 5, 3, 2, 1, 0];

const surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];
const given = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳"];

export interface SimulatedDay {
  /** Every event, in the order the stations report them (by time; a station's sequence within). */
  readonly events: readonly TicketEvent[];
  /** The station systems' party ids, by station code. */
  readonly sources: ReadonlyMap<string, string>;
}

export const stationParty = (provinceParty: string, stationCode: string) => `${provinceParty}/station-${stationCode}`;

/**
 * One day of a province's stations: `sales` tickets sold over the day's hours, on routes by
 * weight, each followed by what happens to it (refund, change, void, check, no-show, a revoked
 * check). Real-name fields are invented (the ID numbers are not valid ones). Deterministic per seed.
 */
export function simulateStationDay(
  province: SimulatedProvince,
  provinceParty: string,
  day: string,
  sales: number,
  seed: number,
  mix: StationMix = defaultMix,
): SimulatedDay {
  const random = seededRandom(seed);
  const start = beijingDayStart(day);
  const p2 = province.province.slice(0, 2);
  const sources = new Map(province.stations.map((s) => [s.code, stationParty(provinceParty, s.code)]));
  const timed: { at: number; order: number; event: Omit<TicketEvent, "sourceSeq" | "source" | "idempotencyKey"> }[] =
    [];
  let order = 0;
  let serial = 0;
  const push = (at: number, event: Omit<TicketEvent, "sourceSeq" | "source" | "idempotencyKey">) =>
    timed.push({ at, order: order++, event });
  const weights = province.routes.map((r) => r.weight);
  const stationOf = (code: string) => ({ code, name: province.stations.find((s) => s.code === code)?.name ?? code });

  const newTicket = (route: SimulatedRoute, soldAt: number, departAt: number, orig: string): Ticket => {
    serial += 1;
    const ticketNo = `${p2}${day.replaceAll("-", "")}${String(serial).padStart(7, "0")}`;
    const name = `${surnames[Math.floor(random() * surnames.length)]}${given[Math.floor(random() * given.length)]}`;
    const idNo = `${p2}01${String(1960 + Math.floor(random() * 50))}${String(1 + Math.floor(random() * 12)).padStart(2, "0")}${String(1 + Math.floor(random() * 28)).padStart(2, "0")}${String(Math.floor(random() * 10_000)).padStart(4, "0")}`;
    const paper = random() < mix.paper;
    return {
      ticketNo,
      orderNo: `O${ticketNo}`,
      issuerProvince: province.province,
      passenger: {
        name,
        idType: IdType.ID_TYPE_RESIDENT_ID_CARD,
        idNo,
        phone: `1${String(3_000_000_000 + Math.floor(random() * 999_999_999))}`,
      },
      buyer: undefined,
      routeCode: route.code,
      scheduleNo: `${route.code.slice(-4)}${String(new Date(departAt).getUTCHours()).padStart(2, "0")}`,
      departTime: new Date(departAt),
      boardStation: stationOf(route.from),
      alightStation: { code: route.to, name: route.to },
      seatNo: String(1 + Math.floor(random() * 45)),
      seatType: "1",
      fareType: random() < 0.9 ? FareType.FARE_TYPE_FULL : FareType.FARE_TYPE_CHILD,
      fareFen: BigInt(route.fareFen),
      serviceFeeFen: 0n,
      insuranceFen: 200n,
      carrierUscc: `91${p2}0100MA${String(serial % 1000).padStart(8, "0")}`,
      carrierName: `${p2}客运有限公司`,
      vehiclePlate: "",
      saleStatus: 0,
      checkStatus: 0,
      saleChannel: paper ? SaleChannel.SALE_CHANNEL_WINDOW : (pick(random, [0, 2, 2, 3, 4]) as SaleChannel),
      origTicketNo: orig,
      invoiceNo: "",
      soldAt: new Date(soldAt),
      checkedAt: undefined,
      statusUpdatedAt: new Date(soldAt),
      medium: paper ? TicketMedium.TICKET_MEDIUM_PAPER : TicketMedium.TICKET_MEDIUM_ELECTRONIC,
    };
  };
  const minute = 60_000;
  for (let i = 0; i < sales; i++) {
    const route = province.routes[pick(random, weights)] as SimulatedRoute;
    const soldAt = start + pick(random, hourWeights) * 60 * minute + Math.floor(random() * 60 * minute);
    const departAt = soldAt + (20 + Math.floor(random() * 180)) * minute;
    const ticket = newTicket(route, soldAt, departAt, "");
    const at = (k: number) => soldAt + Math.max(1, Math.floor((departAt - soldAt) * k));
    const sold = stationOf(route.from);
    push(soldAt, {
      kind: TicketEventKind.TICKET_EVENT_KIND_SALE,
      occurredAt: new Date(soldAt),
      ticket,
      refundFeeFen: 0n,
      station: sold,
    });
    const ref = { ticketNo: ticket.ticketNo, issuerProvince: province.province };
    const follow = (kind: TicketEventKind, when: number, refundFeeFen = 0n) =>
      push(when, { kind, occurredAt: new Date(when), ticket: { ...ticket, ...ref }, refundFeeFen, station: sold });
    const r = random();
    if (r < mix.void) follow(TicketEventKind.TICKET_EVENT_KIND_VOID, soldAt + minute);
    else if (r < mix.void + mix.refund) {
      follow(
        TicketEventKind.TICKET_EVENT_KIND_REFUND,
        at(0.5),
        random() < 0.5 ? 0n : BigInt(Math.floor(route.fareFen / 10)),
      );
    } else if (r < mix.void + mix.refund + mix.change) {
      const when = at(0.4);
      follow(TicketEventKind.TICKET_EVENT_KIND_CHANGE_OUT, when);
      const moved = newTicket(route, when, departAt + 60 * minute, ticket.ticketNo);
      push(when + 1, {
        kind: TicketEventKind.TICKET_EVENT_KIND_CHANGE_IN,
        occurredAt: new Date(when + 1),
        ticket: moved,
        refundFeeFen: 0n,
        station: sold,
      });
      push(departAt + 55 * minute, {
        kind: TicketEventKind.TICKET_EVENT_KIND_CHECK,
        occurredAt: new Date(departAt + 55 * minute),
        ticket: { ...moved, ticketNo: moved.ticketNo, issuerProvince: province.province },
        refundFeeFen: 0n,
        station: sold,
      });
    } else if (r < mix.void + mix.refund + mix.change + mix.noShow)
      follow(TicketEventKind.TICKET_EVENT_KIND_NO_SHOW, departAt + minute);
    else {
      follow(TicketEventKind.TICKET_EVENT_KIND_CHECK, departAt - 5 * minute);
      if (random() < mix.checkRevoked) {
        follow(TicketEventKind.TICKET_EVENT_KIND_CHECK_REVOKED, departAt - 4 * minute);
        follow(TicketEventKind.TICKET_EVENT_KIND_CHECK, departAt - 3 * minute);
      }
    }
  }
  timed.sort((a, b) => a.at - b.at || a.order - b.order);
  const seqs = new Map<string, bigint>();
  const events = timed.map(({ event }) => {
    const source = sources.get(event.station?.code ?? "") as string;
    const seq = (seqs.get(source) ?? 0n) + 1n;
    seqs.set(source, seq);
    return { ...event, source, sourceSeq: seq, idempotencyKey: `${source.split("/")[1]}:${seq}` } as TicketEvent;
  });
  return { events, sources };
}
