import type { Crl } from "@hutong/certs";
import { type CallVerifier, createStreamDigest, metadataKeys, type VerifiedCall } from "@hutong/session";
import type { Metadata, StreamCall } from "@hutong/wire";
import { Status, WireError } from "@hutong/wire";

/** One request as the session layer sees it: the method path, metadata and the exact message bytes. */
export interface IncomingRequest {
  readonly path: string;
  readonly metadata: Metadata;
  readonly body: Uint8Array;
}

/**
 * The session side of every method a gateway serves: verify the call's session for the exact
 * request bytes, and MAC what goes back. One copy, used by the pipeline and by the test servers
 * that stand in for a gateway.
 */
export interface SessionMethods {
  verify(path: string, metadata: Metadata, body: Uint8Array): VerifiedCall;
  /** The `hutong-mac` trailer for these exact response bytes. */
  macTrailer(verified: VerifiedCall, body: Uint8Array): Record<string, string>;
  /**
   * A server-streaming method authenticated like a unary call: exactly one request message,
   * given to `authenticate` (session.verify, or a CallAuthorizer that also applies the ACL) before
   * anything is answered; every response message fed into one stream MAC
   * (docs/session-protocol.md §6.2); sending paced by the reader. `answer` gets the verified call
   * and a sink.
   */
  serveStream(
    call: StreamCall,
    authenticate: (request: IncomingRequest) => VerifiedCall,
    answer: (
      body: Buffer,
      verified: VerifiedCall,
      sink: { readonly signal: AbortSignal; send(message: Buffer): Promise<void> },
    ) => Promise<void>,
  ): Promise<{ trailers: Record<string, string> }>;
}

export function createSessionMethods(options: {
  readonly verifier: CallVerifier;
  readonly crls: () => readonly Crl[];
  readonly now: () => number;
}): SessionMethods {
  const macTrailer = (verified: VerifiedCall, body: Uint8Array) => ({
    [metadataKeys.mac]: Buffer.from(verified.responseMac(body)).toString("hex"),
  });
  const verify = (path: string, metadata: Metadata, body: Uint8Array) =>
    options.verifier.verify({ method: path, metadata, requestBytes: body, now: options.now(), crls: options.crls() });
  return {
    verify,
    macTrailer,
    async serveStream(call, authenticate, answer) {
      let body: Buffer | undefined;
      for await (const message of call.messages) {
        if (body !== undefined) throw new WireError(Status.UNIMPLEMENTED, "more than one request message");
        body = message;
      }
      if (body === undefined) throw new WireError(Status.UNIMPLEMENTED, "no request message");
      const verified = authenticate({ path: call.path, metadata: call.metadata, body });
      const digest = createStreamDigest();
      await answer(body, verified, {
        signal: call.signal,
        send(message) {
          digest.update(message);
          call.send(message);
          return call.ready();
        },
      });
      return { trailers: macTrailer(verified, digest.digest()) };
    },
  };
}
