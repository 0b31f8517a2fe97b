import type { MerkleHasher } from "@hutong/audit";
import type { AuditEntryInput, AuditStore } from "../store/port/audit-store.js";
import type { OutboxMessageInput } from "../store/port/outbox-store.js";
import { StoreError } from "../store/port/store-error.js";
import { checkAuditEntry } from "../store/port/validate-input.js";
import { checkOutboxMessages } from "../store/port/validate-outbox.js";
import { type AuditReader, createAuditReader } from "./audit-reader.js";

/** Where an append landed: its durable index and its leaf hash. */
export interface AppendedEntry {
  readonly index: number;
  readonly leafHash: Uint8Array;
}

/** One commit of the group-commit loop, for metrics and the benchmark. */
export interface CommitReport {
  readonly entries: number;
  readonly durationMs: number;
  /** Set when the commit failed (every append of the batch was rejected with it). */
  readonly error?: unknown;
}

export interface AuditLogOptions {
  readonly store: AuditStore;
  readonly hasher: MerkleHasher;
  /** Most entries per transaction (default 512). */
  readonly maxBatch?: number;
  /** Most appends waiting or committing at once; beyond it append rejects with `overloaded` (default 65536). */
  readonly maxQueued?: number;
  /**
   * Transactions handed to the store at once (default 1). With 2 the next batch
   * is already queued at the store (the SQLite worker, a second PostgreSQL
   * connection waiting for the write lock) while the previous one commits, so
   * the store never idles between commits; batches from this process may then
   * commit in either order (each batch's own entries stay in call order).
   */
  readonly maxInFlight?: number;
  /** Told after each commit's appends have settled; an exception it throws is swallowed. */
  readonly onCommit?: (report: CommitReport) => void;
}

export interface AuditLog extends AuditReader {
  /**
   * Appends one entry durably: resolves once the transaction holding it has
   * committed (index assigned, tree extended, head updated), never before.
   * Rejects with StoreError: `invalid-argument` for a malformed entry (checked
   * here, so it never joins a batch), `overloaded` when the queue is full,
   * `closed` after close(), or the commit's error (every append of that batch gets it).
   * `outbox` messages (a notification the entry's event causes) commit in the same transaction
   * as the entry: both or neither (docs/outbox.md).
   */
  append(entry: AuditEntryInput, outbox?: readonly OutboxMessageInput[]): Promise<AppendedEntry>;
  /** Appends accepted and not yet settled (queued or committing). */
  readonly pending: number;
  /** Refuses new appends and waits until the accepted ones have settled. Does not close the store. */
  close(): Promise<void>;
}

interface Waiter {
  readonly entry: AuditEntryInput;
  readonly outbox: readonly OutboxMessageInput[];
  resolve(appended: AppendedEntry): void;
  reject(e: unknown): void;
}

/**
 * The audit log's writer: group commit over the store. Appends that arrive
 * while a commit is in flight queue up and go together in the next
 * transaction, up to `maxBatch`; there is no timer, the commit's own latency is
 * the batching window, so a lone append is committed at once and a busy log
 * amortises each fsync over hundreds of entries. One commit at a time from
 * this process; other processes sharing a PostgreSQL log are serialised by
 * the store's write lock.
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { store, hasher, onCommit } = options;
  const maxBatch = options.maxBatch ?? 512;
  const maxQueued = options.maxQueued ?? 65_536;
  const maxInFlight = options.maxInFlight ?? 1;
  for (const [name, value] of [
    ["maxBatch", maxBatch],
    ["maxQueued", maxQueued],
    ["maxInFlight", maxInFlight],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new StoreError("invalid-argument", `${name} must be ≥ 1`);
  }
  const reader = createAuditReader(store, hasher);

  let queue: Waiter[] = [];
  /** Transactions in flight, and the appends in them. */
  let commits = 0;
  let committing = 0;
  let closed = false;
  let drained: (() => void) | undefined;
  let closing: Promise<void> | undefined;

  function kick(): void {
    while (commits < maxInFlight && queue.length > 0) commitNext();
    if (commits === 0 && queue.length === 0) drained?.();
  }

  function commitNext(): void {
    const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
    queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
    commits += 1;
    committing += batch.length;
    const started = performance.now();
    let appended: Promise<Awaited<ReturnType<AuditStore["appendBatch"]>>>;
    try {
      const outbox = batch.flatMap((w) => w.outbox);
      appended =
        outbox.length === 0
          ? store.appendBatch(batch.map((w) => w.entry))
          : store.appendBatch(
              batch.map((w) => w.entry),
              outbox,
            );
    } catch (e) {
      appended = Promise.reject(e);
    }
    const settle = () => {
      commits -= 1;
      committing -= batch.length;
    };
    // Every append settles before the hook runs, and the hook cannot stop the loop: a metrics
    // callback that throws must not leave callers waiting forever.
    const report = (r: CommitReport) => {
      try {
        onCommit?.(r);
      } catch {
        // Deliberately ignored: the appends have settled already.
      }
    };
    appended.then(
      (result) => {
        settle();
        batch.forEach((w, i) => {
          const leafHash = result.leafHashes[i];
          if (leafHash === undefined)
            w.reject(new StoreError("corrupt", `the store returned no leaf hash for entry ${i}`));
          else w.resolve({ index: result.firstIndex + i, leafHash });
        });
        report({ entries: batch.length, durationMs: performance.now() - started });
        kick();
      },
      (e: unknown) => {
        settle();
        for (const w of batch) w.reject(e);
        report({ entries: batch.length, durationMs: performance.now() - started, error: e });
        kick();
      },
    );
  }

  return {
    ...reader,

    append(entry, outbox = []) {
      if (closed) return Promise.reject(new StoreError("closed", "the audit log is closed"));
      // Checked per append, not per batch: a malformed entry fails its own caller only, never
      // the other shares that would have been committed with it.
      try {
        checkAuditEntry(entry, 0);
        checkOutboxMessages(outbox);
      } catch (e) {
        return Promise.reject(e);
      }
      if (queue.length + committing >= maxQueued) {
        return Promise.reject(new StoreError("overloaded", `the audit log has ${maxQueued} appends pending`));
      }
      return new Promise<AppendedEntry>((resolve, reject) => {
        queue.push({ entry, outbox, resolve, reject });
        kick();
      });
    },

    get pending() {
      return queue.length + committing;
    },

    close() {
      closed = true;
      closing ??=
        queue.length === 0 && commits === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              drained = resolve;
            });
      return closing;
    },
  };
}
