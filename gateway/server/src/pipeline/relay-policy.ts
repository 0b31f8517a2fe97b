import { compilePartyPattern, matchesParty, type PartyPattern } from "../routing/party-pattern.js";

export interface RelayRule {
  /** Party of a peer gateway. */
  readonly peer: string;
  /** Party patterns it may relay calls for. */
  readonly origins: readonly string[];
}

export interface RelayPolicy {
  /** May authenticated `peer` assert that a call comes from `origin`? */
  allows(peer: string, origin: string): boolean;
}

/**
 * Which peer gateways this gateway believes about where a call came from. A
 * relayed call's origin is what the ACL and the audit log see, so only peers
 * named here may assert one, and only for the origins listed; anyone else
 * sending relay metadata is refused.
 */
export function compileRelayPolicy(rules: readonly RelayRule[]): RelayPolicy {
  const byPeer = new Map<string, PartyPattern[]>();
  for (const r of rules) {
    const list = byPeer.get(r.peer) ?? [];
    list.push(...r.origins.map(compilePartyPattern));
    byPeer.set(r.peer, list);
  }
  return {
    allows(peer, origin) {
      return byPeer.get(peer)?.some((p) => matchesParty(p, origin)) ?? false;
    },
  };
}
