import { isValidPartyId } from "@hutong/certs";
import { RoutingError } from "./routing-error.js";

/** Most gateways a hop list may name; also the ceiling for a configured maxHops. */
export const maxHopEntries = 32;

// A party id is at most ~75 characters (kind, 32-char name, 32-char sub-system);
// refusing longer text up front keeps a hostile header from costing a big split.
const maxHopsTextLength = maxHopEntries * 80;

function malformed(why: string): never {
  throw new RoutingError("malformed-hops", `malformed hutong-hops: ${why}`);
}

/**
 * Parses the `hutong-hops` metadata value: the party ids of the gateways the
 * call has already crossed, in order, comma-separated. Absent or empty means
 * none. Spaces around entries are tolerated because HTTP/2 intermediaries join
 * repeated headers with ", ".
 */
export function parseHops(text: string | undefined): string[] {
  if (text === undefined || text === "") return [];
  if (text.length > maxHopsTextLength) malformed(`longer than ${maxHopsTextLength} characters`);
  const parts = text.split(",");
  if (parts.length > maxHopEntries) malformed(`more than ${maxHopEntries} entries`);
  return parts.map((raw, index) => {
    const party = raw.trim();
    if (party === "") malformed(`entry ${index} is empty`);
    if (!isValidPartyId(party)) malformed(`entry ${index} ${JSON.stringify(party.slice(0, 80))} is not a party id`);
    return party;
  });
}

/** The metadata value for a hop list; throws malformed-hops for a list parseHops would refuse. */
export function formatHops(hops: readonly string[]): string {
  if (hops.length > maxHopEntries) malformed(`more than ${maxHopEntries} entries`);
  for (const party of hops) {
    if (!isValidPartyId(party)) malformed(`${JSON.stringify(party.slice(0, 80))} is not a party id`);
  }
  return hops.join(",");
}

/**
 * Refuses a call this gateway (self) must not forward: self already on the
 * path, or any gateway on it twice (a loop further back), is `loop`; a path
 * already maxHops long is `too-many-hops`.
 */
export function checkHops(hops: readonly string[], self: string, maxHops: number): void {
  const path = hops.join(",");
  if (hops.includes(self)) throw new RoutingError("loop", `routing loop: ${self} already on path ${path}`);
  const seen = new Set<string>();
  for (const party of hops) {
    if (seen.has(party)) throw new RoutingError("loop", `routing loop: ${party} appears twice on path ${path}`);
    seen.add(party);
  }
  if (hops.length >= maxHops) {
    throw new RoutingError("too-many-hops", `too many hops: ${hops.length} gateways on path ${path} (max ${maxHops})`);
  }
}
