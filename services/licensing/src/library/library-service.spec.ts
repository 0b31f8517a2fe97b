// The ministry library's gRPC server on a real SQLite store, called by a plain grpc-js client the
// way a gateway forwards a call (`hutong-origin` names the calling party): a province writes only
// its own sequence, every malformed request is refused with its status before anything is
// written, and maintenance requests are counted per province and state.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import {
  AggregateLicenceEventsRequest,
  AggregateLicenceEventsResponse,
  CountMaintenanceRequestsRequest,
  CountMaintenanceRequestsResponse,
  LicenceEventKind as E,
  LicenceLibraryServiceService as Library,
  type LicenceEvent,
  LicenceMaintenanceServiceService as Maintenance,
  QueryAggregationStatusRequest,
  QueryAggregationStatusResponse,
  QueryLicenceRatesRequest,
  QueryLicenceRatesResponse,
  ReportLicenceCountsRequest,
  ReportLicenceCountsResponse,
  MaintenanceState as S,
} from "@hutong/proto";
import { listen } from "@hutong/service-kit";
import { openSqliteLibraryStore, type SqliteLibraryStore } from "../store/sqlite/sqlite-library-store.js";
import {
  isStatus,
  issuerEvents,
  testProvince as P,
  rawUnary,
  recordedEvent,
  seedMaintenanceStates,
  testDir,
  testIssuerParty,
  testLicence,
  testSeal,
} from "../testing.js";
import { createLibraryServer } from "./library-service.js";

const T = Date.parse("2026-03-02T04:00:00Z");
const seal = testSeal();
const context = { targetParty: "mot/licence", purpose: 0, grantId: "", correlationId: "spec" };
/** Licences L1..L4 issued in Sichuan: sequence numbers 1 to 4. */
const events = issuerEvents(
  seal,
  [1, 2, 3, 4].map((i) => recordedEvent(`k${i}`, E.LICENCE_EVENT_KIND_ISSUED, testLicence(`L${i}`))),
  T - 60_000,
);
const ev = (seq: number) => events[seq - 1] as LicenceEvent;

let cleanup: () => Promise<void>;
let store: SqliteLibraryStore;
let server: grpc.Server;
let client: grpc.Client;
const logged: string[] = [];

const aggregate = async (origin: string | undefined, batch: readonly LicenceEvent[]) =>
  AggregateLicenceEventsResponse.decode(
    await rawUnary(
      client,
      Library.aggregateLicenceEvents.path,
      AggregateLicenceEventsRequest.encode({ context, events: [...batch] }).finish(),
      origin,
    ),
  );
const rates = async (province: string, period: string) =>
  QueryLicenceRatesResponse.decode(
    await rawUnary(
      client,
      Library.queryLicenceRates.path,
      QueryLicenceRatesRequest.encode({ context, province, period }).finish(),
      "mot/statistics",
    ),
  ).rates;
const status = async (province: string, origin = "mot/statistics") =>
  QueryAggregationStatusResponse.decode(
    await rawUnary(
      client,
      Library.queryAggregationStatus.path,
      QueryAggregationStatusRequest.encode({ context, province }).finish(),
      origin,
    ),
  ).provinces;

/** Nothing of Sichuan's was written beyond `appliedSeq`. */
async function written(appliedSeq: bigint): Promise<void> {
  const [sc] = await store.status(P);
  assert.equal(sc?.appliedSeq ?? 0n, appliedSeq);
  assert.equal(sc?.held ?? 0, 0);
  assert.equal(store.db.prepare("SELECT count(*) FROM lib_event").pluck().get(), Number(appliedSeq));
}

before(async () => {
  const d = await testDir();
  cleanup = d.cleanup;
  store = openSqliteLibraryStore(join(d.dir, "library.sqlite"), {
    sealKey: randomBytes(32),
    issuerOf: (p) => `prov:${p}/licence`,
  });
  server = createLibraryServer({
    store,
    log: { error: (message) => logged.push(message) },
    now: () => T,
    verify: () => ({ ok: false, reason: "no statements in this spec" }),
    enqueued: () => {},
    deciders: ["mot/supervision"],
  });
  client = new grpc.Client(await listen(server), grpc.credentials.createInsecure());
});

after(async () => {
  client?.close();
  server?.forceShutdown();
  await store?.close();
  await cleanup?.();
});

describe("the library service", () => {
  it("takes a province's own events from its licence system, and says where its aggregation stands", async () => {
    assert.deepEqual(await aggregate(testIssuerParty, [ev(1), ev(3)]), {
      applied: 1,
      held: 1,
      duplicates: 0,
      noncompliant: 0,
    });
    assert.deepEqual(await aggregate("prov:510000", [ev(2), ev(1)]), {
      applied: 2,
      held: 0,
      duplicates: 1,
      noncompliant: 0,
    });
    const [sc, ...others] = await status(P);
    assert.deepEqual([sc?.province, sc?.appliedSeq, sc?.held, others.length], [P, 3n, 0, 0]);
    assert.deepEqual(await status("440000"), []);
    const answer = ReportLicenceCountsResponse.decode(
      await rawUnary(
        client,
        Library.reportLicenceCounts.path,
        ReportLicenceCountsRequest.encode({
          context,
          province: P,
          asOf: new Date(T),
          headSeq: 3n,
          counts: [],
        }).finish(),
        testIssuerParty,
      ),
    );
    assert.equal(answer.appliedSeq, 3n);
    const r = await rates(P, "2026");
    assert.deepEqual([r?.province, r?.period, r?.events, r?.compliantEvents, r?.issued], [P, "2026", 3n, 3n, 3n]);
  });

  it("refuses events of another province than the caller's: PERMISSION_DENIED, wrong-province", async () => {
    const guangdong = "prov:440000/licence";
    await assert.rejects(aggregate(guangdong, [ev(4)]), (e) =>
      isStatus(
        e,
        grpc.status.PERMISSION_DENIED,
        /^wrong-province: events\[0\] is province 510000's; the caller is 440000's$/,
      ),
    );
    // One stranger in a batch refuses the batch.
    const stranger: LicenceEvent = { ...ev(4), idempotencyKey: "gd", province: "440000" };
    await assert.rejects(aggregate(testIssuerParty, [ev(4), stranger]), (e) =>
      isStatus(e, grpc.status.PERMISSION_DENIED, /^wrong-province: events\[1\] is province 440000's/),
    );
    // A report for another province, too.
    await assert.rejects(
      rawUnary(
        client,
        Library.reportLicenceCounts.path,
        ReportLicenceCountsRequest.encode({ context, province: P, headSeq: 99n, counts: [] }).finish(),
        guangdong,
      ),
      (e) => isStatus(e, grpc.status.PERMISSION_DENIED, /^wrong-province: the report is province 510000's/),
    );
    await written(3n);
    assert.equal((await store.status(P))[0]?.reportedHeadSeq, 3n);
  });

  it("refuses a caller that is not a province's", async () => {
    for (const origin of ["mot/licence", "prov:51000/licence", "prov:5100001", "rail:12306", "", undefined]) {
      await assert.rejects(aggregate(origin, [ev(4)]), (e) =>
        isStatus(e, grpc.status.PERMISSION_DENIED, /^wrong-province: .* is not a province$/),
      );
    }
    await assert.rejects(aggregate(undefined, [ev(4)]), (e) =>
      isStatus(e, grpc.status.PERMISSION_DENIED, /^wrong-province: an unnamed caller is not a province$/),
    );
    await written(3n);
  });

  it("refuses a malformed batch as INVALID_ARGUMENT, writing nothing of it", async () => {
    const cases: readonly [readonly LicenceEvent[], RegExp][] = [
      [[], /^malformed: a batch has 1 to 1000 events, not 0$/],
      [Array.from({ length: 1001 }, () => ev(4)), /^malformed: a batch has 1 to 1000 events, not 1001$/],
      [
        [ev(4), { ...ev(4), idempotencyKey: "z", provinceSeq: 0n }],
        /^malformed: events\[1\]\.province_seq must be 1 to 9007199254740991$/,
      ],
      [[{ ...ev(4), licenceVersion: 0 }], /^malformed: events\[0\]\.licence_version must be 1 or more$/],
      [[{ ...ev(4), idempotencyKey: "" }], /^malformed: events\[0\]\.idempotency_key must be 1 to 128 characters$/],
      [[{ ...ev(4), idempotencyKey: "k".repeat(129) }], /^malformed: events\[0\]\.idempotency_key/],
      [[{ ...ev(4), licence: undefined }], /^malformed: events\[0\] carries no licence with a licence_id$/],
      [
        [{ ...ev(4), licence: { ...(ev(4).licence as NonNullable<LicenceEvent["licence"]>), licenceId: "" } }],
        /carries no licence/,
      ],
    ];
    for (const [batch, says] of cases) {
      await assert.rejects(aggregate(testIssuerParty, batch), (e) => isStatus(e, grpc.status.INVALID_ARGUMENT, says));
    }
    await written(3n);
  });

  it("refuses bytes that are not the request as INVALID_ARGUMENT", async () => {
    for (const path of [Library.aggregateLicenceEvents.path, Library.queryLicenceRates.path]) {
      await assert.rejects(
        rawUnary(client, path, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), testIssuerParty),
        (e) => isStatus(e, grpc.status.INVALID_ARGUMENT, /^malformed: the request is not a /),
      );
    }
    await written(3n);
  });

  it("refuses a rates query for a period or a province it cannot read as INVALID_ARGUMENT", async () => {
    for (const period of ["2026-13", "26", "", "2026-1", "9999"]) {
      await assert.rejects(rates(P, period), (e) => isStatus(e, grpc.status.INVALID_ARGUMENT, /^malformed: period /));
    }
    for (const province of ["", "51", "5100001", "四川"]) {
      await assert.rejects(rates(province, "2026"), (e) =>
        isStatus(e, grpc.status.INVALID_ARGUMENT, /^malformed: province must be a GB\/T 2260 code$/),
      );
    }
    await assert.rejects(status("51"), (e) =>
      isStatus(e, grpc.status.INVALID_ARGUMENT, /^malformed: province must be empty or/),
    );
    assert.deepEqual(logged, [], "refusals, not failures");
  });

  it("refuses a sequence number taken by another event as ALREADY_EXISTS, writing nothing of the batch", async () => {
    const impostor: LicenceEvent = { ...ev(4), idempotencyKey: "impostor", provinceSeq: 2n };
    await assert.rejects(aggregate(testIssuerParty, [ev(4), impostor]), (e) =>
      isStatus(
        e,
        grpc.status.ALREADY_EXISTS,
        /^sequence-conflict: province 510000's sequence number 2 is taken by another event$/,
      ),
    );
    await written(3n);
    assert.deepEqual(await aggregate(testIssuerParty, [ev(4)]), {
      applied: 1,
      held: 0,
      duplicates: 0,
      noncompliant: 0,
    });
    assert.deepEqual(logged, []);
  });
});

describe("the library service: maintenance counts", () => {
  let m: { store: SqliteLibraryStore; server: grpc.Server; client: grpc.Client; cleanup: () => Promise<void> };
  const failures: string[] = [];
  const count = async (province: string) =>
    CountMaintenanceRequestsResponse.decode(
      await rawUnary(
        m.client,
        Maintenance.countMaintenanceRequests.path,
        CountMaintenanceRequestsRequest.encode({ context, province }).finish(),
        "mot/supervision",
      ),
    ).counts;

  before(async () => {
    const d = await testDir();
    const s = openSqliteLibraryStore(join(d.dir, "library.sqlite"), {
      sealKey: randomBytes(32),
      issuerOf: (p) => `prov:${p}/licence`,
    });
    const srv = createLibraryServer({
      store: s,
      log: { error: (message) => failures.push(message) },
      now: () => T,
      verify: () => ({ ok: false, reason: "the fixture writes to the store" }),
      enqueued: () => {},
      deciders: ["mot/supervision"],
    });
    m = {
      store: s,
      server: srv,
      client: new grpc.Client(await listen(srv), grpc.credentials.createInsecure()),
      cleanup: d.cleanup,
    };
  });

  after(async () => {
    m?.client.close();
    m?.server.forceShutdown();
    await m?.store.close();
    await m?.cleanup();
  });

  it("answers no row while the library holds no request", async () => {
    assert.deepEqual(await count(""), []);
    assert.deepEqual(await count(P), []);
  });

  it("counts filed, approved, rejected and applied requests per province, by province then state", async () => {
    await seedMaintenanceStates(m.store, T);
    const sichuan = [
      { province: P, state: S.MAINTENANCE_STATE_FILED, count: 2 },
      { province: P, state: S.MAINTENANCE_STATE_APPROVED, count: 1 },
      { province: P, state: S.MAINTENANCE_STATE_REJECTED, count: 1 },
      { province: P, state: S.MAINTENANCE_STATE_APPLIED, count: 1 },
    ];
    const guangdong = [
      { province: "440000", state: S.MAINTENANCE_STATE_FILED, count: 1 },
      { province: "440000", state: S.MAINTENANCE_STATE_REJECTED, count: 1 },
    ];
    assert.deepEqual(await count(""), [...guangdong, ...sichuan], "empty: every province");
    assert.deepEqual(await count(P), sichuan);
    assert.deepEqual(await count("440000"), guangdong);
    assert.deepEqual(await count("310000"), []);
  });

  it("refuses a province that is neither empty nor a GB/T 2260 code as INVALID_ARGUMENT", async () => {
    for (const province of ["51", "5100001", "51000a", "四川", " 510000"]) {
      await assert.rejects(count(province), (e) =>
        isStatus(e, grpc.status.INVALID_ARGUMENT, /^malformed: province must be empty or a GB\/T 2260 code$/),
      );
    }
    assert.deepEqual(failures, [], "refusals, not failures");
  });
});
