import { sqliteOutboxSchema } from "@hutong/gateway/outbox";

/**
 * A province licence system's tables. `licence` and `licence_event` keep the record sealed (SM4,
 * the licence id or the event key as associated data); every other column is an operational fact
 * (ids, kinds, statuses, times). `licence_event.seq` is the province's aggregation sequence.
 */
export const issuerSchema = `
CREATE TABLE IF NOT EXISTS licence (
  licence_id        TEXT PRIMARY KEY,
  kind              INTEGER NOT NULL,
  version           INTEGER NOT NULL,
  status            INTEGER NOT NULL,
  status_updated_ms INTEGER,
  valid_to          TEXT NOT NULL,
  sealed            BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS licence_event (
  seq             INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  licence_id      TEXT NOT NULL,
  version         INTEGER NOT NULL,
  kind            INTEGER NOT NULL,
  occurred_ms     INTEGER NOT NULL,
  recorded_ms     INTEGER NOT NULL,
  queued          INTEGER NOT NULL,
  sealed          BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS counts_sent (
  counts_key TEXT PRIMARY KEY
);
${sqliteOutboxSchema}
`;
