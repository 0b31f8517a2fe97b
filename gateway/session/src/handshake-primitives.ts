import {
  createSm2EphemeralKeyPool,
  createSm2PublicKey,
  hmacSm3,
  isCertsError,
  type Sm2EphemeralKey,
  type Sm2PublicKey,
} from "@hutong/certs";
import { concatBytes, utf8 } from "./canonical-encoding.js";
import { labels, sizes } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";

// Ephemeral keys made ahead of the handshakes that take them (on the thread pool with the native
// backend), one pool per process for both sides: a key's scalar multiplication is off the
// handshake's critical path. Each key is handed out once and agrees once (the pool enforces it).
const ephemeralKeys = createSm2EphemeralKeyPool({ size: 32 });

/** A fresh, never used ephemeral key for one handshake. */
export function takeEphemeralKey(): Sm2EphemeralKey {
  return ephemeralKeys.take();
}

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
