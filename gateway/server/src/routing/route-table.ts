import { isValidPartyId, type PartyId, parsePartyId } from "@hutong/certs";
import { compilePartyPattern, type PartyPattern } from "./party-pattern.js";
import { RoutingError } from "./routing-error.js";

/** TLS 1.3 under a peer link: the CA file to check the peer's certificate with, and the name to check. */
export interface PeerTls {
  readonly caFile?: string | undefined;
  readonly serverName?: string | undefined;
}

export type RouteTarget =
  /** A gRPC backend of this gateway's own party. */
  | { readonly kind: "local"; readonly address: string }
  /**
   * A connector hosted by this gateway (docs/connectors.md): an adapter to a partner's own API
   * (the tax e-invoice channel, a rail or air partner) that answers the partner's contract services.
   */
  | { readonly kind: "connector"; readonly connector: string }
  /**
   * Another hutong gateway; its certificate must carry peerParty. Its session is SM4-encrypted
   * unless `plaintext` (which the peer must allow); the link is h2c unless `tls`.
   */
  | {
      readonly kind: "peer";
      readonly address: string;
      readonly peerParty: string;
      readonly tls?: PeerTls;
      readonly plaintext?: boolean;
    };

export interface RouteEntry {
  /** A party pattern (party-pattern.ts). */
  readonly match: string;
  readonly target: RouteTarget;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  readonly maxQueued: number;
  /** For metrics and logs, e.g. "prov:440000 via mot". */
  readonly name: string;
}

export interface RouteTable {
  /** The most specific entry for a party id, or undefined (no route, or not a valid party id). */
  resolve(targetParty: string): RouteEntry | undefined;
  readonly entries: readonly RouteEntry[];
}

function checkEntry(entry: RouteEntry, index: number): PartyPattern {
  const where = `route ${index} (${JSON.stringify(entry.match)})`;
  let pattern: PartyPattern;
  try {
    pattern = compilePartyPattern(entry.match);
  } catch (error) {
    if (error instanceof RoutingError)
      throw new RoutingError(error.code, `${where}: ${error.message}`, { cause: error });
    throw error;
  }
  const bad = (why: string): never => {
    throw new RoutingError("invalid-route", `${where}: ${why}`);
  };
  if (entry.target.kind === "peer" && !isValidPartyId(entry.target.peerParty)) {
    bad(`peer party ${JSON.stringify(entry.target.peerParty)} is not a valid party id`);
  }
  if (entry.target.kind === "connector" ? entry.target.connector === "" : entry.target.address === "") {
    bad("empty target address");
  }
  if (!Number.isSafeInteger(entry.timeoutMs) || entry.timeoutMs < 1) bad("timeoutMs must be a positive integer");
  if (!Number.isSafeInteger(entry.maxInFlight) || entry.maxInFlight < 1) bad("maxInFlight must be a positive integer");
  if (!Number.isSafeInteger(entry.maxQueued) || entry.maxQueued < 0) bad("maxQueued must be a non-negative integer");
  return pattern;
}

/**
 * Builds the lookup structure once; resolve() is then a few map look-ups.
 * Resolution order for a target party: an entry for exactly that party; for a
 * sub-system, an entry for exactly its parent party (so one line routes a
 * province and everything behind its gateway); the party's subtree entry
 * (P/*); its kind wildcard (prov:*); finally "*". Two entries with the same
 * match text would make the winner arbitrary, so they are refused here.
 */
export function createRouteTable(entries: readonly RouteEntry[]): RouteTable {
  const exact = new Map<string, RouteEntry>();
  const subtree = new Map<string, RouteEntry>();
  const byKind = new Map<string, RouteEntry>();
  let any: RouteEntry | undefined;
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const pattern = checkEntry(entry, index);
    const first = seen.get(pattern.text);
    if (first !== undefined) {
      throw new RoutingError(
        "duplicate-route",
        `routes ${first} and ${index} both match ${JSON.stringify(entry.match)}`,
      );
    }
    seen.set(pattern.text, index);
    switch (pattern.form) {
      case "exact":
        exact.set(pattern.party, entry);
        break;
      case "subtree":
        subtree.set(pattern.member, entry);
        break;
      case "kind":
        byKind.set(pattern.partyKind, entry);
        break;
      case "any":
        any = entry;
        break;
    }
  });
  const frozen = Object.freeze([...entries]);
  return {
    entries: frozen,
    resolve(targetParty) {
      let party: PartyId;
      try {
        party = parsePartyId(targetParty);
      } catch {
        return undefined;
      }
      return (
        exact.get(party.text) ??
        (party.subsystem === undefined ? undefined : (exact.get(party.member) ?? subtree.get(party.member))) ??
        byKind.get(party.kind) ??
        any
      );
    },
  };
}
