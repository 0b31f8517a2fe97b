// The SQLite adapter's worker thread: runs the synchronous core (statements and
// the fsync of every commit) off the gateway's event loop. One request at a
// time, in arrival order, so the worker is also the single writer.
import { parentPort, workerData } from "node:worker_threads";
import type { MerkleHashName } from "@hutong/audit";
import type { AppendedBatch } from "../port/audit-store.js";
import { isStoreError } from "../port/store-error.js";
import { openSqliteCore, type SqliteCore } from "./sqlite-core.js";
import type { WorkerReply, WorkerRequest } from "./sqlite-worker-protocol.js";
import type { StoreOperationName } from "./store-operations.js";

const port = parentPort;
if (port === null) throw new Error("sqlite-worker.ts must run as a worker thread");
const { path, hash } = workerData as { path: string; hash: MerkleHashName };

function errorReply(id: number, e: unknown): WorkerReply {
  return isStoreError(e)
    ? { id, ok: false, code: e.code, message: e.message }
    : {
        id,
        ok: false,
        code: "unavailable",
        message: `SQLite worker failed (${e instanceof Error ? e.name : "error"})`,
      };
}

let core: SqliteCore | undefined;
try {
  core = openSqliteCore(path, hash);
  port.postMessage({ id: 0, ok: true, result: null } satisfies WorkerReply);
} catch (e) {
  port.postMessage(errorReply(0, e));
}

port.on("message", (request: WorkerRequest) => {
  if (core === undefined) return;
  if (request.op === "close") {
    core.close();
    port.postMessage({ id: request.id, ok: true, result: null } satisfies WorkerReply);
    port.close();
    return;
  }
  try {
    const method = core[request.op as StoreOperationName | "appendHashedBatch"] as (...args: unknown[]) => unknown;
    let result = method(...request.args);
    if (request.op === "appendHashedBatch") {
      // The caller computed these leaf hashes and keeps them: no need to copy them back.
      const { leafHashes: _, ...rest } = result as AppendedBatch;
      result = rest;
    }
    port.postMessage({ id: request.id, ok: true, result } satisfies WorkerReply);
  } catch (e) {
    port.postMessage(errorReply(request.id, e));
  }
});
