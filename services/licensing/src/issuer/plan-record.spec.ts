// The issuer's decision on a batch from its 运政 system, without a store: numbering in the
// province's sequence, licence versions, the sealed file, duplicates (read before, or earlier in
// the batch), refusals with their status names, the status axis threaded through a batch; then
// over random batches against the lifecycle written out in words.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  LicenceEventKind as E,
  EventOutcome,
  LicenceKind as K,
  Licence,
  type LicenceEvent,
  type RecordedLicenceEvent,
  LicenceStatus as S,
  type SealedLicenceFile,
} from "@hutong/proto";
import fc from "fast-check";
import { recordedEvent as ev, noReads, testLicence, testOccurredAt, testProvince, testSeal } from "../testing.js";
import { checkLicenceQr, licenceQrPayload } from "./licence-qr.js";
import { planRecord, type RecordContext, type RecordPlan, type RecordReads, recordReads } from "./plan-record.js";
import { licenceFileMediaType, licenceFileSignatureValid, sealLicenceFile } from "./seal-file.js";

const seal = testSeal();
const now = Date.parse("2026-03-02T03:00:00Z");
const context: RecordContext = {
  province: testProvince,
  seal: (l) => sealLicenceFile(seal, l),
  qr: (l) => licenceQrPayload(seal.key, "prov:510000/licence", l, new Date(now)),
};
const at = (minutes: number) => new Date(testOccurredAt.getTime() + minutes * 60_000);
const reads = (over: Partial<RecordReads> = {}): RecordReads => ({ ...noReads, ...over });
const plan = (events: readonly RecordedLicenceEvent[], r: RecordReads = noReads): RecordPlan =>
  planRecord(context, events, r, now);
const cert = (id: string) => testLicence(id);
const APPLIED = EventOutcome.EVENT_OUTCOME_APPLIED;
const DUPLICATE = EventOutcome.EVENT_OUTCOME_DUPLICATE;
const REFUSED = EventOutcome.EVENT_OUTCOME_REFUSED;

/** [key, outcome, seq, version, code] of each result. */
const outcomes = (p: RecordPlan) =>
  p.results.map((r) => [r.idempotencyKey, r.outcome, r.provinceSeq, r.licenceVersion, r.code]);

/** A licence the issuer holds: version `version`, in `status`. */
const held = (version: number, status: S, kind = K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE, since = at(-600)) => ({
  version,
  kind,
  state: { status },
  statusUpdatedAt: since,
});

/** The plan applied nothing: no events, no licence rows, the head where it was. */
function appliedNothing(p: RecordPlan, head: bigint): void {
  assert.deepEqual(p.events, []);
  assert.deepEqual(p.licences, []);
  assert.equal(p.headSeq, head);
}

describe("recordReads", () => {
  it("asks for each key and each named licence once, skipping events without a licence id", () => {
    const events = [
      ev("k1", E.LICENCE_EVENT_KIND_ISSUED, cert("L1")),
      ev("k2", E.LICENCE_EVENT_KIND_CHANGED, cert("L1")),
      ev("k1", E.LICENCE_EVENT_KIND_ISSUED, cert("L2")),
      ev("k3", E.LICENCE_EVENT_KIND_CHANGED, undefined),
      ev("k4", E.LICENCE_EVENT_KIND_CHANGED, cert("")),
    ];
    assert.deepEqual(recordReads(events), { keys: ["k1", "k2", "k3", "k4"], licenceIds: ["L1", "L2"] });
  });
});

describe("planRecord", () => {
  it("applies an issue: the next sequence number, version 1, VALID, the plan's now, a file the seal verifies", () => {
    const given = testLicence("L1", K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE, {
      status: S.LICENCE_STATUS_SUSPENDED,
      statusUpdatedAt: new Date("2020-01-01T00:00:00Z"),
      ofdFile: Buffer.from("an OFD the issuer replaces"),
    });
    const p = plan([ev("k1", E.LICENCE_EVENT_KIND_ISSUED, given, { reason: "新办" })], reads({ headSeq: 41n }));
    assert.deepEqual(outcomes(p), [["k1", APPLIED, 42n, 1, ""]]);
    assert.equal(p.headSeq, 42n);
    assert.equal(p.events.length, 1);
    const [e] = p.events as [LicenceEvent];
    assert.equal(e.idempotencyKey, "k1");
    assert.equal(e.province, testProvince);
    assert.equal(e.provinceSeq, 42n);
    assert.equal(e.licenceVersion, 1);
    assert.equal(e.kind, E.LICENCE_EVENT_KIND_ISSUED);
    assert.equal(e.reason, "新办");
    assert.equal(e.maintenanceRequestId, "", "not a maintenance");
    assert.deepEqual(e.occurredAt, testOccurredAt);
    assert.deepEqual(e.recordedAt, new Date(now), "recorded at the plan's now, not when it occurred");
    // The issuer sets the status and its time; the licence leaves without its OFD bytes.
    assert.equal(e.licence?.status, S.LICENCE_STATUS_VALID);
    assert.deepEqual(e.licence?.statusUpdatedAt, testOccurredAt);
    assert.equal(e.licence?.ofdFile.length, 0);
    assert.deepEqual(
      { ...e.licence, status: 0, statusUpdatedAt: undefined, ofdFile: undefined, qrPayload: "" },
      {
        ...given,
        status: 0,
        statusUpdatedAt: undefined,
        ofdFile: undefined,
        qrPayload: "",
      },
    );
    // The issuer's QR payload: its claims, signed with its key.
    const qr = checkLicenceQr(e.licence?.qrPayload ?? "", seal.key.publicKey);
    assert.ok(qr.ok);
    assert.deepEqual(
      [qr.claims.licenceId, qr.claims.issuer, qr.claims.validTo],
      [given.licenceId, "prov:510000/licence", given.validTo],
    );

    const file = e.file as SealedLicenceFile;
    assert.ok(file !== undefined, "an issue carries its sealed file");
    assert.equal(file.mediaType, licenceFileMediaType);
    assert.deepEqual(Licence.fromJSON(JSON.parse(file.content.toString("utf8"))), e.licence, "the file is the licence");
    assert.deepEqual(new Uint8Array(file.signerCertificate), new Uint8Array(seal.certificateDer));
    assert.equal(licenceFileSignatureValid(file), true);
    const tampered = Buffer.from(file.content);
    tampered[tampered.length - 2] = (tampered[tampered.length - 2] ?? 0) ^ 1;
    assert.equal(licenceFileSignatureValid({ ...file, content: tampered }), false);
    assert.equal(licenceFileSignatureValid({ ...file, signature: Buffer.from(file.signature).reverse() }), false);
    assert.equal(licenceFileSignatureValid({ ...file, signerCertificate: Buffer.from("not a certificate") }), false);

    assert.deepEqual(p.licences, [
      {
        licenceId: "L1",
        version: 1,
        kind: K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE,
        status: 1,
        insert: true,
        licence: e.licence,
      },
    ]);
  });

  it("passes a maintenance request's id on to the event that applies it", () => {
    const p = plan([ev("k1", E.LICENCE_EVENT_KIND_ISSUED, cert("L1"), { maintenanceRequestId: "MR-510000-7" })]);
    assert.equal(p.events[0]?.maintenanceRequestId, "MR-510000-7");
  });

  it("answers a key applied before as a duplicate with its sequence number and version, and applies nothing", () => {
    const taken = new Map([["k1", { seq: 7n, version: 3 }]]);
    const p = plan(
      [ev("k1", E.LICENCE_EVENT_KIND_CHANGED, cert("L1"))],
      reads({ headSeq: 9n, takenKeys: taken, licences: new Map([["L1", held(3, S.LICENCE_STATUS_VALID)]]) }),
    );
    assert.deepEqual(outcomes(p), [["k1", DUPLICATE, 7n, 3, ""]]);
    assert.equal(p.results[0]?.reason, "");
    appliedNothing(p, 9n);
  });

  it("answers a key taken earlier in the same batch as a duplicate of that event, whatever the second says", () => {
    const p = plan([
      ev("k1", E.LICENCE_EVENT_KIND_ISSUED, cert("L1")),
      ev("k1", E.LICENCE_EVENT_KIND_ISSUED, cert("L2")),
      ev("k1", E.LICENCE_EVENT_KIND_REVOKED, cert("L1")),
    ]);
    assert.deepEqual(outcomes(p), [
      ["k1", APPLIED, 1n, 1, ""],
      ["k1", DUPLICATE, 1n, 1, ""],
      ["k1", DUPLICATE, 1n, 1, ""],
    ]);
    assert.equal(p.events.length, 1);
    assert.deepEqual(
      p.licences.map((l) => [l.licenceId, l.version, l.status]),
      [["L1", 1, S.LICENCE_STATUS_VALID]],
    );
    assert.equal(p.headSeq, 1n);
  });

  it("refuses a change of a licence it does not hold: FAILED_PRECONDITION, no number taken", () => {
    const p = plan([ev("k1", E.LICENCE_EVENT_KIND_CHANGED, cert("L9"))], reads({ headSeq: 5n }));
    assert.deepEqual(outcomes(p), [["k1", REFUSED, 0n, 0, "FAILED_PRECONDITION"]]);
    assert.equal(p.results[0]?.reason, "LICENCE_EVENT_KIND_CHANGED needs an existing licence; there is none");
    appliedNothing(p, 5n);
  });

  it("refuses a second issue of a licence it holds", () => {
    const p = plan(
      [ev("k1", E.LICENCE_EVENT_KIND_ISSUED, cert("L1"))],
      reads({ headSeq: 5n, licences: new Map([["L1", held(2, S.LICENCE_STATUS_VALID)]]) }),
    );
    assert.deepEqual(outcomes(p), [["k1", REFUSED, 0n, 0, "FAILED_PRECONDITION"]]);
    assert.match(p.results[0]?.reason ?? "", /creates the licence, which exists already/);
    appliedNothing(p, 5n);
  });

  it("refuses an event that would change a licence's kind, held before or issued earlier in the batch", () => {
    const practitioner = (id: string) => testLicence(id, K.LICENCE_KIND_PRACTITIONER_QUALIFICATION);
    const p = plan(
      [
        ev("k1", E.LICENCE_EVENT_KIND_CHANGED, practitioner("L1")),
        ev("k2", E.LICENCE_EVENT_KIND_ISSUED, cert("L2")),
        ev("k3", E.LICENCE_EVENT_KIND_CHANGED, practitioner("L2")),
        ev("k4", E.LICENCE_EVENT_KIND_CHANGED, cert("L1")),
      ],
      reads({ headSeq: 10n, licences: new Map([["L1", held(4, S.LICENCE_STATUS_VALID)]]) }),
    );
    assert.deepEqual(outcomes(p), [
      ["k1", REFUSED, 0n, 0, "FAILED_PRECONDITION"],
      ["k2", APPLIED, 11n, 1, ""],
      ["k3", REFUSED, 0n, 0, "FAILED_PRECONDITION"],
      ["k4", APPLIED, 12n, 5, ""],
    ]);
    assert.equal(p.results[0]?.reason, "licence L1 is of kind 5, not 7");
    assert.equal(p.results[2]?.reason, "licence L2 is of kind 5, not 7");
    assert.deepEqual(
      p.licences.map((l) => [l.licenceId, l.kind, l.version, l.insert]),
      [
        ["L2", K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE, 1, true],
        ["L1", K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE, 5, false],
      ],
    );
  });

  it("refuses a malformed event as INVALID_ARGUMENT with its reason, and numbers the next one as if it were not there", () => {
    const cases: readonly [RecordedLicenceEvent, string][] = [
      [ev("k1", E.LICENCE_EVENT_KIND_ISSUED, undefined), "the event carries no licence"],
      [ev("", E.LICENCE_EVENT_KIND_ISSUED, cert("L1")), "idempotency_key must be 1 to 128 characters"],
      [ev("k".repeat(129), E.LICENCE_EVENT_KIND_ISSUED, cert("L1")), "idempotency_key must be 1 to 128 characters"],
      [ev("k3", E.LICENCE_EVENT_KIND_ISSUED, cert("L1"), { occurredAt: undefined }), "occurred_at is missing"],
      [ev("k4", E.LICENCE_EVENT_KIND_ISSUED, cert("")), "licence.licence_id must be 1 to 64 characters"],
      [ev("k5", E.LICENCE_EVENT_KIND_ISSUED, cert("L".repeat(65))), "licence.licence_id must be 1 to 64 characters"],
      [
        ev("k6", E.LICENCE_EVENT_KIND_ISSUED, cert("L1"), { reason: "因".repeat(501) }),
        "reason is longer than 500 characters",
      ],
    ];
    const p = plan(
      [...cases.map(([e]) => e), ev("ok", E.LICENCE_EVENT_KIND_ISSUED, cert("L1"))],
      reads({ headSeq: 3n }),
    );
    assert.deepEqual(
      p.results.map((r) => [r.outcome, r.code, r.reason, r.provinceSeq, r.licenceVersion]),
      [...cases.map(([, reason]) => [REFUSED, "INVALID_ARGUMENT", reason, 0n, 0]), [APPLIED, "", "", 4n, 1]],
    );
    assert.deepEqual(
      p.results.map((r) => r.idempotencyKey),
      [...cases.map(([e]) => e.idempotencyKey), "ok"],
    );
    // At the limits, accepted.
    const limits = plan([
      ev("k".repeat(128), E.LICENCE_EVENT_KIND_ISSUED, cert("L".repeat(64)), { reason: "因".repeat(500) }),
    ]);
    assert.deepEqual(
      limits.results.map((r) => r.outcome),
      [APPLIED],
    );
  });

  it("refuses an event kind the lifecycle does not know as INVALID_ARGUMENT", () => {
    for (const kind of [E.LICENCE_EVENT_KIND_UNSPECIFIED, 99 as E]) {
      const p = plan(
        [ev("k1", kind, cert("L1"))],
        reads({ licences: new Map([["L1", held(1, S.LICENCE_STATUS_VALID)]]) }),
      );
      assert.deepEqual(outcomes(p), [["k1", REFUSED, 0n, 0, "INVALID_ARGUMENT"]]);
      assert.equal(p.results[0]?.reason, `event kind ${kind} is not in the lifecycle`);
      appliedNothing(p, 0n);
    }
  });

  it("seals a new file for a change or a renewal, none for an activation (the file is unchanged)", () => {
    const p = plan(
      [
        ev("k1", E.LICENCE_EVENT_KIND_ACTIVATED, cert("L1")),
        ev("k2", E.LICENCE_EVENT_KIND_CHANGED, cert("L1"), { occurredAt: at(1) }),
        ev(
          "k3",
          E.LICENCE_EVENT_KIND_RENEWED,
          testLicence("L1", K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE, { validTo: "2034-03-01" }),
          { occurredAt: at(2) },
        ),
      ],
      reads({ headSeq: 1n, licences: new Map([["L1", held(1, S.LICENCE_STATUS_VALID)]]) }),
    );
    assert.deepEqual(outcomes(p), [
      ["k1", APPLIED, 2n, 2, ""],
      ["k2", APPLIED, 3n, 3, ""],
      ["k3", APPLIED, 4n, 4, ""],
    ]);
    assert.equal(p.events[0]?.file, undefined, "an activation carries no file");
    for (const e of p.events.slice(1)) {
      assert.ok(e.file !== undefined && licenceFileSignatureValid(e.file), `${E[e.kind]} carries a sealed file`);
      assert.deepEqual(Licence.fromJSON(JSON.parse(e.file.content.toString("utf8"))), e.licence);
    }
  });

  it("moves status_updated_at only when the status changes", () => {
    const since = at(-600);
    const p = plan(
      [
        ev("k1", E.LICENCE_EVENT_KIND_CHANGED, cert("L1"), { occurredAt: at(1) }),
        ev("k2", E.LICENCE_EVENT_KIND_SUSPENDED, cert("L1"), { occurredAt: at(2) }),
        ev("k3", E.LICENCE_EVENT_KIND_INTEGRITY_ASSESSMENT, cert("L1"), { occurredAt: at(3) }),
        ev("k4", E.LICENCE_EVENT_KIND_ACTIVATED, cert("L1"), { occurredAt: at(4) }),
        ev("k5", E.LICENCE_EVENT_KIND_REINSTATED, cert("L1"), { occurredAt: at(5) }),
        ev("k6", E.LICENCE_EVENT_KIND_RENEWED, cert("L1"), { occurredAt: at(6) }),
        ev("k7", E.LICENCE_EVENT_KIND_REVOKED, cert("L1"), { occurredAt: at(7) }),
      ],
      reads({ headSeq: 20n, licences: new Map([["L1", held(2, S.LICENCE_STATUS_VALID, undefined, since)]]) }),
    );
    assert.deepEqual(
      p.events.map((e) => [e.provinceSeq, e.licenceVersion, e.licence?.status, e.licence?.statusUpdatedAt]),
      [
        [21n, 3, S.LICENCE_STATUS_VALID, since],
        [22n, 4, S.LICENCE_STATUS_SUSPENDED, at(2)],
        [23n, 5, S.LICENCE_STATUS_SUSPENDED, at(2)],
        [24n, 6, S.LICENCE_STATUS_SUSPENDED, at(2)],
        [25n, 7, S.LICENCE_STATUS_VALID, at(5)],
        [26n, 8, S.LICENCE_STATUS_VALID, at(5)],
        [27n, 9, S.LICENCE_STATUS_REVOKED, at(7)],
      ],
    );
    assert.deepEqual(
      p.licences.map((l) => [l.licenceId, l.version, l.status, l.insert, l.licence.statusUpdatedAt]),
      [["L1", 9, S.LICENCE_STATUS_REVOKED, false, at(7)]],
    );
  });

  it("refuses a renewal of a suspended licence, and anything after a revocation, keeping the licence as it was", () => {
    const p = plan([
      ev("k1", E.LICENCE_EVENT_KIND_ISSUED, cert("L1")),
      ev("k2", E.LICENCE_EVENT_KIND_SUSPENDED, cert("L1")),
      ev("k3", E.LICENCE_EVENT_KIND_RENEWED, cert("L1")),
      ev("k4", E.LICENCE_EVENT_KIND_REVOKED, cert("L1")),
      ev("k5", E.LICENCE_EVENT_KIND_REINSTATED, cert("L1")),
      ev("k6", E.LICENCE_EVENT_KIND_ACTIVATED, cert("L1")),
    ]);
    assert.deepEqual(outcomes(p), [
      ["k1", APPLIED, 1n, 1, ""],
      ["k2", APPLIED, 2n, 2, ""],
      ["k3", REFUSED, 0n, 0, "FAILED_PRECONDITION"],
      ["k4", APPLIED, 3n, 3, ""],
      ["k5", REFUSED, 0n, 0, "FAILED_PRECONDITION"],
      ["k6", REFUSED, 0n, 0, "FAILED_PRECONDITION"],
    ]);
    assert.equal(
      p.results[2]?.reason,
      "LICENCE_EVENT_KIND_RENEWED needs the licence's status to be LICENCE_STATUS_VALID; it is LICENCE_STATUS_SUSPENDED",
    );
    assert.equal(
      p.results[4]?.reason,
      "LICENCE_EVENT_KIND_REINSTATED needs the licence's status to be LICENCE_STATUS_SUSPENDED; it is LICENCE_STATUS_REVOKED",
    );
    assert.deepEqual(
      p.licences.map((l) => [l.licenceId, l.version, l.status, l.insert]),
      [["L1", 3, S.LICENCE_STATUS_REVOKED, true]],
    );
  });
});

// --- random batches against the lifecycle in words --------------------------------------------

const V = S.LICENCE_STATUS_VALID;
const SU = S.LICENCE_STATUS_SUSPENDED;

/** The licence lifecycle as licence_event.proto states it: the statuses a kind needs, the one it leaves. */
const needs: Readonly<Record<number, readonly number[] | "none">> = {
  [E.LICENCE_EVENT_KIND_ISSUED]: "none",
  [E.LICENCE_EVENT_KIND_CHANGED]: [V, SU],
  [E.LICENCE_EVENT_KIND_RENEWED]: [V],
  [E.LICENCE_EVENT_KIND_SUSPENDED]: [V],
  [E.LICENCE_EVENT_KIND_REINSTATED]: [SU],
  [E.LICENCE_EVENT_KIND_REVOKED]: [V, SU],
  [E.LICENCE_EVENT_KIND_CANCELLED]: [V, SU],
  [E.LICENCE_EVENT_KIND_ANNUAL_REVIEW]: [V],
  [E.LICENCE_EVENT_KIND_INTEGRITY_ASSESSMENT]: [V, SU],
  [E.LICENCE_EVENT_KIND_ACTIVATED]: [V, SU],
};
const leaves: Readonly<Record<number, number>> = {
  [E.LICENCE_EVENT_KIND_ISSUED]: V,
  [E.LICENCE_EVENT_KIND_SUSPENDED]: SU,
  [E.LICENCE_EVENT_KIND_REINSTATED]: V,
  [E.LICENCE_EVENT_KIND_REVOKED]: S.LICENCE_STATUS_REVOKED,
  [E.LICENCE_EVENT_KIND_CANCELLED]: S.LICENCE_STATUS_CANCELLED,
};
const eventKinds = Object.keys(needs).map(Number) as E[];

const fakeFile: SealedLicenceFile = {
  mediaType: licenceFileMediaType,
  content: Buffer.from("{}"),
  signature: Buffer.alloc(0),
  signerCertificate: Buffer.alloc(0),
};
const fastContext: RecordContext = { province: testProvince, seal: () => fakeFile, qr: () => "qr" };

const licenceIds = ["L0", "L1", "L2"] as const;
const batchArb = fc.record({
  head: fc.bigInt({ min: 0n, max: 1n << 40n }),
  stored: fc.tuple(
    ...licenceIds.map(() =>
      fc.option(
        fc.record({
          version: fc.integer({ min: 1, max: 1000 }),
          status: fc.constantFrom(V, SU, S.LICENCE_STATUS_REVOKED, S.LICENCE_STATUS_CANCELLED),
        }),
        { nil: undefined },
      ),
    ),
  ),
  events: fc.array(
    fc.record({
      licence: fc.integer({ min: 0, max: licenceIds.length - 1 }),
      kind: fc.constantFrom(...eventKinds),
      key: fc.integer({ min: 0, max: 40 }),
    }),
    { maxLength: 40 },
  ),
});

describe("planRecord over random batches", () => {
  it("decides as the lifecycle says; applied events are numbered from head+1 and each licence's versions from its own", () => {
    fc.assert(
      fc.property(batchArb, ({ head, stored, events }) => {
        const licences = new Map(
          stored.flatMap((s, i) =>
            s === undefined ? [] : [[licenceIds[i] as string, held(s.version, s.status)] as const],
          ),
        );
        const batch = events.map((e) => ev(`k${e.key}`, e.kind, cert(licenceIds[e.licence] as string)));
        const p = planRecord(fastContext, batch, reads({ headSeq: head, licences }), now);

        // The oracle: the lifecycle above, keys taken once, numbers and versions counted on.
        const status = new Map([...licences].map(([id, l]) => [id, l.state.status]));
        const version = new Map([...licences].map(([id, l]) => [id, l.version]));
        const taken = new Map<string, readonly [bigint, number]>();
        let seq = head;
        const expected = batch.map((e) => {
          const key = e.idempotencyKey;
          const before = taken.get(key);
          if (before !== undefined) return [key, DUPLICATE, before[0], before[1], ""];
          const id = e.licence?.licenceId as string;
          const need = needs[e.kind];
          const current = status.get(id);
          const ok =
            need === "none" ? current === undefined : current !== undefined && need?.includes(current) === true;
          if (!ok) return [key, REFUSED, 0n, 0, "FAILED_PRECONDITION"];
          seq += 1n;
          const v = (version.get(id) ?? 0) + 1;
          version.set(id, v);
          status.set(id, leaves[e.kind] ?? (current as number));
          taken.set(key, [seq, v]);
          return [key, APPLIED, seq, v, ""];
        });
        assert.deepEqual(outcomes(p), expected, "one result per event, in order, as the lifecycle says");

        // Applied events: consecutive from head+1; per licence, consecutive from its stored version+1.
        const appliedResults = p.results.filter((r) => r.outcome === APPLIED);
        assert.deepEqual(
          p.events.map((e) => e.provinceSeq),
          appliedResults.map((_, i) => head + 1n + BigInt(i)),
        );
        assert.deepEqual(
          p.events.map((e) => [e.idempotencyKey, e.provinceSeq, e.licenceVersion]),
          appliedResults.map((r) => [r.idempotencyKey, r.provinceSeq, r.licenceVersion]),
        );
        for (const id of licenceIds) {
          const versions = p.events.filter((e) => e.licence?.licenceId === id).map((e) => e.licenceVersion);
          const from = (licences.get(id)?.version ?? 0) + 1;
          assert.deepEqual(
            versions,
            versions.map((_, i) => from + i),
            `${id}'s versions`,
          );
        }
        assert.equal(p.headSeq, head + BigInt(p.events.length));
        // The rows to write: each licence touched, at its last version and status, inserted if new.
        assert.deepEqual(
          [...p.licences]
            .sort((a, b) => a.licenceId.localeCompare(b.licenceId))
            .map((l) => [l.licenceId, l.version, l.status, l.insert]),
          licenceIds
            .filter((id) => p.events.some((e) => e.licence?.licenceId === id))
            .map((id) => [id, version.get(id), status.get(id), !licences.has(id)]),
        );
      }),
      { numRuns: 300 },
    );
  });
});
