import {
  decodeCompactRange,
  emptyCompactRange,
  encodeCompactRange,
  isMerkleError,
  type MerkleHashName,
  merkleHasher,
  type NodeId,
  planAppend,
} from "@hutong/audit";
import Database from "better-sqlite3";
import type { AppendedBatch, AuditEntryInput, AuditQuery, StoredCheckpoint } from "../port/audit-store.js";
import type { GrantInput, GrantPageRequest, RevocationInput } from "../port/grant-store.js";
import type { OutboxAction, OutboxMessageInput } from "../port/outbox-store.js";
import { StoreError } from "../port/store-error.js";
import {
  checkAuditEntry,
  checkAuditQuery,
  checkCheckpoint,
  checkEntryRange,
  checkGrant,
  checkGrantPage,
  checkIndex,
  checkRevocation,
  checkWitnessAdvance,
} from "../port/validate-input.js";
import { checkOutboxMessages } from "../port/validate-outbox.js";
import type { WitnessState } from "../port/witness-store.js";
import { decodeAuditPageToken, decodeGrantPageToken } from "../sql/page-token.js";
import {
  type AuditEntryRow,
  auditEntryFromRow,
  auditPage,
  checkpointFromRow,
  consumeRefusal,
  type GrantRow,
  grantFromRow,
  grantPageFromRows,
  orderNodes,
  type Row,
  sameBytes,
  toBytes,
  toInt,
  witnessFromRow,
} from "../sql/row-mapping.js";
import { createSqliteOutbox } from "./sqlite-outbox.js";
import {
  grantKeySql,
  keyEpochBits,
  selectRevocationOutboxRows,
  sqliteMigrationFrom1,
  sqliteMigrationFrom2,
  sqliteSchema,
  sqliteSchemaVersion,
  subjectKeySql,
} from "./sqlite-schema.js";
import type { SyncStoreOperations } from "./store-operations.js";

/** The SQLite adapter's synchronous core; `sqlite-store.ts` runs it on a worker thread or the caller's. */
export interface SqliteCore extends SyncStoreOperations {
  readonly hash: MerkleHashName;
  /**
   * appendBatch with the entries' leaf hashes already computed by the store on
   * the caller's thread (worker mode), so hashing runs beside the writer's I/O.
   */
  appendHashedBatch(
    entries: readonly AuditEntryInput[],
    leafHashes: readonly Uint8Array[],
    outbox?: readonly OutboxMessageInput[],
  ): AppendedBatch;
  close(): void;
}

/**
 * Opens (creating if needed) the SQLite database at `path`; "read-only" opens an
 * existing one for the read operations only (a WAL reader never blocks the writer). WAL with
 * `synchronous = FULL`: every commit fsyncs the WAL before returning, so an
 * append whose promise resolved survives power loss (with NORMAL, the last
 * commits before a crash may roll back: not acceptable for "durable before
 * release"). `busy_timeout` makes a second process (a CLI reading the log)
 * wait for the write lock instead of failing at once.
 */
export function openSqliteCore(
  path: string,
  hash: MerkleHashName,
  access: "read-write" | "read-only" = "read-write",
): SqliteCore {
  const hasher = merkleHasher(hash);
  let db: Database.Database;
  try {
    db = new Database(path, access === "read-only" ? { readonly: true, fileMustExist: true } : {});
  } catch (e) {
    throw new StoreError("unavailable", `cannot open the SQLite database (${sqliteCode(e)})`, { cause: e });
  }
  try {
    db.pragma("busy_timeout = 10000");
    if (access === "read-write") {
      const mode = db.pragma("journal_mode = WAL", { simple: true });
      if (mode !== "wal") {
        throw new StoreError("unavailable", `SQLite refused WAL mode (journal_mode is ${String(mode)})`);
      }
      db.pragma("synchronous = FULL");
      // Checkpoint the WAL every ~40 MB rather than SQLite's 4 MB: every append
      // batch dirties hundreds of random index pages, and a page rewritten by many
      // commits between checkpoints is copied into the database once (bench:audit:
      // +25–35% appends/s). The WAL file is truncated back after a checkpoint.
      db.pragma("wal_autocheckpoint = 10000");
      db.pragma("journal_size_limit = 67108864");
      initialise(db, hash, hasher.emptyRoot());
    } else {
      const stored = db.prepare("SELECT value FROM store_meta WHERE key = 'hash'").pluck().get();
      if (stored !== hash)
        throw new StoreError("corrupt", `the audit tree was created with ${String(stored)}, not ${hash}`);
    }
  } catch (e) {
    db.close();
    throw wrap("open", e);
  }

  const stmt = prepareStatements(db);
  const outbox = createSqliteOutbox(db);

  const cached = new Map<string, Database.Statement>();
  const prepared = (sql: string): Database.Statement => {
    let s = cached.get(sql);
    if (s === undefined) {
      s = db.prepare(sql);
      cached.set(sql, s);
    }
    return s;
  };
  let closed = false;

  const appendTransaction = db.transaction(
    (entries: readonly AuditEntryInput[], messages: readonly OutboxMessageInput[], hashed?: readonly Uint8Array[]) => {
      const head = stmt.selectHead.get() as Row;
      const range = decodeCompactRange(head.compact_range as Uint8Array);
      if (range.size !== toInt(head.size, "audit_head.size")) {
        throw new StoreError("corrupt", "audit_head size disagrees with its compact range");
      }
      const plan = planAppend(
        hasher,
        range,
        entries.map((e) => e.bytes),
        hashed,
      );
      entries.forEach((e, i) => {
        stmt.insertEntry.run(
          plan.firstIndex + i,
          plan.leafHashes[i],
          e.bytes,
          e.timeMs,
          e.requesterParty,
          e.ownerParty,
          e.subjectDigest,
          e.grantId,
          e.decision,
          e.reason,
          e.correlationId,
          e.traceId,
        );
      });
      for (const n of plan.nodes) stmt.insertNode.run(n.level, n.index, n.hash);
      stmt.updateHead.run(plan.range.size, plan.encodedRange, plan.root);
      // The messages these entries cause commit with them (the store's clock stamps them).
      if (messages.length > 0) outbox.enqueueOutbox(messages, Date.now());
      return {
        firstIndex: plan.firstIndex,
        leafHashes: plan.leafHashes,
        head: { size: plan.range.size, root: plan.root },
      };
    },
  );

  // The record and its outbox rows commit together, and only for a revocation not seen before.
  const recordRevocationTransaction = db.transaction(
    (revocation: RevocationInput, messages: readonly OutboxMessageInput[], nowMs: number) => {
      const { changes } = stmt.insertRevocation.run(
        revocation.grantId,
        revocation.digest,
        revocation.revocationBytes,
        revocation.purpose,
        nowMs,
      );
      if (changes === 0) return { fresh: false };
      outbox.enqueueOutbox(messages, nowMs);
      return { fresh: true };
    },
  );

  /** An operator's replay or drop and, when done, its audit entry: one transaction. */
  const operatorTransaction = db.transaction(
    (action: (id: number, nowMs: number) => OutboxAction, id: number, nowMs: number, audit?: AuditEntryInput) => {
      const result = action(id, nowMs);
      if (result.outcome !== "done" || audit === undefined) return result;
      return { ...result, auditIndex: appendTransaction([audit], []).firstIndex };
    },
  );
  function operatorAction(
    action: (id: number, nowMs: number) => OutboxAction,
    id: number,
    nowMs: number,
    audit: AuditEntryInput | undefined,
  ): OutboxAction {
    if (audit !== undefined) checkAuditEntry(audit, 0);
    return operatorTransaction.immediate(action, id, nowMs, audit);
  }

  function appendChecked(
    entries: readonly AuditEntryInput[],
    messages: readonly OutboxMessageInput[] = [],
    hashed?: readonly Uint8Array[],
  ) {
    entries.forEach(checkAuditEntry);
    checkOutboxMessages(messages);
    if (entries.length === 0) {
      if (messages.length > 0) outbox.enqueueOutbox(messages, Date.now());
      const head = readHead(stmt);
      return { firstIndex: head.size, leafHashes: [], head };
    }
    return appendTransaction.immediate(entries, messages, hashed);
  }

  function guard<A extends unknown[], R>(op: string, fn: (...args: A) => R): (...args: A) => R {
    return (...args: A): R => {
      if (closed) throw new StoreError("closed", "the store is closed");
      try {
        return fn(...args);
      } catch (e) {
        throw wrap(op, e);
      }
    };
  }

  /**
   * A query by subject or grant, newest epochs first, in one read transaction (one
   * snapshot of the log). Each statement reads a run of epochs, 1, 2, 4 … up to 64
   * of them: a frequent key fills its page from the newest epoch alone, and a key
   * with few entries still sweeps a 1M-entry log (61 epochs) in 7 statements.
   */
  const readByEpoch = db.transaction((query: AuditQuery) => {
    const size = readHead(stmt).size;
    const before = query.pageToken === undefined ? size : Math.min(size, decodeAuditPageToken(query.pageToken));
    const rows: AuditEntryRow[] = [];
    const limit = query.pageSize + 1;
    let epoch = Math.floor((before - 1) / 2 ** keyEpochBits);
    for (let width = 1; epoch >= 0 && rows.length < limit; width = Math.min(2 * width, 64)) {
      const epochs = Array.from({ length: Math.min(width, epoch + 1) }, (_, k) => epoch - k);
      const { sql, params } = auditQuerySql(query, epochs.length);
      params[params.length - 1] = limit - rows.length;
      rows.push(...(prepared(sql).all(...epochs, ...params) as AuditEntryRow[]));
      epoch -= epochs.length;
    }
    return auditPage(rows, query.pageSize);
  });

  function grantPage(where: string, key: unknown, page: GrantPageRequest) {
    checkGrantPage(page);
    const after = page.pageToken === undefined ? undefined : decodeGrantPageToken(page.pageToken);
    const rows = prepared(
      `SELECT * FROM grants WHERE ${where} = ?${after === undefined ? "" : " AND id > ?"} ORDER BY id LIMIT ?`,
    ).all(...(after === undefined ? [key] : [key, after]), page.pageSize + 1) as GrantRow[];
    return grantPageFromRows(rows, page.pageSize);
  }

  return {
    hash,

    appendBatch: guard("append", (entries: readonly AuditEntryInput[], messages?: readonly OutboxMessageInput[]) =>
      appendChecked(entries, messages),
    ),

    appendHashedBatch: guard(
      "append",
      (
        entries: readonly AuditEntryInput[],
        leafHashes: readonly Uint8Array[],
        messages?: readonly OutboxMessageInput[],
      ) => {
        if (
          leafHashes.length !== entries.length ||
          leafHashes.some((h) => !(h instanceof Uint8Array) || h.length !== 32)
        ) {
          throw new StoreError("invalid-argument", "one 32-byte leaf hash per entry is required");
        }
        return appendChecked(entries, messages, leafHashes);
      },
    ),

    head: guard("head", () => readHead(stmt)),

    entry: guard("entry", (index: number) => {
      checkIndex(index, "index");
      const row = stmt.selectEntry.get(index) as AuditEntryRow | undefined;
      return row === undefined ? undefined : auditEntryFromRow(row);
    }),

    entries: guard("entries", (fromIndex: number, toIndex: number) => {
      checkEntryRange(fromIndex, toIndex);
      return (stmt.selectEntries.all(fromIndex, toIndex) as Row[]).map((r) => ({
        index: toInt(r.idx, "audit_entry.idx"),
        bytes: toBytes(r.bytes as Uint8Array),
        ...(r.hash === null ? {} : { leafHash: toBytes(r.hash as Uint8Array) }),
      }));
    }),

    nodes: guard("nodes", (ids: readonly NodeId[]) => {
      if (ids.length === 0) return [];
      for (const id of ids) {
        checkIndex(id.level, "node level");
        checkIndex(id.index, "node index");
      }
      const sql = `SELECT level, idx, hash FROM audit_node WHERE (level, idx) IN (VALUES ${ids.map(() => "(?, ?)").join(", ")})`;
      const rows = prepared(sql).all(...ids.flatMap((id) => [id.level, id.index])) as Row[];
      return orderNodes(ids, rows);
    }),

    query: guard("query", (query: AuditQuery) => {
      checkAuditQuery(query);
      const { sql, params, byEpoch } = auditQuerySql(query);
      if (byEpoch) return readByEpoch(query);
      return auditPage(prepared(sql).all(...params) as AuditEntryRow[], query.pageSize);
    }),

    saveCheckpoint: guard("saveCheckpoint", (checkpoint: StoredCheckpoint) => {
      checkCheckpoint(checkpoint);
      const { changes } = stmt.upsertCheckpoint.run(checkpoint.size, checkpoint.root, checkpoint.note, Date.now());
      if (changes === 0) {
        throw new StoreError("conflict", `a checkpoint of size ${checkpoint.size} with another root is stored`);
      }
    }),

    latestCheckpoint: guard("latestCheckpoint", () => checkpointFromRow(stmt.selectLatestCheckpoint.get() as Row)),

    checkpointAt: guard("checkpointAt", (size: number) => {
      checkIndex(size, "size");
      return checkpointFromRow(stmt.selectCheckpoint.get(size) as Row);
    }),

    registerGrant: guard("registerGrant", (grant: GrantInput, nowMs: number) => {
      checkGrant(grant);
      const { changes } = stmt.insertGrant.run(
        grant.id,
        grant.signedBytes,
        grant.grantee,
        grant.subjectDigest,
        grant.grantor,
        grant.purpose,
        grant.recordKind,
        grant.notBeforeMs,
        grant.expiresAtMs,
        grant.useLimit,
        nowMs,
      );
      if (changes === 1) return { created: true };
      const existing = stmt.selectGrantBytes.get(grant.id) as Row | undefined;
      if (existing !== undefined && sameBytes(existing.signed_bytes as Uint8Array, grant.signedBytes)) {
        return { created: false };
      }
      throw new StoreError("conflict", `grant ${grant.id} is already registered with other signed bytes`);
    }),

    getGrant: guard("getGrant", (id: string) => {
      const row = stmt.selectGrant.get(id) as GrantRow | undefined;
      return row === undefined ? undefined : grantFromRow(row);
    }),

    listGrantsByGrantee: guard("listGrantsByGrantee", (grantee: string, page: GrantPageRequest) =>
      grantPage("grantee", grantee, page),
    ),

    listGrantsBySubject: guard("listGrantsBySubject", (subjectDigest: Uint8Array, page: GrantPageRequest) =>
      grantPage("subject_digest", subjectDigest, page),
    ),

    listGrantsByPurpose: guard("listGrantsByPurpose", (purpose: string, page: GrantPageRequest) =>
      grantPage("purpose", purpose, page),
    ),

    revokeGrant: guard("revokeGrant", (id: string, revocationBytes: Uint8Array, revokedAtMs: number) => {
      if (!(revocationBytes instanceof Uint8Array) || revocationBytes.length === 0) {
        throw new StoreError("invalid-argument", "revocationBytes must be non-empty bytes");
      }
      const { changes } = stmt.revokeGrant.run(revocationBytes, revokedAtMs, id);
      if (changes === 1) return { revoked: true };
      if (stmt.selectGrantBytes.get(id) === undefined) throw new StoreError("not-found", `no grant ${id}`);
      return { revoked: false };
    }),

    consumeUse: guard("consumeUse", (grantId: string, nowMs: number) => {
      const row = stmt.consumeUse.get(grantId, nowMs, nowMs) as Row | undefined;
      if (row !== undefined) {
        return { ok: true, uses: toInt(row.uses, "grants.uses"), useLimit: toInt(row.use_limit, "grants.use_limit") };
      }
      const after = stmt.selectGrantLimits.get(grantId) as Parameters<typeof consumeRefusal>[0];
      return { ok: false, reason: consumeRefusal(after, nowMs) };
    }),

    refundUse: guard("refundUse", (grantId: string) => ({
      refunded: stmt.refundUse.run(grantId).changes === 1,
    })),

    recordRevocation: guard(
      "recordRevocation",
      (revocation: RevocationInput, messages: readonly OutboxMessageInput[], nowMs: number) => {
        checkRevocation(revocation);
        checkOutboxMessages(messages, nowMs);
        return recordRevocationTransaction.immediate(revocation, messages, nowMs);
      },
    ),

    revocationsFor: guard("revocationsFor", (grantId: string) =>
      (stmt.selectRevocations.all(grantId) as Row[]).map((r) => toBytes(r.revocation_bytes as Uint8Array)),
    ),

    enqueueOutbox: guard("enqueueOutbox", outbox.enqueueOutbox),
    claimOutbox: guard("claimOutbox", outbox.claimOutbox),
    settleOutbox: guard("settleOutbox", outbox.settleOutbox),
    listOutbox: guard("listOutbox", outbox.listOutbox),
    getOutboxMessage: guard("getOutboxMessage", outbox.getOutboxMessage),
    findOutboxMessage: guard("findOutboxMessage", outbox.findOutboxMessage),
    replayOutboxMessage: guard("replayOutboxMessage", (id: number, nowMs: number, audit?: AuditEntryInput) =>
      operatorAction(outbox.replayOutboxMessage, id, nowMs, audit),
    ),
    dropOutboxMessage: guard("dropOutboxMessage", (id: number, nowMs: number, audit?: AuditEntryInput) =>
      operatorAction(outbox.dropOutboxMessage, id, nowMs, audit),
    ),
    outboxStats: guard("outboxStats", outbox.outboxStats),

    witnessState: guard("witnessState", (origin: string) => {
      const row = stmt.selectWitness.get(origin) as Row | undefined;
      return row === undefined ? undefined : witnessFromRow(row);
    }),

    advanceWitness: guard(
      "advanceWitness",
      (origin: string, expectedOldSize: number, next: WitnessState, nowMs: number) => {
        checkWitnessAdvance(origin, expectedOldSize, next);
        // One statement either way, so the compare and the store are atomic.
        const { changes } =
          expectedOldSize === 0
            ? stmt.insertWitness.run(origin, next.size, next.root, next.note, nowMs)
            : stmt.updateWitness.run(next.size, next.root, next.note, nowMs, origin, expectedOldSize);
        if (changes === 1) return { ok: true };
        const row = stmt.selectWitness.get(origin) as Row | undefined;
        return { ok: false, storedSize: row === undefined ? 0 : toInt(row.size, "witness_state.size") };
      },
    ),

    close(): void {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/**
 * The statement of query() (checked already) and its parameters, the page size + 1
 * last. With `byEpoch` (a subject or grant filter: see keyEpochBits) it reads
 * `epochs` epochs of that short-key index, whose numbers come first, before `params`.
 */
export function auditQuerySql(query: AuditQuery, epochs = 1): { sql: string; params: unknown[]; byEpoch: boolean } {
  const where: string[] = [];
  const params: unknown[] = [];
  // The index key's expressions exactly, so SQLite seeks (epoch, short key); then the whole value.
  const epochKey = (keySql: string, param: string, column: string, value: unknown) => {
    const list = Array.from({ length: epochs }, () => "?").join(", ");
    where.push(`idx >> ${keyEpochBits} IN (${list})`, `${keySql} = ${param}`, `${column} = ?`);
    params.push(value, value);
  };
  if (query.subjectDigest !== undefined)
    epochKey(subjectKeySql, "substr(?, 1, 8)", "subject_digest", query.subjectDigest);
  else if (query.grantId !== undefined) epochKey(grantKeySql, "substr(?, -16)", "grant_id", query.grantId);
  const byEpoch = where.length > 0;
  if (query.party !== undefined) {
    where.push("(requester_party = ? OR owner_party = ?)");
    params.push(query.party, query.party);
  }
  if (query.grantId !== undefined && query.subjectDigest !== undefined) {
    where.push("grant_id = ?");
    params.push(query.grantId);
  }
  if (query.fromMs !== undefined) {
    where.push("time_ms >= ?");
    params.push(query.fromMs);
  }
  if (query.toMs !== undefined) {
    where.push("time_ms < ?");
    params.push(query.toMs);
  }
  if (query.pageToken !== undefined) {
    where.push("idx < ?");
    params.push(decodeAuditPageToken(query.pageToken));
  }
  params.push(query.pageSize + 1);
  const sql = `SELECT * FROM audit_entry${where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`} ORDER BY idx DESC LIMIT ?`;
  return { sql, params, byEpoch };
}

function initialise(db: Database.Database, hash: MerkleHashName, emptyRoot: Uint8Array): void {
  db.transaction(() => {
    db.exec(sqliteSchema);
    db.prepare("INSERT OR IGNORE INTO store_meta (key, value) VALUES ('hash', ?), ('schema_version', ?)").run(
      hash,
      sqliteSchemaVersion,
    );
    const meta = db.prepare("SELECT key, value FROM store_meta").all() as { key: string; value: string }[];
    const stored = Object.fromEntries(meta.map((m) => [m.key, m.value]));
    if (stored.hash !== hash) {
      throw new StoreError("corrupt", `the audit tree was created with ${stored.hash}, not ${hash}`);
    }
    if (stored.schema_version === "1") {
      db.exec(sqliteMigrationFrom1);
      stored.schema_version = "2";
    }
    if (stored.schema_version === "2") {
      moveRevocationOutbox(db);
      db.exec(sqliteMigrationFrom2);
      stored.schema_version = "3";
    }
    if (stored.schema_version !== sqliteSchemaVersion) {
      throw new StoreError("corrupt", `unknown store schema version ${stored.schema_version}`);
    }
    db.prepare("INSERT OR IGNORE INTO audit_head (id, size, compact_range, root) VALUES (1, 0, ?, ?)").run(
      encodeCompactRange(emptyCompactRange),
      emptyRoot,
    );
    // Cheap consistency check on open: the head must count exactly the stored entries.
    const head = db.prepare("SELECT size FROM audit_head WHERE id = 1").get() as Row;
    const last = db.prepare("SELECT max(idx) AS last FROM audit_entry").get() as Row;
    const count = last.last === null ? 0 : toInt(last.last, "audit_entry.idx") + 1;
    if (count !== toInt(head.size, "audit_head.size")) {
      throw new StoreError(
        "corrupt",
        `audit_head says ${String(head.size)} entries but the last index is ${count - 1}`,
      );
    }
  }).immediate();
}

/** Schema 2 → 3: the pending revocation notices become outbox messages (see selectRevocationOutboxRows). */
function moveRevocationOutbox(db: Database.Database): void {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'revocation_outbox'").get();
  if (exists === undefined) return;
  const insert = db.prepare(
    `INSERT INTO outbox_message (topic, destination, idempotency_key, ordering_key, payload, attempts, created_ms,
       next_attempt_ms) VALUES ('grant-revocation', ?, ?, NULL, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  for (const r of db.prepare(selectRevocationOutboxRows).all() as Row[]) {
    const purpose = Buffer.alloc(4);
    purpose.writeUInt32BE(toInt(r.purpose, "grant_revocation.purpose"));
    const digest = Buffer.from(r.digest as Uint8Array).toString("hex");
    insert.run(
      r.peer,
      `${String(r.grant_id)}/${digest}`,
      Buffer.concat([purpose, r.revocation_bytes as Uint8Array]),
      r.attempts,
      r.received_ms,
      r.next_attempt_ms,
    );
  }
}

function prepareStatements(db: Database.Database) {
  return {
    selectHead: db.prepare("SELECT size, compact_range, root FROM audit_head WHERE id = 1"),
    updateHead: db.prepare("UPDATE audit_head SET size = ?, compact_range = ?, root = ? WHERE id = 1"),
    insertEntry: db.prepare(
      `INSERT INTO audit_entry (idx, leaf_hash, bytes, time_ms, requester_party, owner_party, subject_digest,
         grant_id, decision, reason, correlation_id, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertNode: db.prepare("INSERT INTO audit_node (level, idx, hash) VALUES (?, ?, ?)"),
    selectEntry: db.prepare("SELECT * FROM audit_entry WHERE idx = ?"),
    selectEntries: db.prepare(
      `SELECT e.idx, e.bytes, n.hash FROM audit_entry e LEFT JOIN audit_node n ON n.level = 0 AND n.idx = e.idx
       WHERE e.idx >= ? AND e.idx < ? ORDER BY e.idx`,
    ),
    upsertCheckpoint: db.prepare(
      `INSERT INTO audit_checkpoint (size, root, note, saved_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (size) DO UPDATE SET note = excluded.note, saved_ms = excluded.saved_ms
       WHERE audit_checkpoint.root = excluded.root`,
    ),
    selectLatestCheckpoint: db.prepare("SELECT size, root, note FROM audit_checkpoint ORDER BY size DESC LIMIT 1"),
    selectCheckpoint: db.prepare("SELECT size, root, note FROM audit_checkpoint WHERE size = ?"),
    insertGrant: db.prepare(
      `INSERT INTO grants (id, signed_bytes, grantee, subject_digest, grantor, purpose, record_kind, not_before_ms,
         expires_at_ms, use_limit, uses, status, registered_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'active', ?)
       ON CONFLICT (id) DO NOTHING`,
    ),
    selectGrant: db.prepare("SELECT * FROM grants WHERE id = ?"),
    selectGrantBytes: db.prepare("SELECT signed_bytes FROM grants WHERE id = ?"),
    selectGrantLimits: db.prepare(
      "SELECT status, uses, use_limit, not_before_ms, expires_at_ms FROM grants WHERE id = ?",
    ),
    revokeGrant: db.prepare(
      "UPDATE grants SET status = 'revoked', revocation_bytes = ?, revoked_at_ms = ? WHERE id = ? AND status = 'active'",
    ),
    // The whole decision in one statement: concurrent uses cannot both take the last one.
    consumeUse: db.prepare(
      `UPDATE grants SET uses = uses + 1
       WHERE id = ? AND status = 'active' AND uses < use_limit AND not_before_ms <= ? AND expires_at_ms > ?
       RETURNING uses, use_limit`,
    ),
    refundUse: db.prepare("UPDATE grants SET uses = uses - 1 WHERE id = ? AND uses > 0"),
    insertRevocation: db.prepare(
      `INSERT INTO grant_revocation (grant_id, digest, revocation_bytes, purpose, received_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (grant_id, digest) DO NOTHING`,
    ),
    selectRevocations: db.prepare(
      "SELECT revocation_bytes FROM grant_revocation WHERE grant_id = ? ORDER BY received_ms, digest",
    ),
    selectWitness: db.prepare("SELECT size, root, note FROM witness_state WHERE origin = ?"),
    insertWitness: db.prepare(
      // From size 0 the witness may have no row yet, or a row for an empty tree it cosigned.
      "INSERT INTO witness_state (origin, size, root, note, updated_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note, updated_ms = excluded.updated_ms WHERE witness_state.size = 0",
    ),
    updateWitness: db.prepare(
      "UPDATE witness_state SET size = ?, root = ?, note = ?, updated_ms = ? WHERE origin = ? AND size = ?",
    ),
  };
}

function readHead(stmt: ReturnType<typeof prepareStatements>) {
  const row = stmt.selectHead.get() as Row;
  return { size: toInt(row.size, "audit_head.size"), root: toBytes(row.root as Uint8Array) };
}

function sqliteCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : e instanceof Error ? e.name : "error";
}

/** Our errors pass through; a driver error becomes `unavailable`, naming the SQLite code but no values. */
function wrap(op: string, e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  if (isMerkleError(e)) return new StoreError("corrupt", `stored tree state is invalid (${e.code})`, { cause: e });
  return new StoreError("unavailable", `SQLite ${op} failed (${sqliteCode(e)})`, { cause: e });
}
