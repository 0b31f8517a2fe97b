// The notice's §6 indicators of a province and period, from counted events and a registry.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TicketEventKind as K, TicketMedium as M, type StationProfile, TicketIndicators } from "@hutong/proto";
import fc from "fast-check";
import { type CountedEvent, computeIndicators, type Registry } from "./indicators.js";

const st = (code: string, grade: number, smartTicketing = false, smartChecking = false): StationProfile => ({
  code,
  name: code,
  grade,
  smartTicketing,
  smartChecking,
  eTicketService: true,
});

const registry: Registry = {
  stations: [
    st("510101001", 1, true, true),
    st("510102002", 2, true, false),
    st("510103003", 3, false, true),
    st("510104004", 4),
    st("510105005", 0, true),
  ],
  routes: [
    { code: "R1", customised: true },
    { code: "R2", customised: true },
    { code: "R3", customised: false },
  ],
};

const ev = (
  kind: K,
  day = "2026-12-04",
  medium = M.TICKET_MEDIUM_ELECTRONIC,
  saleStationCode = "510103003",
  routeCode = "R3",
): CountedEvent => ({ kind, saleDay: day, saleStationCode, routeCode, medium });
const sale = (over: Partial<CountedEvent> = {}): CountedEvent => ({ ...ev(K.TICKET_EVENT_KIND_SALE), ...over });
const voided = (over: Partial<CountedEvent> = {}): CountedEvent => ({ ...ev(K.TICKET_EVENT_KIND_VOID), ...over });
const paper = M.TICKET_MEDIUM_PAPER;

const of = (events: CountedEvent[], period = "2026-12-04") => computeIndicators("510000", period, registry, events);

describe("computeIndicators", () => {
  it("counts the registry whatever the events: grade-1/2 stations, customised routes, smart equipment", () => {
    const r = of([]);
    assert.equal(r.province, "510000");
    assert.equal(r.period, "2026-12-04");
    assert.equal(r.grade2Stations, 2);
    assert.equal(r.customisedRoutes, 2);
    assert.equal(r.smartTicketingStations, 3);
    assert.equal(r.smartCheckingStations, 2);
  });

  it("is zero, with a share of zero, when nothing is sold", () => {
    assert.deepEqual(of([]), {
      province: "510000",
      period: "2026-12-04",
      grade2Stations: 2,
      grade2StationsETicket: 0,
      customisedRoutes: 2,
      customisedRoutesETicket: 0,
      smartTicketingStations: 3,
      smartCheckingStations: 2,
      ticketsSold: 0,
      eTicketsSold: 0,
      eTicketShareBp: 0,
    });
    const others = [
      K.TICKET_EVENT_KIND_REFUND,
      K.TICKET_EVENT_KIND_CHANGE_OUT,
      K.TICKET_EVENT_KIND_CHANGE_IN,
      K.TICKET_EVENT_KIND_CHECK,
      K.TICKET_EVENT_KIND_NO_SHOW,
      K.TICKET_EVENT_KIND_CHECK_REVOKED,
    ].map((k) => ev(k, "2026-12-04", M.TICKET_MEDIUM_ELECTRONIC, "510101001", "R1"));
    const r = of(others);
    assert.equal(r.ticketsSold, 0);
    assert.equal(r.eTicketsSold, 0);
    assert.equal(r.eTicketShareBp, 0);
    assert.equal(r.grade2StationsETicket, 0, "a station is covered by an electronic sale, not by a check");
    assert.equal(r.customisedRoutesETicket, 0);
  });

  it("counts sales less voids; a change, a refund or a check sells nothing", () => {
    const r = of([
      sale(),
      sale(),
      sale({ medium: paper }),
      voided(),
      ev(K.TICKET_EVENT_KIND_REFUND),
      ev(K.TICKET_EVENT_KIND_CHANGE_OUT),
      ev(K.TICKET_EVENT_KIND_CHANGE_IN),
      ev(K.TICKET_EVENT_KIND_CHECK),
    ]);
    assert.equal(r.ticketsSold, 2);
    assert.equal(r.eTicketsSold, 1);
  });

  it("counts as e-tickets only electronic ones: paper and unset media sell, but no e-ticket", () => {
    const r = of([
      sale(),
      sale({ medium: paper }),
      sale({ medium: M.TICKET_MEDIUM_UNSPECIFIED }),
      sale({ medium: M.UNRECOGNIZED }),
      voided({ medium: paper }),
    ]);
    assert.equal(r.ticketsSold, 3);
    assert.equal(r.eTicketsSold, 1);
    assert.equal(r.eTicketShareBp, 3333);
  });

  it("takes the share in basis points, floored", () => {
    assert.equal(of([sale(), sale(), sale({ medium: paper })]).eTicketShareBp, 6666);
    assert.equal(of([sale(), sale({ medium: paper })]).eTicketShareBp, 5000);
    assert.equal(of([sale(), sale()]).eTicketShareBp, 10_000);
    assert.equal(of([sale({ medium: paper })]).eTicketShareBp, 0);
    const many = [...Array.from({ length: 9_998 }, () => sale()), sale({ medium: paper }), sale({ medium: paper })];
    assert.equal(of(many).eTicketShareBp, 9998);
    const r = of([
      ...Array.from({ length: 2 }, () => sale()),
      ...Array.from({ length: 9_997 }, () => sale({ medium: paper })),
    ]);
    assert.equal(r.eTicketShareBp, 2, "20000 / 9999 = 2.0002 floors to 2");
    assert.equal(of([...Array.from({ length: 9_999 }, () => sale()), sale({ medium: paper })]).eTicketShareBp, 9999);
    assert.equal(of([sale(), sale({ medium: paper }), sale({ medium: paper })]).eTicketShareBp, 3333);
  });

  it("covers a grade-1/2 station and a customised route only by an electronic sale in the period", () => {
    const r = of([
      sale({ saleStationCode: "510101001", routeCode: "R1" }), // covers both
      sale({ saleStationCode: "510102002", routeCode: "R2", medium: paper }), // paper: neither
      sale({ saleStationCode: "510102002", routeCode: "R2", saleDay: "2026-12-03" }), // another day: neither
      ev(K.TICKET_EVENT_KIND_CHECK, "2026-12-04", M.TICKET_MEDIUM_ELECTRONIC, "510102002", "R2"), // not a sale
      voided({ saleStationCode: "510102002", routeCode: "R2" }), // a void uncovers nothing, covers nothing
      sale({ saleStationCode: "510103003", routeCode: "R3" }), // grade 3, not customised: not counted
    ]);
    assert.equal(r.grade2StationsETicket, 1);
    assert.equal(r.customisedRoutesETicket, 1);
    const all = of([
      sale({ saleStationCode: "510101001", routeCode: "R1" }),
      sale({ saleStationCode: "510102002", routeCode: "R2" }),
      sale({ saleStationCode: "510101001", routeCode: "R2" }),
      sale({ saleStationCode: "510105005", routeCode: "R9" }), // grade 0 and an unregistered route: not counted
      sale({ saleStationCode: "440101001", routeCode: "R1" }), // not this registry's station
    ]);
    assert.equal(all.grade2StationsETicket, 2);
    assert.equal(all.customisedRoutesETicket, 2);
  });

  it("keeps a covering sale's station covered even when that ticket is voided later", () => {
    const r = of([
      sale({ saleStationCode: "510101001", routeCode: "R1" }),
      voided({ saleStationCode: "510101001", routeCode: "R1" }),
    ]);
    assert.equal(r.ticketsSold, 0);
    assert.equal(r.grade2StationsETicket, 1);
    assert.equal(r.customisedRoutesETicket, 1);
  });

  it("counts only the events of the period: a year, a month or a day", () => {
    const events = [
      sale({ saleDay: "2025-12-31" }),
      sale({ saleDay: "2026-01-01" }),
      sale({ saleDay: "2026-11-30", medium: paper }),
      sale({ saleDay: "2026-12-01" }),
      sale({ saleDay: "2026-12-04" }),
      sale({ saleDay: "2026-12-04" }),
      voided({ saleDay: "2026-12-04" }),
      sale({ saleDay: "2026-12-31" }),
      sale({ saleDay: "2027-01-01" }),
    ];
    const sold = (period: string) => of(events, period).ticketsSold;
    assert.equal(sold("2026"), 5);
    assert.equal(of(events, "2026").eTicketsSold, 4);
    assert.equal(sold("2026-12"), 3);
    assert.equal(sold("2026-11"), 1);
    assert.equal(of(events, "2026-11").eTicketsSold, 0);
    assert.equal(sold("2026-01"), 1);
    assert.equal(sold("2026-1"), 0, '"2026-1" is no month: it must not match "2026-12" nor "2026-11"');
    assert.equal(sold("2026-12-04"), 1);
    assert.equal(sold("2026-12-0"), 0);
    assert.equal(sold("2025"), 1);
    assert.equal(sold("2027-01-01"), 1);
    assert.equal(sold("2028"), 0);
  });

  it("counts a void in its sale's period, so a late void never makes a period negative or a share above 100%", () => {
    // A ticket sold at 23:59 on the 3rd and voided at 00:01 on the 4th: the void belongs to the 3rd.
    const late = [sale({ saleDay: "2026-12-03" }), voided({ saleDay: "2026-12-03" })];
    const fourth = of(late, "2026-12-04");
    assert.equal(fourth.ticketsSold, 0);
    assert.doesNotThrow(() => TicketIndicators.encode(fourth).finish(), "the indicators must encode");
    assert.equal(of(late, "2026-12-03").ticketsSold, 0);
    const r = of(
      [
        sale({ saleDay: "2026-12-03", medium: paper }),
        sale(),
        sale(),
        voided({ saleDay: "2026-12-03", medium: paper }),
      ],
      "2026-12-04",
    );
    assert.equal(r.ticketsSold, 2);
    assert.equal(r.eTicketsSold, 2);
    assert.equal(r.eTicketShareBp, 10_000);
  });

  it("reads events from any iterable, once", () => {
    let reads = 0;
    function* events() {
      reads++;
      yield sale();
      yield sale({ medium: paper });
    }
    const r = computeIndicators("510000", "2026", registry, events());
    assert.equal(reads, 1);
    assert.equal(r.ticketsSold, 2);
    assert.equal(r.eTicketsSold, 1);
  });

  it("property: a year's tickets and e-tickets sold are the sums of its months' (and a month's, of its days')", () => {
    const day = fc
      .tuple(fc.constantFrom(2025, 2026, 2027), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
      .map(([y, m, d]) => `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`);
    const event = fc.record({
      kind: fc.constantFrom(...Object.values(K).filter((k): k is K => typeof k === "number")),
      saleDay: day,
      saleStationCode: fc.constantFrom(...registry.stations.map((s) => s.code)),
      routeCode: fc.constantFrom("R1", "R2", "R3"),
      medium: fc.constantFrom(M.TICKET_MEDIUM_ELECTRONIC, M.TICKET_MEDIUM_PAPER, M.TICKET_MEDIUM_UNSPECIFIED),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 200 }), (events) => {
        const year = of(events, "2026");
        const months = Array.from({ length: 12 }, (_, i) => of(events, `2026-${String(i + 1).padStart(2, "0")}`));
        assert.equal(
          year.ticketsSold,
          months.reduce((a, m) => a + m.ticketsSold, 0),
        );
        assert.equal(
          year.eTicketsSold,
          months.reduce((a, m) => a + m.eTicketsSold, 0),
        );
        assert.ok(year.grade2StationsETicket >= Math.max(...months.map((m) => m.grade2StationsETicket)));
        const days = Array.from({ length: 28 }, (_, i) => of(events, `2026-03-${String(i + 1).padStart(2, "0")}`));
        assert.equal(
          months[2]?.ticketsSold,
          days.reduce((a, d) => a + d.ticketsSold, 0),
        );
        assert.equal(
          months[2]?.eTicketsSold,
          days.reduce((a, d) => a + d.eTicketsSold, 0),
        );
        const expected = events.filter((e) => e.saleDay.startsWith("2026-"));
        const net = (pick: (e: CountedEvent) => boolean) =>
          expected.filter((e) => pick(e) && e.kind === K.TICKET_EVENT_KIND_SALE).length -
          expected.filter((e) => pick(e) && e.kind === K.TICKET_EVENT_KIND_VOID).length;
        assert.equal(
          year.ticketsSold,
          net(() => true),
        );
        assert.equal(
          year.eTicketsSold,
          net((e) => e.medium === M.TICKET_MEDIUM_ELECTRONIC),
        );
      }),
      { numRuns: 200 },
    );
  });
});
