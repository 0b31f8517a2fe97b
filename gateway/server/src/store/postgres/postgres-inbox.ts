import { StoreError } from "../port/store-error.js";
import type { Queryable } from "./postgres-outbox.js";

// The receiving side of the outbox for a service on PostgreSQL (see sqlite-inbox.ts for why):
// record the idempotency key with the client of the transaction that applies the effect, apply it
// only when the key is new, commit, then answer. Two deliveries of one message racing in two
// transactions cannot both win: the second INSERT waits on the first's unique key and then does
// nothing.

/** The table (qualified name, e.g. `"tickets".inbox_message`). */
export function postgresInboxSchema(table: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${table} (
  source          text NOT NULL,
  idempotency_key text NOT NULL,
  received_ms     bigint NOT NULL,
  PRIMARY KEY (source, idempotency_key)
);
CREATE INDEX IF NOT EXISTS inbox_message_received ON ${table} (received_ms);
`;
}

function checkKey(value: unknown, what: string): void {
  if (typeof value !== "string" || value.length === 0 || value.length > 512) {
    throw new StoreError("invalid-argument", `${what} must be a string of 1 to 512 characters`);
  }
}

/** Inside the caller's transaction: records (source, key); true the first time, when the effect is to be applied. */
export async function recordPostgresInbox(
  client: Queryable,
  table: string,
  source: string,
  idempotencyKey: string,
  nowMs: number,
): Promise<boolean> {
  checkKey(source, "source");
  checkKey(idempotencyKey, "idempotencyKey");
  const { rowCount } = await client.query(
    `INSERT INTO ${table} (source, idempotency_key, received_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [source, idempotencyKey, nowMs],
  );
  return rowCount === 1;
}

/** Forgets keys received before `beforeMs` (see SqliteInbox.purge for how long to keep them). */
export async function purgePostgresInbox(client: Queryable, table: string, beforeMs: number): Promise<number> {
  const { rowCount } = await client.query(`DELETE FROM ${table} WHERE received_ms < $1`, [beforeMs]);
  return rowCount ?? 0;
}
