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
import pg from "pg";
import type { AppendedBatch, AuditEntryInput, AuditQuery, StoredCheckpoint } from "../port/audit-store.js";
import type { GrantInput, GrantPageRequest, RevocationInput } from "../port/grant-store.js";
import type { OutboxAction, OutboxMessageInput } from "../port/outbox-store.js";
import type { HutongStore } from "../port/store.js";
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
import { createPostgresOutbox } from "./postgres-outbox.js";
import { createPostgresReplayStore } from "./postgres-replay.js";
import {
  isValidSchemaName,
  postgresMigrationFrom1,
  postgresSchema,
  postgresSchemaVersion,
  postgresTables,
} from "./postgres-schema.js";

export interface PostgresStoreOptions {
  readonly url: string;
  readonly schema: string;
  readonly hash: MerkleHashName;
  readonly maxConnections: number;
  readonly applicationName: string;
}

/**
 * The PostgreSQL adapter, for several gateway replicas sharing one log. The
 * write lock is a row lock on the one-row audit_head (SELECT … FOR UPDATE), so
 * appends from any number of processes are serialised into one tree; grants
 * and witness state use single conditional statements, atomic under READ
 * COMMITTED (a blocked UPDATE re-checks its WHERE on the row it then sees).
 * Commits use the server's default synchronous_commit (on): COMMIT returns
 * after the WAL is flushed.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<HutongStore> {
  const { schema, hash } = options;
  if (!isValidSchemaName(schema)) {
    throw new StoreError("invalid-argument", "the PostgreSQL schema name must match [a-z_][a-z0-9_]{0,62}");
  }
  const hasher = merkleHasher(hash);
  const t = postgresTables(schema);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections,
    application_name: options.applicationName,
  });
  // An idle pooled connection that dies (server restart, pg_terminate_backend)
  // is reported here; the pool drops it and the next query opens a new one.
  pool.on("error", () => {});

  try {
    await withClient(pool, "open", async (client) => {
      await client.query("BEGIN");
      // Two processes opening a fresh schema at once would race on CREATE.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`hutong-store:${schema}`]);
      await client.query(postgresSchema(schema));
      await client.query(
        `INSERT INTO ${t.meta} (key, value) VALUES ('hash', $1), ('schema_version', $2) ON CONFLICT (key) DO NOTHING`,
        [hash, postgresSchemaVersion],
      );
      const meta = Object.fromEntries(
        (await client.query(`SELECT key, value FROM ${t.meta}`)).rows.map((r: Row) => [r.key, r.value]),
      );
      if (meta.hash !== hash) {
        throw new StoreError("corrupt", `the audit tree was created with ${String(meta.hash)}, not ${hash}`);
      }
      if (meta.schema_version === "1") {
        await client.query(postgresMigrationFrom1(schema));
        meta.schema_version = "2";
      }
      if (meta.schema_version !== postgresSchemaVersion) {
        throw new StoreError("corrupt", `unknown store schema version ${String(meta.schema_version)}`);
      }
      await client.query(
        `INSERT INTO ${t.head} (id, size, compact_range, root) VALUES (1, 0, $1, $2) ON CONFLICT (id) DO NOTHING`,
        [encodeCompactRange(emptyCompactRange), hasher.emptyRoot()],
      );
      const head = (await client.query(`SELECT size FROM ${t.head} WHERE id = 1`)).rows[0] as Row;
      const last = (await client.query(`SELECT max(idx) AS last FROM ${t.entry}`)).rows[0] as Row;
      const count = last.last === null ? 0 : toInt(last.last, "audit_entry.idx") + 1;
      if (count !== toInt(head.size, "audit_head.size")) {
        throw new StoreError(
          "corrupt",
          `audit_head says ${String(head.size)} entries but the last index is ${count - 1}`,
        );
      }
      await client.query("COMMIT");
    });
  } catch (e) {
    await pool.end().catch(() => {});
    throw e;
  }

  let closed = false;
  let closing: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();

  /** Runs one operation: refused once closed, tracked so close() can wait for it, errors wrapped. */
  function op<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return (...args: A): Promise<R> => {
      if (closed) return Promise.reject(new StoreError("closed", "the store is closed"));
      const p = (async () => {
        try {
          return await fn(...args);
        } catch (e) {
          throw wrap(name, e);
        }
      })();
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p)).catch(() => {});
      return p;
    };
  }

  const query = (text: string, values?: unknown[]) => pool.query(text, values);
  const outbox = createPostgresOutbox(t.outbox);
  const outboxStore = outbox.store(pool);
  const replay = createPostgresReplayStore(t.replay, pool);

  async function grantPage(column: string, key: unknown, page: GrantPageRequest) {
    checkGrantPage(page);
    const after = page.pageToken === undefined ? undefined : decodeGrantPageToken(page.pageToken);
    const { rows } =
      after === undefined
        ? await query(`SELECT * FROM ${t.grants} WHERE ${column} = $1 ORDER BY id LIMIT $2`, [key, page.pageSize + 1])
        : await query(`SELECT * FROM ${t.grants} WHERE ${column} = $1 AND id > $2 ORDER BY id LIMIT $3`, [
            key,
            after,
            page.pageSize + 1,
          ]);
    return grantPageFromRows(rows as GrantRow[], page.pageSize);
  }

  /**
   * Appends entries (and the messages they cause) with `client` inside an open transaction: takes
   * the log's write lock, grows the tree, writes the messages. The caller commits.
   */
  async function appendIn(
    client: pg.PoolClient,
    entries: readonly AuditEntryInput[],
    messages: readonly OutboxMessageInput[],
  ): Promise<AppendedBatch> {
    // The log's write lock: held until COMMIT, so index assignment and tree growth are one step.
    const head = (await client.query(`SELECT size, compact_range FROM ${t.head} WHERE id = 1 FOR UPDATE`))
      .rows[0] as Row;
    const range = decodeCompactRange(head.compact_range as Uint8Array);
    if (range.size !== toInt(head.size, "audit_head.size")) {
      throw new StoreError("corrupt", "audit_head size disagrees with its compact range");
    }
    const plan = planAppend(
      hasher,
      range,
      entries.map((e) => e.bytes),
    );
    const column = <T>(f: (e: AuditEntryInput) => T) => entries.map(f);
    // One statement for the whole batch: the entries, every completed node and the new head.
    await client.query(
      `WITH entries AS (
           INSERT INTO ${t.entry} (idx, leaf_hash, bytes, time_ms, requester_party, owner_party, subject_digest,
             grant_id, decision, reason, correlation_id, trace_id)
           SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::bigint[], $5::text[], $6::text[],
             $7::bytea[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
         ), nodes AS (
           INSERT INTO ${t.node} (level, idx, hash) SELECT * FROM unnest($13::integer[], $14::bigint[], $15::bytea[])
         )
         UPDATE ${t.head} SET size = $16, compact_range = $17, root = $18 WHERE id = 1`,
      [
        entries.map((_, i) => plan.firstIndex + i),
        plan.leafHashes,
        column((e) => e.bytes),
        column((e) => e.timeMs),
        column((e) => e.requesterParty),
        column((e) => e.ownerParty),
        column((e) => e.subjectDigest),
        column((e) => e.grantId),
        column((e) => e.decision),
        column((e) => e.reason),
        column((e) => e.correlationId),
        column((e) => e.traceId),
        plan.nodes.map((n) => n.level),
        plan.nodes.map((n) => n.index),
        plan.nodes.map((n) => n.hash),
        plan.range.size,
        plan.encodedRange,
        plan.root,
      ],
    );
    // The messages these entries cause commit with them (the store's clock stamps them).
    if (messages.length > 0) await outbox.enqueue(client, messages, Date.now());
    return {
      firstIndex: plan.firstIndex,
      leafHashes: plan.leafHashes,
      head: { size: plan.range.size, root: plan.root },
    };
  }

  /** An operator's replay or drop and, when done, its audit entry: one transaction. */
  async function operatorAction(
    action: (client: pg.PoolClient, id: number, nowMs: number) => Promise<OutboxAction>,
    id: number,
    nowMs: number,
    audit: AuditEntryInput | undefined,
  ): Promise<OutboxAction> {
    if (audit !== undefined) checkAuditEntry(audit, 0);
    return withClient(pool, "outbox action", async (client) => {
      await client.query("BEGIN");
      const result = await action(client, id, nowMs);
      if (result.outcome !== "done" || audit === undefined) {
        await client.query("COMMIT");
        return result;
      }
      const appended = await appendIn(client, [audit], []);
      await client.query("COMMIT");
      return { ...result, auditIndex: appended.firstIndex };
    });
  }

  async function readHead() {
    const row = (await query(`SELECT size, root FROM ${t.head} WHERE id = 1`)).rows[0] as Row;
    return { size: toInt(row.size, "audit_head.size"), root: toBytes(row.root as Uint8Array) };
  }

  return {
    kind: "postgres",
    hash,

    appendBatch: op(
      "append",
      async (
        entries: readonly AuditEntryInput[],
        messages: readonly OutboxMessageInput[] = [],
      ): Promise<AppendedBatch> => {
        entries.forEach(checkAuditEntry);
        checkOutboxMessages(messages);
        if (entries.length === 0) {
          if (messages.length > 0) await outboxStore.enqueueOutbox(messages, Date.now());
          const head = await readHead();
          return { firstIndex: head.size, leafHashes: [], head };
        }
        return withClient(pool, "append", async (client) => {
          await client.query("BEGIN");
          const appended = await appendIn(client, entries, messages);
          // If the connection dies during COMMIT the outcome is unknown: the appends are
          // rejected, yet the batch may be in the log. Either way the tree is whole (the
          // transaction is atomic), and an entry for a release that never happened is harmless.
          await client.query("COMMIT");
          return appended;
        });
      },
    ),
    head: op("head", readHead),

    entry: op("entry", async (index: number) => {
      checkIndex(index, "index");
      const row = (await query(`SELECT * FROM ${t.entry} WHERE idx = $1`, [index])).rows[0] as
        | AuditEntryRow
        | undefined;
      return row === undefined ? undefined : auditEntryFromRow(row);
    }),

    entries: op("entries", async (fromIndex: number, toIndex: number) => {
      checkEntryRange(fromIndex, toIndex);
      const { rows } = await query(
        `SELECT e.idx, e.bytes, n.hash FROM ${t.entry} e LEFT JOIN ${t.node} n ON n.level = 0 AND n.idx = e.idx
         WHERE e.idx >= $1 AND e.idx < $2 ORDER BY e.idx`,
        [fromIndex, toIndex],
      );
      return (rows as Row[]).map((r) => ({
        index: toInt(r.idx, "audit_entry.idx"),
        bytes: toBytes(r.bytes as Uint8Array),
        ...(r.hash === null ? {} : { leafHash: toBytes(r.hash as Uint8Array) }),
      }));
    }),

    nodes: op("nodes", async (ids: readonly NodeId[]) => {
      if (ids.length === 0) return [];
      for (const id of ids) {
        checkIndex(id.level, "node level");
        checkIndex(id.index, "node index");
      }
      const { rows } = await query(
        `SELECT q.level, q.idx, n.hash FROM unnest($1::integer[], $2::bigint[]) AS q (level, idx)
         JOIN ${t.node} n ON n.level = q.level AND n.idx = q.idx`,
        [ids.map((id) => id.level), ids.map((id) => id.index)],
      );
      return orderNodes(ids, rows as Row[]);
    }),

    query: op("query", async (q: AuditQuery) => {
      checkAuditQuery(q);
      const where: string[] = [];
      const values: unknown[] = [];
      const param = (v: unknown) => {
        values.push(v);
        return `$${values.length}`;
      };
      if (q.subjectDigest !== undefined) where.push(`subject_digest = ${param(q.subjectDigest)}`);
      if (q.party !== undefined) {
        const p = param(q.party);
        where.push(`(requester_party = ${p} OR owner_party = ${p})`);
      }
      if (q.grantId !== undefined) where.push(`grant_id = ${param(q.grantId)}`);
      if (q.fromMs !== undefined) where.push(`time_ms >= ${param(q.fromMs)}`);
      if (q.toMs !== undefined) where.push(`time_ms < ${param(q.toMs)}`);
      if (q.pageToken !== undefined) where.push(`idx < ${param(decodeAuditPageToken(q.pageToken))}`);
      const sql = `SELECT * FROM ${t.entry}${where.length === 0 ? "" : ` WHERE ${where.join(" AND ")}`}
        ORDER BY idx DESC LIMIT ${param(q.pageSize + 1)}`;
      return auditPage((await query(sql, values)).rows as AuditEntryRow[], q.pageSize);
    }),

    saveCheckpoint: op("saveCheckpoint", async (checkpoint: StoredCheckpoint) => {
      checkCheckpoint(checkpoint);
      const { rowCount } = await query(
        `INSERT INTO ${t.checkpoint} AS c (size, root, note, saved_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (size) DO UPDATE SET note = EXCLUDED.note, saved_ms = EXCLUDED.saved_ms WHERE c.root = EXCLUDED.root`,
        [checkpoint.size, checkpoint.root, checkpoint.note, Date.now()],
      );
      if (rowCount === 0) {
        throw new StoreError("conflict", `a checkpoint of size ${checkpoint.size} with another root is stored`);
      }
    }),

    latestCheckpoint: op("latestCheckpoint", async () =>
      checkpointFromRow(
        (await query(`SELECT size, root, note FROM ${t.checkpoint} ORDER BY size DESC LIMIT 1`)).rows[0] as
          | Row
          | undefined,
      ),
    ),

    checkpointAt: op("checkpointAt", async (size: number) => {
      checkIndex(size, "size");
      return checkpointFromRow(
        (await query(`SELECT size, root, note FROM ${t.checkpoint} WHERE size = $1`, [size])).rows[0] as
          | Row
          | undefined,
      );
    }),

    registerGrant: op("registerGrant", async (grant: GrantInput, nowMs: number) => {
      checkGrant(grant);
      const { rowCount } = await query(
        `INSERT INTO ${t.grants} (id, signed_bytes, grantee, subject_digest, grantor, purpose, record_kind,
           not_before_ms, expires_at_ms, use_limit, uses, status, registered_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, 'active', $11) ON CONFLICT (id) DO NOTHING`,
        [
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
        ],
      );
      if (rowCount === 1) return { created: true };
      const existing = (await query(`SELECT signed_bytes FROM ${t.grants} WHERE id = $1`, [grant.id])).rows[0] as
        | Row
        | undefined;
      if (existing !== undefined && sameBytes(existing.signed_bytes as Uint8Array, grant.signedBytes)) {
        return { created: false };
      }
      throw new StoreError("conflict", `grant ${grant.id} is already registered with other signed bytes`);
    }),

    getGrant: op("getGrant", async (id: string) => {
      const row = (await query(`SELECT * FROM ${t.grants} WHERE id = $1`, [id])).rows[0] as GrantRow | undefined;
      return row === undefined ? undefined : grantFromRow(row);
    }),

    listGrantsByGrantee: op("listGrantsByGrantee", (grantee: string, page: GrantPageRequest) =>
      grantPage("grantee", grantee, page),
    ),

    listGrantsBySubject: op("listGrantsBySubject", (subjectDigest: Uint8Array, page: GrantPageRequest) =>
      grantPage("subject_digest", subjectDigest, page),
    ),
    listGrantsByPurpose: op("listGrantsByPurpose", (purpose: string, page: GrantPageRequest) =>
      grantPage("purpose", purpose, page),
    ),

    revokeGrant: op("revokeGrant", async (id: string, revocationBytes: Uint8Array, revokedAtMs: number) => {
      if (!(revocationBytes instanceof Uint8Array) || revocationBytes.length === 0) {
        throw new StoreError("invalid-argument", "revocationBytes must be non-empty bytes");
      }
      const { rowCount } = await query(
        `UPDATE ${t.grants} SET status = 'revoked', revocation_bytes = $1, revoked_at_ms = $2
         WHERE id = $3 AND status = 'active'`,
        [revocationBytes, revokedAtMs, id],
      );
      if (rowCount === 1) return { revoked: true };
      const { rows } = await query(`SELECT 1 FROM ${t.grants} WHERE id = $1`, [id]);
      if (rows.length === 0) throw new StoreError("not-found", `no grant ${id}`);
      return { revoked: false };
    }),

    consumeUse: op("consumeUse", async (grantId: string, nowMs: number) => {
      // The whole decision in one statement: concurrent uses cannot both take the last one.
      const { rows } = await query(
        `UPDATE ${t.grants} SET uses = uses + 1
         WHERE id = $1 AND status = 'active' AND uses < use_limit AND not_before_ms <= $2 AND expires_at_ms > $2
         RETURNING uses, use_limit`,
        [grantId, nowMs],
      );
      const row = rows[0] as Row | undefined;
      if (row !== undefined) {
        return {
          ok: true as const,
          uses: toInt(row.uses, "grants.uses"),
          useLimit: toInt(row.use_limit, "grants.use_limit"),
        };
      }
      const after = (
        await query(`SELECT status, uses, use_limit, not_before_ms, expires_at_ms FROM ${t.grants} WHERE id = $1`, [
          grantId,
        ])
      ).rows[0] as Parameters<typeof consumeRefusal>[0];
      return { ok: false as const, reason: consumeRefusal(after, nowMs) };
    }),

    refundUse: op("refundUse", async (grantId: string) => {
      const { rowCount } = await query(`UPDATE ${t.grants} SET uses = uses - 1 WHERE id = $1 AND uses > 0`, [grantId]);
      return { refunded: rowCount === 1 };
    }),

    recordRevocation: op(
      "recordRevocation",
      async (revocation: RevocationInput, messages: readonly OutboxMessageInput[], nowMs: number) => {
        checkRevocation(revocation);
        checkOutboxMessages(messages, nowMs);
        // One transaction: the outbox rows exist exactly when the record is new.
        return withClient(pool, "recordRevocation", async (client) => {
          await client.query("BEGIN");
          const { rowCount } = await client.query(
            `INSERT INTO ${t.revocation} (grant_id, digest, revocation_bytes, purpose, received_ms)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (grant_id, digest) DO NOTHING`,
            [revocation.grantId, revocation.digest, revocation.revocationBytes, revocation.purpose, nowMs],
          );
          const fresh = rowCount === 1;
          if (fresh) await outbox.enqueue(client, messages, nowMs);
          await client.query("COMMIT");
          return { fresh };
        });
      },
    ),

    revocationsFor: op("revocationsFor", async (grantId: string) => {
      const { rows } = await query(
        `SELECT revocation_bytes FROM ${t.revocation} WHERE grant_id = $1 ORDER BY received_ms, digest`,
        [grantId],
      );
      return (rows as Row[]).map((r) => toBytes(r.revocation_bytes as Uint8Array));
    }),

    replay: {
      admitNonces: op("admitNonces", replay.admitNonces),
      purgeNonces: op("purgeNonces", replay.purgeNonces),
    },

    enqueueOutbox: op("enqueueOutbox", outboxStore.enqueueOutbox),
    claimOutbox: op("claimOutbox", outboxStore.claimOutbox),
    settleOutbox: op("settleOutbox", outboxStore.settleOutbox),
    listOutbox: op("listOutbox", outboxStore.listOutbox),
    getOutboxMessage: op("getOutboxMessage", outboxStore.getOutboxMessage),
    findOutboxMessage: op("findOutboxMessage", outboxStore.findOutboxMessage),
    replayOutboxMessage: op("replayOutboxMessage", (id: number, nowMs: number, audit?: AuditEntryInput) =>
      operatorAction(outbox.replay, id, nowMs, audit),
    ),
    dropOutboxMessage: op("dropOutboxMessage", (id: number, nowMs: number, audit?: AuditEntryInput) =>
      operatorAction(outbox.drop, id, nowMs, audit),
    ),
    outboxStats: op("outboxStats", outboxStore.outboxStats),

    witnessState: op("witnessState", async (origin: string) => {
      const row = (await query(`SELECT size, root, note FROM ${t.witness} WHERE origin = $1`, [origin])).rows[0] as
        | Row
        | undefined;
      return row === undefined ? undefined : witnessFromRow(row);
    }),

    advanceWitness: op(
      "advanceWitness",
      async (origin: string, expectedOldSize: number, next: WitnessState, nowMs: number) => {
        checkWitnessAdvance(origin, expectedOldSize, next);
        // One statement either way, so the compare and the store are atomic.
        const { rowCount } =
          expectedOldSize === 0
            ? await query(
                // From size 0 the witness may have no row yet, or a row for an empty tree it cosigned.
                `INSERT INTO ${t.witness} (origin, size, root, note, updated_ms) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (origin) DO UPDATE SET size = EXCLUDED.size, root = EXCLUDED.root, note = EXCLUDED.note,
                   updated_ms = EXCLUDED.updated_ms WHERE ${t.witness}.size = 0`,
                [origin, next.size, next.root, next.note, nowMs],
              )
            : await query(
                `UPDATE ${t.witness} SET size = $1, root = $2, note = $3, updated_ms = $4 WHERE origin = $5 AND size = $6`,
                [next.size, next.root, next.note, nowMs, origin, expectedOldSize],
              );
        if (rowCount === 1) return { ok: true as const };
        const row = (await query(`SELECT size FROM ${t.witness} WHERE origin = $1`, [origin])).rows[0] as
          | Row
          | undefined;
        return { ok: false as const, storedSize: row === undefined ? 0 : toInt(row.size, "witness_state.size") };
      },
    ),

    close(): Promise<void> {
      closing ??= (async () => {
        closed = true;
        await Promise.allSettled([...inFlight]);
        await pool.end();
      })();
      return closing;
    },
  };
}

/**
 * Runs `fn` on one pooled connection. On any error the connection is destroyed
 * rather than returned: after a failed statement or a dropped link its
 * transaction state is unknown, and the server rolls back what was not committed.
 */
async function withClient<R>(pool: pg.Pool, op: string, fn: (client: pg.PoolClient) => Promise<R>): Promise<R> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (e) {
    throw wrap(op, e);
  }
  // A connection killed while checked out emits 'error' on the client; the failing query reports it.
  const onError = () => {};
  client.on("error", onError);
  try {
    const result = await fn(client);
    client.off("error", onError);
    client.release();
    return result;
  } catch (e) {
    client.off("error", onError);
    client.release(true);
    throw wrap(op, e);
  }
}

function pgCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : e instanceof Error ? e.name : "error";
}

/** Our errors pass through; a driver error becomes `unavailable`, naming the SQLSTATE but no values. */
function wrap(op: string, e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  if (isMerkleError(e)) return new StoreError("corrupt", `stored tree state is invalid (${e.code})`, { cause: e });
  return new StoreError("unavailable", `PostgreSQL ${op} failed (${pgCode(e)})`, { cause: e });
}
