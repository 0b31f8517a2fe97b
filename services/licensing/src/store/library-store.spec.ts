// The ministry's licence library on a real SQLite file: each event once, in the province's
// sequence (held beyond a hole, applied when it fills), a reused sequence number refused with the
// whole batch rolled back, holes told from gaps by their age and asked for on a schedule, the
// rates from what it holds, where aggregation stands, maintenance requests counted per province
// and state, and all of it still there after a reopen.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  LicenceEventKind as E,
  LicenceKind as K,
  type Licence,
  type LicenceEvent,
  type LicenceKindCount,
  type ProvinceAggregation,
  type RecordedLicenceEvent,
  MaintenanceState as S,
} from "@hutong/proto";
import { isLicensingError } from "../licensing-error.js";
import {
  issuerEvents,
  testProvince as P,
  recordedEvent,
  seedMaintenanceStates,
  testDir,
  testLicence,
  testSeal,
} from "../testing.js";
import type { GapPolicy } from "./port/library-store.js";
import { openSqliteLibraryStore, type SqliteLibraryStore } from "./sqlite/sqlite-library-store.js";

const seal = testSeal();
const sealKey = randomBytes(32);
const issuerOf = (province: string) => `prov:${province}/licence`;
/** The library's clock; the issuer recorded the events a minute before. */
const T = Date.parse("2026-03-02T04:00:00Z");
const recordedAt = T - 60_000;
const policy: GapPolicy = { graceMs: 1000, retryMs: 5000 };

/** Six licences issued at the province, sequence numbers 1 to 6 (e[1] is number 1). */
const e = [
  undefined,
  ...issuerEvents(
    seal,
    [1, 2, 3, 4, 5, 6].map((i) => recordedEvent(`k${i}`, E.LICENCE_EVENT_KIND_ISSUED, testLicence(`L${i}`))),
    recordedAt,
  ),
] as unknown as readonly LicenceEvent[];
const ev = (seq: number): LicenceEvent => e[seq] as LicenceEvent;

const answer = (applied: number, held: number, duplicates = 0, noncompliant = 0) => ({
  applied,
  held,
  duplicates,
  noncompliant,
});

let dir: string;
let cleanup: () => Promise<void>;
const opened: SqliteLibraryStore[] = [];
let files = 0;

/** A store on a new file (or on `path` again). */
function open(path = join(dir, `library-${++files}.sqlite`)): SqliteLibraryStore {
  const s = openSqliteLibraryStore(path, { sealKey, issuerOf });
  opened.push(s);
  return s;
}

async function statusOf(s: SqliteLibraryStore): Promise<ProvinceAggregation> {
  const [one, ...more] = await s.status(P);
  assert.ok(one !== undefined && more.length === 0, "one province's status");
  return one;
}

const rows = (s: SqliteLibraryStore, sql: string, ...params: unknown[]) => s.db.prepare(sql).all(...params);
const ranges = (...r: readonly [number, number][]) =>
  r.map(([from, to]) => ({ province: P, from: BigInt(from), to: BigInt(to) }));
const gapsOf = (...r: readonly [number, number][]) =>
  r.map(([from, to]) => ({ fromSeq: BigInt(from), toSeq: BigInt(to) }));

before(async () => {
  ({ dir, cleanup } = await testDir());
});

after(async () => {
  for (const s of opened) if (s.db.open) await s.close();
  await cleanup();
});

describe("the library store: aggregation", () => {
  it("holds events beyond a hole and applies them, in sequence, when it fills", async () => {
    const s = open();
    assert.deepEqual(await s.aggregate(P, [ev(1), ev(3), ev(5)], T), answer(1, 2));
    let st = await statusOf(s);
    assert.deepEqual([st.appliedSeq, st.held], [1n, 2]);
    assert.deepEqual(await s.aggregate(P, [ev(2)], T + 10), answer(2, 0), "2 and the 3 it held");
    st = await statusOf(s);
    assert.deepEqual([st.appliedSeq, st.held], [3n, 1]);
    assert.deepEqual(await s.aggregate(P, [ev(6), ev(4)], T + 20), answer(3, 0), "4, the 5 it held, and 6");
    st = await statusOf(s);
    assert.deepEqual([st.appliedSeq, st.held], [6n, 0]);
    assert.deepEqual(rows(s, "SELECT seq, applied_ms, in_order, compliant, receipts FROM lib_event ORDER BY seq"), [
      { seq: 1, applied_ms: T, in_order: 1, compliant: 1, receipts: 1 },
      { seq: 2, applied_ms: T + 10, in_order: 1, compliant: 1, receipts: 1 },
      { seq: 3, applied_ms: T + 10, in_order: 1, compliant: 1, receipts: 1 },
      { seq: 4, applied_ms: T + 20, in_order: 1, compliant: 1, receipts: 1 },
      { seq: 5, applied_ms: T + 20, in_order: 1, compliant: 1, receipts: 1 },
      { seq: 6, applied_ms: T + 20, in_order: 1, compliant: 1, receipts: 1 },
    ]);
    assert.equal(s.db.prepare("SELECT count(*) FROM licence WHERE province = ?").pluck().get(P), 6);
    // Lag runs from the issuer's record to the library applying it: an event held waits longer.
    assert.equal(st.lagMaxMs, 60_020);
  });

  it("recognises a key received again as a duplicate: counted as a receipt, applied once", async () => {
    const s = open();
    assert.deepEqual(await s.aggregate(P, [ev(1), ev(3)], T), answer(1, 1));
    assert.deepEqual(
      await s.aggregate(P, [ev(3)], T + 1),
      answer(0, 0, 1),
      "a held event sent again is not held twice",
    );
    assert.deepEqual(await s.aggregate(P, [ev(1), ev(3), ev(2)], T + 2), answer(2, 0, 2));
    assert.deepEqual(await s.aggregate(P, [ev(2), ev(2)], T + 3), answer(0, 0, 2));
    assert.deepEqual(await s.aggregate(P, [ev(4), ev(4)], T + 4), answer(1, 0, 1), "twice in one batch");
    assert.deepEqual(rows(s, "SELECT seq, idempotency_key, receipts, applied_ms FROM lib_event ORDER BY seq"), [
      { seq: 1, idempotency_key: "k1", receipts: 2, applied_ms: T },
      { seq: 2, idempotency_key: "k2", receipts: 3, applied_ms: T + 2 },
      { seq: 3, idempotency_key: "k3", receipts: 3, applied_ms: T + 2 },
      { seq: 4, idempotency_key: "k4", receipts: 2, applied_ms: T + 4 },
    ]);
    assert.deepEqual(
      rows(s, "SELECT licence_id, version FROM licence ORDER BY licence_id"),
      ["L1", "L2", "L3", "L4"].map((licence_id) => ({ licence_id, version: 1 })),
    );
    assert.equal((await statusOf(s)).appliedSeq, 4n);
  });

  it("refuses a sequence number taken by another key, writing nothing of the batch", async () => {
    const s = open();
    assert.deepEqual(await s.aggregate(P, [ev(1)], T), answer(1, 0));
    const impostor: LicenceEvent = { ...ev(2), idempotencyKey: "other", provinceSeq: 1n };
    await assert.rejects(s.aggregate(P, [ev(2), ev(4), impostor], T + 1), (err: unknown) => {
      assert.ok(isLicensingError(err, "sequence-conflict"), String(err));
      assert.equal(err.message, "province 510000's sequence number 1 is taken by another event");
      return true;
    });
    assert.deepEqual(rows(s, "SELECT seq FROM lib_event"), [{ seq: 1 }], "2 and 4 rolled back");
    assert.deepEqual(rows(s, "SELECT licence_id FROM licence"), [{ licence_id: "L1" }]);
    assert.deepEqual([(await statusOf(s)).appliedSeq, (await statusOf(s)).held], [1n, 0]);
    // Within one batch too, for a number not yet taken.
    const twin: LicenceEvent = { ...ev(3), idempotencyKey: "twin" };
    await assert.rejects(s.aggregate(P, [ev(2), ev(3), twin], T + 2), (err: unknown) =>
      isLicensingError(err, "sequence-conflict"),
    );
    assert.equal((await statusOf(s)).appliedSeq, 1n);
    // The batch comes again without the impostor: new events, not duplicates.
    assert.deepEqual(await s.aggregate(P, [ev(2), ev(4)], T + 3), answer(1, 1));
  });

  it("stores a noncompliant event with its reasons, applied all the same", async () => {
    const s = open();
    const [bad] = issuerEvents(
      seal,
      [
        recordedEvent(
          "bad",
          E.LICENCE_EVENT_KIND_ISSUED,
          testLicence("L9", K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE, { issuerCode: "" }),
        ),
      ],
      recordedAt,
    );
    assert.ok(bad !== undefined);
    assert.deepEqual(await s.aggregate(P, [bad], T), answer(1, 0, 0, 1));
    assert.deepEqual(rows(s, "SELECT compliant, violations FROM lib_event"), [
      { compliant: 0, violations: JSON.stringify(["issuer_code: is required"]) },
    ]);
    // A held event's defect is counted when it is applied, not when it arrives.
    const [first, second, third] = issuerEvents(
      seal,
      [
        recordedEvent("c1", E.LICENCE_EVENT_KIND_ISSUED, testLicence("M1")),
        recordedEvent("c2", E.LICENCE_EVENT_KIND_CHANGED, testLicence("M1")),
        recordedEvent("c3", E.LICENCE_EVENT_KIND_CHANGED, testLicence("M1", undefined, { validTo: "2030-02-30" })),
      ],
      recordedAt,
    ).map((x) => ({ ...x, provinceSeq: x.provinceSeq + 1n }));
    assert.ok(first !== undefined && second !== undefined && third !== undefined);
    assert.deepEqual(await s.aggregate(P, [third], T + 1), answer(0, 1, 0, 0));
    assert.deepEqual(await s.aggregate(P, [first, second], T + 2), answer(3, 0, 0, 1));
  });
});

describe("the library store: gaps", () => {
  it("tells a hole from a gap by its age, asks for it once, and again only after the retry interval", async () => {
    const s = open();
    await s.aggregate(P, [ev(1), ev(3)], T);
    assert.deepEqual(await s.scanGaps(policy, T), [], "a hole just seen is not yet a gap");
    assert.deepEqual((await statusOf(s)).openGaps, []);
    assert.equal((await statusOf(s)).gapsDetected, 0);
    assert.deepEqual(await s.scanGaps(policy, T + 999), []);
    assert.deepEqual(await s.scanGaps(policy, T + 1000), ranges([2, 2]), "outlived the grace: a gap, asked for");
    let st = await statusOf(s);
    assert.deepEqual([st.gapsDetected, st.gapsRepaired, st.openGaps], [1, 0, gapsOf([2, 2])]);
    assert.deepEqual(await s.scanGaps(policy, T + 1001), [], "asked once");
    assert.deepEqual(await s.scanGaps(policy, T + 5999), []);
    assert.deepEqual(await s.scanGaps(policy, T + 6000), ranges([2, 2]), "again after retryMs");
    assert.deepEqual(await s.scanGaps(policy, T + 6001), []);
    assert.deepEqual(rows(s, "SELECT from_seq, to_seq, requests, detected_ms FROM gap"), [
      { from_seq: 2, to_seq: 2, requests: 2, detected_ms: T + 1000 },
    ]);
    assert.deepEqual(await s.aggregate(P, [ev(2)], T + 7000), answer(2, 0));
    st = await statusOf(s);
    assert.deepEqual([st.gapsDetected, st.gapsRepaired, st.openGaps], [1, 1, []], "repaired");
    assert.deepEqual(await s.scanGaps(policy, T + 20_000), [], "nothing more to ask");
  });

  it("forgets a hole filled before its grace: events overtaking each other are not a gap", async () => {
    const s = open();
    await s.aggregate(P, [ev(1), ev(3)], T);
    assert.deepEqual(await s.scanGaps(policy, T), []);
    await s.aggregate(P, [ev(2)], T + 500);
    assert.deepEqual(await s.scanGaps(policy, T + 5000), []);
    const st = await statusOf(s);
    assert.deepEqual([st.gapsDetected, st.gapsRepaired, st.openGaps], [0, 0, []]);
    assert.deepEqual(rows(s, "SELECT * FROM gap"), []);
  });

  it("finds a trailing hole up to the head a province reports, and the holes between held events", async () => {
    const s = open();
    await s.aggregate(P, [ev(1), ev(2), ev(4)], T);
    const counts: LicenceKindCount[] = [];
    const report = (headSeq: bigint) => s.report(P, { province: P, asOf: new Date(T), headSeq, counts }, T);
    assert.equal(await report(6n), 2n, "the report answers the applied sequence");
    assert.equal(await report(5n), 2n);
    assert.equal((await statusOf(s)).reportedHeadSeq, 6n, "a later report of a lower head does not lower it");
    assert.deepEqual(await s.scanGaps(policy, T), []);
    assert.deepEqual(await s.scanGaps(policy, T + 1000), ranges([3, 3], [5, 6]));
    assert.deepEqual((await statusOf(s)).openGaps, gapsOf([3, 3], [5, 6]));
    assert.deepEqual(await s.aggregate(P, [ev(3), ev(5), ev(6)], T + 2000), answer(4, 0));
    const st = await statusOf(s);
    assert.deepEqual([st.appliedSeq, st.gapsDetected, st.gapsRepaired, st.openGaps], [6n, 2, 2, []]);
  });

  it("keeps provinces apart: one province's hole is not another's", async () => {
    const s = open();
    await s.aggregate(P, [ev(1), ev(3)], T);
    const other = ev(1);
    // A licence id is one licence nationwide: Guangdong cannot write Sichuan's L1, nothing of it is kept.
    await assert.rejects(
      s.aggregate("440000", [{ ...other, idempotencyKey: "gd-0", province: "440000" }], T),
      (x) => isLicensingError(x, "wrong-province") && /licence L1 is province 510000's/.test(x.message),
    );
    const own = { ...other, licence: { ...(other.licence as Licence), licenceId: "GD1" } };
    await s.aggregate("440000", [{ ...own, idempotencyKey: "gd-1", province: "440000" }], T);
    await s.scanGaps(policy, T);
    assert.deepEqual(await s.scanGaps(policy, T + 1000), ranges([2, 2]));
    const all = await s.status("");
    assert.deepEqual(
      all.map((a) => [a.province, a.appliedSeq, a.openGaps.length]),
      [
        ["440000", 1n, 0],
        [P, 1n, 1],
      ],
    );
    assert.deepEqual(await s.status("310000"), [], "a province never heard of");
  });
});

describe("the library store: rates and status", () => {
  it("computes the rates of a period from the events it holds and the counts the province reported", async () => {
    const s = open();
    const at = (iso: string) => ({ occurredAt: new Date(iso) });
    const licence = testLicence;
    const recorded: RecordedLicenceEvent[] = [
      // Beijing 2025-12-31 23:00: before 2026.
      recordedEvent("r1", E.LICENCE_EVENT_KIND_ISSUED, licence("A"), at("2025-12-31T15:00:00Z")),
      // Beijing 2026-01-01 00:00: the first instant of 2026.
      recordedEvent("r2", E.LICENCE_EVENT_KIND_ISSUED, licence("B"), at("2025-12-31T16:00:00Z")),
      recordedEvent(
        "r3",
        E.LICENCE_EVENT_KIND_ISSUED,
        licence("C", undefined, { issuerCode: "" }),
        at("2026-03-01T00:00:00Z"),
      ),
      recordedEvent("r4", E.LICENCE_EVENT_KIND_ACTIVATED, licence("A"), at("2026-04-01T00:00:00Z")),
      recordedEvent("r5", E.LICENCE_EVENT_KIND_ACTIVATED, licence("A"), at("2026-04-02T00:00:00Z")),
      recordedEvent("r6", E.LICENCE_EVENT_KIND_SUSPENDED, licence("B"), at("2026-05-01T00:00:00Z")),
      // Valid to the day before the year's last: not valid at its end.
      recordedEvent(
        "r7",
        E.LICENCE_EVENT_KIND_ISSUED,
        licence("D", undefined, { validTo: "2026-12-30" }),
        at("2026-06-01T00:00:00Z"),
      ),
      // Beijing 2027-01-01 00:00: the end of 2026, not in it.
      recordedEvent("r8", E.LICENCE_EVENT_KIND_ISSUED, licence("E"), at("2026-12-31T16:00:00Z")),
      recordedEvent(
        "r9",
        E.LICENCE_EVENT_KIND_ISSUED,
        licence("F", undefined, { validTo: "2030-02-30" }),
        at("2027-02-01T00:00:00Z"),
      ),
    ];
    assert.deepEqual(await s.aggregate(P, issuerEvents(seal, recorded, recordedAt), T), answer(9, 0, 0, 2));
    await s.report(
      P,
      {
        province: P,
        asOf: new Date(T),
        headSeq: 9n,
        counts: [
          { kind: K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE, registryValid: 8n, electronic: 6n },
          { kind: K.LICENCE_KIND_PRACTITIONER_QUALIFICATION, registryValid: 2n, electronic: 0n },
        ],
      },
      T,
    );
    assert.deepEqual(await s.rates(P, "2026"), {
      province: P,
      period: "2026",
      electronicValid: 2n, // A (activated, valid), C (noncompliant, valid); not B (suspended), D (expired), E (later)
      registryValid: 10n,
      issuanceBp: 2000,
      activated: 1n, // A, twice
      issued: 4n, // A, B, C, D
      activationBp: 2500,
      compliantEvents: 5n, // r2..r7 but r3
      events: 6n,
      complianceBp: 8333,
      aggregated: 6n,
      reported: 6n,
      aggregationBp: 10_000,
    });
    const december = await s.rates(P, "2025-12");
    assert.deepEqual(
      [december.events, december.compliantEvents, december.issued, december.activated, december.electronicValid],
      [1n, 1n, 1n, 0n, 1n],
    );
    const january = await s.rates(P, "2026-01");
    assert.deepEqual([january.events, january.issued, january.electronicValid], [1n, 2n, 2n]);
    const next = await s.rates(P, "2027");
    assert.deepEqual(
      [next.events, next.compliantEvents, next.complianceBp, next.issued, next.activated, next.electronicValid],
      [2n, 1n, 5000, 6n, 1n, 4n], // A, C, E, F valid at the end of 2027
    );
    const unknown = await s.rates("440000", "2026");
    assert.deepEqual(
      [unknown.events, unknown.issued, unknown.registryValid, unknown.aggregated, unknown.complianceBp],
      [0n, 0n, 0n, 0n, 0],
    );
    await assert.rejects(s.rates(P, "2026-13"), (err: unknown) => isLicensingError(err, "malformed"));
  });

  it("reports the lag from the issuer's record to the library applying it, as percentiles", async () => {
    const s = open();
    // One licence issued, then activated 99 times (an activation carries no file to verify).
    const recorded = [
      recordedEvent("a0", E.LICENCE_EVENT_KIND_ISSUED, testLicence("L1")),
      ...Array.from({ length: 99 }, (_, i) =>
        recordedEvent(`a${i + 1}`, E.LICENCE_EVENT_KIND_ACTIVATED, testLicence("L1")),
      ),
    ];
    // Event n was recorded n ms before the library applies them all: lags 1..100 ms, shuffled.
    const events = issuerEvents(seal, recorded, recordedAt).map((x) => ({
      ...x,
      recordedAt: new Date(T - Number(x.provinceSeq)),
    }));
    assert.deepEqual(await s.aggregate(P, events, T), answer(100, 0));
    const st = await statusOf(s);
    assert.deepEqual([st.lagP50Ms, st.lagP99Ms, st.lagMaxMs], [50, 99, 100]);
    const empty = open();
    await empty.report(P, { province: P, asOf: new Date(T), headSeq: 0n, counts: [] }, T);
    const none = await statusOf(empty);
    assert.deepEqual([none.lagP50Ms, none.lagP99Ms, none.lagMaxMs], [0, 0, 0], "no event, no lag");
  });
});

describe("the library store: maintenance counts", () => {
  it("counts the requests per province and state, as each request's own status says, by province then state", async () => {
    const s = open();
    assert.deepEqual(await s.countMaintenance(undefined), [], "no request: no row");
    assert.deepEqual(await s.countMaintenance(P), []);
    await seedMaintenanceStates(s, T);
    const sichuan = [
      { province: P, state: S.MAINTENANCE_STATE_FILED, count: 2 },
      { province: P, state: S.MAINTENANCE_STATE_APPROVED, count: 1 },
      { province: P, state: S.MAINTENANCE_STATE_REJECTED, count: 1 },
      { province: P, state: S.MAINTENANCE_STATE_APPLIED, count: 1 },
    ];
    assert.deepEqual(await s.countMaintenance(undefined), [
      { province: "440000", state: S.MAINTENANCE_STATE_FILED, count: 1 },
      { province: "440000", state: S.MAINTENANCE_STATE_REJECTED, count: 1 },
      ...sichuan,
    ]);
    assert.deepEqual(await s.countMaintenance(P), sichuan);
    assert.deepEqual(await s.countMaintenance("310000"), [], "a province with no request: no row");
    // The same states QueryMaintenanceRequest answers, request by request.
    const tally = new Map<S, number>();
    for (const id of ["WH-1", "WH-2", "WH-3", "WH-4", "WH-5"]) {
      const state = (await s.maintenance(P, id))?.state ?? S.MAINTENANCE_STATE_UNSPECIFIED;
      tally.set(state, (tally.get(state) ?? 0) + 1);
    }
    assert.deepEqual(
      [...tally].sort(([a], [b]) => a - b),
      sichuan.map((c) => [c.state, c.count]),
    );
  });
});

describe("the library store: durability", () => {
  it("keeps what it took, what it holds and the gaps it found across a reopen", async () => {
    const path = join(dir, "durable.sqlite");
    const s = open(path);
    await s.aggregate(P, [ev(1), ev(2), ev(4)], T);
    await s.report(P, { province: P, asOf: new Date(T), headSeq: 6n, counts: [] }, T);
    await s.scanGaps(policy, T);
    assert.deepEqual(await s.scanGaps(policy, T + 1000), ranges([3, 3], [5, 6]));
    const before = await s.status(P);
    const rates = await s.rates(P, "2026");
    await s.close();

    const again = open(path);
    assert.deepEqual(await again.status(P), before);
    assert.deepEqual(await again.rates(P, "2026"), rates);
    assert.deepEqual(await again.scanGaps(policy, T + 2000), [], "asked before the reopen: not again before retryMs");
    assert.deepEqual(await again.aggregate(P, [ev(1), ev(4)], T + 3000), answer(0, 0, 2), "still received");
    assert.deepEqual(await again.aggregate(P, [ev(3), ev(6), ev(5)], T + 4000), answer(4, 0), "the held 4 too");
    const st = await statusOf(again);
    assert.deepEqual([st.appliedSeq, st.held, st.gapsDetected, st.gapsRepaired, st.openGaps], [6n, 0, 2, 2, []]);
  });
});
