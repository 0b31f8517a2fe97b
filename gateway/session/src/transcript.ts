import { sm3 } from "@hutong/certs";
import { encodeMessage, u8, u64be, utf8 } from "./canonical-encoding.js";

/**
 * The handshake transcript and its hashes. The transcript is the canonical
 * encoding of what each side sent, never the protobuf bytes, so two
 * implementations hash the same bytes whatever their protobuf library does.
 *
 * Hashes chain (H2 = SM3(H1 || …), H3 = SM3(H2 || …)) rather than rehash the
 * whole transcript, so the stateless server only needs H2 in its cookie and
 * not the two certificate chains.
 */
export const transcriptMessageTypes = {
  clientHello: 0x01,
  serverHello: 0x02,
  serverSignature: 0x03,
  clientSignature: 0x04,
  serverFinish: 0x05,
} as const;

export interface ClientHello {
  readonly version: number;
  /** 32 random bytes. */
  readonly clientRandom: Uint8Array;
  /** Uncompressed SM2 point (65 bytes) of the client's ephemeral ECDH key. */
  readonly clientEphemeral: Uint8Array;
  /** DER certificates, leaf first. */
  readonly clientChain: readonly Uint8Array[];
  /** The party the client wants to reach: must be the server's own. */
  readonly targetParty: string;
  /** How the session's call messages are to travel: a `protectionModes` value (the Protection enum). */
  readonly protection: number;
}

export interface ServerHello {
  readonly serverRandom: Uint8Array;
  readonly serverEphemeral: Uint8Array;
  /** DER certificates, leaf first. */
  readonly serverChain: readonly Uint8Array[];
  /** SM2 signature (DER) over labels.serverSignature || H1, default SM2 id. */
  readonly serverSignature: Uint8Array;
  /** Opaque half-open state; the client echoes it in ClientFinish. */
  readonly cookie: Uint8Array;
  /** The protection the server agreed to: the client's own choice, or the client refuses to go on. */
  readonly protection: number;
}

export interface ClientFinish {
  readonly cookie: Uint8Array;
  /** SM2 signature (DER) over labels.clientSignature || H2, default SM2 id. */
  readonly clientSignature: Uint8Array;
}

export interface ServerFinish {
  /** Opaque session ticket; sent back on every call as hutong-ticket. */
  readonly ticket: Uint8Array;
  /** Ticket expiry, milliseconds since the Unix epoch. */
  readonly expiresAt: number;
  /** HMAC-SM3(s2c, labels.serverFinished || H4): covers the ticket and expiresAt above. */
  readonly serverFinished: Uint8Array;
}

/** A field of a hello: bytes, or a list (one field whose content is the items, each a field). */
type HelloField = Uint8Array | readonly Uint8Array[];

const fieldLength = (f: HelloField): number =>
  4 + (f instanceof Uint8Array ? f.length : f.reduce((n, item) => n + 4 + item.length, 0));

/**
 * message(type, fields) written straight into one buffer: the same bytes as encodeMessage with
 * encodeList, without copying the certificate chains three times over (a hello's two chains are
 * most of its ~3 KB, and each side encodes both hellos once per handshake).
 */
function encodeHello(type: number, fields: readonly HelloField[]): Uint8Array {
  const bodyLength = fields.reduce((n, f) => n + fieldLength(f), 0);
  const out = new Uint8Array(5 + bodyLength);
  const view = new DataView(out.buffer);
  out[0] = type;
  view.setUint32(1, bodyLength);
  let at = 5;
  const put = (bytes: Uint8Array) => {
    view.setUint32(at, bytes.length);
    out.set(bytes, at + 4);
    at += 4 + bytes.length;
  };
  for (const f of fields) {
    if (f instanceof Uint8Array) {
      put(f);
    } else {
      view.setUint32(at, fieldLength(f) - 4);
      at += 4;
      for (const item of f) put(item);
    }
  }
  return out;
}

export function encodeClientHello(m: ClientHello): Uint8Array {
  return encodeHello(transcriptMessageTypes.clientHello, [
    u8(m.version),
    m.clientRandom,
    m.clientEphemeral,
    m.clientChain,
    utf8(m.targetParty),
    u8(m.protection),
  ]);
}

/** The ServerHello as signed: without the signature and the cookie. */
export function encodeServerHelloSigned(m: Omit<ServerHello, "serverSignature" | "cookie">): Uint8Array {
  return encodeHello(transcriptMessageTypes.serverHello, [
    m.serverRandom,
    m.serverEphemeral,
    m.serverChain,
    u8(m.protection),
  ]);
}

/** H1 = SM3(clientHello || serverHello-signed): what the server signs and the master secret binds. */
export function transcriptH1(ch: ClientHello, sh: Omit<ServerHello, "serverSignature" | "cookie">): Uint8Array {
  return sm3(encodeClientHello(ch), encodeServerHelloSigned(sh));
}

/** H2 = SM3(H1 || message(0x03, serverSignature)): what the client signs. */
export function transcriptH2(h1: Uint8Array, serverSignature: Uint8Array): Uint8Array {
  return sm3(h1, encodeMessage(transcriptMessageTypes.serverSignature, [serverSignature]));
}

/** H3 = SM3(H2 || message(0x04, clientSignature)): the whole handshake up to the ServerFinish. */
export function transcriptH3(h2: Uint8Array, clientSignature: Uint8Array): Uint8Array {
  return sm3(h2, encodeMessage(transcriptMessageTypes.clientSignature, [clientSignature]));
}

/** The ServerFinish as MACed: the ticket's exact bytes and its expiry, not server-finished itself. */
export function encodeServerFinishBound(m: Pick<ServerFinish, "ticket" | "expiresAt">): Uint8Array {
  return encodeMessage(transcriptMessageTypes.serverFinish, [m.ticket, u64be(m.expiresAt)]);
}

/**
 * H4 = SM3(H3 || message(0x05, ticket, u64be(expiresAt))): what server-finished confirms. The
 * ticket and its expiry travel beside server-finished in the same message, possibly over plain
 * h2c, so they are MACed with it: nobody on the link can swap in another ticket or move the expiry.
 */
export function transcriptH4(h3: Uint8Array, m: Pick<ServerFinish, "ticket" | "expiresAt">): Uint8Array {
  return sm3(h3, encodeServerFinishBound(m));
}

export function signedString(label: string, hash: Uint8Array): Uint8Array {
  const l = utf8(label);
  const out = new Uint8Array(l.length + hash.length);
  out.set(l);
  out.set(hash, l.length);
  return out;
}
