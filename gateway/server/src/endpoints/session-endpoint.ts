import type { Crl } from "@hutong/certs";
import type { HandshakeServer } from "@hutong/session";
import { finishRequest, finishResponse, helloRequest, helloResponse, sessionPaths } from "@hutong/session";
import type { UnaryHandler } from "@hutong/wire";
import { remoteHost } from "./peer-address.js";

export interface SessionEndpointOptions {
  readonly server: HandshakeServer;
  readonly crls: () => readonly Crl[];
  readonly now?: () => number;
}

/**
 * SessionService.Hello and .Finish over the wire server: admission first (the caller's address and
 * the handshakes in progress, before the message is even decoded), then decode, run the stateless
 * core (which also applies the per-party admission and the plaintext policy), encode. The SM2 work
 * runs on the thread pool where the addon is built, so a burst of handshakes does not hold the
 * event loop that established sessions' calls run on.
 */
export function createSessionEndpoint(options: SessionEndpointOptions): ReadonlyMap<string, UnaryHandler> {
  const now = options.now ?? Date.now;
  const hello: UnaryHandler = async (call) => {
    const at = now();
    const address = remoteHost(call.peer);
    const slot = options.server.admit(address, at);
    try {
      const ch = helloRequest.decode(call.body);
      const context = { now: at, crls: options.crls(), ...(address === undefined ? {} : { address }) };
      const sh = await options.server.hello(ch, slot === undefined ? context : { ...context, slot });
      return { body: helloResponse.encode(sh) };
    } finally {
      slot?.release();
    }
  };
  const finish: UnaryHandler = async (call) => {
    const at = now();
    const address = remoteHost(call.peer);
    const slot = options.server.admit(address, at);
    try {
      const cf = finishRequest.decode(call.body);
      const context = { now: at, ...(address === undefined ? {} : { address }) };
      const sf = await options.server.finish(cf, slot === undefined ? context : { ...context, slot });
      return { body: finishResponse.encode(sf) };
    } finally {
      slot?.release();
    }
  };
  return new Map([
    [sessionPaths.hello, hello],
    [sessionPaths.finish, finish],
  ]);
}
