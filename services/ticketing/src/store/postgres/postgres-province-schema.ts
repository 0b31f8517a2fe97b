import { postgresInboxSchema, postgresOutboxSchema } from "@hutong/gateway/outbox";

// The province e-ticket service's tables on PostgreSQL: those of sqlite/province-schema.ts (read
// the comments there), with bytea for sealed tickets and bigint for sequence numbers, fares and
// times, every name qualified with the configured schema; and `province_head`, one row holding
// the last owner sequence number, whose row lock serialises a province's uploads.

/** Table names qualified with the (already validated) schema. */
export function provinceTables(schema: string) {
  const q = (table: string) => `"${schema}".${table}`;
  return {
    head: q("province_head"),
    ticket: q("ticket"),
    eventLog: q("event_log"),
    sourceEvent: q("source_event"),
    sourceCursor: q("source_cursor"),
    emission: q("emission"),
    receivedTicket: q("received_ticket"),
    receivedEvent: q("received_event"),
    registrySent: q("registry_sent"),
    invoiceRequest: q("invoice_request"),
    outbox: q("outbox_message"),
    inbox: q("inbox_message"),
  };
}

export function postgresProvinceSchema(schema: string): string {
  const t = provinceTables(schema);
  return `
CREATE TABLE IF NOT EXISTS ${t.head} (
  id       smallint PRIMARY KEY CHECK (id = 1),
  last_seq bigint NOT NULL
);
INSERT INTO ${t.head} (id, last_seq) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

CREATE TABLE IF NOT EXISTS ${t.ticket} (
  ticket_no     text PRIMARY KEY,
  version       integer NOT NULL,
  sale_status   integer NOT NULL,
  check_status  integer NOT NULL,
  sale_station  text NOT NULL,
  sale_day      text NOT NULL,
  route_code    text NOT NULL,
  medium        integer NOT NULL,
  fare_fen      bigint NOT NULL,
  sealed        bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS ticket_station_day ON ${t.ticket} (sale_station, sale_day);

CREATE TABLE IF NOT EXISTS ${t.eventLog} (
  seq             bigint PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  source          text NOT NULL,
  source_seq      bigint NOT NULL,
  ticket_no       text NOT NULL,
  kind            integer NOT NULL,
  occurred_ms     bigint NOT NULL,
  day             text NOT NULL,
  ticket_version  integer NOT NULL,
  sale_status     integer NOT NULL,
  check_status    integer NOT NULL,
  sale_station    text NOT NULL,
  sale_day        text NOT NULL,
  route_code      text NOT NULL,
  medium          integer NOT NULL,
  applied_ms      bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS event_log_ticket ON ${t.eventLog} (ticket_no, seq);

CREATE TABLE IF NOT EXISTS ${t.sourceEvent} (
  source          text NOT NULL,
  source_seq      bigint NOT NULL,
  idempotency_key text NOT NULL,
  outcome         integer NOT NULL,
  code            text NOT NULL,
  reason          text NOT NULL,
  at_ms           bigint NOT NULL,
  PRIMARY KEY (source, source_seq)
);

CREATE TABLE IF NOT EXISTS ${t.sourceCursor} (
  source    text PRIMARY KEY,
  acked_seq bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS ${t.invoiceRequest} (
  idempotency_key text PRIMARY KEY,
  ticket_no       text NOT NULL,
  state           text NOT NULL,
  invoice_no      text NOT NULL,
  updated_ms      bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS invoice_request_awaiting ON ${t.invoiceRequest} (state, updated_ms);

CREATE TABLE IF NOT EXISTS ${t.emission} (
  seq         bigint NOT NULL,
  destination text NOT NULL,
  form        text NOT NULL,
  PRIMARY KEY (seq, destination, form)
);

CREATE TABLE IF NOT EXISTS ${t.receivedTicket} (
  ticket_no    text PRIMARY KEY,
  owner        text NOT NULL,
  version      integer NOT NULL,
  sale_status  integer NOT NULL,
  check_status integer NOT NULL,
  sealed       bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS ${t.receivedEvent} (
  idempotency_key text PRIMARY KEY,
  owner           text NOT NULL,
  owner_seq       bigint NOT NULL,
  ticket_no       text NOT NULL,
  ticket_version  integer NOT NULL,
  in_order        integer NOT NULL,
  applications    integer NOT NULL,
  received_ms     bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS ${t.registrySent} (
  registry_key text PRIMARY KEY
);
${postgresOutboxSchema(t.outbox)}
${postgresInboxSchema(t.inbox)}
`;
}
