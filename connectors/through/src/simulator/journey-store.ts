import Database from "better-sqlite3";
import type { RoadLegBooking } from "../protocol/partner-api.js";
import type { Journey, JourneyLeg, JourneySummary, Notice, NoticeKind, RoadLegAsked } from "./journey.js";
import { beijingIso } from "./partner-time.js";

// The partner simulator's own SQLite store: its journeys and each journey's feed of notices. A
// change to a journey and the notice it issues are written in one transaction (`transaction`),
// and every answer follows its commit (WAL, synchronous FULL): a SIGKILL never leaves a journey
// without its first notice, nor a notice twice (UNIQUE (journey_id, seq)).

const schema = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS journeys (
  journey_id TEXT PRIMARY KEY,
  service_no TEXT NOT NULL,
  from_station TEXT NOT NULL,
  to_station TEXT NOT NULL,
  depart_time INTEGER NOT NULL,
  arrive_time INTEGER NOT NULL,
  road_leg_after INTEGER NOT NULL CHECK (road_leg_after IN (0, 1)),
  status TEXT NOT NULL CHECK (status IN ('DELIVERED', 'REFUNDED')),
  -- The RoadLegBooking as last booked, JSON.
  road TEXT NOT NULL,
  notices_issued INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  -- The connector's last answer on the road leg (RoadLegAsked), JSON.
  road_leg_asked TEXT,
  created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS notices (
  -- Creation order: the feed's order.
  n INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  journey_id TEXT NOT NULL REFERENCES journeys (journey_id),
  seq INTEGER NOT NULL CHECK (seq >= 1),
  type TEXT NOT NULL CHECK (type IN ('ISSUED', 'CHANGED', 'REFUNDED')),
  -- { leg, road? } as when issued, JSON.
  payload TEXT NOT NULL,
  acked INTEGER NOT NULL DEFAULT 0 CHECK (acked IN (0, 1)),
  created INTEGER NOT NULL,
  UNIQUE (journey_id, seq)
);
CREATE INDEX IF NOT EXISTS notices_pending ON notices (n) WHERE acked = 0;
`;

interface JourneyRow {
  journey_id: string;
  service_no: string;
  from_station: string;
  to_station: string;
  depart_time: number;
  arrive_time: number;
  road_leg_after: number;
  status: JourneyLeg["status"];
  road: string;
  last_seq: number;
  road_leg_asked: string | null;
}

interface NoticeRow {
  id: string;
  journey_id: string;
  seq: number;
  type: NoticeKind;
  payload: string;
  created: number;
}

/** A journey as stored, with the seq of its last notice. */
export interface StoredJourney extends Journey {
  readonly lastSeq: number;
}

function toJourney(row: JourneyRow): StoredJourney {
  return {
    journeyId: row.journey_id,
    leg: {
      serviceNo: row.service_no,
      from: row.from_station,
      to: row.to_station,
      departTime: row.depart_time,
      arriveTime: row.arrive_time,
      status: row.status,
      roadLegAfter: row.road_leg_after === 1,
    },
    road: JSON.parse(row.road) as RoadLegBooking,
    lastSeq: row.last_seq,
  };
}

function toNotice(row: NoticeRow): Notice {
  const payload = JSON.parse(row.payload) as { leg: JourneyLeg; road?: RoadLegBooking };
  return {
    id: row.id,
    journeyId: row.journey_id,
    seq: row.seq,
    kind: row.type,
    leg: payload.leg,
    ...(payload.road === undefined ? {} : { road: payload.road }),
    created: row.created,
  };
}

/** Which partner a store belongs to; a store is never reopened as another's. */
export interface StoreIdentity {
  readonly protocol: string;
  readonly party: string;
}

export class JourneyStore {
  readonly #db: Database.Database;

  /** Opens (or creates) the store at `path`; throws when it was created for another partner. */
  constructor(path: string, identity: StoreIdentity) {
    this.#db = new Database(path);
    try {
      this.#db.pragma("journal_mode = WAL");
      this.#db.pragma("synchronous = FULL");
      this.#db.pragma("busy_timeout = 10000");
      this.#db.pragma("foreign_keys = ON");
      this.#db.exec(schema);
      this.transaction(() => {
        for (const [key, value] of Object.entries(identity)) {
          this.#db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`).run(key, value);
          const stored = (this.#db.prepare(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string }).value;
          if (stored !== value) throw new Error(`the store at ${path} belongs to ${key} ${stored}, not ${value}`);
        }
      });
    } catch (e) {
      this.#db.close();
      throw e;
    }
  }

  /** Runs `work` as one transaction (IMMEDIATE: it writes); rolled back entirely when it throws. */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work).immediate();
  }

  journey(journeyId: string): StoredJourney | undefined {
    const row = this.#db.prepare(`SELECT * FROM journeys WHERE journey_id = ?`).get(journeyId) as
      | JourneyRow
      | undefined;
    return row === undefined ? undefined : toJourney(row);
  }

  /** A new journey, with no notice yet (its first is `insertNotice`'s, in the same transaction). */
  insertJourney(journey: Journey, now: number): void {
    const { leg } = journey;
    this.#db
      .prepare(
        `INSERT INTO journeys (journey_id, service_no, from_station, to_station, depart_time, arrive_time,
           road_leg_after, status, road, notices_issued, last_seq, created)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?)`,
      )
      .run(
        journey.journeyId,
        leg.serviceNo,
        leg.from,
        leg.to,
        leg.departTime,
        leg.arriveTime,
        leg.roadLegAfter ? 1 : 0,
        leg.status,
        JSON.stringify(journey.road),
        now,
      );
  }

  /** The journey's leg and road booking as they now are. */
  updateJourney(journeyId: string, leg: JourneyLeg, road: RoadLegBooking): void {
    this.#db
      .prepare(
        `UPDATE journeys SET service_no = ?, from_station = ?, to_station = ?, depart_time = ?, arrive_time = ?,
           road_leg_after = ?, status = ?, road = ? WHERE journey_id = ?`,
      )
      .run(
        leg.serviceNo,
        leg.from,
        leg.to,
        leg.departTime,
        leg.arriveTime,
        leg.roadLegAfter ? 1 : 0,
        leg.status,
        JSON.stringify(road),
        journeyId,
      );
  }

  /** Adds a notice to its journey's feed; its seq must be the journey's next. */
  insertNotice(notice: Notice): void {
    const bumped = this.#db
      .prepare(
        `UPDATE journeys SET last_seq = last_seq + 1, notices_issued = notices_issued + 1
         WHERE journey_id = ? AND last_seq = ?`,
      )
      .run(notice.journeyId, notice.seq - 1);
    if (bumped.changes !== 1) throw new Error("a notice out of its journey's sequence");
    this.#db
      .prepare(`INSERT INTO notices (id, journey_id, seq, type, payload, created) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(
        notice.id,
        notice.journeyId,
        notice.seq,
        notice.kind,
        JSON.stringify(notice.road === undefined ? { leg: notice.leg } : { leg: notice.leg, road: notice.road }),
        notice.created,
      );
  }

  recordRoadLegAsked(journeyId: string, asked: RoadLegAsked): void {
    this.#db
      .prepare(`UPDATE journeys SET road_leg_asked = ? WHERE journey_id = ?`)
      .run(JSON.stringify(asked), journeyId);
  }

  /**
   * Up to `limit` unacknowledged notices in creation order, each the first unacknowledged of its
   * journey: a journey's later notices wait until the earlier is acknowledged, so the feed stays in
   * order per journey even when an acknowledgement is lost.
   */
  pending(limit: number): Notice[] {
    const rows = this.#db
      .prepare(
        `SELECT n.id, n.journey_id, n.seq, n.type, n.payload, n.created FROM notices n
         WHERE n.acked = 0 AND NOT EXISTS
           (SELECT 1 FROM notices e WHERE e.journey_id = n.journey_id AND e.seq < n.seq AND e.acked = 0)
         ORDER BY n.n LIMIT ?`,
      )
      .all(limit) as NoticeRow[];
    return rows.map(toNotice);
  }

  /** Marks these notices acknowledged; how many of the ids are known (so acknowledged now), each once. */
  acknowledge(ids: readonly string[]): number {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return 0;
    return this.transaction(() => {
      const mark = this.#db.prepare(`UPDATE notices SET acked = 1 WHERE id = ?`);
      let known = 0;
      for (const id of unique) known += mark.run(id).changes;
      return known;
    });
  }

  summaries(): JourneySummary[] {
    const rows = this.#db
      .prepare(
        `SELECT j.*,
           (SELECT count(*) FROM notices n WHERE n.journey_id = j.journey_id AND n.acked = 1) AS acked,
           (SELECT count(*) FROM notices n WHERE n.journey_id = j.journey_id AND n.acked = 0) AS pending
         FROM journeys j ORDER BY j.created, j.journey_id`,
      )
      .all() as (JourneyRow & { acked: number; pending: number })[];
    return rows.map((row) => ({
      journeyId: row.journey_id,
      status: row.status,
      seq: row.last_seq,
      departTime: beijingIso(row.depart_time),
      arriveTime: beijingIso(row.arrive_time),
      roadLegAfter: row.road_leg_after === 1,
      noticesAcked: row.acked,
      noticesPending: row.pending,
      roadLegAsked: row.road_leg_asked === null ? null : (JSON.parse(row.road_leg_asked) as RoadLegAsked),
    }));
  }

  counts(): { readonly journeys: number; readonly notices: number; readonly acked: number; readonly pending: number } {
    const count = (sql: string) => (this.#db.prepare(sql).get() as { n: number }).n;
    const notices = count(`SELECT count(*) AS n FROM notices`);
    const acked = count(`SELECT count(*) AS n FROM notices WHERE acked = 1`);
    return { journeys: count(`SELECT count(*) AS n FROM journeys`), notices, acked, pending: notices - acked };
  }

  close(): void {
    this.#db.close();
  }
}
