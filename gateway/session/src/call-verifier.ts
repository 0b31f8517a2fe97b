import { type Crl, constantTimeEqual } from "@hutong/certs";
import { requestMac, responseMac, routeMac } from "./call-mac.js";
import { type CallMetadata, parseCallFields, parseHex, parseTicket, ticketText } from "./call-metadata.js";
import { createMessageCipher, type MessageCipher } from "./message-cipher.js";
import { defaultLimits, type ProtectionMode, relayMetadataKeys, sizes } from "./protocol-constants.js";
import type { ReplayWindow } from "./replay-window.js";
import { SessionError } from "./session-error.js";
import { checkSessionRevocation } from "./session-revocation.js";
import { openTicket, type SessionTicketState } from "./session-ticket.js";
import { createStreamDigest, type StreamDigest } from "./stream-digest.js";
import type { TicketKeyring } from "./ticket-keyring.js";

export interface CallVerifierOptions {
  readonly keyring: TicketKeyring;
  readonly replayWindow: ReplayWindow;
  readonly clockSkewMs?: number;
  /** How many opened tickets to remember (default 10,000). */
  readonly openedTicketCacheSize?: number;
}

export interface IncomingCall {
  readonly method: string;
  readonly metadata: CallMetadata;
  /** The exact request message bytes as received (the ciphertext, on an encrypted session). */
  readonly requestBytes: Uint8Array;
  readonly now: number;
  /** The current, already-verified CRL set. */
  readonly crls: readonly Crl[];
}

/** A response message as it goes on the wire, and its MAC (trailer hutong-mac). */
export interface ProtectedResponse {
  /** Encrypted on an SM4 session; the bytes given on a plaintext one. */
  readonly body: Uint8Array;
  readonly mac: Uint8Array;
}

/** The responses of a server-streaming call (docs/session-protocol.md §6.2, §6.3). */
export interface ResponseStream {
  /** The next response message as it goes on the wire (encrypted on an SM4 session). */
  next(message: Uint8Array): Uint8Array;
  /** The MAC over every message sent, in order (trailer hutong-mac); call once, at the end. */
  mac(): Uint8Array;
}

export interface VerifiedCall {
  readonly sessionId: Uint8Array;
  readonly clientParty: string;
  readonly certSerialHex: string;
  readonly expiresAt: number;
  readonly protection: ProtectionMode;
  /**
   * The request message: decrypted on an SM4 session (only after every check above passed, so
   * nothing unauthenticated is ever decrypted), the received bytes on a plaintext one.
   */
  readonly request: Uint8Array;
  /** The one response of a unary call, protected for the caller. */
  protectResponse(message: Uint8Array): ProtectedResponse;
  /** The responses of a server-streaming call, protected for the caller. */
  responseStream(): ResponseStream;
  /**
   * Checks a relaying gateway's origin and hop list against hutong-route-mac;
   * bad-mac if absent or wrong. Call it only when the call carries relay metadata.
   */
  verifyRoute(origin: string, hops: string, routeMacHex: string | undefined): void;
}

/** What can be checked of a call from its headers alone, before its body is read. */
export interface CallHeaders {
  readonly metadata: CallMetadata;
  readonly now: number;
}

export interface CallVerifier {
  /**
   * The checks a call's headers allow before any of its body is read (admission, docs/gateway.md
   * "Limits"): a ticket that opens under the keyring and has not expired, well-formed timestamp,
   * nonce and MAC fields, a timestamp within the clock skew, a nonce not already used. Throws the
   * SessionError verify() would. Passing proves nothing about the sender (a ticket travels in the
   * metadata); it only keeps calls that cannot succeed from costing the server their body.
   */
  precheck(call: CallHeaders): void;
  verify(call: IncomingCall): VerifiedCall;
}

class Responses implements ResponseStream {
  readonly #verified: Verified;
  readonly #cipher: MessageCipher;
  readonly #digest: StreamDigest = createStreamDigest();

  constructor(verified: Verified, cipher: MessageCipher) {
    this.#verified = verified;
    this.#cipher = cipher;
  }

  next(message: Uint8Array): Uint8Array {
    const wire = this.#cipher.next(message);
    this.#digest.update(wire);
    return wire;
  }

  mac(): Uint8Array {
    return this.#verified.macOver(this.#digest.digest());
  }
}

/** One verified call; a class so that the per-call object carries no closures of its own. */
class Verified implements VerifiedCall {
  readonly #ticket: SessionTicketState;
  readonly #method: string;
  readonly #nonce: Uint8Array;
  readonly request: Uint8Array;

  constructor(ticket: SessionTicketState, method: string, nonce: Uint8Array, requestBytes: Uint8Array) {
    this.#ticket = ticket;
    this.#method = method;
    this.#nonce = nonce;
    this.request = createMessageCipher(ticket.protection, ticket.c2sEnc, nonce).next(requestBytes);
  }

  get sessionId(): Uint8Array {
    return this.#ticket.sessionId;
  }

  get clientParty(): string {
    return this.#ticket.clientParty;
  }

  // Only the audit log reads it: computed on demand, not on every call.
  get certSerialHex(): string {
    return Buffer.from(this.#ticket.certSerial).toString("hex");
  }

  get expiresAt(): number {
    return this.#ticket.expiresAt;
  }

  get protection(): ProtectionMode {
    return this.#ticket.protection;
  }

  /** The response MAC over these exact bytes on the wire (one message, or a stream digest). */
  macOver(responseBytes: Uint8Array): Uint8Array {
    return responseMac(this.#ticket.s2c, this.#method, this.#nonce, responseBytes);
  }

  #cipher(): MessageCipher {
    return createMessageCipher(this.#ticket.protection, this.#ticket.s2cEnc, this.#nonce);
  }

  protectResponse(message: Uint8Array): ProtectedResponse {
    const body = this.#cipher().next(message);
    return { body, mac: this.macOver(body) };
  }

  responseStream(): ResponseStream {
    return new Responses(this, this.#cipher());
  }

  verifyRoute(origin: string, hops: string, routeMacHex: string | undefined): void {
    if (routeMacHex === undefined) throw new SessionError("bad-mac", "relay metadata without a route MAC");
    const given = parseHex(routeMacHex, sizes.mac, relayMetadataKeys.routeMac);
    if (!constantTimeEqual(routeMac(this.#ticket.c2s, this.#nonce, origin, hops), given)) {
      throw new SessionError("bad-mac", "route MAC does not verify");
    }
  }
}

/**
 * The server's per-call check. Order matters: cheap public checks first;
 * the MAC before anything that keeps state, so unauthenticated traffic can
 * neither fill the replay window nor probe revocation; decryption last.
 */
export function createCallVerifier(options: CallVerifierOptions): CallVerifier {
  const skew = options.clockSkewMs ?? defaultLimits.clockSkewMs;
  // Tickets that already opened (authenticated decryption under the keyring), by their text as
  // sent: a session's every call carries the same ticket, and opening it (base64url, HMAC-SM3 +
  // SM4) was the largest per-call cost. Only text that parsed strictly and opened gets in, so a
  // hit means exactly what a fresh open would. Expiry is still checked on every call; bounded,
  // oldest dropped first.
  interface Opened {
    readonly state: SessionTicketState;
    readonly sessionHex: string;
    readonly keyId: number;
  }
  const opened = new Map<string, Opened>();
  const openedMax = options.openedTicketCacheSize ?? 10_000;
  function openedTicket(text: string, now: number): Opened {
    let t = opened.get(text);
    // A key dropped from the keyring on a reload closes its tickets at once, cached or not.
    if (t !== undefined && !options.keyring.accepts(t.keyId)) {
      opened.delete(text);
      t = undefined;
    }
    if (t === undefined) {
      const sealed = parseTicket(text);
      const state = openTicket(options.keyring, sealed, now);
      t = { state, sessionHex: Buffer.from(state.sessionId).toString("hex"), keyId: sealed[0] ?? -1 };
      if (opened.size >= openedMax) {
        const oldest = opened.keys().next().value;
        if (oldest !== undefined) opened.delete(oldest);
      }
      opened.set(text, t);
    }
    if (now >= t.state.expiresAt) throw new SessionError("ticket-expired", "session ticket expired");
    return t;
  }
  /** The checks the headers allow, cheap and stateless: the ticket opens and is current, the fields parse, the clock agrees. */
  function publicChecks(metadata: CallMetadata, now: number) {
    const text = ticketText(metadata);
    const creds = parseCallFields(metadata);
    const { state: ticket, sessionHex } = openedTicket(text, now);
    if (Math.abs(now - creds.timestamp) > skew) {
      throw new SessionError("stale-timestamp", `request timestamp ${now - creds.timestamp} ms from server clock`);
    }
    return { creds, ticket, sessionHex };
  }
  return {
    precheck({ metadata, now }) {
      const { creds, sessionHex } = publicChecks(metadata, now);
      if (options.replayWindow.seen(sessionHex, creds.nonceHex)) {
        throw new SessionError("replay", "nonce already used in this session");
      }
    },
    verify({ method, metadata, requestBytes, now, crls }) {
      const { creds, ticket, sessionHex } = publicChecks(metadata, now);
      const expected = requestMac(ticket.c2s, method, creds.timestamp, creds.nonce, requestBytes);
      if (!constantTimeEqual(expected, creds.mac)) throw new SessionError("bad-mac", "request MAC does not verify");
      checkSessionRevocation(ticket, crls, now);
      options.replayWindow.admit(sessionHex, creds.nonceHex, now);
      // Decrypted only now: every check has passed, the MAC over the ciphertext first of all.
      return new Verified(ticket, method, creds.nonce, requestBytes);
    },
  };
}
