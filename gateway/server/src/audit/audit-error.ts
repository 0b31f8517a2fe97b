import { CodedError, codedErrorGuard } from "@hutong/errors";

/**
 * The error type of the AuditService endpoint: what a caller of the audit log's
 * read side or of the witness did wrong, or why the witness refused. Codes are a
 * closed set and `server/status-mapping.ts` maps each to one gRPC status.
 * Messages are written for the caller: indices, sizes and origins only, never
 * entry bytes, digests or key material.
 */
export const auditErrorCodes = [
  /** A malformed request: undecodable protobuf or add-checkpoint body, no filter, a bad page token, size1 > size2. */
  "invalid-argument",
  /** An index or tree size past the end of the log (or of the tree asked about). */
  "out-of-range",
  /** Nothing to answer with: no checkpoint signed yet, or a log origin this gateway does not witness. */
  "not-found",
  /** The submitted checkpoint carries no valid signature of a key this witness trusts for its origin. */
  "untrusted",
  /** The add-checkpoint `old` size is not the size this witness last cosigned; `witnessSize` is that size. */
  "size-conflict",
  /** Same size as the checkpoint this witness cosigned, another root: the log forked. `witnessSize` is set. */
  "fork",
  /** The store could not be reached or is closed; the request did not happen. */
  "unavailable",
] as const;

export type AuditErrorCode = (typeof auditErrorCodes)[number];

/** Trailer carrying the witness's size on `size-conflict` and `fork` (tlog-witness's 409 body). */
export const witnessSizeTrailer = "hutong-witness-size";

export class AuditError extends CodedError<"audit", AuditErrorCode> {
  /** For `size-conflict` and `fork`: the tree size this witness last cosigned for the origin (0 if none). */
  readonly witnessSize: number | undefined;
  constructor(
    code: AuditErrorCode,
    message: string,
    options?: { readonly cause?: unknown; readonly witnessSize?: number },
  ) {
    super("audit", code, message, options);
    this.name = "AuditError";
    this.witnessSize = options?.witnessSize;
  }
}

export const isAuditError = codedErrorGuard(AuditError);
