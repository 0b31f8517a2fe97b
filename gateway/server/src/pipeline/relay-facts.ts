import { relayMetadataKeys, type VerifiedCall } from "@hutong/session";
import type { Metadata } from "@hutong/wire";
import { GatewayError } from "../gateway-error.js";
import { parseHops } from "../routing/hops.js";
import type { RelayPolicy } from "./relay-policy.js";

/**
 * Who really made a call: the authenticated peer, or, when a trusted relay says so with a valid
 * route MAC, the origin it relays for, with the gateways crossed so far. Every method a gateway
 * serves for a relayed caller (exchange, GrantService) must decide on these facts, never on the
 * relaying gateway's own identity.
 */
export function relayFacts(
  metadata: Metadata,
  verified: VerifiedCall,
  relays: RelayPolicy,
): { readonly origin: string; readonly hops: string[] } {
  const origin = metadata[relayMetadataKeys.origin];
  const hops = metadata[relayMetadataKeys.hops];
  if (origin === undefined && hops === undefined) return { origin: verified.clientParty, hops: [] };
  verified.verifyRoute(origin ?? "", hops ?? "", metadata[relayMetadataKeys.routeMac]);
  if (origin === undefined || !relays.allows(verified.clientParty, origin)) {
    throw new GatewayError("relay-not-allowed", `${verified.clientParty} may not relay calls for ${origin ?? "?"}`);
  }
  return { origin, hops: parseHops(hops) };
}
