// The public surface of the routing core, for the gateway's pipeline and config.
export { type Acl, type AclDecision, type AclRequest, type AclRule, compileAcl } from "./acl.js";
export { checkHops, formatHops, maxHopEntries, parseHops } from "./hops.js";
export { compileMethodPattern, type MethodPattern, matchesMethod } from "./method-pattern.js";
export { compilePartyPattern, matchesParty, type PartyPattern, patternSpecificity } from "./party-pattern.js";
export { isPurposeName, purposeNames } from "./purpose-names.js";
export { createRouteTable, type RouteEntry, type RouteTable, type RouteTarget } from "./route-table.js";
export { isRoutingError, RoutingError, type RoutingErrorCode, routingErrorCodes } from "./routing-error.js";
