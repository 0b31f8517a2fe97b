import { type StatusCode, statusName } from "./grpc-status.js";
import type { Metadata } from "./metadata.js";

const noTrailers: Metadata = Object.freeze({});

/**
 * Why the channel itself failed a call, when it did (as opposed to a status
 * the peer sent): the gateway turns these into its own errors without
 * reading message text.
 */
export type ChannelFailure = "unreachable" | "queue-full";

/** A gRPC status travelling as an exception: thrown by handlers, raised by the channel. */
export class WireError extends Error {
  readonly code: StatusCode;
  /** Custom trailers sent with (server) or received with (channel) the status. */
  readonly trailers: Metadata;
  /** Set only by the channel, for failures of the link itself. */
  readonly channelFailure: ChannelFailure | undefined;

  constructor(
    code: StatusCode,
    message: string,
    options?: { trailers?: Metadata; cause?: unknown; channelFailure?: ChannelFailure },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WireError";
    this.code = code;
    this.trailers = options?.trailers ?? noTrailers;
    this.channelFailure = options?.channelFailure;
  }

  override toString(): string {
    return `WireError: ${statusName(this.code)}: ${this.message}`;
  }
}

export function isWireError(e: unknown): e is WireError {
  return e instanceof WireError;
}
