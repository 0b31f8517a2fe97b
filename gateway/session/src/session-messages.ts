import {
  FinishRequest,
  FinishResponse,
  HelloRequest,
  HelloResponse,
  type MessageFns,
  type Protection,
  SessionServiceService,
} from "@hutong/proto";
import { SessionError } from "./session-error.js";
import type { ClientFinish, ClientHello, ServerFinish, ServerHello } from "./transcript.js";

/**
 * Protobuf forms of the four handshake messages, converted to and from the
 * session core's types. Signatures never cover these bytes (the core builds a
 * canonical transcript from the decoded values), so any valid encoding works.
 */
export const sessionPaths = {
  hello: SessionServiceService.hello.path,
  finish: SessionServiceService.finish.path,
} as const;

/** Decodes a message, turning any protobuf failure into SessionError malformed. */
export function decodeMessage<T>(fns: MessageFns<T>, bytes: Uint8Array, what: string): T {
  try {
    return fns.decode(bytes);
  } catch (cause) {
    throw new SessionError("malformed", `${what} is not valid protobuf`, { cause });
  }
}

export function encodeMessage<T>(fns: MessageFns<T>, message: T): Buffer {
  const bytes = fns.encode(message).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const b = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

export const helloRequest = {
  encode: (m: ClientHello) =>
    encodeMessage(HelloRequest, {
      version: m.version,
      clientRandom: b(m.clientRandom),
      clientEphemeral: b(m.clientEphemeral),
      clientChain: m.clientChain.map(b),
      targetParty: m.targetParty,
      protection: m.protection as Protection,
    }),
  decode: (bytes: Uint8Array): ClientHello => decodeMessage(HelloRequest, bytes, "HelloRequest"),
};

export const helloResponse = {
  encode: (m: ServerHello) =>
    encodeMessage(HelloResponse, {
      serverRandom: b(m.serverRandom),
      serverEphemeral: b(m.serverEphemeral),
      serverChain: m.serverChain.map(b),
      serverSignature: b(m.serverSignature),
      cookie: b(m.cookie),
      protection: m.protection as Protection,
    }),
  decode: (bytes: Uint8Array): ServerHello => decodeMessage(HelloResponse, bytes, "HelloResponse"),
};

export const finishRequest = {
  encode: (m: ClientFinish) =>
    encodeMessage(FinishRequest, { cookie: b(m.cookie), clientSignature: b(m.clientSignature) }),
  decode: (bytes: Uint8Array): ClientFinish => decodeMessage(FinishRequest, bytes, "FinishRequest"),
};

export const finishResponse = {
  encode: (m: ServerFinish) =>
    encodeMessage(FinishResponse, {
      ticket: b(m.ticket),
      expiresAt: BigInt(m.expiresAt),
      serverFinished: b(m.serverFinished),
    }),
  decode: (bytes: Uint8Array): ServerFinish => {
    const m = decodeMessage(FinishResponse, bytes, "FinishResponse");
    if (m.expiresAt > BigInt(Number.MAX_SAFE_INTEGER)) throw new SessionError("malformed", "expiresAt out of range");
    return { ticket: m.ticket, expiresAt: Number(m.expiresAt), serverFinished: m.serverFinished };
  },
};
