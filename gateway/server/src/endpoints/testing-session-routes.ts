import type { Crl } from "@hutong/certs";
import type { Credentials } from "@hutong/client";
import { createHandshakeServer, type TicketKeyring } from "@hutong/session";
import type { Route } from "@hutong/wire";
import { mapError } from "../gateway/status-mapping.js";
import { createSessionEndpoint } from "./session-endpoint.js";

/**
 * The handshake methods as gateway.ts serves them (errors through the one status mapping), for the
 * test servers that stand in for a gateway's other endpoints.
 */
export function testingSessionRoutes(options: {
  readonly party: string;
  readonly credentials: Pick<Credentials, "privateKey" | "chain" | "trust">;
  readonly keyring: TicketKeyring;
  readonly crls: () => readonly Crl[];
  readonly now: () => number;
}): Map<string, Route> {
  const handshake = createHandshakeServer({
    partyId: options.party,
    privateKey: options.credentials.privateKey,
    chain: options.credentials.chain,
    trust: options.credentials.trust,
    keyring: options.keyring,
  });
  const routes = new Map<string, Route>();
  for (const [path, handler] of createSessionEndpoint({ server: handshake, crls: options.crls, now: options.now })) {
    routes.set(path, {
      kind: "unary",
      handler: async (call) => {
        try {
          return await handler(call);
        } catch (e) {
          throw mapError(e).wire;
        }
      },
    });
  }
  return routes;
}
