import type { Acl } from "../routing/acl.js";
import type { RouteTable } from "../routing/route-table.js";
import type { RelayPolicy } from "./relay-policy.js";

/** What a reload can swap without a restart: routes, the ACL and who may relay for whom. */
export interface RoutingState {
  readonly routes: RouteTable;
  readonly acl: Acl;
  readonly relays: RelayPolicy;
}
