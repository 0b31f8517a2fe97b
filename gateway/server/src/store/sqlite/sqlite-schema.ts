// The SQLite schema (embedded default). The PostgreSQL schema (postgres-schema.ts)
// has the same tables and columns; see docs in each for the differences.

import { sqliteOutboxSchema } from "./sqlite-outbox.js";

export const sqliteSchemaVersion = "3";

/**
 * Version 1 indexed the whole subject digest and grant id; version 2 indexes
 * them by epoch and short key (below). Opening a version-1 database builds the new
 * indexes (CREATE … IF NOT EXISTS in the schema) and then runs this, once.
 */
export const sqliteMigrationFrom1 = `
DROP INDEX IF EXISTS audit_entry_subject;
DROP INDEX IF EXISTS audit_entry_grant;
UPDATE store_meta SET value = '2' WHERE key = 'schema_version';
`;

/**
 * Version 2 kept revocation notices in their own table (revocation_outbox, joined with
 * grant_revocation); version 3 has one outbox for every topic (outbox_message, created by the
 * schema). Opening a version-2 database moves its pending notices there (see
 * selectRevocationOutboxRows), then runs this, once.
 */
export const sqliteMigrationFrom2 = `
DROP TABLE IF EXISTS revocation_outbox;
UPDATE store_meta SET value = '3' WHERE key = 'schema_version';
`;

/**
 * The version-2 notices as rows of the topic "grant-revocation": destination the peer,
 * idempotency key "<grant id>/<hex digest>", payload uint32_be(purpose) ‖ the signed revocation
 * (the format grants/revocation-topic.ts reads), created when the revocation was received.
 */
export const selectRevocationOutboxRows = `
SELECT o.peer, o.grant_id, o.digest, o.attempts, o.next_attempt_ms, r.purpose, r.revocation_bytes, r.received_ms
FROM revocation_outbox o JOIN grant_revocation r ON r.grant_id = o.grant_id AND r.digest = o.digest
ORDER BY o.next_attempt_ms, o.grant_id, o.peer
`;

/**
 * How the two query indexes on random keys (subject digest, grant id) stay cheap
 * to append to. Each is keyed (epoch, short key, idx): the epoch is idx >> 14,
 * so the entries of a log are indexed in runs of 16,384 and an append only ever
 * touches the current run's few hot pages. With the value alone as the key,
 * every append dirtied a page at a random place in an index that grows with the
 * log, and appends slowed by half at 1M entries (docs/benchmarks.md). The price:
 * a query by subject or grant seeks once per epoch (61 at 1M entries).
 * The short keys are the first 8 bytes of the digest and the last 16 characters
 * of the grant id ("g1-" + 32 hex digits): the query repeats the expressions
 * so SQLite uses the index, then compares the whole value.
 */
export const keyEpochBits = 14;
export const subjectKeySql = "substr(subject_digest, 1, 8)";
export const grantKeySql = "substr(grant_id, -16)";

export const sqliteSchema = `
CREATE TABLE IF NOT EXISTS store_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

-- One row: the tree's size, its compact range (encodeCompactRange) and root.
-- Every append reads and rewrites it inside its write transaction.
CREATE TABLE IF NOT EXISTS audit_head (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  size          INTEGER NOT NULL,
  compact_range BLOB NOT NULL,
  root          BLOB NOT NULL
);

-- idx is the rowid: 0-based, gap-free, assigned under the write lock.
CREATE TABLE IF NOT EXISTS audit_entry (
  idx             INTEGER PRIMARY KEY,
  leaf_hash       BLOB NOT NULL,
  bytes           BLOB NOT NULL,
  time_ms         INTEGER NOT NULL,
  requester_party TEXT NOT NULL,
  owner_party     TEXT NOT NULL,
  subject_digest  BLOB,
  grant_id        TEXT,
  decision        TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),
  reason          TEXT,
  correlation_id  TEXT NOT NULL,
  trace_id        TEXT NOT NULL
);
-- (epoch, short key): see keyEpochBits. The rowid (idx) ends every index key.
CREATE INDEX IF NOT EXISTS audit_entry_subject_key ON audit_entry (idx >> ${keyEpochBits}, ${subjectKeySql})
  WHERE subject_digest IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_entry_requester ON audit_entry (requester_party, idx);
CREATE INDEX IF NOT EXISTS audit_entry_owner ON audit_entry (owner_party, idx);
CREATE INDEX IF NOT EXISTS audit_entry_grant_key ON audit_entry (idx >> ${keyEpochBits}, ${grantKeySql})
  WHERE grant_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_entry_time ON audit_entry (time_ms, idx);

-- Every complete node of the tree, leaves (level 0) included: node (level, idx)
-- is the root of the perfect subtree over leaves [idx*2^level, (idx+1)*2^level).
-- Proofs fetch from here; the level-0 rows double the leaf hashes kept with the
-- entries, so a tamperer must rewrite both tables consistently.
CREATE TABLE IF NOT EXISTS audit_node (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS audit_checkpoint (
  size     INTEGER PRIMARY KEY,
  root     BLOB NOT NULL,
  note     TEXT NOT NULL,
  saved_ms INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS grants (
  id               TEXT PRIMARY KEY,
  signed_bytes     BLOB NOT NULL,
  grantee          TEXT NOT NULL,
  subject_digest   BLOB NOT NULL,
  grantor          TEXT NOT NULL,
  purpose          TEXT NOT NULL,
  record_kind      TEXT NOT NULL,
  not_before_ms    INTEGER NOT NULL,
  expires_at_ms    INTEGER NOT NULL,
  use_limit        INTEGER NOT NULL CHECK (use_limit >= 1),
  uses             INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= use_limit),
  status           TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  registered_ms    INTEGER NOT NULL,
  revocation_bytes BLOB,
  revoked_at_ms    INTEGER
);
CREATE INDEX IF NOT EXISTS grants_grantee ON grants (grantee, id);
CREATE INDEX IF NOT EXISTS grants_subject ON grants (subject_digest, id);
CREATE INDEX IF NOT EXISTS grants_purpose ON grants (purpose, id);

-- Every signed revocation this gateway accepted, held or not (digest = SM3 of its bytes): it is
-- passed on once, and a later registration of the grant is refused. purpose is the Purpose enum.
CREATE TABLE IF NOT EXISTS grant_revocation (
  grant_id         TEXT NOT NULL,
  digest           BLOB NOT NULL,
  revocation_bytes BLOB NOT NULL,
  purpose          INTEGER NOT NULL,
  received_ms      INTEGER NOT NULL,
  PRIMARY KEY (grant_id, digest)
);

CREATE TABLE IF NOT EXISTS witness_state (
  origin     TEXT PRIMARY KEY,
  size       INTEGER NOT NULL,
  root       BLOB NOT NULL,
  note       TEXT NOT NULL,
  updated_ms INTEGER NOT NULL
);

-- The outbox: every message still to deliver, of every topic (docs/outbox.md).
${sqliteOutboxSchema}`;
