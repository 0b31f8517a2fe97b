// A province licence system's store on a real SQLite file: the applied events written with their
// outbox messages to the library in the same transaction, a dropped range recorded but not sent
// until the library asks, the licences it holds counted, nobody's name or ID number in the file,
// and the sequence kept across a reopen.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { OutboxMessage } from "@hutong/gateway/outbox";
import {
  AggregateLicenceEventsRequest,
  LicenceEventKind as E,
  EventOutcome,
  LicenceKind as K,
  LicenceEvent,
  LicenceStatus,
  Purpose,
} from "@hutong/proto";
import { atRestSealer } from "@hutong/service-kit";
import { licenceEventsTopic, maxEventsPerMessage } from "../issuer/aggregation-messages.js";
import { licenceFileSignatureValid } from "../issuer/seal-file.js";
import { recordedEvent as ev, testDir, testHolder, testLicence, testProvince, testSeal } from "../testing.js";
import type { IssuerStoreOptions } from "./port/issuer-store.js";
import { openSqliteIssuerStore, type SqliteIssuerStore } from "./sqlite/sqlite-issuer-store.js";

const seal = testSeal();
const sealKey = randomBytes(32);
const sealer = atRestSealer(sealKey);
const library = "mot/licence";
const options: IssuerStoreOptions = {
  province: testProvince,
  party: "prov:510000/licence",
  library,
  purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
  sealKey,
  seal,
};
const T = Date.parse("2026-03-02T04:00:00Z");
const issue = (n: number, kind = K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE) =>
  ev(`k${n}`, E.LICENCE_EVENT_KIND_ISSUED, testLicence(`L${n}`, kind));

let dir: string;
let cleanup: () => Promise<void>;
const opened: SqliteIssuerStore[] = [];
let files = 0;

function open(path = join(dir, `issuer-${++files}.sqlite`), over: Partial<IssuerStoreOptions> = {}): SqliteIssuerStore {
  const s = openSqliteIssuerStore(path, { ...options, ...over });
  opened.push(s);
  return s;
}

/** The events messages waiting in the outbox carry, by idempotency key, in enqueue order. */
async function queued(s: SqliteIssuerStore): Promise<OutboxMessage[]> {
  const page = await s.outbox.listOutbox({ topic: licenceEventsTopic, pageSize: 1000 }, T);
  return [...page.messages];
}

const payloadOf = (m: OutboxMessage) => AggregateLicenceEventsRequest.decode(sealer.open(m.payload, m.idempotencyKey));

/** The outbox delivers `keys` (the dispatcher's claim and settlement). */
async function deliver(s: SqliteIssuerStore, keys: readonly string[]): Promise<void> {
  const claimed = await s.outbox.claimOutbox({
    leaseToken: "spec",
    nowMs: T + 10_000,
    leaseUntilMs: T + 60_000,
    limit: 1000,
    topics: [licenceEventsTopic],
    skip: [],
  });
  const settle = claimed.filter((m) => keys.includes(m.idempotencyKey));
  assert.equal(settle.length, keys.length, "the messages to deliver were due");
  await s.outbox.settleOutbox(
    "spec",
    claimed.map((m) =>
      keys.includes(m.idempotencyKey) ? { id: m.id, outcome: "delivered" } : { id: m.id, outcome: "release" },
    ),
    T + 10_000,
  );
}

const queuedFlags = (s: SqliteIssuerStore) => s.db.prepare("SELECT seq, queued FROM licence_event ORDER BY seq").all();

before(async () => {
  ({ dir, cleanup } = await testDir());
});

after(async () => {
  for (const s of opened) if (s.db.open) await s.close();
  await cleanup();
});

describe("the issuer store", () => {
  it("writes the applied events of a batch to the library as one message, sealed at rest", async () => {
    const s = open();
    const batch = [issue(1), issue(2), ev("k3", E.LICENCE_EVENT_KIND_CHANGED, testLicence("L9")), issue(1)];
    const r = await s.record(batch, T);
    assert.deepEqual(
      r.results.map((x) => [x.idempotencyKey, x.outcome, x.provinceSeq]),
      [
        ["k1", EventOutcome.EVENT_OUTCOME_APPLIED, 1n],
        ["k2", EventOutcome.EVENT_OUTCOME_APPLIED, 2n],
        ["k3", EventOutcome.EVENT_OUTCOME_REFUSED, 0n],
        ["k1", EventOutcome.EVENT_OUTCOME_DUPLICATE, 1n],
      ],
    );
    assert.equal(r.enqueued, 1);
    const messages = await queued(s);
    // No ordering key: the library applies the province's sequence whatever the arrival order.
    assert.deepEqual(
      messages.map((m) => [m.topic, m.destination, m.idempotencyKey, m.orderingKey]),
      [[licenceEventsTopic, library, `events-${testProvince}-1-2`, null]],
    );
    const stored = s.db.prepare("SELECT seq, idempotency_key, sealed FROM licence_event ORDER BY seq").all() as {
      seq: number;
      idempotency_key: string;
      sealed: Buffer;
    }[];
    assert.equal(stored.length, 2);
    const m = messages[0] as OutboxMessage;
    const request = payloadOf(m);
    assert.deepEqual(request.context, {
      targetParty: library,
      purpose: Purpose.PURPOSE_REGULATORY_SUPERVISION,
      grantId: "",
      correlationId: `events-${testProvince}-1-2`,
    });
    assert.deepEqual(
      request.events,
      stored.map((row) => LicenceEvent.decode(sealer.open(row.sealed, row.idempotency_key))),
    );
    for (const [i, event] of request.events.entries()) {
      assert.equal(event.provinceSeq, BigInt(i + 1));
      assert.ok(event.file !== undefined && licenceFileSignatureValid(event.file));
    }
    assert.throws(() => sealer.open(m.payload, "another key"), "sealed under its own key");
    // The same batch again: duplicates, nothing written.
    const again = await s.record(batch, T + 1);
    assert.equal(again.enqueued, 0);
    assert.deepEqual(
      again.results.map((x) => x.outcome),
      [
        EventOutcome.EVENT_OUTCOME_DUPLICATE,
        EventOutcome.EVENT_OUTCOME_DUPLICATE,
        EventOutcome.EVENT_OUTCOME_REFUSED,
        EventOutcome.EVENT_OUTCOME_DUPLICATE,
      ],
    );
    assert.equal((await queued(s)).length, 1);
    assert.equal(await s.headSeq(), 2n);
  });

  it("splits a large batch into messages of at most maxEventsPerMessage consecutive events", async () => {
    const s = open();
    const n = maxEventsPerMessage + 5;
    await s.record(
      Array.from({ length: n }, (_, i) => issue(i + 1)),
      T,
    );
    const messages = await queued(s);
    assert.deepEqual(
      messages.map((m) => [m.idempotencyKey, payloadOf(m).events.length]),
      [
        [`events-${testProvince}-1-${maxEventsPerMessage}`, maxEventsPerMessage],
        [`events-${testProvince}-${maxEventsPerMessage + 1}-${n}`, 5],
      ],
    );
  });

  it("records a dropped range without queueing it, and queues it when asked again", async () => {
    const s = open(undefined, { dropRange: { from: 2n, to: 3n } });
    const r = await s.record([issue(1), issue(2), issue(3), issue(4)], T);
    assert.equal(r.enqueued, 2, "the run before the dropped range, and the one after");
    assert.deepEqual(
      r.results.map((x) => x.provinceSeq),
      [1n, 2n, 3n, 4n],
      "recorded all the same",
    );
    assert.deepEqual(queuedFlags(s), [
      { seq: 1, queued: 1 },
      { seq: 2, queued: 0 },
      { seq: 3, queued: 0 },
      { seq: 4, queued: 1 },
    ]);
    const p = testProvince;
    assert.deepEqual(
      (await queued(s)).map((m) => m.idempotencyKey),
      [`events-${p}-1-1`, `events-${p}-4-4`],
    );

    assert.deepEqual(await s.resend(2n, 3n, T + 1), { queued: 2, headSeq: 4n });
    assert.deepEqual(
      queuedFlags(s).map((x) => (x as { queued: number }).queued),
      [1, 1, 1, 1],
    );
    const messages = await queued(s);
    assert.deepEqual(
      messages.map((m) => m.idempotencyKey),
      [`events-${p}-1-1`, `events-${p}-4-4`, `resend-${p}-2-3`],
    );
    assert.deepEqual(
      payloadOf(messages[2] as OutboxMessage).events.map((x) => [
        x.idempotencyKey,
        x.provinceSeq,
        x.licence?.licenceId,
      ]),
      [
        ["k2", 2n, "L2"],
        ["k3", 3n, "L3"],
      ],
    );

    assert.deepEqual(await s.resend(2n, 3n, T + 2), { queued: 0, headSeq: 4n }, "still pending: nothing new queued");
    assert.deepEqual(await s.resend(5n, 9n, T + 4), { queued: 0, headSeq: 4n }, "beyond the head: nothing");
    await deliver(s, [`resend-${p}-2-3`]);
    assert.deepEqual(await s.resend(2n, 3n, T + 5), { queued: 2, headSeq: 4n }, "delivered, so sent again");
    assert.equal((await queued(s)).length, 3);
  });

  it("counts the e-licences it holds by kind, and the valid ones", async () => {
    const s = open();
    assert.deepEqual(await s.held("2026-03-02"), []);
    await s.record(
      [
        issue(1),
        issue(2),
        issue(3, K.LICENCE_KIND_PRACTITIONER_QUALIFICATION),
        issue(4, K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT),
        ev("s2", E.LICENCE_EVENT_KIND_SUSPENDED, testLicence("L2")),
        ev("r4", E.LICENCE_EVENT_KIND_REVOKED, testLicence("L4", K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT)),
        ev("a1", E.LICENCE_EVENT_KIND_ACTIVATED, testLicence("L1")),
      ],
      T,
    );
    assert.deepEqual(await s.held("2026-03-02"), [
      { kind: K.LICENCE_KIND_ROAD_TRANSPORT_OPERATING_PERMIT, electronic: 1, valid: 0 },
      { kind: K.LICENCE_KIND_ROAD_TRANSPORT_CERTIFICATE, electronic: 2, valid: 1 },
      { kind: K.LICENCE_KIND_PRACTITIONER_QUALIFICATION, electronic: 1, valid: 1 },
    ]);
    const l2 = await s.licence("L2");
    assert.equal(l2?.status, LicenceStatus.LICENCE_STATUS_SUSPENDED);
    assert.equal(await s.licence("L404"), undefined);
  });

  it("keeps no holder's name or ID number in clear in its file, the WAL included", async () => {
    const path = join(dir, "personal.sqlite");
    const s = open(path);
    const practitioner = testLicence("P1", K.LICENCE_KIND_PRACTITIONER_QUALIFICATION);
    await s.record(
      [
        ev("p1", E.LICENCE_EVENT_KIND_ISSUED, practitioner),
        ev("p2", E.LICENCE_EVENT_KIND_INTEGRITY_ASSESSMENT, practitioner),
        ev("p3", E.LICENCE_EVENT_KIND_ACTIVATED, practitioner),
      ],
      T,
    );
    await s.enqueueCounts("counts-3", Buffer.from("counts"), T);
    await deliver(s, [`events-${testProvince}-1-3`]);
    assert.equal((await s.resend(1n, 3n, T + 1)).queued, 3);
    // It is there, sealed: the store opens it.
    const held = await s.licence("P1");
    assert.ok(held?.details?.$case === "practitionerQualification");
    assert.equal(held.details.value.idNo, testHolder.idNo);
    const secrets = [testHolder.idNo, testHolder.name].map((x) => Buffer.from(x, "utf8"));
    const files = [path, `${path}-wal`];
    const inClear = () =>
      files.filter(existsSync).flatMap((f) => {
        const bytes = readFileSync(f);
        return secrets.filter((x) => bytes.includes(x)).map((x) => `${f}: ${x.toString("utf8")}`);
      });
    assert.ok(existsSync(`${path}-wal`), "the WAL is there while the store is open");
    assert.deepEqual(inClear(), [], "while open");
    await s.close();
    assert.ok(readFileSync(path).length > 0);
    assert.deepEqual(inClear(), [], "after closing");
  });

  it("keeps its sequence, its licences and the keys it took across a reopen", async () => {
    const path = join(dir, "reopen.sqlite");
    const s = open(path);
    await s.record([issue(1), issue(2), issue(3)], T);
    const l1 = await s.licence("L1");
    await s.close();

    const again = open(path);
    assert.equal(await again.headSeq(), 3n);
    assert.deepEqual(await again.licence("L1"), l1);
    assert.deepEqual(
      (await queued(again)).map((m) => payloadOf(m).events.length),
      [3],
      "the message not yet delivered is still queued",
    );
    const r = await again.record(
      [issue(2), ev("c1", E.LICENCE_EVENT_KIND_CHANGED, testLicence("L1")), issue(4)],
      T + 1,
    );
    assert.deepEqual(
      r.results.map((x) => [x.idempotencyKey, x.outcome, x.provinceSeq, x.licenceVersion]),
      [
        ["k2", EventOutcome.EVENT_OUTCOME_DUPLICATE, 2n, 1],
        ["c1", EventOutcome.EVENT_OUTCOME_APPLIED, 4n, 2],
        ["k4", EventOutcome.EVENT_OUTCOME_APPLIED, 5n, 1],
      ],
    );
    assert.equal(await again.headSeq(), 5n);
  });

  it("queues the province's counts once per key", async () => {
    const s = open();
    assert.equal(await s.enqueueCounts("counts-0-a", Buffer.from("a"), T), 1);
    assert.equal(await s.enqueueCounts("counts-0-a", Buffer.from("a"), T + 1), 0);
    assert.equal(await s.enqueueCounts("counts-0-b", Buffer.from("b"), T + 2), 1);
    const stats = await s.outbox.outboxStats(T);
    assert.deepEqual(
      stats.map((x) => [x.topic, x.destination, x.depth]),
      [["licence-counts", library, 2]],
    );
  });
});
