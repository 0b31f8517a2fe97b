import { createSm2PublicKey, hmacSm3, isCertsError, type Sm2PublicKey } from "@hutong/certs";
import { concatBytes, utf8 } from "./canonical-encoding.js";
import { labels, sizes } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";

/** Imports a peer's ephemeral point: exactly 65 bytes and on the curve, else malformed. */
export function importEphemeralPoint(point: Uint8Array, what: string): Sm2PublicKey {
  if (point.length !== sizes.ephemeralPoint) throw new SessionError("malformed", `${what} must be a 65-byte point`);
  try {
    return createSm2PublicKey(point);
  } catch (cause) {
    if (isCertsError(cause)) throw new SessionError("malformed", `${what} is not a point of the SM2 curve`, { cause });
    throw cause;
  }
}

/**
 * HMAC-SM3(s2c, "hutong/v1 server finished" || H4): proof to the client that the server completed
 * this handshake and issued exactly this ticket with exactly this expiry (H4 covers both).
 */
export function serverFinishedMac(s2c: Uint8Array, h4: Uint8Array): Uint8Array {
  return hmacSm3(s2c, concatBytes([utf8(labels.serverFinished), h4]));
}
