import type Database from "better-sqlite3";
import { StoreError } from "../port/store-error.js";

// The receiving side of the outbox for a service that keeps its own SQLite database. Delivery is
// at least once (a message whose acknowledgement was lost is sent again); recording its
// idempotency key in the transaction that applies its effect, and answering only after that
// commit, makes the application exactly once. Open the database with synchronous = FULL (as the
// gateway's store does) so a commit is on disk before the answer leaves.

export const sqliteInboxSchema = `
CREATE TABLE IF NOT EXISTS inbox_message (
  source          TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  received_ms     INTEGER NOT NULL,
  PRIMARY KEY (source, idempotency_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS inbox_message_received ON inbox_message (received_ms);
`;

export interface SqliteInbox {
  /**
   * Inside the caller's transaction: records (source, key) and says whether it is new. Apply the
   * effect only when it is, in the same transaction.
   */
  record(source: string, idempotencyKey: string, nowMs: number): boolean;
  /**
   * Records the key and, the first time only, runs `apply` in the same IMMEDIATE transaction: both
   * commit or neither does. A repeat runs nothing (`fresh: false`).
   */
  applyOnce<R>(
    source: string,
    idempotencyKey: string,
    nowMs: number,
    apply: () => R,
  ): { readonly fresh: true; readonly result: R } | { readonly fresh: false };
  /**
   * Forgets keys received before `beforeMs`. Keep them longer than a sender may still redeliver
   * (its dead-letter age plus a lease), or a late redelivery would be applied again.
   */
  purge(beforeMs: number): number;
}

function checkKey(value: unknown, what: string): void {
  if (typeof value !== "string" || value.length === 0 || value.length > 512) {
    throw new StoreError("invalid-argument", `${what} must be a string of 1 to 512 characters`);
  }
}

/** The inbox on `db`, whose schema must include sqliteInboxSchema. */
export function createSqliteInbox(db: Database.Database): SqliteInbox {
  const insert = db.prepare(
    "INSERT INTO inbox_message (source, idempotency_key, received_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
  );
  const purge = db.prepare("DELETE FROM inbox_message WHERE received_ms < ?");
  const record = (source: string, idempotencyKey: string, nowMs: number): boolean => {
    checkKey(source, "source");
    checkKey(idempotencyKey, "idempotencyKey");
    return insert.run(source, idempotencyKey, nowMs).changes === 1;
  };
  return {
    record,
    applyOnce(source, idempotencyKey, nowMs, apply) {
      const once = db.transaction(() =>
        record(source, idempotencyKey, nowMs) ? { fresh: true as const, result: apply() } : { fresh: false as const },
      );
      return db.inTransaction ? once() : once.immediate();
    },
    purge: (beforeMs) => purge.run(beforeMs).changes,
  };
}
