import { constantTimeEqual, pooledRandomBytes } from "@hutong/certs";
import { requestMac, responseMac, routeMac } from "./call-mac.js";
import { parseHex } from "./call-metadata.js";
import type { EstablishedSession } from "./handshake-client.js";
import { createMessageCipher, type MessageCipher } from "./message-cipher.js";
import { defaultLimits, metadataKeys, type ProtectionMode, relayMetadataKeys, sizes } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";
import { createStreamDigest, type StreamDigest } from "./stream-digest.js";

/** What a relaying gateway asserts about a call it forwards (docs/session-protocol.md §6.1). */
export interface RelayRoute {
  /** Party of the system that made the original call. */
  readonly origin: string;
  /** Gateways crossed so far, in order, comma-separated (metadata hutong-hops). */
  readonly hops: string;
}

export interface SignedRequest {
  /** Metadata to attach to the call: the four session keys, plus the relay keys when a route was given. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The request message to send: encrypted on an SM4 session, the bytes given on a plaintext one; MACed as is. */
  readonly body: Uint8Array;
  /** Keep it to open the response. */
  readonly nonce: Uint8Array;
}

/** The responses of one server-streaming call, as they arrive. */
export interface ClientResponseStream {
  /**
   * The next message as received, decrypted. Provisional: nothing authenticates it until `verify`
   * passes at the end, and a caller must discard every message if it throws.
   */
  next(wire: Uint8Array): Uint8Array;
  /** Throws bad-mac (or malformed) unless `macHex` (trailer hutong-mac) covers exactly the messages received, in order. */
  verify(macHex: string | undefined): void;
}

export interface ClientSession {
  readonly serverParty: string;
  readonly expiresAt: number;
  readonly protection: ProtectionMode;
  /** A fresh nonce, timestamp and MAC for this request; the message encrypted on an SM4 session. */
  signRequest(method: string, request: Uint8Array, now: number, route?: RelayRoute): SignedRequest;
  /**
   * The response message: throws bad-mac (or malformed) unless `macHex` (trailer hutong-mac)
   * authenticates these exact bytes, and only then decrypts them (on an SM4 session).
   */
  openResponse(
    method: string,
    requestNonce: Uint8Array,
    responseBytes: Uint8Array,
    macHex: string | undefined,
  ): Uint8Array;
  /** The responses of a server-streaming call signed with `requestNonce`. */
  responseStream(method: string, requestNonce: Uint8Array): ClientResponseStream;
  /** True once the ticket is within `marginMs` of expiry: the SDK should handshake again before calling. */
  needsRehandshake(now: number, marginMs?: number): boolean;
}

function checkMac(s2c: Uint8Array, method: string, nonce: Uint8Array, bytes: Uint8Array, macHex: string | undefined) {
  if (macHex === undefined) throw new SessionError("bad-mac", "response carries no hutong-mac trailer");
  const mac = parseHex(macHex, sizes.mac, metadataKeys.mac);
  if (!constantTimeEqual(responseMac(s2c, method, nonce, bytes), mac)) {
    throw new SessionError("bad-mac", "response MAC does not verify");
  }
}

class StreamOfResponses implements ClientResponseStream {
  readonly #s2c: Uint8Array;
  readonly #method: string;
  readonly #nonce: Uint8Array;
  readonly #cipher: MessageCipher;
  readonly #digest: StreamDigest = createStreamDigest();

  constructor(s2c: Uint8Array, method: string, nonce: Uint8Array, cipher: MessageCipher) {
    this.#s2c = s2c;
    this.#method = method;
    this.#nonce = nonce;
    this.#cipher = cipher;
  }

  next(wire: Uint8Array): Uint8Array {
    this.#digest.update(wire);
    return this.#cipher.next(wire);
  }

  verify(macHex: string | undefined): void {
    checkMac(this.#s2c, this.#method, this.#nonce, this.#digest.digest(), macHex);
  }
}

/** The client SDK's per-call half of the protocol, pure apart from the injected randomness. */
export function createClientSession(
  established: EstablishedSession,
  options: { readonly randomBytes?: (n: number) => Uint8Array } = {},
): ClientSession {
  const random = options.randomBytes ?? pooledRandomBytes;
  const { keys, ticket, protection } = established;
  // The same ticket goes with every call of the session: encoded once.
  const ticketText = Buffer.from(ticket).toString("base64url");
  return {
    serverParty: established.serverParty,
    expiresAt: established.expiresAt,
    protection,
    signRequest(method, request, now, route) {
      const nonce = random(sizes.nonce);
      // Encrypt, then MAC the ciphertext (docs/session-protocol.md §6.3).
      const body = createMessageCipher(protection, keys.c2sEnc, nonce).next(request);
      const mac = requestMac(keys.c2s, method, now, nonce, body);
      // As formatCallMetadata spells them, with the ticket's text reused.
      const metadata: Record<string, string> = {
        [metadataKeys.ticket]: ticketText,
        [metadataKeys.timestamp]: String(now),
        [metadataKeys.nonce]: Buffer.from(nonce.buffer, nonce.byteOffset, nonce.byteLength).toString("hex"),
        [metadataKeys.mac]: Buffer.from(mac.buffer, mac.byteOffset, mac.byteLength).toString("hex"),
      };
      if (route !== undefined) {
        metadata[relayMetadataKeys.origin] = route.origin;
        metadata[relayMetadataKeys.hops] = route.hops;
        metadata[relayMetadataKeys.routeMac] = Buffer.from(
          routeMac(keys.c2s, nonce, route.origin, route.hops),
        ).toString("hex");
      }
      return { metadata, body, nonce };
    },
    openResponse(method, requestNonce, responseBytes, macHex) {
      // The MAC first: nothing unauthenticated is decrypted.
      checkMac(keys.s2c, method, requestNonce, responseBytes, macHex);
      return createMessageCipher(protection, keys.s2cEnc, requestNonce).next(responseBytes);
    },
    responseStream(method, requestNonce) {
      return new StreamOfResponses(
        keys.s2c,
        method,
        requestNonce,
        createMessageCipher(protection, keys.s2cEnc, requestNonce),
      );
    },
    needsRehandshake(now, marginMs = defaultLimits.rehandshakeMarginMs) {
      return now >= established.expiresAt - marginMs;
    },
  };
}
