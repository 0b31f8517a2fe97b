import { createSm2PublicKey, type Sm2PublicKey } from "@hutong/certs";
import { decodeFields, encodeFields, fromUtf8, readU64be, u8, u64be, utf8 } from "./canonical-encoding.js";
import { labels, type ProtectionMode, protectionModeOf, protectionModes, sizes } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";
import type { TicketKeyring } from "./ticket-keyring.js";

/**
 * The half-open handshake state, sealed into the cookie so the server keeps
 * nothing between ServerHello and ClientFinish and any replica sharing the
 * ticket key can finish the handshake.
 */
export interface CookieState {
  /** Transcript hash the client must sign. */
  readonly h2: Uint8Array;
  readonly master: Uint8Array;
  readonly clientPublicKey: Sm2PublicKey;
  readonly clientParty: string;
  /** Client leaf serial (unsigned magnitude) and SM3 of its issuer name DER: the revocation key. */
  readonly certSerial: Uint8Array;
  readonly issuerNameHash: Uint8Array;
  /** Client leaf notAfter (ms): the ticket must not outlive it. */
  readonly certNotAfter: number;
  /** Cookie expiry (ms). */
  readonly expiresAt: number;
  /** The protection agreed in the hello, carried into the ticket. */
  readonly protection: ProtectionMode;
}

// Format 2 (revision 3) added the protection; a format-1 cookie is refused (bad-cookie).
const cookieFormat = 2;

// Client keys by their point: a system's key comes back in every cookie, and a key object
// carries what was derived from it once (the SM2 addon's imported key, the Z_A for the
// signature check). Imported, hence checked on the curve, before it is kept. Bounded; least
// recently used first out.
const clientKeys = new Map<string, Sm2PublicKey>();
const clientKeysMax = 4096;

/** The public key of this exact point, imported once (createSm2PublicKey's checks on the first). */
export function clientPublicKey(point: Uint8Array): Sm2PublicKey {
  const id = Buffer.from(point.buffer, point.byteOffset, point.byteLength).toString("latin1");
  let key = clientKeys.get(id);
  if (key === undefined) key = createSm2PublicKey(point);
  else clientKeys.delete(id);
  clientKeys.set(id, key);
  if (clientKeys.size > clientKeysMax) {
    const oldest = clientKeys.keys().next().value;
    if (oldest !== undefined) clientKeys.delete(oldest);
  }
  return key;
}

export function sealCookie(keyring: TicketKeyring, state: CookieState): Uint8Array {
  const plaintext = encodeFields([
    Uint8Array.of(cookieFormat),
    state.h2,
    state.master,
    state.clientPublicKey.point,
    utf8(state.clientParty),
    state.certSerial,
    state.issuerNameHash,
    u64be(state.certNotAfter),
    u64be(state.expiresAt),
    u8(protectionModes[state.protection]),
  ]);
  return keyring.seal(labels.cookieAad, plaintext);
}

/** Opens and checks expiry: bad-cookie for anything forged or foreign, cookie-expired once `now` ≥ expiresAt. */
export function openCookie(keyring: TicketKeyring, cookie: Uint8Array, now: number): CookieState {
  const [format, h2, master, point, party, serial, issuerHash, notAfter, expires, protection] = decodeFields(
    keyring.open(labels.cookieAad, cookie, "bad-cookie"),
    10,
    "bad-cookie",
  );
  const mode = protection.length === 1 ? protectionModeOf(protection[0]) : undefined;
  // Authenticated, so a bad shape means a bug or a format change, not an attack; still refuse cleanly.
  if (
    format.length !== 1 ||
    format[0] !== cookieFormat ||
    h2.length !== sizes.hash ||
    master.length !== sizes.key ||
    mode === undefined
  ) {
    throw new SessionError("bad-cookie", "unknown cookie format");
  }
  const state: CookieState = {
    h2,
    master,
    clientPublicKey: clientPublicKey(point),
    clientParty: fromUtf8(party, "bad-cookie"),
    certSerial: serial,
    issuerNameHash: issuerHash,
    certNotAfter: readU64be(notAfter, "bad-cookie"),
    expiresAt: readU64be(expires, "bad-cookie"),
    protection: mode,
  };
  if (now >= state.expiresAt) throw new SessionError("cookie-expired", "handshake cookie expired");
  return state;
}
