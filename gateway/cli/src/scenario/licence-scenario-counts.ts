import Database from "better-sqlite3";

// What the licence scenario counts, read at the receiving ends from the services' own databases
// (read-only beside the running processes: SQLite WAL lets readers in while the writer works).

export interface IssuerCounts {
  /** Events the licence system applied, by idempotency key. */
  readonly keys: ReadonlySet<string>;
  readonly headSeq: number;
  /** Messages still in its outbox, and of those dead letters. */
  readonly outboxLeft: number;
  readonly deadLetters: number;
}

export function readIssuer(path: string): IssuerCounts {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const keys = new Set(db.prepare("SELECT idempotency_key FROM licence_event").pluck().all() as string[]);
    const headSeq = db.prepare("SELECT coalesce(max(seq), 0) FROM licence_event").pluck().get() as number;
    const left = db
      .prepare("SELECT count(*) AS n, count(CASE WHEN state = 'dead' THEN 1 END) AS dead FROM outbox_message")
      .get() as {
      n: number;
      dead: number;
    };
    return { keys, headSeq, outboxLeft: left.n, deadLetters: left.dead };
  } finally {
    db.close();
  }
}

export interface LibraryCounts {
  /** Applied events by idempotency key. */
  readonly applied: ReadonlySet<string>;
  /** Per province: its applied sequence, events held beyond a gap. */
  readonly provinces: ReadonlyMap<string, { readonly appliedSeq: number; readonly held: number }>;
  /** (licence, version) pairs applied more than once. */
  readonly appliedTwice: number;
  /** Events applied that were not their licence's next version. */
  readonly outOfOrder: number;
  readonly gapsDetected: number;
  readonly gapsRepaired: number;
  readonly gapsOpen: number;
  /** Applied events failing a data rule, by idempotency key. */
  readonly noncompliant: ReadonlySet<string>;
  /** Milliseconds from the issuer recording an event to the library applying it, sorted. */
  readonly lagsMs: readonly number[];
}

export function readLibrary(path: string): LibraryCounts {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const applied = new Set(
      db.prepare("SELECT idempotency_key FROM lib_event WHERE applied_ms IS NOT NULL").pluck().all() as string[],
    );
    const provinces = new Map(
      (
        db
          .prepare(
            "SELECT p.province, p.applied_seq, (SELECT count(*) FROM lib_event e WHERE e.province = p.province AND e.applied_ms IS NULL) AS held FROM province p",
          )
          .all() as { province: string; applied_seq: number; held: number }[]
      ).map((r) => [r.province, { appliedSeq: r.applied_seq, held: r.held }]),
    );
    const appliedTwice = db
      .prepare(
        "SELECT count(*) FROM (SELECT licence_id, version FROM lib_event WHERE applied_ms IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1)",
      )
      .pluck()
      .get() as number;
    const outOfOrder = db.prepare("SELECT count(*) FROM lib_event WHERE in_order = 0").pluck().get() as number;
    const gaps = db
      .prepare(
        "SELECT count(detected_ms) AS detected, count(CASE WHEN detected_ms IS NOT NULL THEN repaired_ms END) AS repaired, count(CASE WHEN detected_ms IS NOT NULL AND repaired_ms IS NULL THEN 1 END) AS open FROM gap",
      )
      .get() as { detected: number; repaired: number; open: number };
    const noncompliant = new Set(
      db.prepare("SELECT idempotency_key FROM lib_event WHERE compliant = 0").pluck().all() as string[],
    );
    const lagsMs = db
      .prepare("SELECT applied_ms - recorded_ms FROM lib_event WHERE applied_ms IS NOT NULL ORDER BY 1")
      .pluck()
      .all() as number[];
    return {
      applied,
      provinces,
      appliedTwice,
      outOfOrder,
      gapsDetected: gaps.detected,
      gapsRepaired: gaps.repaired,
      gapsOpen: gaps.open,
      noncompliant,
      lagsMs,
    };
  } finally {
    db.close();
  }
}

/** The p-th percentile of sorted values (nearest rank). */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);
