import type { OutboxMessage, OutboxMessageState, OutboxPage, OutboxStats } from "../port/outbox-store.js";
import { outboxMessageStates } from "../port/outbox-store.js";
import { StoreError } from "../port/store-error.js";
import { encodePageToken } from "./page-token.js";
import { type Row, toBytes, toInt } from "./row-mapping.js";

// Outbox rows as both drivers return them, turned into the port's types. The SQL of both
// dialects selects the stored columns plus `listed_state` (outboxStateSql).

/**
 * The state a message shows, from its stored state, its lease and the dead letters before it in
 * its ordering key. `m` is the row's alias; `now` the placeholder of the current time.
 */
export function outboxStateSql(table: string, now: string): string {
  return `CASE
    WHEN m.state = 'dead' THEN 'dead'
    WHEN m.lease_until_ms IS NOT NULL AND m.lease_until_ms > ${now} THEN 'in-flight'
    WHEN m.ordering_key IS NOT NULL AND EXISTS (
      SELECT 1 FROM ${table} o WHERE o.topic = m.topic AND o.destination = m.destination
        AND o.ordering_key = m.ordering_key AND o.id < m.id AND o.state = 'dead') THEN 'blocked'
    ELSE 'pending' END`;
}

/**
 * The eligibility of an ordered message: the oldest undelivered one of its ordering key (dead
 * letters included, so a dead letter holds its successors back).
 */
export function outboxHeadSql(table: string): string {
  return `(m.ordering_key IS NULL OR m.id = (SELECT min(o.id) FROM ${table} o
    WHERE o.topic = m.topic AND o.destination = m.destination AND o.ordering_key = m.ordering_key))`;
}

/**
 * Per (topic, destination): depth, in flight, dead, oldest, and how many wait behind a dead
 * letter of their ordering key. `now` is the placeholder of the current time.
 */
export function outboxStatsSql(table: string, now: string): string {
  return `WITH dead_heads AS (
      SELECT topic, destination, ordering_key, min(id) AS dead_id FROM ${table}
      WHERE state = 'dead' AND ordering_key IS NOT NULL GROUP BY topic, destination, ordering_key),
    blocked AS (
      SELECT m.topic, m.destination, count(*) AS blocked FROM ${table} m
      JOIN dead_heads d ON d.topic = m.topic AND d.destination = m.destination
        AND d.ordering_key = m.ordering_key AND m.id > d.dead_id
      WHERE m.state = 'pending' GROUP BY m.topic, m.destination),
    totals AS (
      SELECT topic, destination,
        sum(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS depth,
        sum(CASE WHEN state = 'pending' AND lease_until_ms > ${now} THEN 1 ELSE 0 END) AS in_flight,
        sum(CASE WHEN state = 'dead' THEN 1 ELSE 0 END) AS dead,
        min(CASE WHEN state = 'pending' THEN created_ms END) AS oldest_created_ms
      FROM ${table} GROUP BY topic, destination)
    SELECT t.topic, t.destination, t.depth, t.in_flight, t.dead, t.oldest_created_ms,
      coalesce(b.blocked, 0) AS blocked
    FROM totals t LEFT JOIN blocked b ON b.topic = t.topic AND b.destination = t.destination
    ORDER BY t.topic, t.destination`;
}

function isState(value: unknown): value is OutboxMessageState {
  return typeof value === "string" && (outboxMessageStates as readonly string[]).includes(value);
}

const intOrNull = (value: unknown, column: string) => (value === null ? null : toInt(value, column));

export function outboxMessageFromRow(row: Row): OutboxMessage {
  const state = row.listed_state;
  if (!isState(state)) throw new StoreError("corrupt", `outbox message ${String(row.id)} has an unknown state`);
  return {
    id: toInt(row.id, "outbox_message.id"),
    topic: row.topic as string,
    destination: row.destination as string,
    idempotencyKey: row.idempotency_key as string,
    orderingKey: (row.ordering_key as string | null) ?? null,
    payload: toBytes(row.payload as Uint8Array),
    state,
    attempts: toInt(row.attempts, "outbox_message.attempts"),
    createdMs: toInt(row.created_ms, "outbox_message.created_ms"),
    nextAttemptMs: toInt(row.next_attempt_ms, "outbox_message.next_attempt_ms"),
    leaseUntilMs: intOrNull(row.lease_until_ms, "outbox_message.lease_until_ms"),
    lastError: (row.last_error as string | null) ?? null,
    deadMs: intOrNull(row.dead_ms, "outbox_message.dead_ms"),
  };
}

/** A page from up to pageSize + 1 rows in id order: the extra row only says another page exists. */
export function outboxPage(rows: readonly Row[], pageSize: number): OutboxPage {
  const messages = rows.slice(0, pageSize).map(outboxMessageFromRow);
  const last = messages.at(-1);
  return rows.length > pageSize && last !== undefined
    ? { messages, nextPageToken: encodePageToken("outbox", last.id) }
    : { messages };
}

export function outboxStatsFromRow(row: Row): OutboxStats {
  return {
    topic: row.topic as string,
    destination: row.destination as string,
    depth: toInt(row.depth, "depth"),
    inFlight: toInt(row.in_flight ?? 0, "in_flight"),
    blocked: toInt(row.blocked, "blocked"),
    dead: toInt(row.dead, "dead"),
    oldestCreatedMs: intOrNull(row.oldest_created_ms, "oldest_created_ms"),
  };
}

/** Settlements grouped by outcome (each adapter writes one group at a time); an id settled twice is refused. */
export function groupSettlements<S extends { readonly id: number; readonly outcome: string }>(
  settlements: readonly S[],
): Map<S["outcome"], S[]> {
  const ids = new Set<number>();
  const groups = new Map<S["outcome"], S[]>();
  for (const s of settlements) {
    if (ids.has(s.id)) throw new StoreError("invalid-argument", `outbox message ${s.id} is settled twice`);
    ids.add(s.id);
    const list = groups.get(s.outcome) ?? [];
    list.push(s);
    groups.set(s.outcome, list);
  }
  return groups;
}
