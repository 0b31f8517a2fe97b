// The PostgreSQL schema: the same tables and columns as sqlite-schema.ts (read
// the comments there), with bytea for blobs and bigint for indices and times.
// Every name is qualified with the configured schema, so several gateways (or
// test runs) can share one database in separate schemas.

import { postgresOutboxSchema } from "./postgres-outbox.js";

export const postgresSchemaVersion = "2";

const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

export function isValidSchemaName(name: string): boolean {
  return schemaName.test(name);
}

/** Table names qualified with the (already validated) schema. */
export function postgresTables(schema: string) {
  const q = (table: string) => `"${schema}".${table}`;
  return {
    meta: q("store_meta"),
    head: q("audit_head"),
    entry: q("audit_entry"),
    node: q("audit_node"),
    checkpoint: q("audit_checkpoint"),
    grants: q("grants"),
    revocation: q("grant_revocation"),
    outbox: q("outbox_message"),
    /** Schema 1's revocation notices, moved into `outbox` when such a database is opened. */
    revocationOutbox: q("revocation_outbox"),
    witness: q("witness_state"),
    replay: q("replay_nonce"),
  };
}

export function postgresSchema(schema: string): string {
  const t = postgresTables(schema);
  return `
CREATE SCHEMA IF NOT EXISTS "${schema}";

CREATE TABLE IF NOT EXISTS ${t.meta} (
  key   text PRIMARY KEY,
  value text NOT NULL
);

CREATE TABLE IF NOT EXISTS ${t.head} (
  id            integer PRIMARY KEY CHECK (id = 1),
  size          bigint NOT NULL,
  compact_range bytea NOT NULL,
  root          bytea NOT NULL
);

CREATE TABLE IF NOT EXISTS ${t.entry} (
  idx             bigint PRIMARY KEY,
  leaf_hash       bytea NOT NULL,
  bytes           bytea NOT NULL,
  time_ms         bigint NOT NULL,
  requester_party text NOT NULL,
  owner_party     text NOT NULL,
  subject_digest  bytea,
  grant_id        text,
  decision        text NOT NULL CHECK (decision IN ('allow', 'deny')),
  reason          text,
  correlation_id  text NOT NULL,
  trace_id        text NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_entry_subject ON ${t.entry} (subject_digest, idx) WHERE subject_digest IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_entry_requester ON ${t.entry} (requester_party, idx);
CREATE INDEX IF NOT EXISTS audit_entry_owner ON ${t.entry} (owner_party, idx);
CREATE INDEX IF NOT EXISTS audit_entry_grant ON ${t.entry} (grant_id, idx) WHERE grant_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_entry_time ON ${t.entry} (time_ms, idx);

CREATE TABLE IF NOT EXISTS ${t.node} (
  level integer NOT NULL,
  idx   bigint NOT NULL,
  hash  bytea NOT NULL,
  PRIMARY KEY (level, idx)
);

CREATE TABLE IF NOT EXISTS ${t.checkpoint} (
  size     bigint PRIMARY KEY,
  root     bytea NOT NULL,
  note     text NOT NULL,
  saved_ms bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS ${t.grants} (
  id               text PRIMARY KEY,
  signed_bytes     bytea NOT NULL,
  grantee          text NOT NULL,
  subject_digest   bytea NOT NULL,
  grantor          text NOT NULL,
  purpose          text NOT NULL,
  record_kind      text NOT NULL,
  not_before_ms    bigint NOT NULL,
  expires_at_ms    bigint NOT NULL,
  use_limit        integer NOT NULL CHECK (use_limit >= 1),
  uses             integer NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= use_limit),
  status           text NOT NULL CHECK (status IN ('active', 'revoked')),
  registered_ms    bigint NOT NULL,
  revocation_bytes bytea,
  revoked_at_ms    bigint
);
CREATE INDEX IF NOT EXISTS grants_grantee ON ${t.grants} (grantee, id);
CREATE INDEX IF NOT EXISTS grants_subject ON ${t.grants} (subject_digest, id);
CREATE INDEX IF NOT EXISTS grants_purpose ON ${t.grants} (purpose, id);

CREATE TABLE IF NOT EXISTS ${t.revocation} (
  grant_id         text NOT NULL,
  digest           bytea NOT NULL,
  revocation_bytes bytea NOT NULL,
  purpose          integer NOT NULL,
  received_ms      bigint NOT NULL,
  PRIMARY KEY (grant_id, digest)
);
${postgresOutboxSchema(t.outbox)}
-- The replay window the replicas share (session.replayWindow: shared): rows live 2 × clock skew.
CREATE TABLE IF NOT EXISTS ${t.replay} (
  session    bytea NOT NULL,
  nonce      bytea NOT NULL,
  expires_ms bigint NOT NULL,
  PRIMARY KEY (session, nonce)
);
CREATE INDEX IF NOT EXISTS replay_nonce_expiry ON ${t.replay} (expires_ms);

CREATE TABLE IF NOT EXISTS ${t.witness} (
  origin     text PRIMARY KEY,
  size       bigint NOT NULL,
  root       bytea NOT NULL,
  note       text NOT NULL,
  updated_ms bigint NOT NULL
);
`;
}

/**
 * Schema 1 → 2 (run once, in the transaction that opens the store): schema 1 kept revocation
 * notices in revocation_outbox; schema 2 has one outbox for every topic. Each pending notice
 * becomes a message of the topic "grant-revocation" (destination the peer, idempotency key
 * "<grant id>/<hex digest>", payload uint32_be(purpose) ‖ the signed revocation: the format
 * grants/revocation-topic.ts reads), with its attempts and next try kept.
 */
export function postgresMigrationFrom1(schema: string): string {
  const t = postgresTables(schema);
  return `
DO $$ BEGIN
  IF to_regclass('${t.revocationOutbox}') IS NOT NULL THEN
    INSERT INTO ${t.outbox} (topic, destination, idempotency_key, ordering_key, payload, attempts, created_ms,
      next_attempt_ms)
    SELECT 'grant-revocation', o.peer, o.grant_id || '/' || encode(o.digest, 'hex'), NULL,
      int4send(r.purpose) || r.revocation_bytes, o.attempts, r.received_ms, o.next_attempt_ms
    FROM ${t.revocationOutbox} o JOIN ${t.revocation} r ON r.grant_id = o.grant_id AND r.digest = o.digest
    ORDER BY o.next_attempt_ms, o.grant_id, o.peer
    ON CONFLICT (topic, destination, idempotency_key) DO NOTHING;
    DROP TABLE ${t.revocationOutbox};
  END IF;
END $$;
UPDATE ${t.meta} SET value = '2' WHERE key = 'schema_version';
`;
}
