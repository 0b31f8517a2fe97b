import { createSqliteInbox, createSqliteOutbox, sqliteOutboxStore } from "@hutong/gateway/outbox";
import type { DeliveredTicketEvent, ReconcileEntry, TicketEvent, TicketStatusChange } from "@hutong/proto";
import { openSqliteDatabase } from "@hutong/service-kit";
import type Database from "better-sqlite3";
import { ticketStatisticsTopic } from "../../emission/event-messages.js";
import { invoiceRoleOf, ticketInvoicesTopic } from "../../invoicing/invoice-messages.js";
import type { CountedEvent } from "../../statistics/indicators.js";
import {
  planUpload,
  type StoredTicket,
  type UploadPlan,
  uploadContext,
  uploadReads,
} from "../../upload/plan-upload.js";
import { checkDelivered } from "../port/check-input.js";
import type { InvoiceStanding, ProvinceStore, ProvinceStoreOptions, UploadResult } from "../port/province-store.js";
import { ticketSealer } from "../port/ticket-seal.js";
import { provinceSchema } from "./province-schema.js";

/** The province store on SQLite, with its database (tools and tests read it directly). */
export interface SqliteProvinceStore extends ProvinceStore {
  readonly kind: "sqlite";
  readonly db: Database.Database;
}

interface TicketRow {
  ticket_no: string;
  version: number;
  sale_status: number;
  check_status: number;
  sale_station: string;
  sale_day: string;
  route_code: string;
  medium: number;
  sealed: Buffer;
}

/**
 * Every applied event of a province as the indicators count it: the province's side of the
 * statistics check. Works on a read-only connection too (the scenario reads a running service's file).
 */
export function countedEventsIn(db: Database.Database): CountedEvent[] {
  return (
    db.prepare("SELECT kind, sale_day, sale_station, route_code, medium FROM event_log").all() as {
      kind: number;
      sale_day: string;
      sale_station: string;
      route_code: string;
      medium: number;
    }[]
  ).map((r) => ({
    kind: r.kind,
    saleDay: r.sale_day,
    saleStationCode: r.sale_station,
    routeCode: r.route_code,
    medium: r.medium,
  }));
}

/**
 * The province e-ticket service's store on SQLite (WAL, synchronous = FULL): an upload reads its
 * facts, is decided by planUpload and written in one IMMEDIATE transaction (one writer), its
 * outbox messages with it; deliveries from other provinces through the inbox; the reads the
 * service answers. The work is synchronous on one connection; the methods answer as promises.
 */
export function openSqliteProvinceStore(path: string, options: ProvinceStoreOptions): SqliteProvinceStore {
  const db = openSqliteDatabase(path, provinceSchema);
  const outbox = createSqliteOutbox(db);
  const inbox = createSqliteInbox(db);
  const sealer = ticketSealer(options.sealKey);
  const context = uploadContext(options);

  const q = {
    cursor: db.prepare("SELECT acked_seq FROM source_cursor WHERE source = ?").pluck(),
    setCursor: db.prepare(
      "INSERT INTO source_cursor (source, acked_seq) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET acked_seq = excluded.acked_seq",
    ),
    sourceEvent: db.prepare("SELECT idempotency_key FROM source_event WHERE source = ? AND source_seq = ?").pluck(),
    recordSource: db.prepare(
      "INSERT INTO source_event (source, source_seq, idempotency_key, outcome, code, reason, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    keyTaken: db.prepare("SELECT 1 FROM event_log WHERE idempotency_key = ?").pluck(),
    ticket: db.prepare(
      `SELECT ticket_no, version, sale_status, check_status, sale_station, sale_day, route_code, medium, sealed
       FROM ticket WHERE ticket_no = ?`,
    ),
    sealed: db.prepare("SELECT sealed FROM ticket WHERE ticket_no = ?").pluck(),
    insertTicket: db.prepare(
      `INSERT INTO ticket (ticket_no, version, sale_status, check_status, sale_station, sale_day, route_code, medium, fare_fen, sealed)
       VALUES (@ticketNo, @version, @saleStatus, @checkStatus, @saleStation, @saleDay, @routeCode, @medium, @fareFen, @sealed)`,
    ),
    updateTicket: db.prepare(
      "UPDATE ticket SET version = @version, sale_status = @saleStatus, check_status = @checkStatus, sealed = @sealed WHERE ticket_no = @ticketNo",
    ),
    logEvent: db.prepare(
      `INSERT INTO event_log (seq, idempotency_key, source, source_seq, ticket_no, kind, occurred_ms, day, ticket_version,
         sale_status, check_status, sale_station, sale_day, route_code, medium, applied_ms)
       VALUES (@seq, @key, @source, @sourceSeq, @ticketNo, @kind, @occurredMs, @day, @version, @saleStatus, @checkStatus,
         @saleStation, @saleDay, @routeCode, @medium, @appliedMs)`,
    ),
    emission: db.prepare("INSERT INTO emission (seq, destination, form) VALUES (?, ?, ?)"),
    lastSeq: db.prepare("SELECT coalesce(max(seq), 0) FROM event_log").pluck(),
    since: db.prepare(
      "SELECT seq, ticket_no, kind, sale_status, check_status, occurred_ms, ticket_version FROM event_log WHERE seq > ? ORDER BY seq LIMIT ?",
    ),
    latestOf: db.prepare(
      "SELECT seq, ticket_no, kind, sale_status, check_status, occurred_ms, ticket_version FROM event_log WHERE ticket_no = ? ORDER BY seq DESC LIMIT 1",
    ),
    stationDay: db.prepare(
      "SELECT ticket_no, sale_status, fare_fen FROM ticket WHERE sale_station = ? AND sale_day = ?",
    ),
    receivedTicket: db.prepare("SELECT version FROM received_ticket WHERE ticket_no = ?").pluck(),
    upsertReceived: db.prepare(
      `INSERT INTO received_ticket (ticket_no, owner, version, sale_status, check_status, sealed)
       VALUES (@ticketNo, @owner, @version, @saleStatus, @checkStatus, @sealed)
       ON CONFLICT (ticket_no) DO UPDATE SET version = excluded.version, sale_status = excluded.sale_status,
         check_status = excluded.check_status, sealed = excluded.sealed WHERE excluded.version > received_ticket.version`,
    ),
    receivedEvent: db.prepare(
      `INSERT INTO received_event (idempotency_key, owner, owner_seq, ticket_no, ticket_version, in_order, applications, received_ms)
       VALUES (?, ?, ?, ?, ?, ?, 1, ?)
       ON CONFLICT (idempotency_key) DO UPDATE SET applications = applications + 1`,
    ),
    registrySent: db.prepare("INSERT INTO registry_sent (registry_key) VALUES (?) ON CONFLICT DO NOTHING"),
    invoiceRequested: db.prepare(
      "INSERT INTO invoice_request (idempotency_key, ticket_no, state, invoice_no, updated_ms) VALUES (?, ?, 'requested', '', ?) ON CONFLICT DO NOTHING",
    ),
    invoicesAwaiting: db.prepare(
      "SELECT idempotency_key AS key, ticket_no AS ticketNo FROM invoice_request WHERE state != 'issued' ORDER BY updated_ms LIMIT ?",
    ),
    invoiceStanding: db.prepare(
      "UPDATE invoice_request SET state = ?, invoice_no = ?, updated_ms = ? WHERE idempotency_key = ? AND state != 'issued'",
    ),
    setTicketSealed: db.prepare("UPDATE ticket SET sealed = ? WHERE ticket_no = ?"),
    journeySources: db
      .prepare(
        "SELECT source FROM source_cursor WHERE (source LIKE 'rail:%' OR source LIKE 'air:%') AND source LIKE '%/journey/%' ORDER BY source",
      )
      .pluck(),
  };

  const change = (r: Record<string, unknown>): TicketStatusChange => ({
    seq: BigInt(r.seq as number),
    ticketNo: r.ticket_no as string,
    kind: r.kind as number,
    saleStatus: r.sale_status as number,
    checkStatus: r.check_status as number,
    occurredAt: new Date(r.occurred_ms as number),
    ticketVersion: r.ticket_version as number,
  });

  const cursorOf = (source: string): bigint => BigInt((q.cursor.get(source) as number | undefined) ?? 0);

  /** The facts planUpload needs, read in the upload's transaction. */
  function decide(source: string, events: readonly TicketEvent[], nowMs: number): UploadPlan {
    const cursor = cursorOf(source);
    const reads = uploadReads(events, cursor);
    const takenKeys = new Map<bigint, string>();
    for (const seq of reads.repeatedSeqs) {
      const key = q.sourceEvent.get(source, Number(seq)) as string | undefined;
      if (key !== undefined) takenKeys.set(seq, key);
    }
    const appliedKeys = new Set(reads.keys.filter((k) => q.keyTaken.get(k) !== undefined));
    const tickets = new Map<string, StoredTicket>();
    for (const ticketNo of reads.ticketNos) {
      const row = q.ticket.get(ticketNo) as TicketRow | undefined;
      if (row === undefined) continue;
      tickets.set(ticketNo, {
        version: row.version,
        state: { saleStatus: row.sale_status, checkStatus: row.check_status },
        record: sealer.open(row.ticket_no, row.sealed),
        sale: { saleStation: row.sale_station, saleDay: row.sale_day, routeCode: row.route_code, medium: row.medium },
      });
    }
    const lastSeq = BigInt(q.lastSeq.get() as number);
    return planUpload(context, source, events, nowMs, { cursor, lastSeq, takenKeys, appliedKeys, tickets });
  }

  function write(plan: UploadPlan, nowMs: number): number {
    for (const t of plan.tickets) {
      const row = {
        ticketNo: t.ticketNo,
        version: t.version,
        saleStatus: t.saleStatus,
        checkStatus: t.checkStatus,
        sealed: sealer.seal(t.record),
      };
      if (t.insert) {
        q.insertTicket.run({
          ...row,
          saleStation: t.sale.saleStation,
          saleDay: t.sale.saleDay,
          routeCode: t.sale.routeCode,
          medium: t.sale.medium,
          fareFen: t.fareFen,
        });
      } else q.updateTicket.run(row);
    }
    for (const e of plan.events) {
      q.logEvent.run({
        seq: Number(e.seq),
        key: e.idempotencyKey,
        source: e.source,
        sourceSeq: Number(e.sourceSeq),
        ticketNo: e.ticketNo,
        kind: e.kind,
        occurredMs: e.occurredMs,
        day: e.day,
        version: e.version,
        saleStatus: e.saleStatus,
        checkStatus: e.checkStatus,
        saleStation: e.sale.saleStation,
        saleDay: e.sale.saleDay,
        routeCode: e.sale.routeCode,
        medium: e.sale.medium,
        appliedMs: e.appliedMs,
      });
    }
    for (const m of plan.emissions) q.emission.run(Number(m.seq), m.destination, m.form);
    for (const s of plan.sourceEvents) {
      q.recordSource.run(plan.source, Number(s.sourceSeq), s.idempotencyKey, s.outcome, s.code, s.reason, s.atMs);
    }
    q.setCursor.run(plan.source, Number(plan.ackedSeq));
    for (const m of plan.messages) {
      if (m.topic === ticketInvoicesTopic) q.invoiceRequested.run(m.idempotencyKey, m.orderingKey, nowMs);
    }
    return outbox.enqueueOutbox(plan.messages, nowMs).enqueued;
  }

  const uploadTx = db.transaction((source: string, events: readonly TicketEvent[], nowMs: number): UploadResult => {
    const plan = decide(source, events, nowMs);
    const enqueued = write(plan, nowMs);
    return { ackedSeq: plan.ackedSeq, results: plan.results, enqueued };
  });

  const receiveTx = db.transaction((sender: string, events: readonly DeliveredTicketEvent[], nowMs: number) => {
    let applied = 0;
    let duplicates = 0;
    for (const e of events) {
      if (!inbox.record(sender, e.idempotencyKey, nowMs)) {
        duplicates += 1;
        continue;
      }
      const ticket = e.ticket as NonNullable<typeof e.ticket>;
      const held = q.receivedTicket.get(ticket.ticketNo) as number | undefined;
      const inOrder = e.ticketVersion === (held ?? 0) + 1;
      q.upsertReceived.run({
        ticketNo: ticket.ticketNo,
        owner: e.owner,
        version: e.ticketVersion,
        saleStatus: ticket.saleStatus,
        checkStatus: ticket.checkStatus,
        sealed: sealer.seal(ticket),
      });
      q.receivedEvent.run(
        e.idempotencyKey,
        e.owner,
        Number(e.ownerSeq),
        ticket.ticketNo,
        e.ticketVersion,
        inOrder ? 1 : 0,
        nowMs,
      );
      applied += 1;
    }
    return { applied, duplicates };
  });

  const registryTx = db.transaction((registryKey: string, destination: string, payload: Uint8Array, nowMs: number) => {
    if (q.registrySent.run(registryKey).changes === 0) return 0;
    return outbox.enqueueOutbox(
      [{ topic: ticketStatisticsTopic, destination, idempotencyKey: registryKey, orderingKey: "registry", payload }],
      nowMs,
    ).enqueued;
  });

  const standingsTx = db.transaction((standings: readonly InvoiceStanding[], nowMs: number) => {
    for (const s of standings) {
      const changed = q.invoiceStanding.run(s.state, s.invoiceNo, nowMs, s.key).changes;
      if (changed === 0 || s.state !== "issued" || invoiceRoleOf(s.key) !== "blue") continue;
      const sealed = q.sealed.get(s.ticketNo) as Buffer | undefined;
      if (sealed === undefined) continue;
      const ticket = sealer.open(s.ticketNo, sealed);
      q.setTicketSealed.run(sealer.seal({ ...ticket, invoiceNo: s.invoiceNo }), s.ticketNo);
    }
  });

  return {
    kind: "sqlite",
    db,
    party: options.party,
    province: options.province,
    stations: options.stations,
    routes: options.routes,
    outbox: sqliteOutboxStore(db),

    async upload(source, events, nowMs) {
      return uploadTx.immediate(source, events, nowMs);
    },
    async receive(sender, events, nowMs) {
      checkDelivered(sender, events);
      return receiveTx.immediate(sender, events, nowMs);
    },
    async enqueueRegistry(registryKey, destination, payload, nowMs) {
      return registryTx.immediate(registryKey, destination, payload, nowMs);
    },
    async ticket(ticketNo) {
      const sealed = q.sealed.get(ticketNo) as Buffer | undefined;
      return sealed === undefined ? undefined : sealer.open(ticketNo, sealed);
    },
    async status(ticketNo) {
      const row = q.latestOf.get(ticketNo) as Record<string, unknown> | undefined;
      return row === undefined ? undefined : change(row);
    },
    async changesSince(since, limit) {
      return (q.since.all(Number(since), limit) as Record<string, unknown>[]).map(change);
    },
    lastSeq: async () => BigInt(q.lastSeq.get() as number),
    ackedSeq: async (source) => cursorOf(source),
    async stationDay(stationCode, day): Promise<ReconcileEntry[]> {
      return (q.stationDay.all(stationCode, day) as { ticket_no: string; sale_status: number; fare_fen: number }[]).map(
        (r) => ({ ticketNo: r.ticket_no, saleStatus: r.sale_status, fareFen: BigInt(r.fare_fen) }),
      );
    },
    countedEvents: async () => countedEventsIn(db),
    async journeySources() {
      return q.journeySources.all() as string[];
    },
    async invoicesAwaiting(limit) {
      return q.invoicesAwaiting.all(limit) as { key: string; ticketNo: string }[];
    },
    async recordInvoiceStandings(standings, nowMs) {
      standingsTx.immediate(standings, nowMs);
    },
    async close() {
      db.close();
    },
  };
}
