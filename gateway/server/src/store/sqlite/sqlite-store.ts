import { Worker } from "node:worker_threads";
import { type MerkleHashName, merkleHasher } from "@hutong/audit";
import type { AppendedBatch, AuditEntryInput } from "../port/audit-store.js";
import type { HutongStore } from "../port/store.js";
import { StoreError } from "../port/store-error.js";
import { openSqliteCore, type SqliteCore } from "./sqlite-core.js";
import type { WorkerReply, WorkerRequest } from "./sqlite-worker-protocol.js";
import {
  readOperationNames,
  type StoreOperationName,
  type StoreOperations,
  storeOperationNames,
} from "./store-operations.js";

type Call = (op: StoreOperationName, args: readonly unknown[]) => Promise<unknown>;

/** The async port over a `call` that runs one named operation somewhere. */
function storeOver(hash: MerkleHashName, call: Call, close: () => Promise<void>): HutongStore {
  const ops = Object.fromEntries(
    storeOperationNames.map((op) => [op, (...args: unknown[]) => call(op, args)]),
  ) as unknown as StoreOperations;
  return { ...ops, kind: "sqlite", hash, close };
}

/**
 * The SQLite adapter. better-sqlite3 is synchronous: on the caller's thread
 * every statement and every commit's fsync blocks the event loop. In "worker"
 * mode (the default) the core runs on its own thread and this side only posts
 * messages; bench:audit measures what that buys (docs/benchmarks.md).
 */
export async function openSqliteStore(
  path: string,
  hash: MerkleHashName,
  thread: "worker" | "main" = "worker",
): Promise<HutongStore> {
  if (thread === "main") return sqliteOnThisThread(path, hash);
  return sqliteOnWorker(path, hash);
}

function sqliteOnThisThread(path: string, hash: MerkleHashName): HutongStore {
  const core = openSqliteCore(path, hash);
  // Synchronous: each operation has happened when the call returns (its promise
  // settles a microtask later). A caller that appends again as soon as an append
  // resolves, with no I/O in between, therefore never yields to timers or
  // sockets: this mode is for tools and tests, the gateway uses "worker".
  const call: Call = (op, args) =>
    new Promise((resolve) => {
      // A throw inside the executor rejects the promise.
      resolve((core[op] as (...a: readonly unknown[]) => unknown)(...args));
    });
  return storeOver(hash, call, async () => core.close());
}

/**
 * Runs read operations each in its own macrotask (setImmediate), like a reply
 * from I/O: an export reading chunk after chunk would otherwise chain
 * synchronous reads through microtasks and starve timers and sockets. Reads
 * asked for before close() still run; `settled()` waits for them.
 */
function deferredReads(core: SqliteCore, isClosed: () => boolean): { call: Call; settled(): Promise<unknown> } {
  const inFlight = new Set<Promise<unknown>>();
  const call: Call = (op, args) => {
    if (isClosed()) return Promise.reject(new StoreError("closed", "the store is closed"));
    const p = new Promise((resolve, reject) => {
      setImmediate(() => {
        try {
          resolve((core[op] as (...a: readonly unknown[]) => unknown)(...args));
        } catch (e) {
          reject(e);
        }
      });
    });
    inFlight.add(p);
    const forget = () => inFlight.delete(p);
    p.then(forget, forget);
    return p;
  };
  return { call, settled: () => Promise.allSettled([...inFlight]) };
}

function startWorker(path: string, hash: MerkleHashName): Worker {
  const workerData = { path, hash };
  if (import.meta.url.endsWith(".ts")) {
    // Running from TypeScript sources under tsx (the hutong-source condition): a
    // worker thread does not inherit tsx's loader hooks, so it registers them
    // before importing the .ts entry point.
    const tsx = import.meta.resolve("tsx/esm/api");
    const entry = new URL("./sqlite-worker.ts", import.meta.url).href;
    const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(boot, { eval: true, workerData });
  }
  return new Worker(new URL("./sqlite-worker.js", import.meta.url), { workerData });
}

async function sqliteOnWorker(path: string, hash: MerkleHashName): Promise<HutongStore> {
  const worker = startWorker(path, hash);
  const pending = new Map<number, { resolve(value: unknown): void; reject(e: StoreError): void }>();
  let nextId = 1;
  let dead: StoreError | undefined;
  let closing: Promise<void> | undefined;

  const failAll = (e: StoreError) => {
    dead ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const opened = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  worker.on("message", (reply: WorkerReply) => {
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (pending.size === 0) worker.unref();
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new StoreError(reply.code, reply.message));
  });
  worker.on("error", (e) => {
    failAll(new StoreError("unavailable", `the SQLite worker failed (${e.name})`, { cause: e }));
  });
  worker.on("exit", (code) => {
    failAll(
      closing === undefined
        ? new StoreError("unavailable", `the SQLite worker exited (code ${code})`)
        : new StoreError("closed", "the store is closed"),
    );
  });

  const send = (op: WorkerRequest["op"], args: readonly unknown[]): Promise<unknown> => {
    if (dead !== undefined) return Promise.reject(dead);
    if (closing !== undefined) return Promise.reject(new StoreError("closed", "the store is closed"));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      // Referenced only while a reply is awaited: an idle open store never keeps the process alive.
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, args } satisfies WorkerRequest);
    });
  };

  try {
    await opened;
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  const close = (): Promise<void> => {
    if (closing !== undefined) return closing;
    if (dead !== undefined) {
      closing = Promise.resolve();
      return closing;
    }
    // Queued behind every operation already sent, so those finish first.
    const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    const done = send("close", []);
    closing = done.then(
      () => {
        worker.ref(); // until it has exited, or the process could end with close() unsettled
        return exited;
      },
      async () => {
        await worker.terminate();
      },
    );
    return closing;
  };
  // Reads go to a read-only connection on this thread: a WAL reader sees every
  // committed write and is never blocked by the writer's transaction or fsync.
  let reader: SqliteCore;
  try {
    reader = openSqliteCore(path, hash, "read-only");
  } catch (e) {
    await close();
    throw e;
  }
  const reads = deferredReads(reader, () => closing !== undefined);
  // A read sees every write whose promise has resolved; one issued while a write is
  // still in flight may or may not see it (as with PostgreSQL's pool). It never
  // waits for the writer: a proof is not queued behind a batch being committed.
  const hasher = merkleHasher(hash);
  const call: Call = (op, args) => {
    if (readOperationNames.has(op)) return reads.call(op, args);
    if (op === "appendBatch") {
      // Leaf hashes depend on the bytes alone: computing them here, on the otherwise
      // idle calling thread, takes most of the hashing (~14% of its time) off the writer.
      const entries = args[0] as readonly AuditEntryInput[];
      if (Array.isArray(entries) && entries.every((e) => e?.bytes instanceof Uint8Array)) {
        const leafHashes = entries.map((e) => hasher.hashLeaf(e.bytes));
        // The worker does not send the hashes back (see sqlite-worker.ts).
        return send("appendHashedBatch", [entries, leafHashes, args[1]]).then((r) => ({
          ...(r as Omit<AppendedBatch, "leafHashes">),
          leafHashes,
        }));
      }
    }
    return send(op, args);
  };
  return storeOver(hash, call, async () => {
    await Promise.all([close(), reads.settled()]);
    reader.close();
  });
}
