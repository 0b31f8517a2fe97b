import { createSqliteOutbox, sqliteOutboxStore } from "@hutong/gateway/outbox";
import { Licence, LicenceEvent, type LicenceKind, type RecordedLicenceEvent } from "@hutong/proto";
import { atRestSealer, openSqliteDatabase } from "@hutong/service-kit";
import type Database from "better-sqlite3";
import { aggregationMessages, licenceCountsTopic, maxEventsPerMessage } from "../../issuer/aggregation-messages.js";
import { licenceQrPayload } from "../../issuer/licence-qr.js";
import { planRecord, type RecordPlan, recordReads, type StoredLicence } from "../../issuer/plan-record.js";
import { sealLicenceFile } from "../../issuer/seal-file.js";
import type { HeldCount, IssuerStore, IssuerStoreOptions, RecordResult } from "../port/issuer-store.js";
import { issuerSchema } from "./issuer-schema.js";

/** The issuer's store on SQLite, with its database (tools and tests read it directly). */
export interface SqliteIssuerStore extends IssuerStore {
  readonly db: Database.Database;
}

interface LicenceRow {
  licence_id: string;
  kind: number;
  version: number;
  status: number;
  status_updated_ms: number | null;
}

/**
 * A province licence system's store on SQLite (WAL, synchronous = FULL): a batch reads its facts,
 * is decided by planRecord and written in one IMMEDIATE transaction with its outbox messages.
 */
export function openSqliteIssuerStore(path: string, options: IssuerStoreOptions): SqliteIssuerStore {
  const db = openSqliteDatabase(path, issuerSchema);
  const outbox = createSqliteOutbox(db);
  const sealer = atRestSealer(options.sealKey);
  const context = {
    province: options.province,
    seal: (l: Licence) => sealLicenceFile(options.seal, l),
    qr: (l: Licence) => licenceQrPayload(options.seal.key, options.party, l, new Date()),
  };
  const dropped = (seq: bigint): boolean =>
    options.dropRange !== undefined && seq >= options.dropRange.from && seq <= options.dropRange.to;

  const q = {
    taken: db.prepare("SELECT seq, version FROM licence_event WHERE idempotency_key = ?"),
    licence: db.prepare(
      "SELECT licence_id, kind, version, status, status_updated_ms FROM licence WHERE licence_id = ?",
    ),
    sealedLicence: db.prepare("SELECT sealed FROM licence WHERE licence_id = ?").pluck(),
    head: db.prepare("SELECT coalesce(max(seq), 0) FROM licence_event").pluck(),
    insertLicence: db.prepare(
      `INSERT INTO licence (licence_id, kind, version, status, status_updated_ms, sealed)
       VALUES (@id, @kind, @version, @status, @statusMs, @sealed)`,
    ),
    updateLicence: db.prepare(
      "UPDATE licence SET version = @version, status = @status, status_updated_ms = @statusMs, sealed = @sealed WHERE licence_id = @id",
    ),
    insertEvent: db.prepare(
      `INSERT INTO licence_event (seq, idempotency_key, licence_id, version, kind, occurred_ms, recorded_ms, queued, sealed)
       VALUES (@seq, @key, @id, @version, @kind, @occurredMs, @recordedMs, @queued, @sealed)`,
    ),
    range: db.prepare("SELECT seq, idempotency_key, sealed FROM licence_event WHERE seq BETWEEN ? AND ? ORDER BY seq"),
    markQueued: db.prepare("UPDATE licence_event SET queued = 1 WHERE seq = ?"),
    held: db.prepare(
      "SELECT kind, count(*) AS electronic, sum(CASE WHEN status = 1 THEN 1 ELSE 0 END) AS valid FROM licence GROUP BY kind ORDER BY kind",
    ),
    states: db.prepare(
      "SELECT licence_id, version, status, sealed FROM licence WHERE licence_id > ? ORDER BY licence_id LIMIT ?",
    ),
    countsSent: db.prepare("INSERT INTO counts_sent (counts_key) VALUES (?) ON CONFLICT DO NOTHING"),
  };

  function decide(events: readonly RecordedLicenceEvent[], nowMs: number): RecordPlan {
    const reads = recordReads(events);
    const takenKeys = new Map<string, { seq: bigint; version: number }>();
    for (const key of reads.keys) {
      const row = q.taken.get(key) as { seq: number; version: number } | undefined;
      if (row !== undefined) takenKeys.set(key, { seq: BigInt(row.seq), version: row.version });
    }
    const licences = new Map<string, StoredLicence>();
    for (const id of reads.licenceIds) {
      const row = q.licence.get(id) as LicenceRow | undefined;
      if (row === undefined) continue;
      licences.set(id, {
        version: row.version,
        kind: row.kind as LicenceKind,
        state: { status: row.status },
        statusUpdatedAt: row.status_updated_ms === null ? undefined : new Date(row.status_updated_ms),
      });
    }
    return planRecord(context, events, { headSeq: BigInt(q.head.get() as number), takenKeys, licences }, nowMs);
  }

  const recordTx = db.transaction((events: readonly RecordedLicenceEvent[], nowMs: number): RecordResult => {
    const plan = decide(events, nowMs);
    for (const l of plan.licences) {
      const row = {
        id: l.licenceId,
        kind: l.kind,
        version: l.version,
        status: l.status,
        statusMs: l.licence.statusUpdatedAt?.getTime() ?? null,
        sealed: sealer.seal(Licence.encode(l.licence).finish(), l.licenceId),
      };
      if (l.insert) q.insertLicence.run(row);
      else q.updateLicence.run(row);
    }
    // Consecutive runs of queued events; a dropped event splits a run.
    const runs: LicenceEvent[][] = [[]];
    for (const e of plan.events) {
      const queue = !dropped(e.provinceSeq);
      q.insertEvent.run({
        seq: Number(e.provinceSeq),
        key: e.idempotencyKey,
        id: e.licence?.licenceId,
        version: e.licenceVersion,
        kind: e.kind,
        occurredMs: e.occurredAt?.getTime() ?? nowMs,
        recordedMs: nowMs,
        queued: queue ? 1 : 0,
        sealed: sealer.seal(LicenceEvent.encode(e).finish(), e.idempotencyKey),
      });
      if (queue) runs.at(-1)?.push(e);
      else runs.push([]);
    }
    const messages = runs.flatMap((run) => aggregationMessages(run, options.library, options.purpose, sealer));
    return { results: plan.results, enqueued: outbox.enqueueOutbox(messages, nowMs).enqueued };
  });

  const resendTx = db.transaction((from: bigint, to: bigint, nowMs: number) => {
    const rows = q.range.all(Number(from), Number(to)) as { seq: number; idempotency_key: string; sealed: Buffer }[];
    const events = rows.map((r) => {
      q.markQueued.run(r.seq);
      return LicenceEvent.decode(sealer.open(r.sealed, r.idempotency_key));
    });
    // Counted per message: a range still pending is not queued again.
    let queued = 0;
    for (const [i, m] of aggregationMessages(events, options.library, options.purpose, sealer, "resend").entries()) {
      if (outbox.enqueueOutbox([m], nowMs).enqueued > 0) {
        queued += Math.min(maxEventsPerMessage, events.length - i * maxEventsPerMessage);
      }
    }
    return { queued, headSeq: BigInt(q.head.get() as number) };
  });

  const countsTx = db.transaction((key: string, payload: Uint8Array, nowMs: number) => {
    if (q.countsSent.run(key).changes === 0) return 0;
    return outbox.enqueueOutbox(
      [
        {
          topic: licenceCountsTopic,
          destination: options.library,
          idempotencyKey: key,
          orderingKey: "counts",
          payload,
        },
      ],
      nowMs,
    ).enqueued;
  });

  return {
    db,
    outbox: sqliteOutboxStore(db),
    async record(events, nowMs) {
      return recordTx.immediate(events, nowMs);
    },
    async resend(from, to, nowMs) {
      return resendTx.immediate(from, to, nowMs);
    },
    async enqueueCounts(key, payload, nowMs) {
      return countsTx.immediate(key, payload, nowMs);
    },
    async licence(licenceId) {
      const sealed = q.sealedLicence.get(licenceId) as Buffer | undefined;
      return sealed === undefined ? undefined : Licence.decode(sealer.open(sealed, licenceId));
    },
    async states(after, limit) {
      const rows = q.states.all(after, limit) as {
        licence_id: string;
        version: number;
        status: number;
        sealed: Buffer;
      }[];
      return rows.map((r) => ({
        licenceId: r.licence_id,
        version: r.version,
        status: r.status,
        validTo: Licence.decode(sealer.open(r.sealed, r.licence_id)).validTo,
      }));
    },
    headSeq: async () => BigInt(q.head.get() as number),
    async held(): Promise<readonly HeldCount[]> {
      return (q.held.all() as { kind: number; electronic: number; valid: number }[]).map((r) => ({
        kind: r.kind as LicenceKind,
        electronic: r.electronic,
        valid: r.valid,
      }));
    },
    async close() {
      db.close();
    },
  };
}
