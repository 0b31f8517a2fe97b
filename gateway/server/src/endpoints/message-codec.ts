import type { MessageFns } from "@hutong/proto";
import { GatewayError } from "../gateway-error.js";

/**
 * A request message of a service the gateway answers itself, decoded; bytes that are not
 * protobuf become the gateway's `malformed-request` (INVALID_ARGUMENT), naming the message.
 */
export function decodeRequest<T>(fns: MessageFns<T>, bytes: Uint8Array, what: string): T {
  try {
    return fns.decode(bytes);
  } catch (cause) {
    throw new GatewayError("malformed-request", `${what} is not well-formed protobuf`, { cause });
  }
}

/** A response message as the Buffer the wire sends, without copying the encoder's bytes. */
export function encodeMessage<T>(fns: MessageFns<T>, message: T): Buffer {
  const bytes = fns.encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
