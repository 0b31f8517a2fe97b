import { timingSafeEqual } from "node:crypto";
import { hmacSm3, sm3 } from "@hutong/certs";

// The partner channels' request signature (an assumed shape, the same for every channel we
// simulate): HMAC-SM3 under the app secret over the method, the path, the timestamp, the nonce and
// the SM3 of the exact body bytes, one per line, in lowercase hex. The body's digest, not the body,
// so a large request is hashed once.

/** The string a signature covers. */
export function signedText(method: string, path: string, timestampMs: string, nonce: string, body: Uint8Array): string {
  return `${method.toUpperCase()}\n${path}\n${timestampMs}\n${nonce}\n${Buffer.from(sm3(body)).toString("hex")}`;
}

export function signRequest(
  secret: Uint8Array,
  method: string,
  path: string,
  timestampMs: string,
  nonce: string,
  body: Uint8Array,
): string {
  return Buffer.from(hmacSm3(secret, Buffer.from(signedText(method, path, timestampMs, nonce, body), "utf8"))).toString(
    "hex",
  );
}

/** Constant-time comparison of a presented signature with the expected one. */
export function signatureMatches(expectedHex: string, presented: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(presented)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, "hex"), Buffer.from(presented, "hex"));
}
