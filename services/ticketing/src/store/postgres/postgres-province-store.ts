import { createPostgresOutbox, type Queryable, recordPostgresInbox } from "@hutong/gateway/outbox";
import type { ReconcileEntry, TicketEvent, TicketStatusChange } from "@hutong/proto";
import type pg from "pg";
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
import type { PostgresLocation, ProvinceStore, ProvinceStoreOptions } from "../port/province-store.js";
import { ticketSealer } from "../port/ticket-seal.js";
import { big, createSchema, inTransaction, num, openPool } from "./postgres-pool.js";
import { postgresProvinceSchema, provinceTables } from "./postgres-province-schema.js";

/** The province store on PostgreSQL, with its pool and schema (tools and tests read them directly). */
export interface PostgresProvinceStore extends ProvinceStore {
  readonly kind: "postgres";
  readonly pool: pg.Pool;
  readonly schema: string;
}

type Row = Record<string, unknown>;

/** Every applied event of the province in `schema` as the indicators count it (see countedEventsIn). */
export async function countedEventsInPostgres(client: Queryable, schema: string): Promise<CountedEvent[]> {
  const { rows } = await client.query(
    `SELECT kind, sale_day, sale_station, route_code, medium FROM ${provinceTables(schema).eventLog}`,
  );
  return (rows as Row[]).map((r) => ({
    kind: num(r.kind),
    saleDay: r.sale_day as string,
    saleStationCode: r.sale_station as string,
    routeCode: r.route_code as string,
    medium: num(r.medium),
  }));
}

/**
 * The province e-ticket service's store on PostgreSQL, in its own schema (created if absent). An
 * upload locks the province's one-row head (SELECT … FOR UPDATE: uploads of a province are
 * serialised, whichever process runs them), reads its facts, is decided by planUpload and written
 * in the same transaction with its outbox messages (createPostgresOutbox, so the dispatcher runs
 * on this outbox). Deliveries from other provinces lock their tickets (transaction-scoped advisory
 * locks) and record their keys in the inbox in the transaction that applies them. Commits use the
 * server's synchronous_commit (on): the answer leaves after the WAL is flushed.
 */
export async function openPostgresProvinceStore(
  location: PostgresLocation,
  options: ProvinceStoreOptions,
): Promise<PostgresProvinceStore> {
  const { schema } = location;
  const pool = openPool(location, `ticketing-${options.province}`);
  try {
    await createSchema(pool, schema, postgresProvinceSchema(schema));
  } catch (e) {
    await pool.end();
    throw e;
  }
  const t = provinceTables(schema);
  const outbox = createPostgresOutbox(t.outbox);
  const sealer = ticketSealer(options.sealKey);
  const context = uploadContext(options);
  const statusColumns = "seq, ticket_no, kind, sale_status, check_status, occurred_ms, ticket_version";
  const change = (r: Row): TicketStatusChange => ({
    seq: big(r.seq),
    ticketNo: r.ticket_no as string,
    kind: num(r.kind),
    saleStatus: num(r.sale_status),
    checkStatus: num(r.check_status),
    occurredAt: new Date(num(r.occurred_ms)),
    ticketVersion: num(r.ticket_version),
  });
  const cursorOf = async (q: Queryable, source: string): Promise<bigint> => {
    const { rows } = await q.query(`SELECT acked_seq FROM ${t.sourceCursor} WHERE source = $1`, [source]);
    return rows[0] === undefined ? 0n : big((rows[0] as Row).acked_seq);
  };

  async function decide(
    c: pg.PoolClient,
    source: string,
    events: readonly TicketEvent[],
    nowMs: number,
  ): Promise<UploadPlan> {
    // The head's row lock first: every read below is then what the plan will be written over.
    const head = await c.query(`SELECT last_seq FROM ${t.head} WHERE id = 1 FOR UPDATE`);
    const lastSeq = big((head.rows[0] as Row).last_seq);
    const cursor = await cursorOf(c, source);
    const reads = uploadReads(events, cursor);
    const takenKeys = new Map<bigint, string>();
    if (reads.repeatedSeqs.length > 0) {
      const { rows } = await c.query(
        `SELECT source_seq, idempotency_key FROM ${t.sourceEvent} WHERE source = $1 AND source_seq = ANY($2::bigint[])`,
        [source, reads.repeatedSeqs.map(String)],
      );
      for (const r of rows as Row[]) takenKeys.set(big(r.source_seq), r.idempotency_key as string);
    }
    const appliedKeys = new Set<string>();
    if (reads.keys.length > 0) {
      const { rows } = await c.query(
        `SELECT idempotency_key FROM ${t.eventLog} WHERE idempotency_key = ANY($1::text[])`,
        [reads.keys],
      );
      for (const r of rows as Row[]) appliedKeys.add(r.idempotency_key as string);
    }
    const tickets = new Map<string, StoredTicket>();
    if (reads.ticketNos.length > 0) {
      const { rows } = await c.query(
        `SELECT ticket_no, version, sale_status, check_status, sale_station, sale_day, route_code, medium, sealed
         FROM ${t.ticket} WHERE ticket_no = ANY($1::text[])`,
        [reads.ticketNos],
      );
      for (const r of rows as Row[]) {
        const ticketNo = r.ticket_no as string;
        tickets.set(ticketNo, {
          version: num(r.version),
          state: { saleStatus: num(r.sale_status), checkStatus: num(r.check_status) },
          record: sealer.open(ticketNo, r.sealed as Buffer),
          sale: {
            saleStation: r.sale_station as string,
            saleDay: r.sale_day as string,
            routeCode: r.route_code as string,
            medium: num(r.medium),
          },
        });
      }
    }
    return planUpload(context, source, events, nowMs, { cursor, lastSeq, takenKeys, appliedKeys, tickets });
  }

  /** The plan's writes, each table in one statement (a batch holds up to 1,000 events). */
  async function write(c: pg.PoolClient, plan: UploadPlan, nowMs: number): Promise<number> {
    const col = <T, R>(rows: readonly T[], f: (r: T) => R) => rows.map(f);
    const inserted = plan.tickets.filter((x) => x.insert);
    const updated = plan.tickets.filter((x) => !x.insert);
    if (inserted.length > 0) {
      await c.query(
        `INSERT INTO ${t.ticket} (ticket_no, version, sale_status, check_status, sale_station, sale_day, route_code,
           medium, fare_fen, sealed)
         SELECT * FROM unnest($1::text[], $2::integer[], $3::integer[], $4::integer[], $5::text[], $6::text[],
           $7::text[], $8::integer[], $9::bigint[], $10::bytea[])`,
        [
          col(inserted, (x) => x.ticketNo),
          col(inserted, (x) => x.version),
          col(inserted, (x) => x.saleStatus),
          col(inserted, (x) => x.checkStatus),
          col(inserted, (x) => x.sale.saleStation),
          col(inserted, (x) => x.sale.saleDay),
          col(inserted, (x) => x.sale.routeCode),
          col(inserted, (x) => x.sale.medium),
          col(inserted, (x) => String(x.fareFen)),
          col(inserted, (x) => sealer.seal(x.record)),
        ],
      );
    }
    if (updated.length > 0) {
      await c.query(
        `UPDATE ${t.ticket} AS t SET version = u.version, sale_status = u.sale_status, check_status = u.check_status,
           sealed = u.sealed
         FROM unnest($1::text[], $2::integer[], $3::integer[], $4::integer[], $5::bytea[])
           AS u (ticket_no, version, sale_status, check_status, sealed)
         WHERE t.ticket_no = u.ticket_no`,
        [
          col(updated, (x) => x.ticketNo),
          col(updated, (x) => x.version),
          col(updated, (x) => x.saleStatus),
          col(updated, (x) => x.checkStatus),
          col(updated, (x) => sealer.seal(x.record)),
        ],
      );
    }
    const events = plan.events;
    if (events.length > 0) {
      await c.query(
        `INSERT INTO ${t.eventLog} (seq, idempotency_key, source, source_seq, ticket_no, kind, occurred_ms, day,
           ticket_version, sale_status, check_status, sale_station, sale_day, route_code, medium, applied_ms)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::integer[],
           $7::bigint[], $8::text[], $9::integer[], $10::integer[], $11::integer[], $12::text[], $13::text[],
           $14::text[], $15::integer[], $16::bigint[])`,
        [
          col(events, (e) => String(e.seq)),
          col(events, (e) => e.idempotencyKey),
          col(events, (e) => e.source),
          col(events, (e) => String(e.sourceSeq)),
          col(events, (e) => e.ticketNo),
          col(events, (e) => e.kind),
          col(events, (e) => e.occurredMs),
          col(events, (e) => e.day),
          col(events, (e) => e.version),
          col(events, (e) => e.saleStatus),
          col(events, (e) => e.checkStatus),
          col(events, (e) => e.sale.saleStation),
          col(events, (e) => e.sale.saleDay),
          col(events, (e) => e.sale.routeCode),
          col(events, (e) => e.sale.medium),
          col(events, (e) => e.appliedMs),
        ],
      );
    }
    if (plan.emissions.length > 0) {
      await c.query(
        `INSERT INTO ${t.emission} (seq, destination, form)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])`,
        [
          col(plan.emissions, (m) => String(m.seq)),
          col(plan.emissions, (m) => m.destination),
          col(plan.emissions, (m) => m.form),
        ],
      );
    }
    const sent = plan.sourceEvents;
    if (sent.length > 0) {
      await c.query(
        `INSERT INTO ${t.sourceEvent} (source, source_seq, idempotency_key, outcome, code, reason, at_ms)
         SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::integer[], $5::text[], $6::text[], $7::bigint[])`,
        [
          plan.source,
          col(sent, (s) => String(s.sourceSeq)),
          col(sent, (s) => s.idempotencyKey),
          col(sent, (s) => s.outcome),
          col(sent, (s) => s.code),
          col(sent, (s) => s.reason),
          col(sent, (s) => s.atMs),
        ],
      );
    }
    await c.query(
      `INSERT INTO ${t.sourceCursor} (source, acked_seq) VALUES ($1, $2)
       ON CONFLICT (source) DO UPDATE SET acked_seq = excluded.acked_seq`,
      [plan.source, String(plan.ackedSeq)],
    );
    if (events.length > 0) {
      await c.query(`UPDATE ${t.head} SET last_seq = $1 WHERE id = 1`, [String(plan.lastSeq)]);
    }
    const invoices = plan.messages.filter((m) => m.topic === ticketInvoicesTopic);
    if (invoices.length > 0) {
      await c.query(
        `INSERT INTO ${t.invoiceRequest} (idempotency_key, ticket_no, state, invoice_no, updated_ms)
         SELECT k, n, 'requested', '', $3 FROM unnest($1::text[], $2::text[]) AS u (k, n) ON CONFLICT DO NOTHING`,
        [col(invoices, (m) => m.idempotencyKey), col(invoices, (m) => m.orderingKey ?? ""), nowMs],
      );
    }
    return (await outbox.enqueue(c, plan.messages, nowMs)).enqueued;
  }

  return {
    kind: "postgres",
    pool,
    schema,
    party: options.party,
    province: options.province,
    stations: options.stations,
    routes: options.routes,
    outbox: outbox.store(pool),

    async journeySources() {
      const { rows } = await pool.query(
        `SELECT source FROM ${t.sourceCursor}
         WHERE (source LIKE 'rail:%' OR source LIKE 'air:%') AND source LIKE '%/journey/%' ORDER BY source`,
      );
      return rows.map((r) => r.source as string);
    },

    async invoicesAwaiting(limit) {
      const { rows } = await pool.query(
        `SELECT idempotency_key AS key, ticket_no AS "ticketNo" FROM ${t.invoiceRequest}
         WHERE state != 'issued' ORDER BY updated_ms LIMIT $1`,
        [limit],
      );
      return rows as { key: string; ticketNo: string }[];
    },

    async recordInvoiceStandings(standings, nowMs) {
      await inTransaction(pool, async (c) => {
        // Uploads rewrite sealed tickets under the head row's lock: take it, so neither loses the other's write.
        await c.query(`SELECT 1 FROM ${t.head} WHERE id = 1 FOR UPDATE`);
        for (const s of standings) {
          const { rowCount } = await c.query(
            `UPDATE ${t.invoiceRequest} SET state = $1, invoice_no = $2, updated_ms = $3
             WHERE idempotency_key = $4 AND state != 'issued'`,
            [s.state, s.invoiceNo, nowMs, s.key],
          );
          if (rowCount === 0 || s.state !== "issued" || invoiceRoleOf(s.key) !== "blue") continue;
          const { rows } = await c.query(`SELECT sealed FROM ${t.ticket} WHERE ticket_no = $1 FOR UPDATE`, [
            s.ticketNo,
          ]);
          const row = rows[0] as { sealed: Buffer } | undefined;
          if (row === undefined) continue;
          const ticket = sealer.open(s.ticketNo, row.sealed);
          await c.query(`UPDATE ${t.ticket} SET sealed = $1 WHERE ticket_no = $2`, [
            sealer.seal({ ...ticket, invoiceNo: s.invoiceNo }),
            s.ticketNo,
          ]);
        }
      });
    },

    async upload(source, events, nowMs) {
      return inTransaction(pool, async (c) => {
        const plan = await decide(c, source, events, nowMs);
        const enqueued = await write(c, plan, nowMs);
        return { ackedSeq: plan.ackedSeq, results: plan.results, enqueued };
      });
    },

    async receive(sender, events, nowMs) {
      checkDelivered(sender, events);
      return inTransaction(pool, async (c) => {
        // Each ticket's copy is read and written by one delivery at a time (in_order is decided on
        // the version held); locks in one sorted order, so two deliveries cannot deadlock.
        await c.query(
          `SELECT pg_advisory_xact_lock(hashtext($1), k) FROM
             (SELECT DISTINCT hashtext(n) AS k FROM unnest($2::text[]) AS n ORDER BY 1) AS keys`,
          [t.receivedTicket, events.map((e) => e.ticket?.ticketNo ?? "")],
        );
        let applied = 0;
        let duplicates = 0;
        for (const e of events) {
          if (!(await recordPostgresInbox(c, t.inbox, sender, e.idempotencyKey, nowMs))) {
            duplicates += 1;
            continue;
          }
          const ticket = e.ticket as NonNullable<typeof e.ticket>;
          const { rows } = await c.query(`SELECT version FROM ${t.receivedTicket} WHERE ticket_no = $1`, [
            ticket.ticketNo,
          ]);
          const held = rows[0] === undefined ? 0 : num((rows[0] as Row).version);
          await c.query(
            `INSERT INTO ${t.receivedTicket} AS r (ticket_no, owner, version, sale_status, check_status, sealed)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (ticket_no) DO UPDATE SET version = excluded.version, sale_status = excluded.sale_status,
               check_status = excluded.check_status, sealed = excluded.sealed WHERE excluded.version > r.version`,
            [ticket.ticketNo, e.owner, e.ticketVersion, ticket.saleStatus, ticket.checkStatus, sealer.seal(ticket)],
          );
          await c.query(
            `INSERT INTO ${t.receivedEvent} AS r (idempotency_key, owner, owner_seq, ticket_no, ticket_version,
               in_order, applications, received_ms)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7)
             ON CONFLICT (idempotency_key) DO UPDATE SET applications = r.applications + 1`,
            [
              e.idempotencyKey,
              e.owner,
              String(e.ownerSeq),
              ticket.ticketNo,
              e.ticketVersion,
              e.ticketVersion === held + 1 ? 1 : 0,
              nowMs,
            ],
          );
          applied += 1;
        }
        return { applied, duplicates };
      });
    },

    async enqueueRegistry(registryKey, destination, payload, nowMs) {
      return inTransaction(pool, async (c) => {
        const { rowCount } = await c.query(
          `INSERT INTO ${t.registrySent} (registry_key) VALUES ($1) ON CONFLICT DO NOTHING`,
          [registryKey],
        );
        if (rowCount !== 1) return 0;
        return (
          await outbox.enqueue(
            c,
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
          )
        ).enqueued;
      });
    },

    async ticket(ticketNo) {
      const { rows } = await pool.query(`SELECT sealed FROM ${t.ticket} WHERE ticket_no = $1`, [ticketNo]);
      const row = rows[0] as Row | undefined;
      return row === undefined ? undefined : sealer.open(ticketNo, row.sealed as Buffer);
    },
    async status(ticketNo) {
      const { rows } = await pool.query(
        `SELECT ${statusColumns} FROM ${t.eventLog} WHERE ticket_no = $1 ORDER BY seq DESC LIMIT 1`,
        [ticketNo],
      );
      const row = rows[0] as Row | undefined;
      return row === undefined ? undefined : change(row);
    },
    async changesSince(since, limit) {
      const { rows } = await pool.query(
        `SELECT ${statusColumns} FROM ${t.eventLog} WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [String(since), limit],
      );
      return (rows as Row[]).map(change);
    },
    async lastSeq() {
      const { rows } = await pool.query(`SELECT last_seq FROM ${t.head} WHERE id = 1`);
      return big((rows[0] as Row).last_seq);
    },
    ackedSeq: (source) => cursorOf(pool, source),
    async stationDay(stationCode, day): Promise<ReconcileEntry[]> {
      const { rows } = await pool.query(
        `SELECT ticket_no, sale_status, fare_fen FROM ${t.ticket} WHERE sale_station = $1 AND sale_day = $2`,
        [stationCode, day],
      );
      return (rows as Row[]).map((r) => ({
        ticketNo: r.ticket_no as string,
        saleStatus: num(r.sale_status),
        fareFen: big(r.fare_fen),
      }));
    },
    countedEvents: () => countedEventsInPostgres(pool, schema),
    async close() {
      await pool.end();
    },
  };
}
