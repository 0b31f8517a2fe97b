import { CodedError, codedErrorGuard } from "@hutong/errors";

/** The client SDK's own failures (a refused call is a WireError: its gRPC status and trailers). */
export const clientErrorCodes = [
  /** Certificate, key, trust anchor or CRL files that cannot be used. */
  "invalid-credentials",
  /** A client profile (docs/session-protocol.md §11) that is not JSON or not of the documented shape. */
  "invalid-profile",
  /**
   * An annotated-copy file (docs/annotated-copies.md) that is not of its shape, or a response from
   * which no faithful copy can be made (its record or annotation not as an owner's gateway writes them).
   */
  "invalid-annotated-copy",
] as const;

export type ClientErrorCode = (typeof clientErrorCodes)[number];

export class ClientError extends CodedError<"client", ClientErrorCode> {
  constructor(code: ClientErrorCode, message: string, options?: { readonly cause?: unknown }) {
    super("client", code, message, options);
    this.name = "ClientError";
  }
}

export const isClientError = codedErrorGuard(ClientError);
