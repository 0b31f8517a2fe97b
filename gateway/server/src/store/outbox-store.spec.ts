import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { OutboxMessageInput, OutboxMessageState } from "./port/outbox-store.js";
import { maxOutboxPayloadBytes } from "./port/validate-outbox.js";
import { adaptersUnderTest, rejectsWith, type StoreUnderTest, sampleEntry } from "./testing-stores.js";

const t0 = 1_760_000_000_000;
const lease = (token: string, nowMs = t0, limit = 100, topics = ["tickets", "licences"]) => ({
  leaseToken: token,
  nowMs,
  leaseUntilMs: nowMs + 1000,
  limit,
  topics,
  skip: [] as { topic: string; destination: string }[],
});

function msg(key: string, overrides: Partial<OutboxMessageInput> = {}): OutboxMessageInput {
  return {
    topic: "tickets",
    destination: "prov:440000",
    idempotencyKey: key,
    orderingKey: null,
    payload: new Uint8Array(Buffer.from(`payload ${key}`)),
    ...overrides,
  };
}

for (const adapter of adaptersUnderTest) {
  describe(`outbox store: ${adapter.name}`, { skip: adapter.skip }, () => {
    let t: StoreUnderTest;
    beforeEach(async () => {
      t = await adapter.open();
    });
    afterEach(async () => {
      await t?.cleanup();
    });
    const keys = async (state?: OutboxMessageState, nowMs = t0) =>
      (
        await t.store.listOutbox(state === undefined ? { pageSize: 1000 } : { state, pageSize: 1000 }, nowMs)
      ).messages.map((m) => m.idempotencyKey);

    it("enqueues idempotently by (topic, destination, idempotency key), keeping every field", async () => {
      assert.deepEqual(await t.store.enqueueOutbox([msg("a"), msg("b", { orderingKey: "T1" })], t0), { enqueued: 2 });
      assert.deepEqual(
        await t.store.enqueueOutbox(
          [
            msg("a"),
            msg("a", { destination: "mot" }),
            msg("a", { topic: "licences" }),
            msg("a", { destination: "mot" }),
          ],
          t0 + 5,
        ),
        { enqueued: 2 },
        "the same key again is a no-op; another destination or topic is another message",
      );
      const page = await t.store.listOutbox({ pageSize: 10 }, t0);
      const first = page.messages[0];
      assert.deepEqual(first, {
        id: first?.id,
        topic: "tickets",
        destination: "prov:440000",
        idempotencyKey: "a",
        orderingKey: null,
        payload: new Uint8Array(Buffer.from("payload a")),
        state: "pending",
        attempts: 0,
        createdMs: t0,
        nextAttemptMs: t0,
        leaseUntilMs: null,
        lastError: null,
        deadMs: null,
      });
      assert.deepEqual(
        page.messages.map((m) => [m.topic, m.destination, m.idempotencyKey, m.orderingKey]),
        [
          ["tickets", "prov:440000", "a", null],
          ["tickets", "prov:440000", "b", "T1"],
          ["tickets", "mot", "a", null],
          ["licences", "prov:440000", "a", null],
        ],
        "in enqueue (id) order",
      );
      const ids = page.messages.map((m) => m.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
      );
      assert.deepEqual((await t.store.getOutboxMessage(ids[1] ?? 0, t0))?.idempotencyKey, "b");
      assert.equal(await t.store.getOutboxMessage(999_999, t0), undefined);
      // Found by its identity (topic, destination, key) while it is in the outbox; nothing else matches.
      const found = await t.store.findOutboxMessage("tickets", "prov:440000", "b", t0);
      assert.equal(found?.id, ids[1]);
      assert.equal(found?.state, "pending");
      assert.equal(await t.store.findOutboxMessage("tickets", "mot", "b", t0), undefined, "another destination");
      assert.equal(await t.store.findOutboxMessage("licences", "prov:440000", "b", t0), undefined, "another topic");
      assert.equal(await t.store.findOutboxMessage("tickets", "prov:440000", "B", t0), undefined, "keys are exact");

      await rejectsWith(t.store.enqueueOutbox([msg("x", { topic: "Tickets" })], t0), "invalid-argument");
      await rejectsWith(t.store.enqueueOutbox([msg("x", { destination: "" })], t0), "invalid-argument");
      await rejectsWith(t.store.enqueueOutbox([msg("")], t0), "invalid-argument");
      await rejectsWith(t.store.enqueueOutbox([msg("x", { orderingKey: "" })], t0), "invalid-argument");
      await rejectsWith(
        t.store.enqueueOutbox([msg("x", { payload: new Uint8Array(maxOutboxPayloadBytes + 1) })], t0),
        "invalid-argument",
      );
      await rejectsWith(t.store.getOutboxMessage(0, t0), "invalid-argument");
      assert.equal((await keys()).length, 4, "a refused batch writes nothing");
    });

    it("claims due messages with a lease: soonest first, by topic, skipping destinations, never twice at once", async () => {
      await t.store.enqueueOutbox([msg("a"), msg("b", { destination: "mot" })], t0);
      await t.store.enqueueOutbox([msg("c", { topic: "licences" })], t0 + 10);
      await t.store.enqueueOutbox([msg("later")], t0 + 5000);
      await t.store.enqueueOutbox([msg("other", { topic: "invoices" })], t0);

      const skipMot = { ...lease("L1", t0 + 10), skip: [{ topic: "tickets", destination: "mot" }] };
      const first = await t.store.claimOutbox(skipMot);
      assert.deepEqual(
        first.map((m) => [m.idempotencyKey, m.state, m.leaseUntilMs]),
        [
          ["a", "in-flight", t0 + 1010],
          ["c", "in-flight", t0 + 1010],
        ],
        "due only, its topics only, the skipped destination left; soonest first",
      );
      assert.deepEqual(
        (await t.store.claimOutbox(lease("L2", t0 + 500))).map((m) => m.idempotencyKey),
        ["b"],
        "leased ones are not claimed again while the lease holds",
      );
      assert.deepEqual(await keys("in-flight", t0 + 500), ["a", "b", "c"]);
      assert.deepEqual(
        (await t.store.claimOutbox(lease("L3", t0 + 1010))).map((m) => m.idempotencyKey),
        ["a", "c"],
        "an expired lease (its dispatcher died) makes the message claimable again",
      );
      assert.deepEqual((await t.store.claimOutbox(lease("L4", t0 + 2020, 100, []))).length, 0, "no topics: nothing");
      await rejectsWith(t.store.claimOutbox({ ...lease("L5"), limit: 0 }), "invalid-argument");
      await rejectsWith(t.store.claimOutbox({ ...lease("L5"), leaseUntilMs: t0 }), "invalid-argument");
    });

    it("settles: delivered removes, retry counts and waits, dead and release; a lease taken over is not ours", async () => {
      await t.store.enqueueOutbox([msg("ok"), msg("retry"), msg("dead"), msg("release"), msg("stolen")], t0);
      const claimed = await t.store.claimOutbox(lease("L1"));
      const id = (k: string) => claimed.find((m) => m.idempotencyKey === k)?.id ?? 0;
      // "stolen": L1's lease ran out and L2 holds it now.
      assert.equal((await t.store.claimOutbox(lease("L2", t0 + 1000))).length, 5);
      assert.deepEqual(
        await t.store.settleOutbox(
          "L1",
          [
            { id: id("ok"), outcome: "delivered" },
            { id: id("stolen"), outcome: "retry", nextAttemptMs: t0 + 9000, error: "late" },
          ],
          t0 + 1001,
        ),
        { settled: 1 },
        "delivered counts whoever holds the lease; L1's retry of a message L2 holds does not",
      );
      assert.deepEqual(
        await t.store.settleOutbox(
          "L2",
          [
            { id: id("retry"), outcome: "retry", nextAttemptMs: t0 + 5000, error: "UNAVAILABLE" },
            { id: id("dead"), outcome: "dead", attempted: true, error: "rejected: PERMISSION_DENIED" },
            { id: id("release"), outcome: "release" },
          ],
          t0 + 1002,
        ),
        { settled: 3 },
      );
      const retry = await t.store.getOutboxMessage(id("retry"), t0 + 1002);
      assert.deepEqual(
        [retry?.state, retry?.attempts, retry?.nextAttemptMs, retry?.lastError, retry?.leaseUntilMs],
        ["pending", 1, t0 + 5000, "UNAVAILABLE", null],
      );
      const dead = await t.store.getOutboxMessage(id("dead"), t0 + 1002);
      assert.deepEqual(
        [dead?.state, dead?.attempts, dead?.deadMs, dead?.lastError],
        ["dead", 1, t0 + 1002, "rejected: PERMISSION_DENIED"],
      );
      const released = await t.store.getOutboxMessage(id("release"), t0 + 1002);
      assert.deepEqual([released?.state, released?.attempts], ["pending", 0]);
      assert.equal(await t.store.getOutboxMessage(id("ok"), t0), undefined, "delivered: gone");
      assert.deepEqual(
        (await t.store.claimOutbox(lease("L3", t0 + 1500))).map((m) => m.idempotencyKey),
        ["release"],
        "the retry waits for its time; the dead letter is never claimed; stolen is still L2's",
      );
      assert.deepEqual(
        (await t.store.claimOutbox(lease("L4", t0 + 5000))).map((m) => m.idempotencyKey).sort(),
        ["release", "retry", "stolen"],
        "once their time has come and the leases ran out",
      );
      await rejectsWith(
        t.store.settleOutbox(
          "L4",
          [
            { id: id("retry"), outcome: "delivered" },
            { id: id("retry"), outcome: "release" },
          ],
          t0,
        ),
        "invalid-argument",
      );
      const long = "x".repeat(2000);
      await t.store.settleOutbox(
        "L4",
        [{ id: id("retry"), outcome: "dead", attempted: false, error: long }],
        t0 + 5001,
      );
      const cut = await t.store.getOutboxMessage(id("retry"), t0 + 5001);
      assert.ok((cut?.lastError?.length ?? 0) <= 500, "a long reason is cut");
      assert.equal(cut?.attempts, 1, "a dead letter not tried keeps its count");
    });

    it("per ordering key, only the oldest undelivered message is eligible; a dead letter blocks the rest", async () => {
      await t.store.enqueueOutbox(
        [
          msg("k1-1", { orderingKey: "k1" }),
          msg("k1-2", { orderingKey: "k1" }),
          msg("k2-1", { orderingKey: "k2" }),
          msg("free"),
          msg("k1-1-mot", { orderingKey: "k1", destination: "mot" }),
        ],
        t0,
      );
      await t.store.enqueueOutbox([msg("k1-3", { orderingKey: "k1" })], t0 + 1);
      let claimed = await t.store.claimOutbox(lease("L1", t0 + 1));
      assert.deepEqual(
        claimed.map((m) => m.idempotencyKey),
        ["k1-1", "k2-1", "free", "k1-1-mot"],
        "one head per (destination, key); unordered ones all",
      );
      const ids = new Map(claimed.map((m) => [m.idempotencyKey, m.id]));
      const id = (k: string) => ids.get(k) ?? 0;
      // k1-1 fails: k1-2 still waits behind it, even after the lease is gone.
      await t.store.settleOutbox(
        "L1",
        [
          { id: id("k1-1"), outcome: "retry", nextAttemptMs: t0 + 100, error: "UNAVAILABLE" },
          { id: id("k2-1"), outcome: "delivered" },
          { id: id("k1-1-mot"), outcome: "dead", attempted: true, error: "rejected" },
        ],
        t0 + 2,
      );
      assert.deepEqual(
        (await t.store.claimOutbox(lease("L2", t0 + 50))).map((m) => m.idempotencyKey),
        [],
        "k1-2 is not eligible while k1-1 is undelivered (not due yet)",
      );
      claimed = await t.store.claimOutbox(lease("L3", t0 + 100));
      assert.deepEqual(
        claimed.map((m) => m.idempotencyKey),
        ["k1-1"],
      );
      await t.store.settleOutbox(
        "L3",
        [{ id: claimed[0]?.id ?? 0, outcome: "dead", attempted: true, error: "x" }],
        t0 + 101,
      );
      assert.deepEqual(await keys("blocked", t0 + 101), ["k1-2", "k1-3"], "behind k1's dead letter");
      assert.deepEqual(await keys("dead", t0 + 101), ["k1-1", "k1-1-mot"]);
      assert.deepEqual(await keys("in-flight", t0 + 101), ["free"]);
      assert.deepEqual(
        (await t.store.claimOutbox(lease("L4", t0 + 2000))).map((m) => m.idempotencyKey),
        ["free"],
      );

      // The operator replays the dead letter: it goes first again, and the rest follow it in order.
      const deadId =
        (await t.store.listOutbox({ state: "dead", destination: "prov:440000", pageSize: 10 }, t0)).messages[0]?.id ??
        0;
      const replayed = await t.store.replayOutboxMessage(deadId, t0 + 3000);
      assert.equal(replayed.outcome, "done");
      assert.deepEqual(await keys("blocked", t0 + 3000), []);
      claimed = await t.store.claimOutbox(lease("L5", t0 + 3000));
      const k1 = claimed.filter((m) => m.orderingKey === "k1");
      assert.deepEqual(
        k1.map((m) => [m.idempotencyKey, m.attempts]),
        [["k1-1", 0]],
        "replayed: due now, attempts reset",
      );
      // Its age counts from the replay: one that died of age is not dead again at its next claim;
      // so does the age of those that waited behind it, which never had a try.
      assert.equal(k1[0]?.createdMs, t0 + 3000, "age counted from the replay");
      const behind = (await t.store.listOutbox({ pageSize: 50 }, t0 + 3001)).messages.filter(
        (m) => m.orderingKey === "k1" && m.destination === "prov:440000" && m.id !== k1[0]?.id,
      );
      assert.ok(behind.length > 0);
      for (const m of behind) assert.equal(m.createdMs, t0 + 3000, `${m.idempotencyKey}: its wait restarts too`);
      await t.store.settleOutbox("L5", [{ id: k1[0]?.id ?? 0, outcome: "delivered" }], t0 + 3001);
      assert.deepEqual(
        (await t.store.claimOutbox(lease("L6", t0 + 3002))).map((m) => m.idempotencyKey),
        ["k1-2"],
        "then the next of its key",
      );

      // Dropping the other dead letter: nothing was behind it; it is gone.
      const motDead = await t.store.dropOutboxMessage(id("k1-1-mot"), t0 + 3003);
      assert.equal(motDead.outcome, "done");
      assert.equal(await t.store.getOutboxMessage(id("k1-1-mot"), t0 + 3003), undefined);
    });

    it("replay and drop refuse what they must: unknown, in flight, not dead", async () => {
      await t.store.enqueueOutbox([msg("a", { orderingKey: "k" }), msg("b", { orderingKey: "k" }), msg("c")], t0);
      const [a, , c] = (await t.store.listOutbox({ pageSize: 10 }, t0)).messages;
      assert.ok(a !== undefined && c !== undefined);
      await t.store.claimOutbox({ ...lease("L1"), limit: 1 });
      assert.equal((await t.store.replayOutboxMessage(a.id, t0)).outcome, "in-flight");
      assert.equal((await t.store.dropOutboxMessage(a.id, t0)).outcome, "in-flight");
      assert.equal((await t.store.replayOutboxMessage(c.id, t0)).outcome, "not-dead");
      assert.equal((await t.store.replayOutboxMessage(999_999, t0)).outcome, "not-found");
      assert.equal((await t.store.dropOutboxMessage(999_999, t0)).outcome, "not-found");
      // Dropping the head of an ordering key lets the next one go.
      const dropped = await t.store.dropOutboxMessage(a.id, t0 + 1000);
      assert.equal(dropped.outcome, "done");
      assert.equal(dropped.outcome === "done" && dropped.message.idempotencyKey, "a");
      assert.deepEqual(
        (await t.store.claimOutbox(lease("L2", t0 + 1000))).map((m) => m.idempotencyKey),
        ["b", "c"],
      );
      await rejectsWith(t.store.dropOutboxMessage(-1, t0), "invalid-argument");
    });

    it("an operator's replay or drop writes its audit entry in the same transaction; a refused one writes none", async () => {
      await t.store.enqueueOutbox([msg("a"), msg("b")], t0);
      const [a, b] = (await t.store.listOutbox({ pageSize: 10 }, t0)).messages;
      assert.ok(a !== undefined && b !== undefined);
      const [claimed] = await t.store.claimOutbox({ ...lease("L1"), limit: 1 });
      await t.store.settleOutbox("L1", [{ id: claimed?.id ?? 0, outcome: "dead", attempted: true, error: "x" }], t0);
      const entry = sampleEntry(100, { correlationId: "outbox/tickets/a" });
      const replayed = await t.store.replayOutboxMessage(a.id, t0 + 1, entry);
      assert.deepEqual(
        replayed.outcome === "done" ? [replayed.message.state, replayed.auditIndex] : replayed.outcome,
        ["dead", 0],
        "done, with the message as it was and the entry's index",
      );
      assert.equal((await t.store.entry(0))?.correlationId, "outbox/tickets/a");
      // Refused (b is not dead; a is in flight): nothing written to the log.
      assert.equal((await t.store.replayOutboxMessage(b.id, t0 + 2, sampleEntry(101))).outcome, "not-dead");
      await t.store.claimOutbox(lease("L2", t0 + 2));
      assert.equal((await t.store.dropOutboxMessage(a.id, t0 + 3, sampleEntry(102))).outcome, "in-flight");
      assert.equal((await t.store.head()).size, 1);
      const dropped = await t.store.dropOutboxMessage(b.id, t0 + 5000, sampleEntry(103));
      assert.equal(dropped.outcome === "done" && dropped.auditIndex, 1);
      assert.equal((await t.store.head()).size, 2);
      await rejectsWith(
        t.store.dropOutboxMessage(a.id, t0 + 5000, sampleEntry(104, { decision: "maybe" as "allow" })),
        "invalid-argument",
      );
      assert.notEqual(await t.store.getOutboxMessage(a.id, t0 + 5000), undefined, "a refused entry: no drop either");
    });

    it("lists by topic, destination and state, page by page in id order", async () => {
      const many = Array.from({ length: 7 }, (_, i) =>
        msg(`m${i}`, { destination: i % 2 === 0 ? "mot" : "prov:440000" }),
      );
      await t.store.enqueueOutbox([...many, msg("lic", { topic: "licences" })], t0);
      const seen: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await t.store.listOutbox(
          { topic: "tickets", destination: "mot", pageSize: 2, ...(pageToken === undefined ? {} : { pageToken }) },
          t0,
        );
        assert.ok(page.messages.length <= 2);
        seen.push(...page.messages.map((m) => m.idempotencyKey));
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined);
      assert.deepEqual(seen, ["m0", "m2", "m4", "m6"]);
      assert.deepEqual(
        (await t.store.listOutbox({ topic: "licences", pageSize: 10 }, t0)).messages.map((m) => m.idempotencyKey),
        ["lic"],
      );
      await rejectsWith(t.store.listOutbox({ pageSize: 2, pageToken: "bm9wZQ" }, t0), "invalid-argument");
      await rejectsWith(t.store.listOutbox({ pageSize: 0 }, t0), "invalid-argument");
      await rejectsWith(
        t.store.listOutbox({ pageSize: 2, state: "delivered" as OutboxMessageState }, t0),
        "invalid-argument",
      );
    });

    it("stats: depth, in flight, blocked, dead and the oldest per (topic, destination)", async () => {
      await t.store.enqueueOutbox([msg("a", { orderingKey: "k" }), msg("b", { orderingKey: "k" })], t0);
      await t.store.enqueueOutbox([msg("c"), msg("d", { destination: "mot" })], t0 + 500);
      const [a] = await t.store.claimOutbox({ ...lease("L1"), limit: 1 });
      await t.store.settleOutbox("L1", [{ id: a?.id ?? 0, outcome: "dead", attempted: true, error: "x" }], t0 + 1);
      await t.store.claimOutbox(lease("L2", t0 + 600));
      assert.deepEqual(await t.store.outboxStats(t0 + 700), [
        { topic: "tickets", destination: "mot", depth: 1, inFlight: 1, blocked: 0, dead: 0, oldestCreatedMs: t0 + 500 },
        {
          topic: "tickets",
          destination: "prov:440000",
          depth: 2,
          inFlight: 1,
          blocked: 1,
          dead: 1,
          oldestCreatedMs: t0,
        },
      ]);
      assert.deepEqual(
        (await t.store.outboxStats(t0 + 5000)).map((s) => s.inFlight),
        [0, 0],
        "leases past their time are not in flight",
      );
    });

    it("an audit append writes its outbox messages in the same transaction, or none", async () => {
      const appended = await t.store.appendBatch([sampleEntry(0), sampleEntry(1)], [msg("share-0"), msg("share-1")]);
      assert.equal(appended.head.size, 2);
      assert.deepEqual(await keys(), ["share-0", "share-1"]);
      // A failure while writing the messages rolls the entries back too.
      if (t.location.kind === "sqlite") {
        await t.sql(
          "CREATE TRIGGER boom BEFORE INSERT ON outbox_message WHEN NEW.destination = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END",
        );
      } else {
        await t.sql(
          "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$",
        );
        await t.sql(
          "CREATE TRIGGER boom BEFORE INSERT ON outbox_message FOR EACH ROW WHEN (NEW.destination = 'boom') EXECUTE FUNCTION boom()",
        );
      }
      await rejectsWith(
        t.store.appendBatch([sampleEntry(2)], [msg("share-2", { destination: "boom" })]),
        "unavailable",
      );
      assert.equal((await t.store.head()).size, 2, "the entry did not commit without its message");
      assert.deepEqual(await keys(), ["share-0", "share-1"]);
      await rejectsWith(t.store.appendBatch([sampleEntry(2)], [msg("x", { topic: "" })]), "invalid-argument");
      assert.deepEqual(await t.store.appendBatch([], [msg("alone")]).then((r) => r.head.size), 2);
      assert.deepEqual(await keys(), ["share-0", "share-1", "alone"]);
    });

    it("three stores claiming at once never lease one message twice", async () => {
      const stores = [t.store, await t.openAnother(), await t.openAnother()];
      await t.store.enqueueOutbox(
        Array.from({ length: 60 }, (_, i) => msg(`m${i}`, i % 3 === 0 ? { orderingKey: `k${i % 6}` } : {})),
        t0,
      );
      const claimed: string[] = [];
      for (let round = 0; round < 4; round++) {
        const batches = await Promise.all(
          stores.map((s, i) => s.claimOutbox({ ...lease(`R${round}-${i}`, t0 + round), limit: 7 })),
        );
        for (const b of batches) claimed.push(...b.map((m) => m.idempotencyKey));
      }
      assert.equal(new Set(claimed).size, claimed.length, "no message leased by two claims");
      // Ordered: m0, m6, m12 … share a key with period 6: at most one of each key while leased.
      const heads = claimed.filter((k) => Number(k.slice(1)) % 3 === 0);
      assert.equal(heads.length, 2, "one head per ordering key (k0 and k3), none behind them");
    });

    it("moves the previous schema's revocation notices into the outbox when it opens an old database", async () => {
      const digest = new Uint8Array(32).fill(7);
      const purpose = 0x0102_0304;
      if (t.location.kind === "sqlite") {
        await t.sql(
          "CREATE TABLE revocation_outbox (grant_id TEXT NOT NULL, digest BLOB NOT NULL, peer TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL, PRIMARY KEY (grant_id, digest, peer))",
        );
      } else {
        await t.sql(
          "CREATE TABLE revocation_outbox (grant_id text NOT NULL, digest bytea NOT NULL, peer text NOT NULL, attempts integer NOT NULL DEFAULT 0, next_attempt_ms bigint NOT NULL, PRIMARY KEY (grant_id, digest, peer))",
        );
      }
      await t.sql(
        `INSERT INTO grant_revocation (grant_id, digest, revocation_bytes, purpose, received_ms) VALUES ('g1-old', ${t.blob(digest)}, ${t.blob(new Uint8Array([9, 8, 7]))}, ${purpose}, ${t0})`,
      );
      await t.sql(
        `INSERT INTO revocation_outbox (grant_id, digest, peer, attempts, next_attempt_ms) VALUES ('g1-old', ${t.blob(digest)}, 'mot', 3, ${t0 + 60_000}), ('g1-old', ${t.blob(digest)}, 'prov:440000', 0, ${t0})`,
      );
      const old = t.location.kind === "sqlite" ? "2" : "1";
      await t.sql(`UPDATE store_meta SET value = '${old}' WHERE key = 'schema_version'`);

      const reopened = await t.openAnother();
      const { messages } = await reopened.listOutbox({ topic: "grant-revocation", pageSize: 10 }, t0);
      assert.deepEqual(
        messages.map((m) => [
          m.destination,
          m.idempotencyKey,
          m.attempts,
          m.nextAttemptMs,
          m.createdMs,
          [...m.payload],
        ]),
        [
          ["prov:440000", `g1-old/${"07".repeat(32)}`, 0, t0, t0, [1, 2, 3, 4, 9, 8, 7]],
          ["mot", `g1-old/${"07".repeat(32)}`, 3, t0 + 60_000, t0, [1, 2, 3, 4, 9, 8, 7]],
        ],
        "uint32_be(purpose) ‖ the signed revocation; attempts and next try kept",
      );
      const tables = await t.sql(
        t.location.kind === "sqlite"
          ? "SELECT name FROM sqlite_master WHERE name = 'revocation_outbox'"
          : "SELECT to_regclass('revocation_outbox') AS name",
      );
      assert.ok(tables.length === 0 || tables[0]?.name === null, "the old table is gone");
      const version = await t.sql("SELECT value FROM store_meta WHERE key = 'schema_version'");
      assert.equal(version[0]?.value, t.location.kind === "sqlite" ? "3" : "2");
    });
  });
}
