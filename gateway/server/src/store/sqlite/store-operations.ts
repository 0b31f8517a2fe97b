import type { HutongStore } from "../port/store.js";

/** The store's operations (everything but identity, close and the replay window only PostgreSQL offers), by name. */
export type StoreOperations = Omit<HutongStore, "kind" | "hash" | "close" | "replay">;
export type StoreOperationName = keyof StoreOperations;

/** The same operations as synchronous calls: what the SQLite core offers its thread. */
export type SyncStoreOperations = {
  [K in StoreOperationName]: StoreOperations[K] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => R
    : never;
};

/**
 * Every operation name once: the SQLite adapter forwards these to its worker
 * thread. `satisfies` makes the compiler check the list is complete.
 */
export const storeOperationNames = [
  "appendBatch",
  "head",
  "entry",
  "entries",
  "nodes",
  "query",
  "saveCheckpoint",
  "latestCheckpoint",
  "checkpointAt",
  "registerGrant",
  "getGrant",
  "listGrantsByGrantee",
  "listGrantsBySubject",
  "listGrantsByPurpose",
  "revokeGrant",
  "consumeUse",
  "refundUse",
  "recordRevocation",
  "revocationsFor",
  "enqueueOutbox",
  "claimOutbox",
  "settleOutbox",
  "listOutbox",
  "getOutboxMessage",
  "findOutboxMessage",
  "replayOutboxMessage",
  "dropOutboxMessage",
  "outboxStats",
  "witnessState",
  "advanceWitness",
] as const satisfies readonly StoreOperationName[];

// Compile-time check that no operation is missing from the list above.
type Missing = Exclude<StoreOperationName, (typeof storeOperationNames)[number]>;
const complete: [Missing] extends [never] ? true : Missing = true;
void complete;

/**
 * The operations that only read. The SQLite adapter in worker mode answers these
 * on the caller's thread from a read-only connection, so a proof or a query never
 * waits in the worker's queue behind commits.
 */
export const readOperationNames: ReadonlySet<StoreOperationName> = new Set<StoreOperationName>([
  "head",
  "entry",
  "entries",
  "nodes",
  "query",
  "latestCheckpoint",
  "checkpointAt",
  "getGrant",
  "listGrantsByGrantee",
  "listGrantsBySubject",
  "listGrantsByPurpose",
  "revocationsFor",
  "listOutbox",
  "getOutboxMessage",
  "findOutboxMessage",
  "outboxStats",
  "witnessState",
]);
