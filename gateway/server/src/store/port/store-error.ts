import { CodedError, codedErrorGuard } from "@hutong/errors";

/**
 * The one error type of the store (both adapters) and the audit log built on it.
 * Codes are a closed set so the gateway maps them to gRPC status in one place
 * and callers branch on `code`, never on message text. Messages carry indices,
 * sizes, grant ids and SQL error codes only: never entry bytes, subject digests
 * or anything else a partner sent us.
 */
export const storeErrorCodes = [
  /** A grant, entry or checkpoint that does not exist (where absence is an error rather than `undefined`). */
  "not-found",
  /** The id is taken by different bytes (a grant re-registered with other content, a checkpoint with another root). */
  "conflict",
  /** An argument outside its domain: a malformed page token, a digest of the wrong length, a negative size. */
  "invalid-argument",
  /** An index or tree size beyond the log's current size. */
  "out-of-range",
  /** The audit log's queue is full: the caller should back off (never buffered without bound). */
  "overloaded",
  /** The database failed or could not be reached; the operation did not happen (a failed commit rolled back). */
  "unavailable",
  /** The store or the log was closed. */
  "closed",
  /** Stored data contradicts itself (a missing tree node, a head that disagrees with the entries, another hash). */
  "corrupt",
] as const;

export type StoreErrorCode = (typeof storeErrorCodes)[number];

export class StoreError extends CodedError<"store", StoreErrorCode> {
  constructor(code: StoreErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super("store", code, message, options);
    this.name = "StoreError";
  }
}

export const isStoreError = codedErrorGuard(StoreError);
