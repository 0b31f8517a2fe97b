// The ministry store's behaviour, the same specs on SQLite and on PostgreSQL: reports applied once
// (inbox), the registry replaced per content, a ticket's versions counted in order, the indicators
// and a station's day as the reconciliation reads them.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  CheckStatus,
  TicketEventKind as K,
  ReportTicketStatisticsRequest,
  SaleStatus,
  TicketMedium,
  type TicketStatisticsEvent,
} from "@hutong/proto";
import { computeIndicators } from "../statistics/indicators.js";
import { isTicketingError } from "../ticketing-error.js";
import { type AnyMinistryStore, openMinistryStore } from "./open-stores.js";
import { type StorePlace, storeKinds, storeRows } from "./testing-stores.js";

const sichuan = "prov:510000/ticketing";
const guangdong = "prov:440000/ticketing";
const t0 = 1_796_400_000_000;

const stations = [
  { code: "510101001", name: "成都中心站", grade: 1, smartTicketing: true, smartChecking: true, eTicketService: true },
  { code: "510102002", name: "成都东站", grade: 3, smartTicketing: false, smartChecking: false, eTicketService: true },
];
const routes = [
  { code: "51R0001", customised: true },
  { code: "51R0002", customised: false },
];

/** The statistics form of owner sequence `seq`: `ticketNo` at `version`. */
const stat = (
  seq: number,
  ticketNo: string,
  version: number,
  over: Partial<TicketStatisticsEvent> = {},
  owner = sichuan,
): TicketStatisticsEvent => ({
  idempotencyKey: `${owner}#${seq}`,
  ownerSeq: BigInt(seq),
  ticketVersion: version,
  kind: version === 1 ? K.TICKET_EVENT_KIND_SALE : K.TICKET_EVENT_KIND_REFUND,
  occurredAt: new Date("2026-12-04T02:00:00Z"),
  ticketNo,
  saleStationCode: "510101001",
  saleDay: "2026-12-04",
  routeCode: "51R0001",
  medium: TicketMedium.TICKET_MEDIUM_ELECTRONIC,
  saleChannel: 0,
  fareFen: 12_000n,
  saleStatus: version === 1 ? SaleStatus.SALE_STATUS_SOLD : SaleStatus.SALE_STATUS_REFUNDED,
  checkStatus: CheckStatus.CHECK_STATUS_UNCHECKED,
  ...over,
});

const report = (events: TicketStatisticsEvent[], registryKey = "", province = sichuan): ReportTicketStatisticsRequest =>
  ReportTicketStatisticsRequest.fromPartial({
    province,
    events,
    stations: registryKey === "" ? [] : stations,
    routes: registryKey === "" ? [] : routes,
    registryKey,
  });

for (const kind of storeKinds) {
  describe(`ministry store: ${kind.name}`, { skip: kind.skip }, () => {
    let place: StorePlace;
    let store: AnyMinistryStore;
    beforeEach(async () => {
      place = await kind.place();
      store = await openMinistryStore(place.location);
    });
    afterEach(async () => {
      await store?.close();
      await place?.cleanup();
    });

    it("applies a report's registry and events once each, and counts a ticket's versions in order", async () => {
      assert.deepEqual(await store.report(sichuan, report([stat(1, "T1", 1), stat(2, "T2", 1)], "reg#1"), t0), {
        applied: 3,
        duplicates: 0,
      });
      assert.deepEqual(await store.report(sichuan, report([stat(2, "T2", 1), stat(5, "T2", 3)], "reg#1"), t0), {
        applied: 1,
        duplicates: 2,
      });
      assert.deepEqual(await store.report(sichuan, report([stat(4, "T2", 2)]), t0), { applied: 1, duplicates: 0 });
      assert.deepEqual(
        await storeRows(
          store,
          "SELECT owner_seq, ticket_version, in_order, applications FROM stat_event ORDER BY owner_seq",
        ),
        [
          { owner_seq: 1, ticket_version: 1, in_order: 1, applications: 1 },
          { owner_seq: 2, ticket_version: 1, in_order: 1, applications: 1 },
          { owner_seq: 4, ticket_version: 2, in_order: 0, applications: 1 },
          { owner_seq: 5, ticket_version: 3, in_order: 0, applications: 1 },
        ],
      );
      assert.deepEqual(await storeRows(store, "SELECT version, sale_status FROM stat_ticket WHERE ticket_no = 'T2'"), [
        { version: 3, sale_status: SaleStatus.SALE_STATUS_REFUNDED },
      ]);
    });

    it("refuses a report that came through no gateway, or an event without its key, number or version", async () => {
      for (const [sender, req, code] of [
        ["", report([stat(1, "T1", 1)]), "wrong-source"],
        [sichuan, report([stat(1, "T1", 1, { idempotencyKey: "" })]), "malformed"],
        [sichuan, report([stat(1, "", 1)]), "malformed"],
        [sichuan, report([stat(1, "T1", 0)]), "malformed"],
      ] as const) {
        await assert.rejects(store.report(sender, req, t0), (e: unknown) => isTicketingError(e) && e.code === code);
      }
      assert.deepEqual(await storeRows(store, "SELECT count(*) AS n FROM stat_event"), [{ n: 0 }]);
    });

    it("computes each province's indicators from what it received, and replaces a registry with a new one", async () => {
      await store.report(
        sichuan,
        report(
          [
            stat(1, "T1", 1),
            stat(2, "T2", 1, { medium: TicketMedium.TICKET_MEDIUM_PAPER, routeCode: "51R0002" }),
            stat(3, "T3", 1, { saleDay: "2026-11-30" }),
          ],
          "reg#1",
        ),
        t0,
      );
      await store.report(guangdong, report([stat(1, "G1", 1, { saleStationCode: "440101001" }, guangdong)]), t0);
      const [own] = await store.indicators("2026-12", sichuan);
      assert.deepEqual(
        own,
        computeIndicators(sichuan, "2026-12", { stations, routes }, [
          {
            kind: K.TICKET_EVENT_KIND_SALE,
            saleDay: "2026-12-04",
            saleStationCode: "510101001",
            routeCode: "51R0001",
            medium: 1,
          },
          {
            kind: K.TICKET_EVENT_KIND_SALE,
            saleDay: "2026-12-04",
            saleStationCode: "510101001",
            routeCode: "51R0002",
            medium: 2,
          },
          {
            kind: K.TICKET_EVENT_KIND_SALE,
            saleDay: "2026-11-30",
            saleStationCode: "510101001",
            routeCode: "51R0001",
            medium: 1,
          },
        ]),
      );
      assert.equal(own?.ticketsSold, 2);
      assert.equal(own?.grade2StationsETicket, 1);
      assert.equal(own?.customisedRoutesETicket, 1);
      assert.deepEqual(
        (await store.indicators("2026", "")).map((i) => [i.province, i.ticketsSold]),
        [
          [guangdong, 1],
          [sichuan, 3],
        ],
        "every province that reported, in order",
      );
      // A new registry replaces the old one whole.
      await store.report(
        sichuan,
        ReportTicketStatisticsRequest.fromPartial({
          province: sichuan,
          stations: [{ ...stations[1], grade: 2 }] as typeof stations,
          routes: [],
          registryKey: "reg#2",
        }),
        t0,
      );
      const [after] = await store.indicators("2026-12", sichuan);
      assert.deepEqual(
        [after?.grade2Stations, after?.grade2StationsETicket, after?.customisedRoutes, after?.smartTicketingStations],
        [1, 0, 0, 0],
      );
    });

    it("answers a station's day as the reconciliation compares it, by ticket number", async () => {
      await store.report(
        sichuan,
        report([
          stat(1, "T2", 1, { fareFen: 5_000n }),
          stat(2, "T1", 1),
          stat(3, "T2", 2),
          stat(4, "T3", 1, { saleDay: "2026-12-05" }),
          stat(5, "T4", 1, { saleStationCode: "510102002" }),
        ]),
        t0,
      );
      assert.deepEqual(await store.stationDay("510101001", "2026-12-04"), [
        { ticketNo: "T1", saleStatus: SaleStatus.SALE_STATUS_SOLD, fareFen: 12_000n },
        { ticketNo: "T2", saleStatus: SaleStatus.SALE_STATUS_REFUNDED, fareFen: 12_000n },
      ]);
      assert.deepEqual(await store.stationDay("510101001", "2026-12-06"), []);
    });

    it("keeps everything across a reopen", async () => {
      await store.report(sichuan, report([stat(1, "T1", 1)], "reg#1"), t0);
      await store.close();
      store = await openMinistryStore(place.location);
      assert.deepEqual(await store.report(sichuan, report([stat(1, "T1", 1)], "reg#1"), t0), {
        applied: 0,
        duplicates: 2,
      });
      assert.equal((await store.indicators("2026-12-04", sichuan))[0]?.ticketsSold, 1);
    });
  });
}
