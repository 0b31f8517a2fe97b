import type pg from "pg";
import type {
  OutboxAction,
  OutboxClaim,
  OutboxFilter,
  OutboxMessage,
  OutboxMessageInput,
  OutboxSettlement,
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
import { type Row, toInt } from "../sql/row-mapping.js";

// The outbox's SQL for PostgreSQL, reusable by any store with its own database or schema: put
// postgresOutboxSchema(table) in its schema and call `enqueue` with the client of the transaction
// that records the fact. Several dispatchers (replicas) share one table: claims take rows with
// FOR UPDATE SKIP LOCKED and lease them, so no two deliver one message at once.

/** Anything that runs a query: a pool, a pooled client, a client (inside its transaction). */
export type Queryable = Pick<pg.ClientBase, "query">;

/** The table (qualified name, e.g. `"hutong".outbox_message`); see sqliteOutboxSchema for the columns. */
export function postgresOutboxSchema(table: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${table} (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic           text NOT NULL,
  destination     text NOT NULL,
  idempotency_key text NOT NULL,
  ordering_key    text,
  payload         bytea NOT NULL,
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
  attempts        integer NOT NULL DEFAULT 0,
  created_ms      bigint NOT NULL,
  next_attempt_ms bigint NOT NULL,
  lease_token     text,
  lease_until_ms  bigint,
  last_error      text,
  dead_ms         bigint,
  UNIQUE (topic, destination, idempotency_key)
);
CREATE INDEX IF NOT EXISTS outbox_message_due ON ${table} (state, next_attempt_ms, id);
CREATE INDEX IF NOT EXISTS outbox_message_order ON ${table} (topic, destination, ordering_key, id);
`;
}

export interface PostgresOutbox {
  /**
   * Writes the messages not already there, with `client` INSIDE the caller's transaction. Ordered
   * messages take a transaction-scoped advisory lock per ordering key first: ids come from a
   * sequence, so without it a later transaction could commit a higher id before an earlier one
   * commits a lower one, and a dispatcher would see the second message as the first.
   */
  enqueue(client: Queryable, messages: readonly OutboxMessageInput[], nowMs: number): Promise<{ enqueued: number }>;
  /** An operator's replay (see OutboxStore), with `client` inside the caller's transaction. */
  replay(client: Queryable, id: number, nowMs: number): Promise<OutboxAction>;
  /** An operator's drop (see OutboxStore), with `client` inside the caller's transaction. */
  drop(client: Queryable, id: number, nowMs: number): Promise<OutboxAction>;
  /** The whole port over a pool, each operation in its own transaction where it needs one. */
  store(pool: pg.Pool): OutboxStore;
}

export function createPostgresOutbox(table: string): PostgresOutbox {
  const selectListed = `SELECT m.*, ${outboxStateSql(table, "$1")} AS listed_state FROM ${table} m`;

  async function enqueue(client: Queryable, messages: readonly OutboxMessageInput[], nowMs: number) {
    checkOutboxMessages(messages, nowMs);
    if (messages.length === 0) return { enqueued: 0 };
    const groups = [
      ...new Set(
        messages.flatMap((m) => (m.orderingKey === null ? [] : [`${m.topic} ${m.destination} ${m.orderingKey}`])),
      ),
    ];
    if (groups.length > 0) {
      // In one sorted order, so two transactions locking overlapping keys cannot deadlock.
      await client.query(
        `SELECT pg_advisory_xact_lock(hashtext($1), k) FROM
           (SELECT DISTINCT hashtext(g) AS k FROM unnest($2::text[]) AS g ORDER BY 1) AS keys`,
        [table, groups],
      );
    }
    const column = <T>(f: (m: OutboxMessageInput) => T) => messages.map(f);
    const { rowCount } = await client.query(
      `INSERT INTO ${table} (topic, destination, idempotency_key, ordering_key, payload, created_ms, next_attempt_ms)
       SELECT topic, destination, idempotency_key, ordering_key, payload, $6, $6
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[]) WITH ORDINALITY
         AS i (topic, destination, idempotency_key, ordering_key, payload, n)
       ORDER BY n
       ON CONFLICT (topic, destination, idempotency_key) DO NOTHING`,
      [
        column((m) => m.topic),
        column((m) => m.destination),
        column((m) => m.idempotencyKey),
        column((m) => m.orderingKey),
        column((m) => m.payload),
        nowMs,
      ],
    );
    return { enqueued: rowCount ?? 0 };
  }

  async function read(q: Queryable, id: number, nowMs: number, lock = false): Promise<OutboxMessage | undefined> {
    const { rows } = await q.query(`${selectListed} WHERE m.id = $2${lock ? " FOR UPDATE OF m" : ""}`, [nowMs, id]);
    const row = rows[0] as Row | undefined;
    return row === undefined ? undefined : outboxMessageFromRow(row);
  }

  // The messages that waited (blocked) behind a dead letter of their key count their age from when
  // the operator freed the line: they never had a try, and would otherwise die of age at once.
  async function restartLine(client: Queryable, head: OutboxMessage, nowMs: number): Promise<void> {
    if (head.orderingKey === null) return;
    await client.query(
      `UPDATE ${table} SET created_ms = $1 WHERE topic = $2 AND destination = $3 AND ordering_key = $4 AND id > $5
         AND dead_ms IS NULL AND created_ms < $1`,
      [nowMs, head.topic, head.destination, head.orderingKey, head.id],
    );
  }

  // Replay and drop lock the row first: a claim skips it meanwhile, so what they decide on is
  // what they change.
  async function replay(client: Queryable, id: number, nowMs: number): Promise<OutboxAction> {
    checkOutboxId(id);
    const message = await read(client, id, nowMs, true);
    if (message === undefined) return { outcome: "not-found" };
    if (message.state === "in-flight") return { outcome: "in-flight", message };
    if (message.state !== "dead") return { outcome: "not-dead", message };
    await client.query(
      `UPDATE ${table} SET state = 'pending', attempts = 0, next_attempt_ms = $1, created_ms = $1, dead_ms = NULL,
         last_error = NULL
       WHERE id = $2`,
      [nowMs, id],
    );
    await restartLine(client, message, nowMs);
    return { outcome: "done", message };
  }

  async function drop(client: Queryable, id: number, nowMs: number): Promise<OutboxAction> {
    checkOutboxId(id);
    const message = await read(client, id, nowMs, true);
    if (message === undefined) return { outcome: "not-found" };
    if (message.state === "in-flight") return { outcome: "in-flight", message };
    await client.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
    if (message.state === "dead") await restartLine(client, message, nowMs);
    return { outcome: "done", message };
  }

  return {
    enqueue,
    replay,
    drop,
    store(pool) {
      return {
        async enqueueOutbox(messages, nowMs) {
          checkOutboxMessages(messages, nowMs);
          if (messages.length === 0) return { enqueued: 0 };
          return inTransaction(pool, (client) => enqueue(client, messages, nowMs));
        },

        async claimOutbox(c: OutboxClaim) {
          checkOutboxClaim(c);
          if (c.topics.length === 0) return [];
          // One statement: the rows are locked (others skip them), leased and returned at once.
          const { rows } = await pool.query(
            `WITH due AS (
               SELECT m.id FROM ${table} m
               WHERE m.state = 'pending' AND m.next_attempt_ms <= $1
                 AND (m.lease_until_ms IS NULL OR m.lease_until_ms <= $1)
                 AND m.topic = ANY($2::text[])
                 AND NOT (m.topic || ' ' || m.destination = ANY($3::text[]))
                 AND ${outboxHeadSql(table)}
               ORDER BY m.next_attempt_ms, m.id LIMIT $4
               FOR UPDATE OF m SKIP LOCKED)
             UPDATE ${table} u SET lease_token = $5, lease_until_ms = $6 FROM due WHERE u.id = due.id
             RETURNING u.*, 'in-flight' AS listed_state`,
            [
              c.nowMs,
              c.topics,
              c.skip.map((s) => `${s.topic} ${s.destination}`),
              c.limit,
              c.leaseToken,
              c.leaseUntilMs,
            ],
          );
          return (rows as Row[])
            .map(outboxMessageFromRow)
            .sort((a, b) => a.nextAttemptMs - b.nextAttemptMs || a.id - b.id);
        },

        async settleOutbox(leaseToken: string, settlements: readonly OutboxSettlement[], nowMs: number) {
          checkOutboxSettlements(leaseToken, settlements);
          if (settlements.length === 0) return { settled: 0 };
          const g = groupSettlements(settlements);
          const of = <K extends OutboxSettlement["outcome"]>(k: K) =>
            (g.get(k) ?? []) as Extract<OutboxSettlement, { outcome: K }>[];
          const retry = of("retry");
          const dead = of("dead");
          // One statement, so one transaction. A delivered message is removed whoever holds its
          // lease now (it arrived); the others change only while the lease is still ours.
          const { rows } = await pool.query(
            `WITH delivered AS (
               DELETE FROM ${table} WHERE id = ANY($1::bigint[]) RETURNING 1),
             retried AS (
               UPDATE ${table} t SET attempts = t.attempts + 1, next_attempt_ms = s.next_ms, last_error = s.error,
                 lease_token = NULL, lease_until_ms = NULL
               FROM unnest($2::bigint[], $3::bigint[], $4::text[]) AS s (id, next_ms, error)
               WHERE t.id = s.id AND t.lease_token = $9 RETURNING 1),
             died AS (
               UPDATE ${table} t SET state = 'dead', attempts = t.attempts + s.tried, dead_ms = $10,
                 last_error = s.error, lease_token = NULL, lease_until_ms = NULL
               FROM unnest($5::bigint[], $6::integer[], $7::text[]) AS s (id, tried, error)
               WHERE t.id = s.id AND t.lease_token = $9 RETURNING 1),
             released AS (
               UPDATE ${table} SET lease_token = NULL, lease_until_ms = NULL
               WHERE id = ANY($8::bigint[]) AND lease_token = $9 RETURNING 1)
             SELECT (SELECT count(*) FROM delivered) + (SELECT count(*) FROM retried)
               + (SELECT count(*) FROM died) + (SELECT count(*) FROM released) AS settled`,
            [
              of("delivered").map((s) => s.id),
              retry.map((s) => s.id),
              retry.map((s) => s.nextAttemptMs),
              retry.map((s) => outboxErrorText(s.error)),
              dead.map((s) => s.id),
              dead.map((s) => (s.attempted ? 1 : 0)),
              dead.map((s) => outboxErrorText(s.error)),
              of("release").map((s) => s.id),
              leaseToken,
              nowMs,
            ],
          );
          return { settled: toInt((rows[0] as Row).settled, "settled") };
        },

        async listOutbox(filter: OutboxFilter, nowMs: number) {
          checkOutboxFilter(filter);
          const where: string[] = [];
          const params: unknown[] = [nowMs];
          const add = (sql: string, value: unknown) => {
            params.push(value);
            where.push(sql.replace("?", `$${params.length}`));
          };
          if (filter.topic !== undefined) add("topic = ?", filter.topic);
          if (filter.destination !== undefined) add("destination = ?", filter.destination);
          if (filter.state !== undefined) add("listed_state = ?", filter.state);
          if (filter.pageToken !== undefined) add("id > ?", decodeOutboxPageToken(filter.pageToken));
          params.push(filter.pageSize + 1);
          const { rows } = await pool.query(
            `SELECT * FROM (${selectListed}) AS x${where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`}
             ORDER BY id LIMIT $${params.length}`,
            params,
          );
          return outboxPage(rows as Row[], filter.pageSize);
        },

        async getOutboxMessage(id, nowMs) {
          checkOutboxId(id);
          return read(pool, id, nowMs);
        },

        async findOutboxMessage(topic, destination, idempotencyKey, nowMs) {
          const { rows } = await pool.query(
            `${selectListed} WHERE m.topic = $2 AND m.destination = $3 AND m.idempotency_key = $4`,
            [nowMs, topic, destination, idempotencyKey],
          );
          const row = rows[0] as Row | undefined;
          return row === undefined ? undefined : outboxMessageFromRow(row);
        },

        async replayOutboxMessage(id, nowMs, audit) {
          checkOutboxId(id);
          refuseAudit(audit);
          return inTransaction(pool, (client) => replay(client, id, nowMs));
        },

        async dropOutboxMessage(id, nowMs, audit) {
          checkOutboxId(id);
          refuseAudit(audit);
          return inTransaction(pool, (client) => drop(client, id, nowMs));
        },

        async outboxStats(nowMs) {
          const { rows } = await pool.query(outboxStatsSql(table, "$1"), [nowMs]);
          return (rows as Row[]).map(outboxStatsFromRow);
        },
      };
    },
  };
}

/** This outbox has no audit log to write an operator's action to (the gateway's store has: postgres-store.ts). */
function refuseAudit(audit: unknown): void {
  if (audit !== undefined) throw new StoreError("invalid-argument", "this outbox keeps no audit log");
}

/**
 * Runs `fn` in a transaction on one pooled connection. On any error the connection is destroyed
 * rather than returned (its transaction state is unknown; the server rolls back what was not
 * committed).
 */
async function inTransaction<R>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<R>): Promise<R> {
  const client = await pool.connect();
  const onError = () => {};
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    client.off("error", onError);
    client.release();
    return result;
  } catch (e) {
    client.off("error", onError);
    client.release(true);
    throw e;
  }
}
