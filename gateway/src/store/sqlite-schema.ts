// The SQLite schema (embedded default). The PostgreSQL schema (postgres-schema.ts)
// has the same tables and columns; see docs in each for the differences.

export const sqliteSchemaVersion = "1";

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
CREATE INDEX IF NOT EXISTS audit_entry_subject ON audit_entry (subject_digest, idx) WHERE subject_digest IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_entry_requester ON audit_entry (requester_party, idx);
CREATE INDEX IF NOT EXISTS audit_entry_owner ON audit_entry (owner_party, idx);
CREATE INDEX IF NOT EXISTS audit_entry_grant ON audit_entry (grant_id, idx) WHERE grant_id IS NOT NULL;
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

CREATE TABLE IF NOT EXISTS witness_state (
  origin     TEXT PRIMARY KEY,
  size       INTEGER NOT NULL,
  root       BLOB NOT NULL,
  note       TEXT NOT NULL,
  updated_ms INTEGER NOT NULL
);
`;
