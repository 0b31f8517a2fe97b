import type { Route } from "@hutong/wire";
import type { SessionMethods } from "../../pipeline/session-methods.js";
import type { CallObserver } from "../call-observer.js";
import type { RouteList } from "./route-list.js";

/**
 * The routes of methods that need a session, each with an admission check on its headers (ticket,
 * timestamp, nonce: SessionMethods.precheck), so that a call which cannot succeed is refused before
 * the wire server reads a byte of its body (docs/gateway.md, "Limits"). The handler still verifies
 * everything, the MAC over the body first; routes without this (handshakes, health, reflection)
 * count as unauthenticated streams.
 */
export function* withSessionAdmission(
  routes: RouteList,
  options: { readonly session: SessionMethods; readonly observer: CallObserver },
): RouteList {
  for (const [path, route] of routes) {
    const admit = options.observer.admission(path.slice(1), (metadata) => options.session.precheck(metadata));
    const admitted: Route = { ...route, admit };
    yield [path, admitted];
  }
}
