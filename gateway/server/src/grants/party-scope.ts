/**
 * How a party named in a grant matches an actual party. A member id without a sub-system
 * ("prov:440000") names the legal entity, so it covers the entity's own systems
 * ("prov:440000/desk"); a sub-system id covers only itself. Unlike a routing pattern this is not
 * configuration: it is what the grantor's signature is read to mean, so it is fixed here.
 */
export function partyCovers(named: string, actual: string): boolean {
  if (named === "" || actual === "") return false;
  return named === actual || (!named.includes("/") && actual.startsWith(`${named}/`));
}

/** The member part of a party id: "prov:440000/desk" → "prov:440000". */
export function memberOf(party: string): string {
  const slash = party.indexOf("/");
  return slash < 0 ? party : party.slice(0, slash);
}
