import type { MerkleHashName } from "@hutong/audit";
import type { AuditStore } from "./audit-store.js";
import type { GrantStore } from "./grant-store.js";
import type { OutboxStore } from "./outbox-store.js";
import type { ReplayStore } from "./replay-store.js";
import type { WitnessStore } from "./witness-store.js";

/** The gateway's durable state behind one port: the audit log, grants, witness state and the outbox. */
export type HutongStore = AuditStore &
  GrantStore &
  WitnessStore &
  OutboxStore & {
    /** Which adapter this is, for logs and metrics. */
    readonly kind: StoreLocation["kind"];
    /** The replay window replicas share; only where several processes share the store (PostgreSQL). */
    readonly replay?: ReplayStore;
    /** Waits for operations in flight, then releases the database. Idempotent. */
    close(): Promise<void>;
  };

export type StoreLocation =
  | {
      readonly kind: "sqlite";
      /** The database file (created if missing) with its -wal and -shm files beside it. */
      readonly path: string;
      /**
       * Where the synchronous SQLite calls run. "worker" (default): writes (and
       * their fsync) on a worker thread, reads on a read-only connection on the
       * caller's thread, each in its own macrotask, so the event loop stays free
       * and a read never waits behind a commit (docs/benchmarks.md, bench:audit).
       * "main": everything synchronously on the caller's thread (tools, tests).
       */
      readonly thread?: "worker" | "main";
    }
  | {
      readonly kind: "postgres";
      readonly url: string;
      /** Tables live in this schema (created if missing); default "hutong". */
      readonly schema?: string;
      /** Pool size; default 10. */
      readonly maxConnections?: number;
      /** Shown in pg_stat_activity; default "hutong". */
      readonly applicationName?: string;
    };

export interface StoreOptions {
  /** The audit tree's hash; a store created with another one refuses to open (`corrupt`). */
  readonly hash: MerkleHashName;
}
