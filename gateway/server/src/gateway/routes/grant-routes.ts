import { trace } from "@opentelemetry/api";
import type { GrantHandler } from "../../endpoints/grant-endpoint.js";
import { extractTraceContext } from "../../observability/trace-context.js";
import { aclDenied, type CallAuthorizer } from "../../pipeline/call-authorizer.js";
import type { ExchangeHandler } from "../../pipeline/exchange-handler.js";
import type { SessionMethods } from "../../pipeline/session-methods.js";
import type { CallObserver } from "../call-observer.js";
import type { RouteList } from "./route-list.js";

/**
 * GrantService: answered here when the call's context names this gateway, after the same
 * authentication and ACL as any call (a call relayed through the hub is decided on its origin);
 * routed like an exchange call otherwise, so a grant is registered, and its uses counted, where the
 * records live.
 */
export function* grantRoutes(options: {
  readonly self: string;
  readonly endpoint: ReadonlyMap<string, GrantHandler>;
  readonly exchange: ExchangeHandler;
  readonly authorizer: CallAuthorizer;
  readonly session: SessionMethods;
  readonly observer: CallObserver;
}): RouteList {
  for (const [path, answer] of options.endpoint) {
    yield [
      path,
      {
        kind: "unary",
        handler: options.observer.unary(path.slice(1), async (call, outcome) => {
          // Authenticated once, here: where the call goes is in its request, which is encrypted.
          const authenticated = await options.authorizer.authenticate(call, outcome);
          if (authenticated.context.targetParty !== options.self) {
            return options.exchange.handle(call, outcome, authenticated);
          }
          if (!options.authorizer.allows(authenticated)) throw aclDenied(authenticated);
          const { verified, origin, hops, request } = authenticated;
          const body = await answer(Buffer.from(request), {
            party: origin,
            peer: { party: verified.clientParty, certSerial: verified.certSerialHex },
            hops,
            traceId: trace.getSpanContext(extractTraceContext(call.metadata))?.traceId ?? "",
          });
          return options.session.reply(verified, body);
        }),
      },
    ];
  }
}
