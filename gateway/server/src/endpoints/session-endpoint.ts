import type { Crl } from "@hutong/certs";
import type { HandshakeServer } from "@hutong/session";
import { finishRequest, finishResponse, helloRequest, helloResponse, sessionPaths } from "@hutong/session";
import type { UnaryHandler } from "@hutong/wire";

export interface SessionEndpointOptions {
  readonly server: HandshakeServer;
  readonly crls: () => readonly Crl[];
  readonly now?: () => number;
}

/** SessionService.Hello and .Finish over the wire server: decode, run the stateless core, encode. */
export function createSessionEndpoint(options: SessionEndpointOptions): ReadonlyMap<string, UnaryHandler> {
  const now = options.now ?? Date.now;
  const hello: UnaryHandler = async (call) => {
    const sh = options.server.hello(helloRequest.decode(call.body), { now: now(), crls: options.crls() });
    return { body: helloResponse.encode(sh) };
  };
  const finish: UnaryHandler = async (call) => {
    const sf = options.server.finish(finishRequest.decode(call.body), { now: now() });
    return { body: finishResponse.encode(sf) };
  };
  return new Map([
    [sessionPaths.hello, hello],
    [sessionPaths.finish, finish],
  ]);
}
