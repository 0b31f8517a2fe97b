import type { Crl } from "@hutong/certs";
import { type CallVerifier, createStreamDigest, metadataKeys, type VerifiedCall } from "@hutong/session";
import type { Metadata, StreamCall } from "@hutong/wire";
import { Status, WireError } from "@hutong/wire";

/**
 * The session side of a method a gateway answers itself (registry, grants, audit): verify the
 * call's session for the exact request bytes, and MAC what goes back. One copy, used by the
 * gateway and by the test servers that stand in for it.
 */
export interface SessionMethods {
  verify(path: string, metadata: Metadata, body: Uint8Array): VerifiedCall;
  /** The `hutong-mac` trailer for these exact response bytes. */
  macTrailer(verified: VerifiedCall, body: Uint8Array): Record<string, string>;
  /**
   * A server-streaming method authenticated like a unary call: exactly one request message,
   * verified; every response message fed into one stream MAC (docs/session-protocol.md §6.2);
   * sending paced by the reader. `answer` gets the verified call and a sink.
   */
  serveStream(
    call: StreamCall,
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
    async serveStream(call, answer) {
      let body: Buffer | undefined;
      for await (const message of call.messages) {
        if (body !== undefined) throw new WireError(Status.UNIMPLEMENTED, "more than one request message");
        body = message;
      }
      if (body === undefined) throw new WireError(Status.UNIMPLEMENTED, "no request message");
      const verified = verify(call.path, call.metadata, body);
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
