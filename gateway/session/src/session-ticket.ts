import { decodeFields, encodeFields, fromUtf8, readU64be, u8, u64be, utf8 } from "./canonical-encoding.js";
import { labels, type ProtectionMode, protectionModeOf, protectionModes, sizes } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";
import type { TicketKeyring } from "./ticket-keyring.js";

/**
 * What a session ticket carries. The ticket is the server's whole session
 * state, sealed under the shared ticket key: replicas keep no session table.
 * The client treats it as opaque bytes.
 */
export interface SessionTicketState {
  readonly sessionId: Uint8Array;
  readonly clientParty: string;
  /** Client leaf serial and SM3(issuer name DER): checked against CRLs on every call. */
  readonly certSerial: Uint8Array;
  readonly issuerNameHash: Uint8Array;
  readonly c2s: Uint8Array;
  readonly s2c: Uint8Array;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** How the session's messages travel, as agreed in the handshake. */
  readonly protection: ProtectionMode;
  /** The SM4 keys of the two directions (derived whatever the protection). */
  readonly c2sEnc: Uint8Array;
  readonly s2cEnc: Uint8Array;
}

// Format 2 (revision 3) added the protection and the encryption keys; a format-1 ticket is refused
// (bad-ticket), and the client's SDK handshakes again.
const ticketFormat = 2;

/** The ticket's plaintext (docs/session-protocol.md §7), before sealing. */
export function encodeTicketPlaintext(t: SessionTicketState): Uint8Array {
  return encodeFields([
    Uint8Array.of(ticketFormat),
    t.sessionId,
    utf8(t.clientParty),
    t.certSerial,
    t.issuerNameHash,
    t.c2s,
    t.s2c,
    u64be(t.issuedAt),
    u64be(t.expiresAt),
    u8(protectionModes[t.protection]),
    t.c2sEnc,
    t.s2cEnc,
  ]);
}

export function sealTicket(keyring: TicketKeyring, t: SessionTicketState): Uint8Array {
  return keyring.seal(labels.ticketAad, encodeTicketPlaintext(t));
}

/**
 * Opens a ticket: bad-ticket for anything that does not authenticate under the
 * current or previous key; ticket-expired once `now` ≥ expiresAt.
 */
export function openTicket(keyring: TicketKeyring, ticket: Uint8Array, now: number): SessionTicketState {
  const [format, sessionId, party, serial, issuerHash, c2s, s2c, issued, expires, protection, c2sEnc, s2cEnc] =
    decodeFields(keyring.open(labels.ticketAad, ticket, "bad-ticket"), 12, "bad-ticket");
  const mode = protection.length === 1 ? protectionModeOf(protection[0]) : undefined;
  if (
    format.length !== 1 ||
    format[0] !== ticketFormat ||
    c2s.length !== sizes.key ||
    s2c.length !== sizes.key ||
    c2sEnc.length !== sizes.encKey ||
    s2cEnc.length !== sizes.encKey ||
    mode === undefined
  ) {
    throw new SessionError("bad-ticket", "unknown ticket format");
  }
  const state: SessionTicketState = {
    sessionId,
    clientParty: fromUtf8(party, "bad-ticket"),
    certSerial: serial,
    issuerNameHash: issuerHash,
    c2s,
    s2c,
    issuedAt: readU64be(issued, "bad-ticket"),
    expiresAt: readU64be(expires, "bad-ticket"),
    protection: mode,
    c2sEnc,
    s2cEnc,
  };
  if (now >= state.expiresAt) throw new SessionError("ticket-expired", "session ticket expired");
  return state;
}
