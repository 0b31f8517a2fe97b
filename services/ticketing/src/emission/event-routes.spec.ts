// Who an event goes to: the default route table (route provinces see the operational view, the
// ministry sees statistics), kinds filtering, and the checks of a table.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TicketEventKind as K, Purpose, RecordKind, recordSchemas, Ticket } from "@hutong/proto";
import fc from "fast-check";
import { isTicketingError } from "../ticketing-error.js";
import {
  createEventRouter,
  defaultEventRoutes,
  type Emission,
  type EventRoute,
  provinceOfStation,
  routeProvinces,
} from "./event-routes.js";

const own = "510000";
const party = (province: string) => `prov:${province}/ticketing`;
const operational = recordSchemas.get(RecordKind.RECORD_KIND_E_TICKET)?.views.get("operational");
const supervision = Purpose.PURPOSE_REGULATORY_SUPERVISION;

const ticket = (board: string | undefined, alight: string | undefined): Ticket =>
  Ticket.fromPartial({
    ticketNo: "51202612040000001",
    issuerProvince: own,
    boardStation: board === undefined ? undefined : { code: board, name: board },
    alightStation: alight === undefined ? undefined : { code: alight, name: alight },
  });

const toProvince = (province: string): Emission => ({
  destination: party(province),
  form: "event",
  purpose: supervision,
  fields: operational ?? [],
});
const toMinistry: Emission = { destination: "mot/statistics", form: "statistics", purpose: supervision, fields: [] };

const allKinds = Object.values(K).filter((k): k is K => typeof k === "number" && k > 0);

describe("provinceOfStation", () => {
  it("reads the province from the station code's first two digits", () => {
    assert.equal(provinceOfStation("510101001"), "510000");
    assert.equal(provinceOfStation("440101001"), "440000");
    assert.equal(provinceOfStation("31"), "310000");
  });
});

describe("createEventRouter with the default routes", () => {
  const router = createEventRouter(own, defaultEventRoutes, party);

  it("sends a cross-province ticket to the other province (event form) and to the ministry (statistics form)", () => {
    assert.ok(operational && operational.length > 0);
    for (const kind of allKinds) {
      assert.deepEqual(
        router.route(kind, ticket("510101001", "440101001")),
        [toProvince("440000"), toMinistry],
        K[kind],
      );
    }
  });

  it("gives the province the operational view: no passenger, no buyer, no order number", () => {
    const [event] = router.route(K.TICKET_EVENT_KIND_SALE, ticket("510101001", "440101001"));
    assert.ok(event);
    assert.deepEqual([...event.fields], [...(operational ?? [])]);
    assert.ok(!event.fields.some((f) => /^ticket\.(passenger|buyer|order_no)\b/.test(f)));
  });

  it("sends an intra-province ticket to the ministry only", () => {
    assert.deepEqual(router.route(K.TICKET_EVENT_KIND_SALE, ticket("510101001", "510102002")), [toMinistry]);
    assert.deepEqual(router.route(K.TICKET_EVENT_KIND_CHECK, ticket("510101001", "510101001")), [toMinistry]);
  });

  it("sends a ticket touching two other provinces to both, never to its own", () => {
    const out = router.route(K.TICKET_EVENT_KIND_REFUND, ticket("440101001", "310101001"));
    assert.deepEqual(out, [toProvince("440000"), toProvince("310000"), toMinistry]);
    assert.ok(!out.some((e) => e.destination === party(own)));
  });

  it("sends once to a province both ends of the route are in", () => {
    assert.deepEqual(router.route(K.TICKET_EVENT_KIND_SALE, ticket("440101001", "440102002")), [
      toProvince("440000"),
      toMinistry,
    ]);
  });

  it("skips a missing or too short station code, and never routes back to the own province", () => {
    assert.deepEqual(router.route(K.TICKET_EVENT_KIND_SALE, ticket(undefined, undefined)), [toMinistry]);
    assert.deepEqual(router.route(K.TICKET_EVENT_KIND_SALE, ticket("", "4")), [toMinistry]);
    assert.deepEqual(router.route(K.TICKET_EVENT_KIND_SALE, ticket(undefined, "440101001")), [
      toProvince("440000"),
      toMinistry,
    ]);
  });

  it("property: every destination once; the own province never; the route's other provinces each once", () => {
    const code = fc
      .tuple(fc.constantFrom("51", "44", "31", "11"), fc.stringMatching(/^[0-9]{7}$/))
      .map((p) => p.join(""));
    fc.assert(
      fc.property(fc.constantFrom(...allKinds), fc.option(code), fc.option(code), (kind, board, alight) => {
        const out = router.route(kind, ticket(board ?? undefined, alight ?? undefined));
        const keys = out.map((e) => `${e.form} ${e.destination}`);
        assert.equal(new Set(keys).size, keys.length);
        assert.ok(!keys.includes(`event ${party(own)}`));
        const others = new Set(
          [board, alight]
            .filter((c): c is string => !!c)
            .map(provinceOfStation)
            .filter((p) => p !== own),
        );
        assert.deepEqual(
          out.filter((e) => e.form === "event").map((e) => e.destination),
          [...others].map(party),
        );
        assert.deepEqual(out.at(-1), toMinistry);
      }),
      { numRuns: 300 },
    );
  });
});

describe("createEventRouter with a table of its own", () => {
  it("sends an event only along routes that list its kind", () => {
    const routes: EventRoute[] = [
      {
        kinds: [K.TICKET_EVENT_KIND_REFUND, K.TICKET_EVENT_KIND_VOID],
        to: "mot/audit",
        form: "statistics",
        purpose: supervision,
      },
      { kinds: [K.TICKET_EVENT_KIND_SALE], to: routeProvinces, form: "event", purpose: supervision },
    ];
    const router = createEventRouter(own, routes, party);
    const t = ticket("510101001", "440101001");
    const audit: Emission = { destination: "mot/audit", form: "statistics", purpose: supervision, fields: [] };
    assert.deepEqual(router.route(K.TICKET_EVENT_KIND_REFUND, t), [audit]);
    assert.deepEqual(router.route(K.TICKET_EVENT_KIND_VOID, t), [audit]);
    assert.deepEqual(router.route(K.TICKET_EVENT_KIND_SALE, t), [toProvince("440000")]);
    assert.deepEqual(router.route(K.TICKET_EVENT_KIND_CHECK, t), []);
    assert.deepEqual(createEventRouter(own, [], party).route(K.TICKET_EVENT_KIND_SALE, t), []);
  });

  it("gives an event-form route to a named party the fields of its purpose", () => {
    const router = createEventRouter(
      own,
      [{ kinds: "all", to: "mot/reconciliation", form: "event", purpose: Purpose.PURPOSE_RECONCILIATION }],
      party,
    );
    const [e] = router.route(K.TICKET_EVENT_KIND_SALE, ticket("510101001", "510101001"));
    assert.equal(e?.destination, "mot/reconciliation");
    assert.deepEqual(
      [...(e?.fields ?? [])],
      [...(recordSchemas.get(RecordKind.RECORD_KIND_E_TICKET)?.views.get("reconciliation") ?? ["?"])],
    );
  });

  it("refuses a route with an empty destination", () => {
    assert.throws(
      () => createEventRouter(own, [{ kinds: "all", to: "", form: "statistics", purpose: supervision }], party),
      (e: unknown) => isTicketingError(e, "invalid-config") && e.message === "an event route needs a destination",
    );
    assert.throws(
      () =>
        createEventRouter(
          own,
          [...defaultEventRoutes, { kinds: "all", to: "", form: "event", purpose: supervision }],
          party,
        ),
      (e: unknown) => isTicketingError(e, "invalid-config"),
    );
  });

  it("refuses an event-form route whose purpose opens no ticket fetch without a grant", () => {
    for (const purpose of [Purpose.PURPOSE_BOARDING_CHECK, Purpose.PURPOSE_TICKET_SERVICE]) {
      assert.throws(
        () => createEventRouter(own, [{ kinds: "all", to: routeProvinces, form: "event", purpose }], party),
        (e: unknown) => isTicketingError(e, "invalid-config"),
        Purpose[purpose],
      );
    }
  });
});
