import type { StoreErrorCode } from "../port/store-error.js";
import type { StoreOperationName } from "./store-operations.js";

/** Main thread → worker: one store operation (or close), numbered from 1. */
export interface WorkerRequest {
  readonly id: number;
  readonly op: StoreOperationName | "appendHashedBatch" | "close";
  readonly args: readonly unknown[];
}

/** Worker → main thread; id 0 is the answer to opening the database. */
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly code: StoreErrorCode; readonly message: string };
