import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PartnerChannel } from "@hutong/partner-http";
import { airPaths, type RoadLegBooking, railPaths } from "../protocol/partner-api.js";
import { partnerHeaders } from "../protocol/partner-headers.js";
import type { PartnerProtocolName } from "./partner-shape.js";

// Fixtures for the partner simulator's specs, and a driver per shape so one spec runs for both.

export const testAppKey = "through-test";
export const testSecretHex = "3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d";
export const appKeys = { [testAppKey]: testSecretHex } as const;

export function testChannel(baseUrl: string, secretHex = testSecretHex, appKey = testAppKey): PartnerChannel {
  return { baseUrl, appKey, appSecret: Buffer.from(secretHex, "hex"), headers: partnerHeaders };
}

/** A temporary directory, removed by `remove`. */
export async function tempDir(): Promise<{ readonly dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "hutong-partner-sim-"));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export function roadBooking(overrides: Partial<RoadLegBooking> = {}): RoadLegBooking {
  return {
    province: "510000",
    routeCode: "CD-YA-01",
    scheduleNo: "0830",
    boardStation: { code: "510100001", name: "成都新南门" },
    alightStation: { code: "511800001", name: "雅安汽车站" },
    departTime: "2026-12-04T10:30:00+08:00",
    fareFen: 6500,
    seatType: "普通座",
    carrier: { uscc: "91510100MA61234567", name: "成都汽车客运有限公司" },
    passenger: { name: "张三", idType: 1, idNo: "510104199001011234" },
    ...overrides,
  };
}

/** A notice read from either shape's pull answer, in neutral terms. */
export interface PulledNotice {
  readonly id: string;
  readonly journeyId: string;
  readonly seq: number;
  /** The shape's own type ("CP", "TICKETED", …). */
  readonly type: string;
}

/** How a spec speaks one shape. */
export interface ShapeDriver {
  readonly protocol: PartnerProtocolName;
  readonly party: string;
  readonly paths: { readonly pull: string; readonly ack: string; readonly query: string };
  readonly types: { readonly issued: string; readonly changed: string; readonly refunded: string };
  readonly serviceNo: string;
  readonly from: string;
  readonly to: string;
  pullBody(limit: number): unknown;
  ackBody(ids: readonly string[]): unknown;
  queryBody(journeyId: string): unknown;
  /** The notices of a pull answer's data. */
  notices(data: unknown): PulledNotice[];
  /** The leg's status, departure and arrival of a query answer's data, ms since the epoch. */
  leg(data: unknown): { readonly refunded: boolean; readonly departTime: number; readonly arriveTime: number };
}

const fromRail = (text: string) => Date.parse(`${text.replace(" ", "T")}+08:00`);

export const drivers: Readonly<Record<PartnerProtocolName, ShapeDriver>> = {
  rail: {
    protocol: "rail",
    party: "rail:cr",
    paths: { pull: railPaths.pullNotices, ack: railPaths.ackNotices, query: railPaths.queryOrder },
    types: { issued: "CP", changed: "GQ", refunded: "TP" },
    serviceNo: "G8501",
    from: "成都东",
    to: "重庆西",
    pullBody: (limit) => ({ limit }),
    ackBody: (ids) => ({ tzbh: ids }),
    queryBody: (journeyId) => ({ ddh: journeyId }),
    notices: (data) =>
      (data as { notices: { tzbh: string; ddh: string; xh: number; tzlx: string }[] }).notices.map((n) => ({
        id: n.tzbh,
        journeyId: n.ddh,
        seq: n.xh,
        type: n.tzlx,
      })),
    leg: (data) => {
      const leg = (data as { leg: { zt: string; fcsj: string; ddsj: string } }).leg;
      return { refunded: leg.zt === "TP", departTime: fromRail(leg.fcsj), arriveTime: fromRail(leg.ddsj) };
    },
  },
  air: {
    protocol: "air",
    party: "air:ca",
    paths: { pull: airPaths.fetchNotices, ack: airPaths.confirmNotices, query: airPaths.orderStatus },
    types: { issued: "TICKETED", changed: "REISSUED", refunded: "REFUNDED" },
    serviceNo: "CA4101",
    from: "CTU",
    to: "PEK",
    pullBody: (max) => ({ max }),
    ackBody: (ids) => ({ noticeIds: ids }),
    queryBody: (orderNo) => ({ orderNo }),
    notices: (data) =>
      (data as { items: { noticeId: string; orderNo: string; sequence: number; type: string }[] }).items.map((n) => ({
        id: n.noticeId,
        journeyId: n.orderNo,
        seq: n.sequence,
        type: n.type,
      })),
    leg: (data) => {
      const s = (data as { segment: { status: string; depTime: string; arrTime: string } }).segment;
      return {
        refunded: s.status === "REFUNDED",
        departTime: Date.parse(s.depTime),
        arriveTime: Date.parse(s.arrTime),
      };
    },
  },
};

let journeys = 0;
/** A fresh journey id. */
export function newJourneyId(): string {
  journeys += 1;
  return `J${Date.now().toString(36)}${process.pid.toString(36)}${journeys}`.toUpperCase();
}

/** The body of POST /admin/journeys for `driver`'s shape. */
export function journeyBody(driver: ShapeDriver, journeyId = newJourneyId(), roadLegAfter = true) {
  return {
    journeyId,
    serviceNo: driver.serviceNo,
    from: driver.from,
    to: driver.to,
    departTime: "2026-12-04T08:00:00+08:00",
    arriveTime: "2026-12-04T09:42:00+08:00",
    roadLegAfter,
    road: roadBooking(),
  };
}

/** An admin call: its status and JSON body. */
export async function admin(baseUrl: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
