import { createSqliteOutbox, sqliteOutboxStore } from "@hutong/gateway/outbox";
import { Licence, LicenceEvent, LicenceEventKind, type LicenceKind, type RecordedLicenceEvent } from "@hutong/proto";
import { atRestSealer, openSqliteDatabase } from "@hutong/service-kit";
import type Database from "better-sqlite3";
import { aggregationMessages, licenceCountsTopic, maxEventsPerMessage } from "../../issuer/aggregation-messages.js";
import { licenceQrPayload } from "../../issuer/licence-qr.js";
import { planRecord, type RecordPlan, recordReads, type StoredLicence } from "../../issuer/plan-record.js";
import { sealLicenceFile } from "../../issuer/seal-file.js";
import { LicensingError } from "../../licensing-error.js";
import { applyCorrections } from "../../maintenance/corrections.js";
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
      `INSERT INTO licence (licence_id, kind, version, status, status_updated_ms, valid_to, sealed)
       VALUES (@id, @kind, @version, @status, @statusMs, @validTo, @sealed)`,
    ),
    updateLicence: db.prepare(
      "UPDATE licence SET version = @version, status = @status, status_updated_ms = @statusMs, valid_to = @validTo, sealed = @sealed WHERE licence_id = @id",
    ),
    insertEvent: db.prepare(
      `INSERT INTO licence_event (seq, idempotency_key, licence_id, version, kind, occurred_ms, recorded_ms, queued, sealed)
       VALUES (@seq, @key, @id, @version, @kind, @occurredMs, @recordedMs, @queued, @sealed)`,
    ),
    range: db.prepare("SELECT seq, idempotency_key, sealed FROM licence_event WHERE seq BETWEEN ? AND ? ORDER BY seq"),
    markQueued: db.prepare("UPDATE licence_event SET queued = 1 WHERE seq = ?"),
    held: db.prepare(
      `SELECT kind, count(*) AS electronic, sum(CASE WHEN status = 1 AND valid_to >= ? THEN 1 ELSE 0 END) AS valid
       FROM licence GROUP BY kind ORDER BY kind`,
    ),
    states: db.prepare(
      "SELECT licence_id, version, status, valid_to FROM licence WHERE licence_id > ? ORDER BY licence_id LIMIT ?",
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

  /** Decides and writes `events`; with `allOrNothing`, a single refusal throws and the transaction writes nothing. */
  function recordIn(events: readonly RecordedLicenceEvent[], nowMs: number, allOrNothing: boolean): RecordResult {
    const plan = decide(events, nowMs);
    const refused = plan.results.find((r) => r.code !== "");
    if (allOrNothing && refused !== undefined) {
      throw new LicensingError("invalid-transition", `${refused.idempotencyKey}: ${refused.reason}`);
    }
    for (const l of plan.licences) {
      const row = {
        id: l.licenceId,
        kind: l.kind,
        version: l.version,
        status: l.status,
        statusMs: l.licence.statusUpdatedAt?.getTime() ?? null,
        validTo: l.licence.validTo,
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
  }

  const recordTx = db.transaction((events: readonly RecordedLicenceEvent[], nowMs: number) =>
    recordIn(events, nowMs, false),
  );

  // An approved maintenance request: each licence read, corrected and recorded as a CHANGED event
  // in one transaction, all or nothing (a refusal leaves every licence as it was).
  const maintenanceTx = db.transaction(
    (
      requestId: string,
      corrections: ReadonlyMap<string, readonly { field: string; correctedValue: string }[]>,
      nowMs: number,
    ): RecordResult => {
      const events: RecordedLicenceEvent[] = [];
      for (const [licenceId, items] of corrections) {
        const sealed = q.sealedLicence.get(licenceId) as Buffer | undefined;
        if (sealed === undefined) throw new LicensingError("not-found", `no licence ${licenceId}`);
        let corrected: Licence;
        try {
          corrected = applyCorrections(Licence.decode(sealer.open(sealed, licenceId)), items);
        } catch (e) {
          throw new LicensingError("malformed", `licence ${licenceId}: ${e instanceof Error ? e.message : String(e)}`);
        }
        events.push({
          idempotencyKey: `maint-${requestId}-${licenceId}`,
          kind: LicenceEventKind.LICENCE_EVENT_KIND_CHANGED,
          occurredAt: new Date(nowMs),
          licence: corrected,
          reason: `数据维护申请 ${requestId}`,
          maintenanceRequestId: requestId,
        });
      }
      return recordIn(events, nowMs, true);
    },
  );

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
    async applyMaintenance(requestId, corrections, nowMs) {
      return maintenanceTx.immediate(requestId, corrections, nowMs);
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
        valid_to: string;
      }[];
      return rows.map((r) => ({ licenceId: r.licence_id, version: r.version, status: r.status, validTo: r.valid_to }));
    },
    headSeq: async () => BigInt(q.head.get() as number),
    async held(today): Promise<readonly HeldCount[]> {
      return (q.held.all(today) as { kind: number; electronic: number; valid: number }[]).map((r) => ({
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
