/**
 * Errors of the stateful grant layer (the registry over the store, and GrantService): what the
 * pure core's GrantsError cannot say because it knows no store and no caller. Closed codes,
 * mapped to gRPC status once in server/status-mapping.ts. Messages name grant ids and parties,
 * never a subject digest, an ID number or a store's internals.
 */
export const grantServiceErrorCodes = [
  /** The grant is not registered at this gateway. */
  "not-found",
  /** The caller may not see or list these grants (the rules are in server/grant-endpoint.ts). */
  "permission-denied",
  /** A request that is well-formed protobuf but inconsistent: ids that disagree, a missing part, a bad page token. */
  "invalid-request",
  /** A registration of a grant this gateway already knows to be revoked (a revocation may arrive first). */
  "revoked",
  /** The grant store could not be reached or is overloaded; the operation did not happen. */
  "unavailable",
] as const;

export type GrantServiceErrorCode = (typeof grantServiceErrorCodes)[number];

export class GrantServiceError extends Error {
  readonly code: GrantServiceErrorCode;

  constructor(code: GrantServiceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GrantServiceError";
    this.code = code;
  }
}

export function isGrantServiceError(value: unknown, code?: GrantServiceErrorCode): value is GrantServiceError {
  return value instanceof GrantServiceError && (code === undefined || value.code === code);
}
