import { metadataKeys, sizes } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";

/**
 * The text forms of the per-call metadata. Keys without the gRPC "-bin"
 * suffix carry ASCII, so values are hex, base64url and decimal; parsing is
 * strict (one spelling per value) so logs and MAC inputs never disagree.
 */
export interface CallCredentials {
  readonly ticket: Uint8Array;
  /** Milliseconds since the Unix epoch. */
  readonly timestamp: number;
  readonly nonce: Uint8Array;
  readonly mac: Uint8Array;
}

/** Raw metadata values as received; absent keys are undefined. */
export type CallMetadata = Partial<Record<(typeof metadataKeys)[keyof typeof metadataKeys], string>>;

const hexRe = /^(?:[0-9a-f]{2})+$/;
const base64UrlRe = /^[A-Za-z0-9_-]+$/;
const decimalRe = /^(?:0|[1-9][0-9]{0,15})$/;

export function parseHex(value: string, bytes: number, what: string): Uint8Array {
  if (value.length !== bytes * 2 || !hexRe.test(value)) {
    throw new SessionError("malformed", `${what} must be ${bytes * 2} lowercase hex digits`);
  }
  return new Uint8Array(Buffer.from(value, "hex"));
}

function parseBase64Url(value: string, what: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(value, "base64url"));
  // Round-trip check: rejects padding, stray bits and any non-canonical spelling.
  if (!base64UrlRe.test(value) || Buffer.from(bytes).toString("base64url") !== value) {
    throw new SessionError("malformed", `${what} must be unpadded base64url`);
  }
  return bytes;
}

export function formatCallMetadata(c: CallCredentials): Required<CallMetadata> {
  return {
    [metadataKeys.ticket]: Buffer.from(c.ticket).toString("base64url"),
    [metadataKeys.timestamp]: String(c.timestamp),
    [metadataKeys.nonce]: Buffer.from(c.nonce).toString("hex"),
    [metadataKeys.mac]: Buffer.from(c.mac).toString("hex"),
  } as Required<CallMetadata>;
}

/** The ticket as sent (base64url text, not yet checked); no-session when there is none. */
export function ticketText(m: CallMetadata): string {
  const ticket = m[metadataKeys.ticket];
  if (ticket === undefined || ticket === "") throw new SessionError("no-session", "no session ticket on the call");
  return ticket;
}

export function parseTicket(text: string): Uint8Array {
  return parseBase64Url(text, metadataKeys.ticket);
}

/** The per-call values besides the ticket; the nonce also in its (checked, canonical) hex. */
export interface CallFields {
  readonly timestamp: number;
  readonly nonce: Uint8Array;
  readonly nonceHex: string;
  readonly mac: Uint8Array;
}

/** malformed for any missing or misspelt value. */
export function parseCallFields(m: CallMetadata): CallFields {
  const ts = m[metadataKeys.timestamp];
  const nonce = m[metadataKeys.nonce];
  const mac = m[metadataKeys.mac];
  if (ts === undefined || nonce === undefined || mac === undefined) {
    throw new SessionError("malformed", "call metadata incomplete");
  }
  if (!decimalRe.test(ts) || !Number.isSafeInteger(Number(ts))) {
    throw new SessionError("malformed", "hutong-ts must be decimal milliseconds");
  }
  return {
    timestamp: Number(ts),
    nonce: parseHex(nonce, sizes.nonce, metadataKeys.nonce),
    nonceHex: nonce,
    mac: parseHex(mac, sizes.mac, metadataKeys.mac),
  };
}

/** no-session when there is no ticket at all; malformed for any other missing or misspelt value. */
export function parseCallMetadata(m: CallMetadata): CallCredentials {
  const ticket = parseTicket(ticketText(m));
  const { timestamp, nonce, mac } = parseCallFields(m);
  return { ticket, timestamp, nonce, mac };
}
