import { createSm4AeadKey, sm4Open, sm4Seal } from "@hutong/certs";
import { createSqliteInbox, createSqliteOutbox, type OutboxMessageInput } from "@hutong/gateway/outbox";
import {
  type DeliveredTicketEvent,
  DeliverTicketEventsRequest,
  EventOutcome,
  type EventResult,
  type ReconcileEntry,
  ReportTicketStatisticsRequest,
  type RouteProfile,
  type StationProfile,
  Ticket,
  type TicketEvent,
  TicketEventKind,
  type TicketStatusChange,
} from "@hutong/proto";
import Database from "better-sqlite3";
import type { EventRouter } from "../emission/event-routes.js";
import { projectTicket } from "../emission/ticket-view.js";
import { type LifecycleState, nextState } from "../lifecycle/next-state.js";
import type { CountedEvent } from "../statistics/indicators.js";
import { ticketLifecycle } from "../ticket-lifecycle.js";
import { isTicketingError, TicketingError, ticketingStatus } from "../ticketing-error.js";
import { beijingDay } from "../time/beijing-day.js";
import { checkEvent, type EventScope } from "../upload/check-event.js";
import { provinceSchema } from "./province-schema.js";

/** The outbox topics the province writes (delivered by province/outbox-topics.ts). */
export const ticketEventsTopic = "ticket-events";
export const ticketStatisticsTopic = "ticket-statistics";

export interface ProvinceStoreOptions {
  readonly path: string;
  /** This service's party ("prov:510000/ticketing") and its province's code ("510000"). */
  readonly party: string;
  readonly province: string;
  /** 32 bytes: the key tickets are sealed with at rest. */
  readonly sealKey: Uint8Array;
  readonly stations: readonly StationProfile[];
  readonly routes: readonly RouteProfile[];
  readonly router: EventRouter;
}

export interface UploadResult {
  readonly ackedSeq: bigint;
  readonly results: readonly EventResult[];
  /** Messages written to the outbox: wake the dispatcher when > 0. */
  readonly enqueued: number;
}

export interface ReceiveResult {
  readonly applied: number;
  readonly duplicates: number;
}

interface TicketRow {
  ticket_no: string;
  version: number;
  sale_status: number;
  check_status: number;
  sealed: Buffer;
}

/** The province service's store (openProvinceStore). */
export interface ProvinceStore {
  readonly db: Database.Database;
  readonly party: string;
  readonly province: string;
  readonly stations: readonly StationProfile[];
  readonly routes: readonly RouteProfile[];
  /** One station system's batch (checked by checkBatch first): all of it in one transaction. */
  upload(source: string, events: readonly TicketEvent[], nowMs: number): UploadResult;
  /** Another province's events, each applied once (inbox), a ticket's versions in order. */
  receive(sender: string, events: readonly DeliveredTicketEvent[], nowMs: number): ReceiveResult;
  /** The registry message for the ministry, enqueued once per registry content. */
  enqueueRegistry(registryKey: string, destination: string, payload: Uint8Array, nowMs: number): number;
  ticket(ticketNo: string): Ticket | undefined;
  status(ticketNo: string): TicketStatusChange | undefined;
  changesSince(since: bigint, limit: number): TicketStatusChange[];
  lastSeq(): bigint;
  /** The last sequence number of `source` durably taken (0 before its first). */
  ackedSeq(source: string): bigint;
  stationDay(stationCode: string, day: string): ReconcileEntry[];
  /** Every applied event as the indicators count it (the province's side of stats_match). */
  countedEvents(): CountedEvent[];
  close(): void;
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
 * The province e-ticket service's store: uploads applied to the ticket lifecycle with their outbox
 * messages in the same transaction, deliveries from other provinces through the inbox, and the
 * reads the service answers. SQLite, synchronous: one connection, one writer.
 */
export function openProvinceStore(options: ProvinceStoreOptions): ProvinceStore {
  const db = new Database(options.path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 10000");
  db.exec(provinceSchema);
  const outbox = createSqliteOutbox(db);
  const inbox = createSqliteInbox(db);
  const seal = createSm4AeadKey(options.sealKey);
  const stationCodes = new Set(options.stations.map((s) => s.code));
  const scope: EventScope = { province: options.province, isStation: (code) => stationCodes.has(code) };
  const sealTicket = (t: Ticket) => Buffer.from(sm4Seal(seal, Ticket.encode(t).finish(), Buffer.from(t.ticketNo)));
  const openTicket = (ticketNo: string, sealed: Uint8Array) =>
    Ticket.decode(sm4Open(seal, sealed, Buffer.from(ticketNo)));

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
    ticket: db.prepare("SELECT ticket_no, version, sale_status, check_status, sealed FROM ticket WHERE ticket_no = ?"),
    insertTicket: db.prepare(
      `INSERT INTO ticket (ticket_no, version, sale_status, check_status, sale_station, sale_day, route_code, medium, fare_fen, sealed)
       VALUES (@ticketNo, 1, @saleStatus, @checkStatus, @saleStation, @saleDay, @routeCode, @medium, @fareFen, @sealed)`,
    ),
    updateTicket: db.prepare(
      "UPDATE ticket SET version = @version, sale_status = @saleStatus, check_status = @checkStatus, sealed = @sealed WHERE ticket_no = @ticketNo",
    ),
    saleFacts: db.prepare("SELECT sale_station, sale_day, route_code, medium FROM ticket WHERE ticket_no = ?"),
    logEvent: db.prepare(
      `INSERT INTO event_log (idempotency_key, source, source_seq, ticket_no, kind, occurred_ms, day, ticket_version,
         sale_status, check_status, sale_station, sale_day, route_code, medium, applied_ms)
       VALUES (@key, @source, @sourceSeq, @ticketNo, @kind, @occurredMs, @day, @version, @saleStatus, @checkStatus,
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

  /** The outbox messages of one applied event, and the emission rows that let the far end be counted. */
  function emit(seq: number, version: number, event: TicketEvent, record: Ticket): OutboxMessageInput[] {
    const messages: OutboxMessageInput[] = [];
    const facts = q.saleFacts.get(record.ticketNo) as
      | { sale_station: string; sale_day: string; route_code: string; medium: number }
      | undefined;
    for (const e of options.router.route(event.kind, record)) {
      q.emission.run(seq, e.destination, e.form);
      const context = {
        targetParty: e.destination,
        purpose: e.purpose,
        grantId: "",
        correlationId: `${options.party}#${seq}`,
      };
      const key = `${options.party}#${seq}`;
      if (e.form === "event") {
        const delivered: DeliveredTicketEvent = {
          idempotencyKey: key,
          owner: options.party,
          ownerSeq: BigInt(seq),
          ticketVersion: version,
          kind: event.kind,
          occurredAt: event.occurredAt,
          ticket: projectTicket(record, e.fields),
          refundFeeFen: event.refundFeeFen,
          station: event.station,
        };
        messages.push({
          topic: ticketEventsTopic,
          destination: e.destination,
          idempotencyKey: key,
          orderingKey: record.ticketNo,
          payload: DeliverTicketEventsRequest.encode({ context, events: [delivered] }).finish(),
        });
      } else {
        messages.push({
          topic: ticketStatisticsTopic,
          destination: e.destination,
          idempotencyKey: key,
          orderingKey: record.ticketNo,
          payload: ReportTicketStatisticsRequest.encode({
            context,
            province: options.party,
            events: [
              {
                idempotencyKey: key,
                ownerSeq: BigInt(seq),
                ticketVersion: version,
                kind: event.kind,
                occurredAt: event.occurredAt,
                ticketNo: record.ticketNo,
                saleStationCode: facts?.sale_station ?? "",
                saleDay: facts?.sale_day ?? "",
                routeCode: record.routeCode,
                medium: record.medium,
                saleChannel: record.saleChannel,
                fareFen: record.fareFen,
                saleStatus: record.saleStatus,
                checkStatus: record.checkStatus,
              },
            ],
            stations: [],
            routes: [],
            registryKey: "",
          }).finish(),
        });
      }
    }
    return messages;
  }

  /** Applies one checked event; throws TicketingError (invalid-transition) with nothing written. */
  function apply(source: string, event: TicketEvent, nowMs: number): OutboxMessageInput[] {
    const given = event.ticket as Ticket;
    const row = q.ticket.get(given.ticketNo) as TicketRow | undefined;
    const current: LifecycleState | undefined =
      row === undefined ? undefined : { saleStatus: row.sale_status, checkStatus: row.check_status };
    const next = nextState(ticketLifecycle, event.kind, current);
    const at = event.occurredAt as Date;
    let record: Ticket;
    let version: number;
    if (row === undefined) {
      record = Ticket.fromPartial({
        ...given,
        saleStatus: next.saleStatus as number,
        checkStatus: next.checkStatus as number,
        soldAt: at,
        statusUpdatedAt: at,
      });
      version = 1;
      q.insertTicket.run({
        ticketNo: record.ticketNo,
        saleStatus: record.saleStatus,
        checkStatus: record.checkStatus,
        saleStation: event.station?.code ?? "",
        saleDay: beijingDay(at.getTime()),
        routeCode: record.routeCode,
        medium: record.medium,
        fareFen: record.fareFen,
        sealed: sealTicket(record),
      });
    } else {
      // The sale defines the ticket; later events move only its lifecycle.
      const stored = openTicket(row.ticket_no, row.sealed);
      record = {
        ...stored,
        saleStatus: next.saleStatus as number,
        checkStatus: next.checkStatus as number,
        statusUpdatedAt: at,
        ...(event.kind === TicketEventKind.TICKET_EVENT_KIND_CHECK ? { checkedAt: at } : {}),
      };
      version = row.version + 1;
      q.updateTicket.run({
        ticketNo: record.ticketNo,
        version,
        saleStatus: record.saleStatus,
        checkStatus: record.checkStatus,
        sealed: sealTicket(record),
      });
    }
    const facts = q.saleFacts.get(record.ticketNo) as {
      sale_station: string;
      sale_day: string;
      route_code: string;
      medium: number;
    };
    const seq = Number(
      q.logEvent.run({
        key: event.idempotencyKey,
        source,
        sourceSeq: Number(event.sourceSeq),
        ticketNo: record.ticketNo,
        kind: event.kind,
        occurredMs: at.getTime(),
        day: beijingDay(at.getTime()),
        version,
        saleStatus: record.saleStatus,
        checkStatus: record.checkStatus,
        saleStation: facts.sale_station,
        saleDay: facts.sale_day,
        routeCode: facts.route_code,
        medium: facts.medium,
        appliedMs: nowMs,
      }).lastInsertRowid,
    );
    return emit(seq, version, event, record);
  }

  const uploadTx = db.transaction((source: string, events: readonly TicketEvent[], nowMs: number): UploadResult => {
    const cursor = BigInt((q.cursor.get(source) as number | undefined) ?? 0);
    const first = events[0]?.sourceSeq ?? 0n;
    if (first > cursor + 1n) {
      throw new TicketingError(
        "sequence-gap",
        `${source} sent ${first} but the province has taken up to ${cursor}: resend from ${cursor + 1n}`,
      );
    }
    const results: EventResult[] = [];
    const messages: OutboxMessageInput[] = [];
    for (const event of events) {
      const seq = event.sourceSeq;
      if (seq <= cursor) {
        const key = q.sourceEvent.get(source, Number(seq)) as string | undefined;
        if (key !== event.idempotencyKey) {
          throw new TicketingError("sequence-conflict", `${source} used sequence ${seq} for another event before`);
        }
        results.push({ sourceSeq: seq, outcome: EventOutcome.EVENT_OUTCOME_DUPLICATE, code: "", reason: "" });
        continue;
      }
      let outcome = EventOutcome.EVENT_OUTCOME_APPLIED;
      let code = "";
      let reason = "";
      try {
        checkEvent(scope, source, event);
        if (q.keyTaken.get(event.idempotencyKey) !== undefined) outcome = EventOutcome.EVENT_OUTCOME_DUPLICATE;
        else messages.push(...db.transaction(() => apply(source, event, nowMs))());
      } catch (e) {
        if (!isTicketingError(e)) throw e;
        outcome = EventOutcome.EVENT_OUTCOME_REFUSED;
        code = ticketingStatus[e.code];
        reason = e.message;
      }
      q.recordSource.run(source, Number(seq), event.idempotencyKey, outcome, code, reason, nowMs);
      results.push({ sourceSeq: seq, outcome, code, reason });
    }
    const acked = events[events.length - 1]?.sourceSeq ?? cursor;
    const ackedSeq = acked > cursor ? acked : cursor;
    q.setCursor.run(source, Number(ackedSeq));
    const { enqueued } = outbox.enqueueOutbox(messages, nowMs);
    return { ackedSeq, results, enqueued };
  });

  const receiveTx = db.transaction((sender: string, events: readonly DeliveredTicketEvent[], nowMs: number) => {
    let applied = 0;
    let duplicates = 0;
    for (const e of events) {
      if (!inbox.record(sender, e.idempotencyKey, nowMs)) {
        duplicates += 1;
        continue;
      }
      const ticket = e.ticket as Ticket;
      const held = q.receivedTicket.get(ticket.ticketNo) as number | undefined;
      const inOrder = e.ticketVersion === (held ?? 0) + 1;
      q.upsertReceived.run({
        ticketNo: ticket.ticketNo,
        owner: e.owner,
        version: e.ticketVersion,
        saleStatus: ticket.saleStatus,
        checkStatus: ticket.checkStatus,
        sealed: sealTicket(ticket),
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

  return {
    db,
    party: options.party,
    province: options.province,
    stations: options.stations,
    routes: options.routes,

    upload(source, events, nowMs) {
      return uploadTx.immediate(source, events, nowMs);
    },

    receive(sender, events, nowMs) {
      for (const e of events) {
        if (e.owner !== sender) {
          throw new TicketingError("wrong-source", `an event of ${e.owner} delivered by ${sender}`);
        }
        if (e.ticket === undefined || e.ticket.ticketNo === "" || e.idempotencyKey === "" || e.ticketVersion < 1) {
          throw new TicketingError("malformed", "a delivered event needs its key, ticket number and version");
        }
      }
      return receiveTx.immediate(sender, events, nowMs);
    },

    enqueueRegistry(registryKey, destination, payload, nowMs) {
      return db
        .transaction(() => {
          if (q.registrySent.run(registryKey).changes === 0) return 0;
          return outbox.enqueueOutbox(
            [
              {
                topic: ticketStatisticsTopic,
                destination,
                idempotencyKey: registryKey,
                orderingKey: "registry",
                payload,
              },
            ],
            nowMs,
          ).enqueued;
        })
        .immediate();
    },

    ticket(ticketNo: string): Ticket | undefined {
      const row = q.ticket.get(ticketNo) as TicketRow | undefined;
      return row === undefined ? undefined : openTicket(row.ticket_no, row.sealed);
    },
    status(ticketNo: string): TicketStatusChange | undefined {
      const row = q.latestOf.get(ticketNo) as Record<string, unknown> | undefined;
      return row === undefined ? undefined : change(row);
    },
    changesSince(since: bigint, limit: number): TicketStatusChange[] {
      return (q.since.all(Number(since), limit) as Record<string, unknown>[]).map(change);
    },
    lastSeq: (): bigint => BigInt(q.lastSeq.get() as number),
    ackedSeq: (source: string): bigint => BigInt((q.cursor.get(source) as number | undefined) ?? 0),
    stationDay(stationCode: string, day: string): ReconcileEntry[] {
      return (q.stationDay.all(stationCode, day) as { ticket_no: string; sale_status: number; fare_fen: number }[]).map(
        (r) => ({ ticketNo: r.ticket_no, saleStatus: r.sale_status, fareFen: BigInt(r.fare_fen) }),
      );
    },
    countedEvents: () => countedEventsIn(db),
    close(): void {
      db.close();
    },
  };
}
