import { sqliteOutboxSchema } from "@hutong/gateway/outbox";

/**
 * The ministry licence library's tables. `lib_event` holds every event received, sealed, with its
 * facts as columns: held while `applied_ms` is NULL (beyond a gap), then applied with what the
 * check found. `licence` is each licence as the library holds it. `gap` records each hole in a
 * province's sequence: seen, detected once it outlives the grace, asked for, repaired.
 * `check_run` and `finding` keep each run of the data checks (第十一条) and what it found.
 * `maintenance` holds each data-maintenance request with its signed statements (the request
 * sealed: its corrected values may be a holder's data); the outbox sends approved ones to their
 * province.
 */
export const librarySchema = `
CREATE TABLE IF NOT EXISTS province (
  province      TEXT PRIMARY KEY,
  applied_seq   INTEGER NOT NULL DEFAULT 0,
  reported_head INTEGER NOT NULL DEFAULT 0,
  report_ms     INTEGER,
  counts        TEXT
);
CREATE TABLE IF NOT EXISTS lib_event (
  province        TEXT NOT NULL,
  seq             INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  licence_id      TEXT NOT NULL,
  version         INTEGER NOT NULL,
  kind            INTEGER NOT NULL,
  status          INTEGER NOT NULL,
  valid_to        TEXT NOT NULL,
  occurred_ms     INTEGER NOT NULL,
  recorded_ms     INTEGER NOT NULL,
  received_ms     INTEGER NOT NULL,
  applied_ms      INTEGER,
  in_order        INTEGER,
  compliant       INTEGER,
  violations      TEXT,
  receipts        INTEGER NOT NULL DEFAULT 1,
  maintenance_id  TEXT NOT NULL DEFAULT '',
  sealed          BLOB NOT NULL,
  PRIMARY KEY (province, seq)
);
CREATE INDEX IF NOT EXISTS lib_event_held ON lib_event (province, seq) WHERE applied_ms IS NULL;
CREATE INDEX IF NOT EXISTS lib_event_licence ON lib_event (licence_id, version);
CREATE TABLE IF NOT EXISTS licence (
  licence_id   TEXT PRIMARY KEY,
  province     TEXT NOT NULL,
  kind         INTEGER NOT NULL,
  version      INTEGER NOT NULL,
  status       INTEGER NOT NULL,
  valid_to     TEXT NOT NULL,
  updated_ms   INTEGER NOT NULL,
  sealed       BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS gap (
  province        TEXT NOT NULL,
  from_seq        INTEGER NOT NULL,
  to_seq          INTEGER NOT NULL,
  first_seen_ms   INTEGER NOT NULL,
  detected_ms     INTEGER,
  requests        INTEGER NOT NULL DEFAULT 0,
  last_request_ms INTEGER,
  repaired_ms     INTEGER,
  PRIMARY KEY (province, from_seq, to_seq)
);
CREATE TABLE IF NOT EXISTS maintenance (
  province     TEXT NOT NULL,
  request_id   TEXT NOT NULL,
  state        INTEGER NOT NULL,
  licence_ids  TEXT NOT NULL,
  fields       TEXT NOT NULL,
  history      TEXT NOT NULL,
  request_sm3  BLOB NOT NULL,
  decision_sm3 BLOB,
  request      BLOB NOT NULL,
  decision     BLOB,
  PRIMARY KEY (province, request_id)
);
CREATE TABLE IF NOT EXISTS check_run (
  run_id   TEXT PRIMARY KEY,
  province TEXT NOT NULL,
  at_ms    INTEGER NOT NULL,
  checked  INTEGER NOT NULL,
  sampled  INTEGER NOT NULL,
  counts   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS check_run_latest ON check_run (province, at_ms);
CREATE TABLE IF NOT EXISTS finding (
  run_id     TEXT NOT NULL,
  licence_id TEXT NOT NULL,
  data_check INTEGER NOT NULL,
  detail     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS finding_run ON finding (run_id);
${sqliteOutboxSchema}
`;
