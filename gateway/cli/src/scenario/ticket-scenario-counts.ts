import Database from "better-sqlite3";

// What the scenario counts, read at the receiving ends from the services' own databases (opened
// read-only beside the running processes: SQLite WAL lets readers in while the writer works).

export interface ProvinceCounts {
  /** Station events applied (event_log), by idempotency key. */
  readonly appliedKeys: ReadonlySet<string>;
  /** Events applied out of a source's sequence order. */
  readonly sourceOrderBreaks: number;
  /** Deliveries written by this province: `${seq} ${destination} ${form}`. */
  readonly emissions: readonly { readonly key: string; readonly destination: string; readonly form: string }[];
  /** Deliveries received from other provinces, by idempotency key. */
  readonly received: ReadonlyMap<string, { readonly applications: number; readonly inOrder: boolean }>;
  /** Messages still in the outbox (pending or dead). */
  readonly outboxLeft: number;
  readonly deadLetters: number;
}

export function readProvince(path: string, party: string): ProvinceCounts {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const applied = db.prepare("SELECT idempotency_key, source, source_seq FROM event_log ORDER BY seq").all() as {
      idempotency_key: string;
      source: string;
      source_seq: number;
    }[];
    const last = new Map<string, number>();
    let breaks = 0;
    for (const a of applied) {
      if ((last.get(a.source) ?? 0) >= a.source_seq) breaks += 1;
      last.set(a.source, a.source_seq);
    }
    const emissions = (
      db.prepare("SELECT seq, destination, form FROM emission").all() as {
        seq: number;
        destination: string;
        form: string;
      }[]
    ).map((e) => ({ key: `${party}#${e.seq}`, destination: e.destination, form: e.form }));
    const received = new Map(
      (
        db.prepare("SELECT idempotency_key, applications, in_order FROM received_event").all() as {
          idempotency_key: string;
          applications: number;
          in_order: number;
        }[]
      ).map((r) => [r.idempotency_key, { applications: r.applications, inOrder: r.in_order === 1 }] as const),
    );
    return {
      appliedKeys: new Set(applied.map((a) => a.idempotency_key)),
      sourceOrderBreaks: breaks,
      emissions,
      received,
      outboxLeft: db.prepare("SELECT count(*) FROM outbox_message").pluck().get() as number,
      deadLetters: db.prepare("SELECT count(*) FROM outbox_message WHERE state = 'dead'").pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

export function readMinistry(
  path: string,
): ReadonlyMap<string, { readonly applications: number; readonly inOrder: boolean }> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return new Map(
      (
        db.prepare("SELECT idempotency_key, applications, in_order FROM stat_event").all() as {
          idempotency_key: string;
          applications: number;
          in_order: number;
        }[]
      ).map((r) => [r.idempotency_key, { applications: r.applications, inOrder: r.in_order === 1 }] as const),
    );
  } finally {
    db.close();
  }
}
