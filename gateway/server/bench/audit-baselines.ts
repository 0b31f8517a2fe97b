// The baselines bench:audit compares the audit log with: the same rows in a
// plain table (same columns and query indexes, no Merkle tree, no head), on the
// same database with the same durability settings, written (a) one transaction
// per entry, as a naive audit table does, and (b) in batched transactions, to
// show what the Merkle tree itself costs on top of batching.
import Database from "better-sqlite3";
import pg from "pg";
import type { AuditEntryInput } from "../src/store/index.js";
import { closedLoop, type LoadResult, syncLoop } from "./audit-load.js";

const plainColumns = `time_ms, requester_party, owner_party, subject_digest, grant_id, decision, reason,
  correlation_id, trace_id, bytes`;

const row = (e: AuditEntryInput) => [
  e.timeMs,
  e.requesterParty,
  e.ownerParty,
  e.subjectDigest,
  e.grantId,
  e.decision,
  e.reason,
  e.correlationId,
  e.traceId,
  e.bytes,
];

function sqlitePlainTable(path: string): Database.Database {
  const db = new Database(path);
  // Exactly the store's settings (sqlite-core.ts): WAL, every commit fsynced, the same checkpoint interval.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("wal_autocheckpoint = 10000");
  db.pragma("journal_size_limit = 67108864");
  db.exec(`
    CREATE TABLE plain_audit (id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, requester_party TEXT NOT NULL,
      owner_party TEXT NOT NULL, subject_digest BLOB, grant_id TEXT, decision TEXT NOT NULL, reason TEXT,
      correlation_id TEXT NOT NULL, trace_id TEXT NOT NULL, bytes BLOB NOT NULL);
    CREATE INDEX plain_subject ON plain_audit (subject_digest, id) WHERE subject_digest IS NOT NULL;
    CREATE INDEX plain_requester ON plain_audit (requester_party, id);
    CREATE INDEX plain_owner ON plain_audit (owner_party, id);
    CREATE INDEX plain_grant ON plain_audit (grant_id, id) WHERE grant_id IS NOT NULL;
    CREATE INDEX plain_time ON plain_audit (time_ms, id);`);
  return db;
}

/** One INSERT per entry, each its own (durable) transaction, back to back on this thread. */
export function sqliteSingleInserts(
  path: string,
  pool: readonly AuditEntryInput[],
  warmup: number,
  seconds: number,
): LoadResult {
  const db = sqlitePlainTable(path);
  const insert = db.prepare(`INSERT INTO plain_audit (${plainColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  try {
    return syncLoop(warmup, seconds, (i) => {
      insert.run(...row(pool[i % pool.length] as AuditEntryInput));
    });
  } finally {
    db.close();
  }
}

/** The same INSERTs in transactions of `batch` rows; the result counts rows. */
export function sqliteBatchedInserts(
  path: string,
  pool: readonly AuditEntryInput[],
  batch: number,
  warmup: number,
  seconds: number,
): LoadResult {
  const db = sqlitePlainTable(path);
  const insert = db.prepare(`INSERT INTO plain_audit (${plainColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const tx = db.transaction((first: number) => {
    for (let k = 0; k < batch; k++) insert.run(...row(pool[(first + k) % pool.length] as AuditEntryInput));
  });
  try {
    const r = syncLoop(warmup, seconds, (i) => tx(i * batch));
    return { ...r, ops: r.ops * batch, perSecond: r.perSecond * batch };
  } finally {
    db.close();
  }
}

async function pgPlainTable(url: string, schema: string, connections: number): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: url, max: connections, application_name: "hutong-bench-audit" });
  pool.on("error", () => {});
  await pool.query(`CREATE SCHEMA "${schema}"`);
  await pool.query(`
    CREATE TABLE "${schema}".plain_audit (id bigserial PRIMARY KEY, time_ms bigint NOT NULL, requester_party text NOT NULL,
      owner_party text NOT NULL, subject_digest bytea, grant_id text, decision text NOT NULL, reason text,
      correlation_id text NOT NULL, trace_id text NOT NULL, bytes bytea NOT NULL);
    CREATE INDEX ON "${schema}".plain_audit (subject_digest, id) WHERE subject_digest IS NOT NULL;
    CREATE INDEX ON "${schema}".plain_audit (requester_party, id);
    CREATE INDEX ON "${schema}".plain_audit (owner_party, id);
    CREATE INDEX ON "${schema}".plain_audit (grant_id, id) WHERE grant_id IS NOT NULL;
    CREATE INDEX ON "${schema}".plain_audit (time_ms, id);`);
  return pool;
}

/**
 * One INSERT per entry (autocommit: one durable transaction each) from
 * `concurrency` outstanding callers over a pool of `connections`, as a naive
 * gateway would write its audit table.
 */
export async function pgSingleInserts(
  url: string,
  schema: string,
  pool: readonly AuditEntryInput[],
  concurrency: number,
  connections: number,
  warmup: number,
  seconds: number,
): Promise<LoadResult> {
  const db = await pgPlainTable(url, schema, connections);
  const sql = `INSERT INTO "${schema}".plain_audit (${plainColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
  try {
    return await closedLoop(concurrency, warmup, seconds, (i) =>
      db.query(sql, row(pool[i % pool.length] as AuditEntryInput)),
    );
  } finally {
    await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    await db.end();
  }
}

/** Transactions of `batch` rows (one multi-row INSERT … unnest each), back to back on one connection; counts rows. */
export async function pgBatchedInserts(
  url: string,
  schema: string,
  pool: readonly AuditEntryInput[],
  batch: number,
  warmup: number,
  seconds: number,
): Promise<LoadResult> {
  const db = await pgPlainTable(url, schema, 1);
  const sql = `INSERT INTO "${schema}".plain_audit (${plainColumns})
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[],
      $8::text[], $9::text[], $10::bytea[])`;
  try {
    const r = await closedLoop(1, warmup, seconds, (i) => {
      const rows = Array.from({ length: batch }, (_, k) => row(pool[(i * batch + k) % pool.length] as AuditEntryInput));
      return db.query(
        sql,
        Array.from({ length: 10 }, (_, c) => rows.map((r) => r[c])),
      );
    });
    return { ...r, ops: r.ops * batch, perSecond: r.perSecond * batch };
  } finally {
    await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    await db.end();
  }
}
