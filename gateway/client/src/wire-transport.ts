import type { WireChannel } from "@hutong/wire";
import type { UnaryTransport } from "./unary-transport.js";

/** The gateway-to-gateway transport: the session client over the gateway's own node:http2 channel. */
export function createWireTransport(channel: WireChannel): UnaryTransport {
  return {
    async unary(path, body, metadata, options) {
      const r = await channel.unary(path, body, metadata, options);
      return { body: r.body, trailers: r.trailers };
    },
    close: () => channel.close(),
  };
}
