// The outbox and inbox SQL as other services' stores reuse it: inside their own transactions, on
// their own SQLite database or PostgreSQL schema (docs/outbox.md, "Reusing the outbox in a service").
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import { createOutboxDispatcher } from "../outbox/outbox-dispatcher.js";
import { defaultTopicPolicy } from "../outbox/topic-policy.js";
import type { OutboxMessageInput } from "./port/outbox-store.js";
import { isStoreError } from "./port/store-error.js";
import { postgresInboxSchema, purgePostgresInbox, recordPostgresInbox } from "./postgres/postgres-inbox.js";
import { createPostgresOutbox, postgresOutboxSchema } from "./postgres/postgres-outbox.js";
import { createSqliteInbox, sqliteInboxSchema } from "./sqlite/sqlite-inbox.js";
import { createSqliteOutbox, sqliteOutboxSchema, sqliteOutboxStore } from "./sqlite/sqlite-outbox.js";
import { postgresSkip, postgresUrl, randomSchemaName } from "./testing-stores.js";

const t0 = 1_760_000_000_000;
const event = (key: string, orderingKey: string | null = "ticket-1"): OutboxMessageInput => ({
  topic: "ticket-event",
  destination: "prov:440000",
  idempotencyKey: key,
  orderingKey,
  payload: new Uint8Array(Buffer.from(key)),
});

async function withSqlite(run: (db: Database.Database) => Promise<void> | void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "hutong-service-"));
  const db = new Database(join(dir, "tickets.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  try {
    await run(db);
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe("the outbox and inbox SQL in a service's own SQLite database", () => {
  it("a fact and its outbox message commit together, or neither does", () =>
    withSqlite((db) => {
      db.exec(`CREATE TABLE ticket (no TEXT PRIMARY KEY, status TEXT NOT NULL); ${sqliteOutboxSchema}`);
      const outbox = createSqliteOutbox(db);
      const sell = db.transaction((no: string, fail: boolean) => {
        db.prepare("INSERT INTO ticket (no, status) VALUES (?, 'sold')").run(no);
        outbox.enqueueOutbox([event(`sold-${no}`)], t0);
        if (fail) throw new Error("the sale fails after the enqueue");
      });
      sell("T1", false);
      assert.throws(() => sell("T2", true), /fails after/);
      assert.deepEqual(db.prepare("SELECT no FROM ticket").pluck().all(), ["T1"]);
      assert.deepEqual(
        outbox.listOutbox({ pageSize: 10 }, t0).messages.map((m) => m.idempotencyKey),
        ["sold-T1"],
        "the failed sale's message rolled back with it",
      );
    }));

  it("a dispatcher runs on the service's own outbox; it keeps no audit log, so an audited replay is refused", () =>
    withSqlite(async (db) => {
      db.exec(sqliteOutboxSchema);
      const store = sqliteOutboxStore(db);
      await store.enqueueOutbox([event("e1"), event("e2")], Date.now());
      const seen: string[] = [];
      const dispatcher = createOutboxDispatcher({
        store,
        topics: [
          {
            name: "ticket-event",
            ordering: "per-key",
            policy: defaultTopicPolicy,
            deliver: async (m) => {
              seen.push(m.idempotencyKey);
              return { kind: "delivered" };
            },
          },
        ],
      });
      await dispatcher.flush();
      await dispatcher.close();
      assert.deepEqual(seen, ["e1", "e2"]);
      await assert.rejects(
        store.replayOutboxMessage(1, t0, {
          bytes: new Uint8Array(1),
          timeMs: t0,
          requesterParty: "x",
          ownerParty: "y",
          subjectDigest: null,
          grantId: null,
          decision: "allow",
          reason: null,
          correlationId: "",
          traceId: "",
        }),
        (e) => isStoreError(e, "invalid-argument"),
      );
    }));

  it("the inbox applies a message's effect once, however often it arrives; a failed effect leaves no key", () =>
    withSqlite((db) => {
      db.exec(`CREATE TABLE seat (ticket TEXT NOT NULL, event TEXT NOT NULL); ${sqliteInboxSchema}`);
      const inbox = createSqliteInbox(db);
      const apply = (key: string, fail = false) =>
        inbox.applyOnce("prov:510000/ticket-event", key, t0, () => {
          db.prepare("INSERT INTO seat (ticket, event) VALUES ('T1', ?)").run(key);
          if (fail) throw new Error("the effect fails");
          return "applied";
        });
      assert.deepEqual(apply("e1"), { fresh: true, result: "applied" });
      assert.deepEqual(apply("e1"), { fresh: false }, "a redelivery changes nothing");
      assert.throws(() => apply("e2", true), /effect fails/);
      assert.deepEqual(apply("e2"), { fresh: true, result: "applied" }, "the failed try recorded no key");
      assert.deepEqual(db.prepare("SELECT event FROM seat ORDER BY rowid").pluck().all(), ["e1", "e2"]);
      // Inside the caller's own transaction.
      const tx = db.transaction((key: string) => (inbox.record("other-source", key, t0 + 1) ? "new" : "seen"));
      assert.deepEqual([tx("e1"), tx("e1")], ["new", "seen"], "keys are per source");
      assert.equal(inbox.purge(t0 + 1), 2, "keys older than the cut are forgotten");
      assert.throws(() => inbox.record("", "x", t0), /source/);
    }));
});

describe("the outbox and inbox SQL in a service's own PostgreSQL schema", { skip: postgresSkip }, () => {
  it("enqueue inside the service's transaction; concurrent deliveries of one message apply it once", async () => {
    const schema = randomSchemaName();
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 4 });
    const outboxTable = `"${schema}".outbox_message`;
    const inboxTable = `"${schema}".inbox_message`;
    const outbox = createPostgresOutbox(outboxTable);
    try {
      await pool.query(
        `CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".ticket (no text PRIMARY KEY);
         ${postgresOutboxSchema(outboxTable)} ${postgresInboxSchema(inboxTable)}`,
      );
      const sell = async (no: string, fail: boolean) => {
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          await client.query(`INSERT INTO "${schema}".ticket (no) VALUES ($1)`, [no]);
          await outbox.enqueue(client, [event(`sold-${no}`)], t0);
          if (fail) throw new Error("the sale fails after the enqueue");
          await client.query("COMMIT");
        } catch (e) {
          await client.query("ROLLBACK");
          throw e;
        } finally {
          client.release();
        }
      };
      await sell("T1", false);
      await assert.rejects(sell("T2", true), /fails after/);
      const store = outbox.store(pool);
      assert.deepEqual(
        (await store.listOutbox({ pageSize: 10 }, t0)).messages.map((m) => m.idempotencyKey),
        ["sold-T1"],
      );

      // Two deliveries of one message race in two transactions: the second waits on the first's key.
      const a = await pool.connect();
      const b = await pool.connect();
      try {
        await a.query("BEGIN");
        await b.query("BEGIN");
        assert.equal(await recordPostgresInbox(a, inboxTable, "prov:510000", "e1", t0), true);
        const second = recordPostgresInbox(b, inboxTable, "prov:510000", "e1", t0);
        await a.query("COMMIT");
        assert.equal(await second, false, "the second sees the first's committed key");
        await b.query("COMMIT");
        // A first try that rolls back leaves the key free for the next.
        await a.query("BEGIN");
        assert.equal(await recordPostgresInbox(a, inboxTable, "prov:510000", "e2", t0), true);
        await a.query("ROLLBACK");
        assert.equal(await recordPostgresInbox(b, inboxTable, "prov:510000", "e2", t0 + 1), true);
      } finally {
        a.release();
        b.release();
      }
      assert.equal(await purgePostgresInbox(pool, inboxTable, t0 + 1), 1);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  });
});
