import { CodedError, codedErrorGuard } from "@hutong/errors";

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

export class GrantServiceError extends CodedError<"grant-service", GrantServiceErrorCode> {
  constructor(code: GrantServiceErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super("grant-service", code, message, options);
    this.name = "GrantServiceError";
  }
}

export const isGrantServiceError = codedErrorGuard(GrantServiceError);
