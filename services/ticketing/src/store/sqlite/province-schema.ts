import { sqliteInboxSchema, sqliteOutboxSchema } from "@hutong/gateway/outbox";

// The province e-ticket service's own database (SQLite, WAL, synchronous = FULL). Personal data is
// kept only inside `sealed` (the whole ticket, SM4 with HMAC-SM3, the ticket number as associated
// data); every other column is an operational fact.

export const provinceSchema = `
CREATE TABLE IF NOT EXISTS ticket (
  ticket_no     TEXT PRIMARY KEY,
  version       INTEGER NOT NULL,
  sale_status   INTEGER NOT NULL,
  check_status  INTEGER NOT NULL,
  sale_station  TEXT NOT NULL,
  sale_day      TEXT NOT NULL,
  route_code    TEXT NOT NULL,
  medium        INTEGER NOT NULL,
  fare_fen      INTEGER NOT NULL,
  sealed        BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ticket_station_day ON ticket (sale_station, sale_day);

-- Every applied event, numbered in the province's own sequence (the owner sequence).
CREATE TABLE IF NOT EXISTS event_log (
  seq             INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  source          TEXT NOT NULL,
  source_seq      INTEGER NOT NULL,
  ticket_no       TEXT NOT NULL,
  kind            INTEGER NOT NULL,
  occurred_ms     INTEGER NOT NULL,
  day             TEXT NOT NULL,
  ticket_version  INTEGER NOT NULL,
  sale_status     INTEGER NOT NULL,
  check_status    INTEGER NOT NULL,
  sale_station    TEXT NOT NULL,
  sale_day        TEXT NOT NULL,
  route_code      TEXT NOT NULL,
  medium          INTEGER NOT NULL,
  applied_ms      INTEGER NOT NULL
);
-- A ticket's status is its latest event (QueryTicketStatus).
CREATE INDEX IF NOT EXISTS event_log_ticket ON event_log (ticket_no, seq);

-- Every event a source sent, whatever became of it: the durable record of refusals, and what a
-- resent sequence number is checked against.
CREATE TABLE IF NOT EXISTS source_event (
  source          TEXT NOT NULL,
  source_seq      INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  outcome         INTEGER NOT NULL,
  code            TEXT NOT NULL,
  reason          TEXT NOT NULL,
  at_ms           INTEGER NOT NULL,
  PRIMARY KEY (source, source_seq)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS source_cursor (
  source    TEXT PRIMARY KEY,
  acked_seq INTEGER NOT NULL
) WITHOUT ROWID;

-- Where each applied event was sent (one row per destination), for counting at the far end.
CREATE TABLE IF NOT EXISTS emission (
  seq         INTEGER NOT NULL,
  destination TEXT NOT NULL,
  form        TEXT NOT NULL,
  PRIMARY KEY (seq, destination, form)
) WITHOUT ROWID;

-- Other provinces' events for tickets whose route touches this province.
CREATE TABLE IF NOT EXISTS received_ticket (
  ticket_no    TEXT PRIMARY KEY,
  owner        TEXT NOT NULL,
  version      INTEGER NOT NULL,
  sale_status  INTEGER NOT NULL,
  check_status INTEGER NOT NULL,
  sealed       BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS received_event (
  idempotency_key TEXT PRIMARY KEY,
  owner           TEXT NOT NULL,
  owner_seq       INTEGER NOT NULL,
  ticket_no       TEXT NOT NULL,
  ticket_version  INTEGER NOT NULL,
  in_order        INTEGER NOT NULL,
  applications    INTEGER NOT NULL,
  received_ms     INTEGER NOT NULL
) WITHOUT ROWID;

-- Each invoice request sent to the tax channel (invoicing/), and what became of it: a blue
-- invoice's number also goes onto its ticket.
CREATE TABLE IF NOT EXISTS invoice_request (
  idempotency_key TEXT PRIMARY KEY,
  ticket_no       TEXT NOT NULL,
  state           TEXT NOT NULL,
  invoice_no      TEXT NOT NULL,
  updated_ms      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS invoice_request_awaiting ON invoice_request (state, updated_ms);

CREATE TABLE IF NOT EXISTS registry_sent (
  registry_key TEXT PRIMARY KEY
) WITHOUT ROWID;
${sqliteOutboxSchema}
${sqliteInboxSchema}
`;
