// The rail and air partners' APIs for through journeys (联程), as the connector speaks them and
// the simulators serve them.
//
// ASSUMED SHAPES, clearly labelled. JT/T 1310 (rail–road) and T/CCTAS 171-2024 (air–road status
// query and delivered notice) name the interfaces (domain.md §1.6) but their message formats are
// not public. The two shapes below are ours: the rail one in the pinyin-initial field style of
// Chinese railway systems, the air one in the English camelCase of airline distribution APIs.
// Both: POST JSON, signed with the app key headers of @hutong/partner-http, answered with an
// envelope `{ code, msg, data }` where "0000" is success. A real partner's adapter changes this
// file and its mapping (partner-protocols.ts), nothing else.
//
// Each partner keeps a feed of notices about its journeys, in order per journey; the connector
// pulls a page, hands each notice on, and acknowledges what it has durably taken: a notice not
// acknowledged is pulled again (at least once), and the province applies each once (its id).

export const partnerCodes = {
  ok: "0000",
  unknownAppKey: "1001",
  badSignature: "1002",
  staleTimestamp: "1003",
  nonceReused: "1004",
  malformed: "1005",
  notFound: "3001",
} as const;

export interface PartnerAnswer<T> {
  readonly code: string;
  readonly msg: string;
  readonly data?: T;
}

// ---- The common person and road leg both shapes carry (the road leg the partner sold). ----

/** The road leg as the partner booked it (the selling province numbers the ticket). */
export interface RoadLegBooking {
  /** The selling province, 6 digits ("510000"): whose e-ticket service issues the leg. */
  readonly province: string;
  readonly routeCode: string;
  readonly scheduleNo: string;
  readonly boardStation: { readonly code: string; readonly name: string };
  readonly alightStation: { readonly code: string; readonly name: string };
  /** ISO 8601 with offset. */
  readonly departTime: string;
  readonly fareFen: number;
  readonly seatType: string;
  readonly carrier: { readonly uscc: string; readonly name: string };
  readonly passenger: { readonly name: string; readonly idType: number; readonly idNo: string };
}

// ---- Rail (JT/T 1310-style, assumed). ----

export const railPaths = {
  /** 拉取通知: up to `limit` unacknowledged notices, oldest first. */
  pullNotices: "/jtt1310/v1/notices/pull",
  /** 确认通知: these notices are taken. */
  ackNotices: "/jtt1310/v1/notices/ack",
  /** 订单查询: one journey's rail leg. */
  queryOrder: "/jtt1310/v1/orders/query",
} as const;

/** 通知类型: 出票, 改签, 退票. */
export type RailNoticeType = "CP" | "GQ" | "TP";

export interface RailNotice {
  /** 通知编号. */
  readonly tzbh: string;
  /** 订单号: the journey id. */
  readonly ddh: string;
  /** 序号 in the journey, from 1. */
  readonly xh: number;
  readonly tzlx: RailNoticeType;
  readonly leg: RailLeg;
  /**
   * 道路段: the road leg the notice concerns: as booked now (CP, GQ), as last booked (TP). Every
   * notice carries it, so the connector knows the selling province without keeping any state.
   */
  readonly dlcc?: RoadLegBooking;
  /** 通知时间, "YYYY-MM-DD HH:mm:ss" Beijing time. */
  readonly tzsj: string;
}

export interface RailLeg {
  /** 车次. */
  readonly cc: string;
  /** 发站, 到站. */
  readonly fz: string;
  readonly dz: string;
  /** 发车时间, 到达时间: "YYYY-MM-DD HH:mm:ss" Beijing time. */
  readonly fcsj: string;
  readonly ddsj: string;
  /** 状态: CP 已出票, TP 已退票. */
  readonly zt: "CP" | "TP";
  /** 道路段在后: the road leg follows the train. */
  readonly dlzh: boolean;
}

export interface RailPullRequest {
  readonly limit: number;
}
export interface RailPullAnswer {
  readonly notices: readonly RailNotice[];
}
export interface RailAckRequest {
  readonly tzbh: readonly string[];
}
export interface RailQueryRequest {
  readonly ddh: string;
}
/** The rail leg of the journey, with its order number echoed. */
export interface RailQueryAnswer {
  readonly ddh: string;
  readonly leg: RailLeg;
}

// ---- Air (T/CCTAS 171-style, assumed). ----

export const airPaths = {
  fetchNotices: "/cctas171/v1/delivery-notices/fetch",
  confirmNotices: "/cctas171/v1/delivery-notices/confirm",
  orderStatus: "/cctas171/v1/orders/status",
} as const;

export type AirNoticeType = "TICKETED" | "REISSUED" | "REFUNDED";

export interface AirSegment {
  readonly flightNo: string;
  /** IATA codes. */
  readonly depAirport: string;
  readonly arrAirport: string;
  /** ISO 8601 with offset. */
  readonly depTime: string;
  readonly arrTime: string;
  readonly status: "TICKETED" | "REFUNDED";
  readonly roadAfterFlight: boolean;
}

export interface AirNotice {
  readonly noticeId: string;
  readonly orderNo: string;
  readonly sequence: number;
  readonly type: AirNoticeType;
  readonly segment: AirSegment;
  /** The road leg the notice concerns (as for rail: every notice carries it). */
  readonly roadSegment?: RoadLegBooking;
  /** ISO 8601 with offset. */
  readonly issuedAt: string;
}

export interface AirFetchRequest {
  readonly max: number;
}
export interface AirFetchAnswer {
  readonly items: readonly AirNotice[];
}
export interface AirConfirmRequest {
  readonly noticeIds: readonly string[];
}
export interface AirStatusRequest {
  readonly orderNo: string;
}
export interface AirStatusAnswer {
  readonly orderNo: string;
  readonly segment: AirSegment;
}

// ---- The connector's own API for the partner (the other direction), signed the same way. ----

export const connectorPaths = {
  /** Where the road leg of a journey stands (no personal data). */
  roadLegStatus: "/hutong/v1/road-legs/status",
  /** The road leg's ticket for the passenger's through itinerary: needs the passenger's grant. */
  roadLegTicket: "/hutong/v1/road-legs/ticket",
} as const;

export interface RoadLegStatusRequest {
  readonly journeyId: string;
  /** The selling province, 6 digits. */
  readonly province: string;
}

export interface RoadLegStatusAnswer {
  readonly found: boolean;
  readonly ticketNo: string;
  /** The contract's SaleStatus and CheckStatus names ("SALE_STATUS_SOLD"). */
  readonly saleStatus: string;
  readonly checkStatus: string;
}

export interface RoadLegTicketRequest extends RoadLegStatusRequest {
  /** The passenger's signed grant to the partner (hutong grant file bytes, base64). */
  readonly grant: string;
}
