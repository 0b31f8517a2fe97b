import { constantTimeEqual, pooledRandomBytes } from "@hutong/certs";
import { requestMac, responseMac, routeMac } from "./call-mac.js";
import { parseHex } from "./call-metadata.js";
import type { EstablishedSession } from "./handshake-client.js";
import { defaultLimits, metadataKeys, relayMetadataKeys, sizes } from "./protocol-constants.js";
import { SessionError } from "./session-error.js";

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
  /** Keep it to verify the response MAC. */
  readonly nonce: Uint8Array;
}

export interface ClientSession {
  readonly serverParty: string;
  readonly expiresAt: number;
  signRequest(method: string, requestBytes: Uint8Array, now: number, route?: RelayRoute): SignedRequest;
  /** Throws bad-mac (or malformed) unless `macHex` (trailer hutong-mac) authenticates these exact bytes. */
  verifyResponse(method: string, requestNonce: Uint8Array, responseBytes: Uint8Array, macHex: string | undefined): void;
  /** True once the ticket is within `marginMs` of expiry: the SDK should handshake again before calling. */
  needsRehandshake(now: number, marginMs?: number): boolean;
}

/** The client SDK's per-call half of the protocol, pure apart from the injected randomness. */
export function createClientSession(
  established: EstablishedSession,
  options: { readonly randomBytes?: (n: number) => Uint8Array } = {},
): ClientSession {
  const random = options.randomBytes ?? pooledRandomBytes;
  const { keys, ticket } = established;
  // The same ticket goes with every call of the session: encoded once.
  const ticketText = Buffer.from(ticket).toString("base64url");
  return {
    serverParty: established.serverParty,
    expiresAt: established.expiresAt,
    signRequest(method, requestBytes, now, route) {
      const nonce = random(sizes.nonce);
      const mac = requestMac(keys.c2s, method, now, nonce, requestBytes);
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
      return { metadata, nonce };
    },
    verifyResponse(method, requestNonce, responseBytes, macHex) {
      if (macHex === undefined) throw new SessionError("bad-mac", "response carries no hutong-mac trailer");
      const mac = parseHex(macHex, sizes.mac, metadataKeys.mac);
      if (!constantTimeEqual(responseMac(keys.s2c, method, requestNonce, responseBytes), mac)) {
        throw new SessionError("bad-mac", "response MAC does not verify");
      }
    },
    needsRehandshake(now, marginMs = defaultLimits.rehandshakeMarginMs) {
      return now >= established.expiresAt - marginMs;
    },
  };
}
