import { hmacSm3, hmacSm3OverDigest } from "@hutong/certs";
import { concatBytes, u64be, utf8 } from "./canonical-encoding.js";
import { defaultLimits, labels, sizes } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";

/**
 * Per-call MACs. The request MAC covers the method, timestamp, nonce and the
 * SM3 of the exact request bytes; the response MAC covers the method, the
 * request's nonce and the SM3 of the exact response bytes, so a response
 * cannot be replayed as the answer to another request or another method.
 */
const requestLabel = utf8(labels.request);
const responseLabel = utf8(labels.response);

// A gateway serves a handful of methods, and encoding the name was a visible part of a MAC's cost.
const methodInputs = new Map<string, Uint8Array>();

/** The method as it enters a MAC: its UTF-8 bytes and the NUL that terminates them. */
function methodInput(method: string): Uint8Array {
  let input = methodInputs.get(method);
  if (input === undefined) {
    // NUL terminates the method in the MAC input, so a method must not contain one.
    if (method.length === 0 || method.includes("\0")) throw new SessionError("malformed", "invalid method name");
    const bytes = utf8(method);
    if (bytes.length > defaultLimits.maxMethodBytes) throw new SessionError("malformed", "method name too long");
    input = concatBytes([bytes, Uint8Array.of(0)]);
    if (methodInputs.size >= 256) methodInputs.clear();
    methodInputs.set(method, input);
  }
  return input;
}

export function requestMac(
  c2s: Uint8Array,
  method: string,
  timestamp: number,
  nonce: Uint8Array,
  requestBytes: Uint8Array,
): Uint8Array {
  if (nonce.length !== sizes.nonce) throw new SessionError("malformed", "nonce must be 16 bytes");
  return hmacSm3OverDigest(c2s, [requestLabel, methodInput(method), u64be(timestamp), nonce], requestBytes);
}

export function responseMac(
  s2c: Uint8Array,
  method: string,
  requestNonce: Uint8Array,
  responseBytes: Uint8Array,
): Uint8Array {
  if (requestNonce.length !== sizes.nonce) throw new SessionError("malformed", "nonce must be 16 bytes");
  return hmacSm3OverDigest(s2c, [responseLabel, methodInput(method), requestNonce], responseBytes);
}

/**
 * The relay MAC: binds the origin party and the hop list a relaying gateway
 * asserts to this very request (through its nonce), under the same c2s key.
 * Kept apart from the request MAC so calls from ordinary systems, which never
 * relay, are unchanged.
 */
export function routeMac(c2s: Uint8Array, nonce: Uint8Array, origin: string, hops: string): Uint8Array {
  if (nonce.length !== sizes.nonce) throw new SessionError("malformed", "nonce must be 16 bytes");
  if (origin.includes("\0") || hops.includes("\0")) throw new SessionError("malformed", "NUL in relay metadata");
  return hmacSm3(c2s, concatBytes([utf8(labels.route), nonce, utf8(origin), Uint8Array.of(0), utf8(hops)]));
}
