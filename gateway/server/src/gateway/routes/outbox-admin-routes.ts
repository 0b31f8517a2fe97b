import type { OutboxAdminHandler } from "../../endpoints/outbox-admin-endpoint.js";
import type { CallAuthorizer } from "../../pipeline/call-authorizer.js";
import type { SessionMethods } from "../../pipeline/session-methods.js";
import type { CallObserver } from "../call-observer.js";
import type { RouteList } from "./route-list.js";

/**
 * OutboxAdminService: every method is decided by the ACL (deny by default), as AuditService's reads
 * are, for the purpose REGULATORY_SUPERVISION and this gateway as the target: its requests carry no
 * RequestContext, and a replay changes what this gateway delivers, so only a caller the operator
 * listed (a console's party, say) reaches it.
 */
export function* outboxAdminRoutes(options: {
  readonly self: string;
  readonly endpoint: ReadonlyMap<string, OutboxAdminHandler>;
  readonly authorizer: CallAuthorizer;
  readonly session: SessionMethods;
  readonly observer: CallObserver;
}): RouteList {
  const context = { targetParty: options.self, purpose: "REGULATORY_SUPERVISION", grantId: "", correlationId: "" };
  for (const [path, answer] of options.endpoint) {
    yield [
      path,
      {
        kind: "unary",
        handler: options.observer.unary(path.slice(1), async (call, outcome) => {
          const { verified, origin, request } = await options.authorizer.authorize(call, outcome, context);
          const body = await answer(Buffer.from(request), { party: origin });
          return options.session.reply(verified, body);
        }),
      },
    ];
  }
}
