import type { Crl } from "@hutong/certs";
import type { HandshakeServer } from "@hutong/session";
import { finishRequest, finishResponse, helloRequest, helloResponse, sessionPaths } from "@hutong/session";
import type { UnaryHandler } from "@hutong/wire";
import { peerAddress } from "./peer-address.js";

export interface SessionEndpointOptions {
  readonly server: HandshakeServer;
  readonly crls: () => readonly Crl[];
  readonly now?: () => number;
}

/**
 * SessionService.Hello and .Finish over the wire server: decode, run the stateless core (which
 * applies the handshake admission and the plaintext policy to the caller's address), encode. The
 * SM2 work runs on the thread pool where the addon is built, so a burst of handshakes does not hold
 * the event loop that established sessions' calls run on.
 */
export function createSessionEndpoint(options: SessionEndpointOptions): ReadonlyMap<string, UnaryHandler> {
  const now = options.now ?? Date.now;
  const hello: UnaryHandler = async (call) => {
    const ch = helloRequest.decode(call.body);
    const sh = await options.server.hello(ch, { now: now(), crls: options.crls(), ...peerAddress(call.peer) });
    return { body: helloResponse.encode(sh) };
  };
  const finish: UnaryHandler = async (call) => {
    const cf = finishRequest.decode(call.body);
    const sf = await options.server.finish(cf, { now: now(), ...peerAddress(call.peer) });
    return { body: finishResponse.encode(sf) };
  };
  return new Map([
    [sessionPaths.hello, hello],
    [sessionPaths.finish, finish],
  ]);
}
