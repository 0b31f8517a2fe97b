import type { GatewayRole } from "@hutong/proto";
import type { OperationalFacts } from "../../endpoints/operational-facts.js";
import { createRegistryEndpoint } from "../../endpoints/registry-endpoint.js";
import type { CallAuthorizer } from "../../pipeline/call-authorizer.js";
import type { SessionMethods } from "../../pipeline/session-methods.js";
import type { RouteTable } from "../../routing/route-table.js";
import type { CallObserver } from "../call-observer.js";
import type { RouteList } from "./route-list.js";

/**
 * RegistryService: any authenticated member may read it (as X-Road members read the global
 * configuration); the ACL governs the exchange services. Its requests carry no RequestContext:
 * the call is about this gateway.
 */
export function* registryRoutes(options: {
  readonly self: string;
  readonly role: GatewayRole;
  readonly version: string;
  readonly services: readonly string[];
  readonly startedAt: Date;
  readonly routes: () => RouteTable;
  /** Certificates, CRLs, audit log and witnesses, read at each GetGatewayInfo. */
  readonly operations?: () => Promise<OperationalFacts>;
  readonly authorizer: CallAuthorizer;
  readonly session: SessionMethods;
  readonly observer: CallObserver;
}): RouteList {
  const context = { targetParty: options.self, purpose: "", grantId: "", correlationId: "" };
  const endpoint = createRegistryEndpoint({
    party: options.self,
    role: options.role,
    version: options.version,
    services: options.services,
    startedAt: options.startedAt,
    routes: options.routes,
    ...(options.operations === undefined ? {} : { operations: options.operations }),
  });
  for (const [path, answer] of endpoint) {
    yield [
      path,
      {
        kind: "unary",
        handler: options.observer.unary(path.slice(1), async (call, outcome) => {
          const { verified, request } = await options.authorizer.authenticate(call, outcome, context);
          return options.session.reply(verified, await answer(Buffer.from(request)));
        }),
      },
    ];
  }
}
