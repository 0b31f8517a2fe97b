import { type StatusCode, statusName } from "./grpc-status.js";
import type { Metadata } from "./metadata.js";

const noTrailers: Metadata = Object.freeze({});

/** A gRPC status travelling as an exception: thrown by handlers, raised by the channel. */
export class WireError extends Error {
  readonly code: StatusCode;
  /** Custom trailers sent with (server) or received with (channel) the status. */
  readonly trailers: Metadata;

  constructor(code: StatusCode, message: string, options?: { trailers?: Metadata; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WireError";
    this.code = code;
    this.trailers = options?.trailers ?? noTrailers;
  }

  override toString(): string {
    return `WireError: ${statusName(this.code)}: ${this.message}`;
  }
}

export function isWireError(e: unknown): e is WireError {
  return e instanceof WireError;
}
