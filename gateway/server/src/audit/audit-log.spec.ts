import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { sha256Hasher, sm3Hasher, treeRoot, verifyInclusion } from "@hutong/audit";
import type { AuditStore } from "../store/port/audit-store.js";
import type { HutongStore } from "../store/port/store.js";
import { isStoreError, type StoreErrorCode } from "../store/port/store-error.js";
import {
  adaptersUnderTest,
  postgresAdapter,
  type StoreUnderTest,
  sampleEntry,
  sqliteMainAdapter,
  sqliteWorkerAdapter,
} from "../testing.js";
import { type AppendedEntry, type CommitReport, createAuditLog } from "./audit-log.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function isStoreErrorWith(code: StoreErrorCode) {
  return (e: unknown) => {
    assert.ok(isStoreError(e), `expected a StoreError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  };
}

/** A store whose commits can be held at a gate, recording each batch's size. */
function gated(store: HutongStore) {
  const batches: number[] = [];
  let gate: Promise<void> | undefined;
  let open: () => void = () => {};
  const wrapped: AuditStore = {
    ...store,
    async appendBatch(entries, outbox) {
      batches.push(entries.length);
      if (gate !== undefined) await gate;
      return store.appendBatch(entries, outbox);
    },
  };
  return {
    store: wrapped,
    batches,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release() {
      gate = undefined;
      open();
    },
  };
}

/** Stored bytes, index by index, must be gap-free and hash to the head's root; returns the size. */
async function assertConsistent(store: AuditStore): Promise<number> {
  const head = await store.head();
  const rows = [];
  for (let from = 0; from < head.size; from += 5000)
    rows.push(...(await store.entries(from, Math.min(head.size, from + 5000))));
  assert.deepEqual(
    rows.map((r) => r.index),
    Array.from({ length: head.size }, (_, i) => i),
    "indices 0..size-1, each once",
  );
  const leaves = rows.map((r) => sm3Hasher.hashLeaf(r.bytes));
  assert.equal(hex(treeRoot(sm3Hasher, leaves)), hex(head.root), "the head's root is the root of the stored bytes");
  return head.size;
}

describe("audit log: group commit", () => {
  let t: StoreUnderTest;
  beforeEach(async () => {
    t = await sqliteMainAdapter.open();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it("a lone append commits at once and resolves with its index and leaf hash", async () => {
    const g = gated(t.store);
    const log = createAuditLog({ store: g.store, hasher: sm3Hasher });
    const a = await log.append(sampleEntry(0));
    assert.deepEqual(a, { index: 0, leafHash: sm3Hasher.hashLeaf(sampleEntry(0).bytes) });
    assert.deepEqual(g.batches, [1]);
    assert.equal((await log.head()).size, 1);
  });

  it("appends arriving during a commit go together in the next transaction, in call order, up to maxBatch", async () => {
    const g = gated(t.store);
    const commits: CommitReport[] = [];
    const log = createAuditLog({ store: g.store, hasher: sm3Hasher, maxBatch: 30, onCommit: (r) => commits.push(r) });
    g.hold();
    const first = log.append(sampleEntry(0));
    const rest = Array.from({ length: 100 }, (_, i) => log.append(sampleEntry(i + 1)));
    await sleep(10);
    // Only the first is committing; the hundred wait for it.
    assert.deepEqual(g.batches, [1]);
    assert.equal(log.pending, 101);
    g.release();
    const all = await Promise.all([first, ...rest]);
    assert.deepEqual(
      all.map((a) => a.index),
      Array.from({ length: 101 }, (_, i) => i),
    );
    assert.deepEqual(g.batches, [1, 30, 30, 30, 10]);
    assert.deepEqual(
      commits.map((c) => c.entries),
      [1, 30, 30, 30, 10],
    );
    assert.ok(commits.every((c) => c.error === undefined && c.durationMs >= 0));
    assert.equal(log.pending, 0);
    assert.equal(await assertConsistent(t.store), 101);
  });

  it("bounded queue: beyond maxQueued an append is refused as overloaded, and accepted again once it drains", async () => {
    const g = gated(t.store);
    const log = createAuditLog({ store: g.store, hasher: sm3Hasher, maxQueued: 10 });
    g.hold();
    const accepted = Array.from({ length: 10 }, (_, i) => log.append(sampleEntry(i)));
    await assert.rejects(log.append(sampleEntry(10)), isStoreErrorWith("overloaded"));
    g.release();
    assert.equal((await Promise.all(accepted)).length, 10);
    assert.equal((await log.append(sampleEntry(11))).index, 10);
    // The refused one was never written.
    assert.equal(await assertConsistent(t.store), 11);
  });

  it("maxInFlight 2 hands the next batch to the store while the first commits", async () => {
    const g = gated(t.store);
    const log = createAuditLog({ store: g.store, hasher: sm3Hasher, maxBatch: 10, maxInFlight: 2 });
    g.hold();
    const all = Array.from({ length: 25 }, (_, i) => log.append(sampleEntry(i)));
    await sleep(10);
    // The first two appends each started a transaction of their own; the rest wait for one to finish.
    assert.deepEqual(g.batches, [1, 1]);
    assert.equal(log.pending, 25);
    g.release();
    const indices = (await Promise.all(all)).map((a) => a.index).sort((a, b) => a - b);
    assert.deepEqual(
      indices,
      Array.from({ length: 25 }, (_, i) => i),
    );
    assert.equal(
      g.batches.reduce((a, b) => a + b, 0),
      25,
    );
    assert.equal(await assertConsistent(t.store), 25);
    assert.throws(
      () => createAuditLog({ store: t.store, hasher: sm3Hasher, maxInFlight: 0 }),
      isStoreErrorWith("invalid-argument"),
    );
  });

  it("close refuses new appends and waits for the accepted ones", async () => {
    const g = gated(t.store);
    const log = createAuditLog({ store: g.store, hasher: sm3Hasher });
    g.hold();
    const accepted = [log.append(sampleEntry(0)), log.append(sampleEntry(1))];
    let closed = false;
    const closing = log.close().then(() => {
      closed = true;
    });
    await assert.rejects(log.append(sampleEntry(2)), isStoreErrorWith("closed"));
    await sleep(5);
    assert.equal(closed, false, "close waits for pending appends");
    g.release();
    await closing;
    assert.deepEqual(
      (await Promise.all(accepted)).map((a) => a.index),
      [0, 1],
    );
    assert.equal(log.pending, 0);
    await log.close(); // idempotent
  });

  it("an onCommit hook that throws neither leaves appends unsettled nor stops the loop", async () => {
    const g = gated(t.store);
    let calls = 0;
    const log = createAuditLog({
      store: g.store,
      hasher: sm3Hasher,
      onCommit: () => {
        calls += 1;
        throw new Error("metrics exporter broke");
      },
    });
    g.hold();
    const all = Array.from({ length: 5 }, (_, i) => log.append(sampleEntry(i)));
    await sleep(5);
    g.release();
    // Before the fix the first batch's promise never settled: a timeout turns a hang into a failure.
    const settled = await Promise.race([Promise.all(all), sleep(2000).then(() => "hung" as const)]);
    assert.notEqual(settled, "hung", "every append settles");
    assert.deepEqual(
      (settled as AppendedEntry[]).map((a) => a.index),
      [0, 1, 2, 3, 4],
    );
    assert.equal((await log.append(sampleEntry(5))).index, 5, "the loop goes on");
    assert.equal(calls, 3);
    assert.equal(log.pending, 0);
    await log.close();
  });

  it("a malformed entry is refused on its own; the shares it would have been batched with commit", async () => {
    const g = gated(t.store);
    const log = createAuditLog({ store: g.store, hasher: sm3Hasher });
    g.hold();
    const first = log.append(sampleEntry(0));
    const bad = log.append(sampleEntry(1, { decision: "maybe" as "allow" }));
    const others = [log.append(sampleEntry(2)), log.append(sampleEntry(3))];
    await assert.rejects(bad, isStoreErrorWith("invalid-argument"));
    g.release();
    assert.deepEqual(
      (await Promise.all([first, ...others])).map((a) => a.index),
      [0, 1, 2],
    );
    assert.deepEqual(g.batches, [1, 2], "the malformed entry never reached a batch");
    assert.equal(await assertConsistent(t.store), 3);
  });

  it("outbox messages ride with their entries in the group commit; a malformed one fails its own append only", async () => {
    const g = gated(t.store);
    const log = createAuditLog({ store: g.store, hasher: sm3Hasher });
    const notice = (key: string, topic = "share-notice") => ({
      topic,
      destination: "prov:440000",
      idempotencyKey: key,
      orderingKey: null,
      payload: new Uint8Array([1]),
    });
    g.hold();
    const first = log.append(sampleEntry(0), [notice("n0")]);
    const bad = log.append(sampleEntry(1), [notice("n1", "Not A Topic")]);
    const others = [log.append(sampleEntry(2), [notice("n2a"), notice("n2b")]), log.append(sampleEntry(3))];
    await assert.rejects(bad, isStoreErrorWith("invalid-argument"));
    g.release();
    assert.deepEqual(
      (await Promise.all([first, ...others])).map((a) => a.index),
      [0, 1, 2],
    );
    assert.deepEqual(g.batches, [1, 2]);
    const { messages } = await t.store.listOutbox({ pageSize: 10 }, Date.now());
    assert.deepEqual(
      messages.map((m) => m.idempotencyKey),
      ["n0", "n2a", "n2b"],
      "each committed entry's messages, none of the refused one's",
    );
    await log.close();
  });

  it("refuses a hasher that is not the store's and bad limits", () => {
    assert.throws(() => createAuditLog({ store: t.store, hasher: sha256Hasher }), isStoreErrorWith("invalid-argument"));
    assert.throws(
      () => createAuditLog({ store: t.store, hasher: sm3Hasher, maxBatch: 0 }),
      isStoreErrorWith("invalid-argument"),
    );
    assert.throws(
      () => createAuditLog({ store: t.store, hasher: sm3Hasher, maxQueued: 1.5 }),
      isStoreErrorWith("invalid-argument"),
    );
  });
});

/** A trigger that fails any insert of an entry with this correlation id (the commit of its whole batch fails). */
async function installFailingTrigger(t: StoreUnderTest, correlationId: string): Promise<void> {
  if (t.location.kind === "sqlite") {
    await t.sql(
      `CREATE TRIGGER fail_append BEFORE INSERT ON audit_entry WHEN NEW.correlation_id = '${correlationId}'
       BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
    );
  } else {
    await t.sql(
      `CREATE FUNCTION fail_append() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.correlation_id = '${correlationId}' THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$;
       CREATE TRIGGER fail_append BEFORE INSERT ON audit_entry FOR EACH ROW EXECUTE FUNCTION fail_append()`,
    );
  }
}

async function dropFailingTrigger(t: StoreUnderTest): Promise<void> {
  await t.sql(t.location.kind === "sqlite" ? "DROP TRIGGER fail_append" : "DROP TRIGGER fail_append ON audit_entry");
}

for (const adapter of adaptersUnderTest) {
  describe(`audit log: failed commits: ${adapter.name}`, { skip: adapter.skip }, () => {
    let t: StoreUnderTest;
    before(async () => {
      t = await adapter.open();
    });
    after(async () => {
      await t?.cleanup();
    });

    it("a failed commit rejects every append of its batch; the log stays whole and goes on", async () => {
      const g = gated(t.store);
      const log = createAuditLog({ store: g.store, hasher: sm3Hasher, maxBatch: 50 });
      await Promise.all([0, 1, 2].map((i) => log.append(sampleEntry(i))));
      await installFailingTrigger(t, "poison");
      g.hold();
      const lone = log.append(sampleEntry(3)); // commits alone, held at the gate
      const batch = Array.from({ length: 20 }, (_, i) =>
        log.append(sampleEntry(10 + i, i === 7 ? { correlationId: "poison" } : {})),
      );
      const results = Promise.allSettled(batch);
      g.release();
      assert.equal((await lone).index, 3);
      const settled = await results;
      assert.ok(
        settled.every((s) => s.status === "rejected" && isStoreError(s.reason, "unavailable")),
        "all twenty appends of the failing batch are rejected",
      );
      await dropFailingTrigger(t);
      // Nothing of the failed batch was written, and the next append takes the next index.
      assert.equal((await log.append(sampleEntry(40))).index, 4);
      assert.equal(await assertConsistent(t.store), 5);
      const head = await log.head();
      const proof = await log.inclusionProof(4, head.size);
      verifyInclusion(sm3Hasher, 4, head.size, proof.leafHash, proof.hashes, head.root);
    });
  });
}

for (const adapter of [sqliteWorkerAdapter, sqliteMainAdapter]) {
  describe(`audit log: the database closed under it: ${adapter.name}`, () => {
    it("appends queued behind the close are rejected as closed; the committed ones survive a reopen", async () => {
      const t = await adapter.open();
      try {
        const log = createAuditLog({ store: t.store, hasher: sm3Hasher, maxBatch: 8 });
        const appends = Array.from({ length: 40 }, (_, i) => log.append(sampleEntry(i)));
        const closing = t.store.close();
        const settled = await Promise.allSettled(appends);
        await closing;
        const resolved = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
        const rejected = settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
        assert.ok(rejected.length > 0, "some appends were still queued when the store closed");
        assert.ok(rejected.every((e) => isStoreError(e, "closed")));
        assert.deepEqual(
          resolved.map((a: AppendedEntry) => a.index),
          Array.from({ length: resolved.length }, (_, i) => i),
        );
        const reopened = await t.openAnother();
        // Every append that resolved is there, and nothing else.
        assert.equal(await assertConsistent(reopened), resolved.length);
      } finally {
        await t.cleanup();
      }
    });
  });
}

describe("audit log: PostgreSQL connection killed during the commit", { skip: postgresAdapter.skip }, () => {
  it("pg_terminate_backend on the appending connection rejects the batch; the log stays whole and goes on", async () => {
    const t = await postgresAdapter.open();
    let locked = false;
    try {
      const log = createAuditLog({ store: t.store, hasher: sm3Hasher });
      await Promise.all([0, 1, 2].map((i) => log.append(sampleEntry(i))));
      // Hold the log's write lock from another session so the next append's
      // transaction is in flight (entries not yet written) when its backend dies.
      await t.sql("BEGIN");
      locked = true;
      await t.sql("SELECT size FROM audit_head WHERE id = 1 FOR UPDATE");
      // The first append commits alone and the next four queue behind it as one batch:
      // kill the first transaction's backend, then the second's (each waits for the lock).
      const victims = Array.from({ length: 5 }, (_, i) => log.append(sampleEntry(10 + i)));
      const settled = Promise.allSettled(victims);
      const app = t.location.kind === "postgres" ? t.location.applicationName : "";
      let killed = 0;
      for (let tries = 0; tries < 400 && killed < 2; tries++) {
        // This session is inside a transaction, where pg_stat_activity is a snapshot taken once: refresh it.
        await t.sql("SELECT pg_stat_clear_snapshot()");
        const rows = await t.sql(
          `SELECT pg_terminate_backend(pid) AS k FROM pg_stat_activity
           WHERE application_name = '${app}' AND wait_event_type = 'Lock'`,
        );
        killed += rows.filter((r) => r.k === true).length;
        await sleep(10);
      }
      assert.equal(killed, 2, "both appending backends were found waiting for the write lock and killed");
      await t.sql("ROLLBACK");
      locked = false;
      const results = await settled;
      for (const r of results) {
        assert.equal(r.status, "rejected");
        assert.ok(isStoreError(r.reason, "unavailable"), String(r.status === "rejected" && r.reason));
      }
      // The pool replaces the dead connection; the log continues at the next index.
      assert.equal((await log.append(sampleEntry(20))).index, 3);
      assert.equal(await assertConsistent(t.store), 4);
    } finally {
      // Never leave the lock held: closing the store waits for the appends blocked on it.
      if (locked) await t.sql("ROLLBACK");
      await t.cleanup();
    }
  });
});
