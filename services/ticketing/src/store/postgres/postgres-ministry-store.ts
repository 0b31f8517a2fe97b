import { postgresInboxSchema, recordPostgresInbox } from "@hutong/gateway/outbox";
import type { RouteProfile, StationDayEntry, StationProfile } from "@hutong/proto";
import { beijingDay } from "@hutong/service-kit";
import type pg from "pg";
import { computeIndicators } from "../../statistics/indicators.js";
import { checkReport } from "../port/check-input.js";
import type { MinistryStore } from "../port/ministry-store.js";
import type { PostgresLocation } from "../port/province-store.js";
import { big, createSchema, inTransaction, num, openPool } from "./postgres-pool.js";

// The ministry statistics service's tables on PostgreSQL: those of sqlite/sqlite-ministry-store.ts,
// qualified with the configured schema. No personal field: the statistics form has none.

export function ministryTables(schema: string) {
  const q = (table: string) => `"${schema}".${table}`;
  return {
    event: q("stat_event"),
    ticket: q("stat_ticket"),
    station: q("station"),
    route: q("route"),
    inbox: q("inbox_message"),
  };
}

function ministrySchema(schema: string): string {
  const t = ministryTables(schema);
  return `
CREATE TABLE IF NOT EXISTS ${t.event} (
  idempotency_key text PRIMARY KEY,
  province        text NOT NULL,
  owner_seq       bigint NOT NULL,
  ticket_no       text NOT NULL,
  ticket_version  integer NOT NULL,
  kind            integer NOT NULL,
  day             text NOT NULL,
  sale_day        text NOT NULL,
  sale_station    text NOT NULL,
  route_code      text NOT NULL,
  medium          integer NOT NULL,
  in_order        integer NOT NULL,
  applications    integer NOT NULL,
  received_ms     bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS stat_event_province ON ${t.event} (province);
CREATE TABLE IF NOT EXISTS ${t.ticket} (
  ticket_no    text PRIMARY KEY,
  province     text NOT NULL,
  version      integer NOT NULL,
  sale_station text NOT NULL,
  sale_day     text NOT NULL,
  fare_fen     bigint NOT NULL,
  sale_status  integer NOT NULL,
  check_status integer NOT NULL
);
CREATE INDEX IF NOT EXISTS stat_ticket_station_day ON ${t.ticket} (sale_station, sale_day);
CREATE TABLE IF NOT EXISTS ${t.station} (
  province text NOT NULL, code text NOT NULL, name text NOT NULL, grade integer NOT NULL,
  smart_ticketing integer NOT NULL, smart_checking integer NOT NULL, e_ticket_service integer NOT NULL,
  PRIMARY KEY (province, code)
);
CREATE TABLE IF NOT EXISTS ${t.route} (
  province text NOT NULL, code text NOT NULL, customised integer NOT NULL,
  PRIMARY KEY (province, code)
);
${postgresInboxSchema(t.inbox)}
`;
}

/** The ministry store on PostgreSQL, with its pool and schema (tools and tests read them directly). */
export interface PostgresMinistryStore extends MinistryStore {
  readonly kind: "postgres";
  readonly pool: pg.Pool;
  readonly schema: string;
}

type Row = Record<string, unknown>;

/**
 * The ministry statistics service's store on PostgreSQL, in its own schema (created if absent). A
 * report locks its tickets and, with a registry, its province (transaction-scoped advisory locks,
 * in one sorted order) and records every key in the inbox in the transaction that applies it.
 */
export async function openPostgresMinistryStore(location: PostgresLocation): Promise<PostgresMinistryStore> {
  const { schema } = location;
  const pool = openPool(location, "statistics");
  try {
    await createSchema(pool, schema, ministrySchema(schema));
  } catch (e) {
    await pool.end();
    throw e;
  }
  const t = ministryTables(schema);

  const registry = async (province: string) => {
    const stations = await pool.query(`SELECT * FROM ${t.station} WHERE province = $1 ORDER BY code COLLATE "C"`, [
      province,
    ]);
    const routes = await pool.query(`SELECT * FROM ${t.route} WHERE province = $1 ORDER BY code COLLATE "C"`, [
      province,
    ]);
    return {
      stations: (stations.rows as Row[]).map(
        (r): StationProfile => ({
          code: r.code as string,
          name: r.name as string,
          grade: num(r.grade),
          smartTicketing: num(r.smart_ticketing) === 1,
          smartChecking: num(r.smart_checking) === 1,
          eTicketService: num(r.e_ticket_service) === 1,
        }),
      ),
      routes: (routes.rows as Row[]).map(
        (r): RouteProfile => ({ code: r.code as string, customised: num(r.customised) === 1 }),
      ),
    };
  };

  return {
    kind: "postgres",
    pool,
    schema,
    async report(sender, req, nowMs) {
      checkReport(sender, req);
      return inTransaction(pool, async (c) => {
        const locks = [...(req.registryKey === "" ? [] : [`registry ${sender}`]), ...req.events.map((e) => e.ticketNo)];
        await c.query(
          `SELECT pg_advisory_xact_lock(hashtext($1), k) FROM
             (SELECT DISTINCT hashtext(n) AS k FROM unnest($2::text[]) AS n ORDER BY 1) AS keys`,
          [t.ticket, locks],
        );
        let applied = 0;
        let duplicates = 0;
        if (req.registryKey !== "") {
          if (await recordPostgresInbox(c, t.inbox, sender, req.registryKey, nowMs)) {
            await c.query(`DELETE FROM ${t.station} WHERE province = $1`, [sender]);
            await c.query(`DELETE FROM ${t.route} WHERE province = $1`, [sender]);
            const s = req.stations;
            if (s.length > 0) {
              await c.query(
                `INSERT INTO ${t.station} SELECT $1, * FROM unnest($2::text[], $3::text[], $4::integer[],
                   $5::integer[], $6::integer[], $7::integer[])`,
                [
                  sender,
                  s.map((x) => x.code),
                  s.map((x) => x.name),
                  s.map((x) => x.grade),
                  s.map((x) => (x.smartTicketing ? 1 : 0)),
                  s.map((x) => (x.smartChecking ? 1 : 0)),
                  s.map((x) => (x.eTicketService ? 1 : 0)),
                ],
              );
            }
            if (req.routes.length > 0) {
              await c.query(`INSERT INTO ${t.route} SELECT $1, * FROM unnest($2::text[], $3::integer[])`, [
                sender,
                req.routes.map((r) => r.code),
                req.routes.map((r) => (r.customised ? 1 : 0)),
              ]);
            }
            applied += 1;
          } else duplicates += 1;
        }
        for (const e of req.events) {
          if (!(await recordPostgresInbox(c, t.inbox, sender, e.idempotencyKey, nowMs))) {
            duplicates += 1;
            continue;
          }
          const { rows } = await c.query(`SELECT version FROM ${t.ticket} WHERE ticket_no = $1`, [e.ticketNo]);
          const held = rows[0] === undefined ? 0 : num((rows[0] as Row).version);
          await c.query(
            `INSERT INTO ${t.event} AS x (idempotency_key, province, owner_seq, ticket_no, ticket_version, kind, day,
               sale_day, sale_station, route_code, medium, in_order, applications, received_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13)
             ON CONFLICT (idempotency_key) DO UPDATE SET applications = x.applications + 1`,
            [
              e.idempotencyKey,
              sender,
              String(e.ownerSeq),
              e.ticketNo,
              e.ticketVersion,
              e.kind,
              beijingDay(e.occurredAt?.getTime() ?? 0),
              e.saleDay,
              e.saleStationCode,
              e.routeCode,
              e.medium,
              e.ticketVersion === held + 1 ? 1 : 0,
              nowMs,
            ],
          );
          await c.query(
            `INSERT INTO ${t.ticket} AS x (ticket_no, province, version, sale_station, sale_day, fare_fen, sale_status,
               check_status)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (ticket_no) DO UPDATE SET version = excluded.version, sale_status = excluded.sale_status,
               check_status = excluded.check_status, fare_fen = excluded.fare_fen WHERE excluded.version > x.version`,
            [
              e.ticketNo,
              sender,
              e.ticketVersion,
              e.saleStationCode,
              e.saleDay,
              String(e.fareFen),
              e.saleStatus,
              e.checkStatus,
            ],
          );
          applied += 1;
        }
        return { applied, duplicates };
      });
    },

    async indicators(period, province) {
      const provinces =
        province === ""
          ? ((
              await pool.query(
                `SELECT province FROM (SELECT province FROM ${t.station} UNION SELECT province FROM ${t.event}) AS p
                 ORDER BY province COLLATE "C"`,
              )
            ).rows.map((r: Row) => r.province as string) as string[])
          : [province];
      return Promise.all(
        provinces.map(async (p) => {
          const { rows } = await pool.query(
            `SELECT kind, sale_day, sale_station, route_code, medium FROM ${t.event} WHERE province = $1`,
            [p],
          );
          return computeIndicators(
            p,
            period,
            await registry(p),
            (rows as Row[]).map((r) => ({
              kind: num(r.kind),
              saleDay: r.sale_day as string,
              saleStationCode: r.sale_station as string,
              routeCode: r.route_code as string,
              medium: num(r.medium),
            })),
          );
        }),
      );
    },

    async stationDay(stationCode, day): Promise<StationDayEntry[]> {
      const { rows } = await pool.query(
        `SELECT ticket_no, sale_status, fare_fen FROM ${t.ticket} WHERE sale_station = $1 AND sale_day = $2
         ORDER BY ticket_no COLLATE "C"`,
        [stationCode, day],
      );
      return (rows as Row[]).map((r) => ({
        ticketNo: r.ticket_no as string,
        saleStatus: num(r.sale_status),
        fareFen: big(r.fare_fen),
      }));
    },

    async close() {
      await pool.end();
    },
  };
}
