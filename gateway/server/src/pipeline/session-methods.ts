import type { Crl } from "@hutong/certs";
import { type CallVerifier, metadataKeys, type VerifiedCall } from "@hutong/session";
import type { Metadata, StreamCall, UnaryReply } from "@hutong/wire";
import { Status, WireError } from "@hutong/wire";
import type { SharedReplayWindow } from "./shared-replay-window.js";

/** One request as the session layer sees it: the method path, metadata and the exact message bytes. */
export interface IncomingRequest {
  readonly path: string;
  readonly metadata: Metadata;
  readonly body: Uint8Array;
}

/**
 * The session side of every method a gateway serves: verify the call's session for the exact
 * request bytes (the request then in clear on `verified.request`), and protect what goes back
 * (encrypted on an SM4 session, MACed). One copy, used by the pipeline and by the test servers that
 * stand in for a gateway.
 */
export interface SessionMethods {
  /** The session checks a call's headers allow, before its body is read (CallVerifier.precheck). */
  precheck(metadata: Metadata): void;
  /**
   * The call's session checks; with a shared replay window, also the nonce across replicas (so it
   * resolves only after the store has answered).
   */
  verify(path: string, metadata: Metadata, body: Uint8Array): Promise<VerifiedCall>;
  /** The reply carrying this response message, protected for the caller, with its `hutong-mac` trailer. */
  reply(verified: VerifiedCall, message: Uint8Array): UnaryReply;
  /**
   * A server-streaming method authenticated like a unary call: exactly one request message,
   * given to `authenticate` (session.verify, or a CallAuthorizer that also applies the ACL) before
   * anything is answered; every response message protected and fed into one stream MAC
   * (docs/session-protocol.md §6.2, §6.3); sending paced by the reader. `answer` gets the request
   * in clear, the verified call and a sink taking messages in clear.
   */
  serveStream(
    call: StreamCall,
    authenticate: (request: IncomingRequest) => Promise<VerifiedCall>,
    answer: (
      request: Buffer,
      verified: VerifiedCall,
      sink: { readonly signal: AbortSignal; send(message: Buffer): Promise<void> },
    ) => Promise<void>,
  ): Promise<{ trailers: Record<string, string> }>;
}

const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

export function createSessionMethods(options: {
  readonly verifier: CallVerifier;
  readonly crls: () => readonly Crl[];
  readonly now: () => number;
  /** The replay window the replicas share, asked after the per-process one (session.replayWindow: shared). */
  readonly sharedReplay?: SharedReplayWindow;
}): SessionMethods {
  const { sharedReplay } = options;
  const verify = async (path: string, metadata: Metadata, body: Uint8Array) => {
    const verified = options.verifier.verify({
      method: path,
      metadata,
      requestBytes: body,
      now: options.now(),
      crls: options.crls(),
    });
    // The nonce parsed already inside verify(); only a call that verified reaches the store.
    if (sharedReplay !== undefined) {
      await sharedReplay.admit(verified.sessionId, Buffer.from(String(metadata[metadataKeys.nonce]), "hex"));
    }
    return verified;
  };
  return {
    precheck: (metadata) => options.verifier.precheck({ metadata, now: options.now() }),
    verify,
    reply(verified, message) {
      const { body, mac } = verified.protectResponse(message);
      return { body: asBuffer(body), trailers: { [metadataKeys.mac]: hex(mac) } };
    },
    async serveStream(call, authenticate, answer) {
      let body: Buffer | undefined;
      for await (const message of call.messages) {
        if (body !== undefined) throw new WireError(Status.UNIMPLEMENTED, "more than one request message");
        body = message;
      }
      if (body === undefined) throw new WireError(Status.UNIMPLEMENTED, "no request message");
      const verified = await authenticate({ path: call.path, metadata: call.metadata, body });
      const responses = verified.responseStream();
      await answer(asBuffer(verified.request), verified, {
        signal: call.signal,
        send(message) {
          call.send(asBuffer(responses.next(message)));
          return call.ready();
        },
      });
      return { trailers: { [metadataKeys.mac]: hex(responses.mac()) } };
    },
  };
}
