import { createSqliteInbox, sqliteInboxSchema } from "@hutong/gateway/outbox";
import type { ReportTicketStatisticsRequest, RouteProfile, StationDayEntry, StationProfile } from "@hutong/proto";
import { beijingDay, openSqliteDatabase } from "@hutong/service-kit";
import type Database from "better-sqlite3";
import { type CountedEvent, computeIndicators } from "../../statistics/indicators.js";
import { checkReport } from "../port/check-input.js";
import type { MinistryStore } from "../port/ministry-store.js";

// The ministry statistics service's database. It holds no personal field: the statistics form has
// none (ticket_statistics_service.proto).
const ministrySchema = `
CREATE TABLE IF NOT EXISTS stat_event (
  idempotency_key TEXT PRIMARY KEY,
  province        TEXT NOT NULL,
  owner_seq       INTEGER NOT NULL,
  ticket_no       TEXT NOT NULL,
  ticket_version  INTEGER NOT NULL,
  kind            INTEGER NOT NULL,
  day             TEXT NOT NULL,
  sale_day        TEXT NOT NULL,
  sale_station    TEXT NOT NULL,
  route_code      TEXT NOT NULL,
  medium          INTEGER NOT NULL,
  in_order        INTEGER NOT NULL,
  applications    INTEGER NOT NULL,
  received_ms     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stat_event_province ON stat_event (province);
CREATE TABLE IF NOT EXISTS stat_ticket (
  ticket_no    TEXT PRIMARY KEY,
  province     TEXT NOT NULL,
  version      INTEGER NOT NULL,
  sale_station TEXT NOT NULL,
  sale_day     TEXT NOT NULL,
  fare_fen     INTEGER NOT NULL,
  sale_status  INTEGER NOT NULL,
  check_status INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stat_ticket_station_day ON stat_ticket (sale_station, sale_day);
CREATE TABLE IF NOT EXISTS station (
  province TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL, grade INTEGER NOT NULL,
  smart_ticketing INTEGER NOT NULL, smart_checking INTEGER NOT NULL, e_ticket_service INTEGER NOT NULL,
  PRIMARY KEY (province, code)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS route (
  province TEXT NOT NULL, code TEXT NOT NULL, customised INTEGER NOT NULL,
  PRIMARY KEY (province, code)
) WITHOUT ROWID;
${sqliteInboxSchema}
`;

/** The ministry store on SQLite, with its database (tools and tests read it directly). */
export interface SqliteMinistryStore extends MinistryStore {
  readonly kind: "sqlite";
  readonly db: Database.Database;
}

/** The ministry statistics service's store on SQLite (WAL, synchronous = FULL): one connection, one writer. */
export function openSqliteMinistryStore(path: string): SqliteMinistryStore {
  const db = openSqliteDatabase(path, ministrySchema);
  const inbox = createSqliteInbox(db);
  const q = {
    version: db.prepare("SELECT version FROM stat_ticket WHERE ticket_no = ?").pluck(),
    event: db.prepare(
      `INSERT INTO stat_event (idempotency_key, province, owner_seq, ticket_no, ticket_version, kind, day, sale_day,
         sale_station, route_code, medium, in_order, applications, received_ms)
       VALUES (@key, @province, @ownerSeq, @ticketNo, @version, @kind, @day, @saleDay, @saleStation, @routeCode, @medium,
         @inOrder, 1, @now)
       ON CONFLICT (idempotency_key) DO UPDATE SET applications = applications + 1`,
    ),
    ticket: db.prepare(
      `INSERT INTO stat_ticket (ticket_no, province, version, sale_station, sale_day, fare_fen, sale_status, check_status)
       VALUES (@ticketNo, @province, @version, @saleStation, @saleDay, @fareFen, @saleStatus, @checkStatus)
       ON CONFLICT (ticket_no) DO UPDATE SET version = excluded.version, sale_status = excluded.sale_status,
         check_status = excluded.check_status, fare_fen = excluded.fare_fen WHERE excluded.version > stat_ticket.version`,
    ),
    clearStations: db.prepare("DELETE FROM station WHERE province = ?"),
    clearRoutes: db.prepare("DELETE FROM route WHERE province = ?"),
    station: db.prepare("INSERT INTO station VALUES (?, ?, ?, ?, ?, ?, ?)"),
    route: db.prepare("INSERT INTO route VALUES (?, ?, ?)"),
    stations: db.prepare("SELECT * FROM station WHERE province = ? ORDER BY code"),
    routes: db.prepare("SELECT * FROM route WHERE province = ? ORDER BY code"),
    provinces: db
      .prepare("SELECT DISTINCT province FROM station UNION SELECT DISTINCT province FROM stat_event ORDER BY 1")
      .pluck(),
    counted: db.prepare("SELECT kind, sale_day, sale_station, route_code, medium FROM stat_event WHERE province = ?"),
    stationDay: db.prepare(
      "SELECT ticket_no, sale_status, fare_fen FROM stat_ticket WHERE sale_station = ? AND sale_day = ? ORDER BY ticket_no",
    ),
  };

  const report = db.transaction((sender: string, req: ReportTicketStatisticsRequest, nowMs: number) => {
    let applied = 0;
    let duplicates = 0;
    if (req.registryKey !== "") {
      if (inbox.record(sender, req.registryKey, nowMs)) {
        q.clearStations.run(sender);
        q.clearRoutes.run(sender);
        for (const s of req.stations) {
          q.station.run(
            sender,
            s.code,
            s.name,
            s.grade,
            s.smartTicketing ? 1 : 0,
            s.smartChecking ? 1 : 0,
            s.eTicketService ? 1 : 0,
          );
        }
        for (const r of req.routes) q.route.run(sender, r.code, r.customised ? 1 : 0);
        applied += 1;
      } else duplicates += 1;
    }
    for (const e of req.events) {
      if (!inbox.record(sender, e.idempotencyKey, nowMs)) {
        duplicates += 1;
        continue;
      }
      const held = q.version.get(e.ticketNo) as number | undefined;
      q.event.run({
        key: e.idempotencyKey,
        province: sender,
        ownerSeq: Number(e.ownerSeq),
        ticketNo: e.ticketNo,
        version: e.ticketVersion,
        kind: e.kind,
        day: beijingDay(e.occurredAt?.getTime() ?? 0),
        saleDay: e.saleDay,
        saleStation: e.saleStationCode,
        routeCode: e.routeCode,
        medium: e.medium,
        inOrder: e.ticketVersion === (held ?? 0) + 1 ? 1 : 0,
        now: nowMs,
      });
      q.ticket.run({
        ticketNo: e.ticketNo,
        province: sender,
        version: e.ticketVersion,
        saleStation: e.saleStationCode,
        saleDay: e.saleDay,
        fareFen: e.fareFen,
        saleStatus: e.saleStatus,
        checkStatus: e.checkStatus,
      });
      applied += 1;
    }
    return { applied, duplicates };
  });

  const registry = (province: string) => ({
    stations: (q.stations.all(province) as Record<string, unknown>[]).map(
      (r): StationProfile => ({
        code: r.code as string,
        name: r.name as string,
        grade: r.grade as number,
        smartTicketing: r.smart_ticketing === 1,
        smartChecking: r.smart_checking === 1,
        eTicketService: r.e_ticket_service === 1,
      }),
    ),
    routes: (q.routes.all(province) as Record<string, unknown>[]).map(
      (r): RouteProfile => ({ code: r.code as string, customised: r.customised === 1 }),
    ),
  });

  return {
    kind: "sqlite",
    db,
    async report(sender, req, nowMs) {
      checkReport(sender, req);
      return report.immediate(sender, req, nowMs);
    },
    async indicators(period, province) {
      const provinces = province === "" ? (q.provinces.all() as string[]) : [province];
      return provinces.map((p) =>
        computeIndicators(
          p,
          period,
          registry(p),
          (
            q.counted.all(p) as {
              kind: number;
              sale_day: string;
              sale_station: string;
              route_code: string;
              medium: number;
            }[]
          ).map(
            (r): CountedEvent => ({
              kind: r.kind,
              saleDay: r.sale_day,
              saleStationCode: r.sale_station,
              routeCode: r.route_code,
              medium: r.medium,
            }),
          ),
        ),
      );
    },
    async stationDay(stationCode, day): Promise<StationDayEntry[]> {
      return (q.stationDay.all(stationCode, day) as { ticket_no: string; sale_status: number; fare_fen: number }[]).map(
        (r) => ({
          ticketNo: r.ticket_no,
          saleStatus: r.sale_status,
          fareFen: BigInt(r.fare_fen),
        }),
      );
    },
    async close() {
      db.close();
    },
  };
}
