import type Database from "better-sqlite3";
import type {
  OutboxAction,
  OutboxClaim,
  OutboxFilter,
  OutboxMessage,
  OutboxMessageInput,
  OutboxPage,
  OutboxSettlement,
  OutboxStats,
  OutboxStore,
} from "../port/outbox-store.js";
import { StoreError } from "../port/store-error.js";
import {
  checkOutboxClaim,
  checkOutboxFilter,
  checkOutboxId,
  checkOutboxMessages,
  checkOutboxSettlements,
  outboxErrorText,
} from "../port/validate-outbox.js";
import {
  groupSettlements,
  outboxHeadSql,
  outboxMessageFromRow,
  outboxPage,
  outboxStateSql,
  outboxStatsFromRow,
  outboxStatsSql,
} from "../sql/outbox-rows.js";
import { decodeOutboxPageToken } from "../sql/page-token.js";
import type { Row } from "../sql/row-mapping.js";

// The outbox's SQL for SQLite, reusable by any store that keeps its own SQLite database (a ticket
// or licence service): put `sqliteOutboxSchema` in its schema and call `enqueue` inside the
// transaction that records the fact, so the fact and its messages commit together or not at all.

/**
 * One row per message still to deliver. AUTOINCREMENT so an id is never reused after its message
 * was delivered: an operator's `drop 17` cannot hit a newer message. `state` is stored as pending
 * or dead; in-flight and blocked follow from the lease and the dead letters before a message.
 */
export const sqliteOutboxSchema = `
CREATE TABLE IF NOT EXISTS outbox_message (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  topic           TEXT NOT NULL,
  destination     TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  ordering_key    TEXT,
  payload         BLOB NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_ms      INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  lease_token     TEXT,
  lease_until_ms  INTEGER,
  last_error      TEXT,
  dead_ms         INTEGER,
  UNIQUE (topic, destination, idempotency_key)
);
CREATE INDEX IF NOT EXISTS outbox_message_due ON outbox_message (state, next_attempt_ms, id);
CREATE INDEX IF NOT EXISTS outbox_message_order ON outbox_message (topic, destination, ordering_key, id);
`;

/** This outbox has no audit log to write an operator's action to (the gateway's store has: sqlite-core.ts). */
function refuseAudit(audit: unknown): void {
  if (audit !== undefined) throw new StoreError("invalid-argument", "this outbox keeps no audit log");
}

/** The outbox operations as synchronous calls on one connection (the SQLite core's thread). */
export type SqliteOutbox = {
  [K in keyof OutboxStore]: OutboxStore[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

const table = "outbox_message";
const selectListed = `SELECT m.*, ${outboxStateSql(table, "@now")} AS listed_state FROM ${table} m`;

/**
 * The outbox on `db`, whose schema must include sqliteOutboxSchema. Each operation runs in its own
 * transaction, or in the caller's when called inside one (better-sqlite3 nests it as a savepoint).
 * Statements are prepared on first use, so a read-only connection can serve the reads.
 */
export function createSqliteOutbox(db: Database.Database): SqliteOutbox {
  const cache = new Map<string, Database.Statement>();
  const stmt = (sql: string): Database.Statement => {
    let s = cache.get(sql);
    if (s === undefined) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };

  const read = (id: number, nowMs: number): OutboxMessage | undefined => {
    const row = stmt(`${selectListed} WHERE m.id = @id`).get({ id, now: nowMs }) as Row | undefined;
    return row === undefined ? undefined : outboxMessageFromRow(row);
  };

  const enqueue = db.transaction((messages: readonly OutboxMessageInput[], nowMs: number) => {
    const insert = stmt(
      `INSERT INTO ${table} (topic, destination, idempotency_key, ordering_key, payload, created_ms, next_attempt_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (topic, destination, idempotency_key) DO NOTHING`,
    );
    let enqueued = 0;
    for (const m of messages) {
      enqueued += insert.run(m.topic, m.destination, m.idempotencyKey, m.orderingKey, m.payload, nowMs, nowMs).changes;
    }
    return { enqueued };
  });

  const claim = db.transaction((c: OutboxClaim) => {
    const rows = stmt(
      `SELECT m.*, 'in-flight' AS listed_state FROM ${table} m
       WHERE m.state = 'pending' AND m.next_attempt_ms <= @now
         AND (m.lease_until_ms IS NULL OR m.lease_until_ms <= @now)
         AND m.topic IN (SELECT value FROM json_each(@topics))
         AND (m.topic || ' ' || m.destination) NOT IN (SELECT value FROM json_each(@skip))
         AND ${outboxHeadSql(table)}
       ORDER BY m.next_attempt_ms, m.id LIMIT @limit`,
    ).all({
      now: c.nowMs,
      topics: JSON.stringify(c.topics),
      skip: JSON.stringify(c.skip.map((s) => `${s.topic} ${s.destination}`)),
      limit: c.limit,
    }) as Row[];
    const lease = stmt(`UPDATE ${table} SET lease_token = ?, lease_until_ms = ? WHERE id = ?`);
    for (const r of rows) lease.run(c.leaseToken, c.leaseUntilMs, r.id);
    return rows.map((r) => outboxMessageFromRow({ ...r, lease_token: c.leaseToken, lease_until_ms: c.leaseUntilMs }));
  });

  const settle = db.transaction((leaseToken: string, settlements: readonly OutboxSettlement[], nowMs: number) => {
    let settled = 0;
    for (const group of groupSettlements(settlements).values()) {
      for (const s of group) {
        // A delivered message is gone whoever holds its lease now: it arrived.
        if (s.outcome === "delivered") settled += stmt(`DELETE FROM ${table} WHERE id = ?`).run(s.id).changes;
        else if (s.outcome === "retry") {
          settled += stmt(
            `UPDATE ${table} SET attempts = attempts + 1, next_attempt_ms = ?, last_error = ?,
               lease_token = NULL, lease_until_ms = NULL WHERE id = ? AND lease_token = ?`,
          ).run(s.nextAttemptMs, outboxErrorText(s.error), s.id, leaseToken).changes;
        } else if (s.outcome === "dead") {
          settled += stmt(
            `UPDATE ${table} SET state = 'dead', attempts = attempts + ?, dead_ms = ?, last_error = ?,
               lease_token = NULL, lease_until_ms = NULL WHERE id = ? AND lease_token = ?`,
          ).run(s.attempted ? 1 : 0, nowMs, outboxErrorText(s.error), s.id, leaseToken).changes;
        } else {
          settled += stmt(
            `UPDATE ${table} SET lease_token = NULL, lease_until_ms = NULL WHERE id = ? AND lease_token = ?`,
          ).run(s.id, leaseToken).changes;
        }
      }
    }
    return { settled };
  });

  const list = (filter: OutboxFilter, nowMs: number): OutboxPage => {
    const where: string[] = [];
    const params: Record<string, unknown> = { now: nowMs, limit: filter.pageSize + 1 };
    if (filter.topic !== undefined) {
      where.push("topic = @topic");
      params.topic = filter.topic;
    }
    if (filter.destination !== undefined) {
      where.push("destination = @destination");
      params.destination = filter.destination;
    }
    if (filter.state !== undefined) {
      where.push("listed_state = @state");
      params.state = filter.state;
    }
    if (filter.pageToken !== undefined) {
      where.push("id > @after");
      params.after = decodeOutboxPageToken(filter.pageToken);
    }
    const sql = `SELECT * FROM (${selectListed})${where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`} ORDER BY id LIMIT @limit`;
    return outboxPage(stmt(sql).all(params) as Row[], filter.pageSize);
  };

  // The messages that waited (blocked) behind a dead letter of their key count their age from when
  // the operator freed the line: they never had a try, and would otherwise die of age at once.
  const restartLine = (head: OutboxMessage, nowMs: number) => {
    if (head.orderingKey === null) return;
    stmt(
      `UPDATE ${table} SET created_ms = ? WHERE topic = ? AND destination = ? AND ordering_key = ? AND id > ?
         AND dead_ms IS NULL AND created_ms < ?`,
    ).run(nowMs, head.topic, head.destination, head.orderingKey, head.id, nowMs);
  };

  // Replay and drop read and change the row in one write transaction: SQLite has one writer, so
  // no dispatcher can lease it in between.
  const replay = db.transaction((id: number, nowMs: number): OutboxAction => {
    const message = read(id, nowMs);
    if (message === undefined) return { outcome: "not-found" };
    if (message.state === "in-flight") return { outcome: "in-flight", message };
    if (message.state !== "dead") return { outcome: "not-dead", message };
    stmt(
      `UPDATE ${table} SET state = 'pending', attempts = 0, next_attempt_ms = ?, created_ms = ?, dead_ms = NULL, last_error = NULL
       WHERE id = ?`,
    ).run(nowMs, nowMs, id);
    restartLine(message, nowMs);
    return { outcome: "done", message };
  });

  const drop = db.transaction((id: number, nowMs: number): OutboxAction => {
    const message = read(id, nowMs);
    if (message === undefined) return { outcome: "not-found" };
    if (message.state === "in-flight") return { outcome: "in-flight", message };
    stmt(`DELETE FROM ${table} WHERE id = ?`).run(id);
    if (message.state === "dead") restartLine(message, nowMs);
    return { outcome: "done", message };
  });

  return {
    enqueueOutbox(messages, nowMs) {
      checkOutboxMessages(messages, nowMs);
      if (messages.length === 0) return { enqueued: 0 };
      return db.inTransaction ? enqueue(messages, nowMs) : enqueue.immediate(messages, nowMs);
    },
    claimOutbox(c) {
      checkOutboxClaim(c);
      if (c.topics.length === 0) return [];
      return db.inTransaction ? claim(c) : claim.immediate(c);
    },
    settleOutbox(leaseToken, settlements, nowMs) {
      checkOutboxSettlements(leaseToken, settlements);
      if (settlements.length === 0) return { settled: 0 };
      return db.inTransaction
        ? settle(leaseToken, settlements, nowMs)
        : settle.immediate(leaseToken, settlements, nowMs);
    },
    listOutbox(filter, nowMs) {
      checkOutboxFilter(filter);
      return list(filter, nowMs);
    },
    getOutboxMessage(id, nowMs) {
      checkOutboxId(id);
      return read(id, nowMs);
    },
    findOutboxMessage(topic, destination, idempotencyKey, nowMs) {
      const row = stmt(
        `${selectListed} WHERE m.topic = @topic AND m.destination = @destination AND m.idempotency_key = @key`,
      ).get({ topic, destination, key: idempotencyKey, now: nowMs }) as Row | undefined;
      return row === undefined ? undefined : outboxMessageFromRow(row);
    },
    replayOutboxMessage(id, nowMs, audit) {
      checkOutboxId(id);
      refuseAudit(audit);
      return db.inTransaction ? replay(id, nowMs) : replay.immediate(id, nowMs);
    },
    dropOutboxMessage(id, nowMs, audit) {
      checkOutboxId(id);
      refuseAudit(audit);
      return db.inTransaction ? drop(id, nowMs) : drop.immediate(id, nowMs);
    },
    outboxStats(nowMs): OutboxStats[] {
      return (stmt(outboxStatsSql(table, "@now")).all({ now: nowMs }) as Row[]).map(outboxStatsFromRow);
    },
  };
}

/**
 * The async port over `createSqliteOutbox(db)`, for a dispatcher in the same process as a
 * service's own database (each call runs synchronously; its promise settles after).
 */
export function sqliteOutboxStore(db: Database.Database): OutboxStore {
  const o = createSqliteOutbox(db);
  const later =
    <A extends unknown[], R>(f: (...args: A) => R) =>
    async (...args: A): Promise<R> =>
      f(...args);
  return {
    enqueueOutbox: later(o.enqueueOutbox),
    claimOutbox: later(o.claimOutbox),
    settleOutbox: later(o.settleOutbox),
    listOutbox: later(o.listOutbox),
    getOutboxMessage: later(o.getOutboxMessage),
    findOutboxMessage: later(o.findOutboxMessage),
    replayOutboxMessage: later(o.replayOutboxMessage),
    dropOutboxMessage: later(o.dropOutboxMessage),
    outboxStats: later(o.outboxStats),
  };
}
