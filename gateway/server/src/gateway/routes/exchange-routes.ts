import { contractServices } from "@hutong/proto";
import type { GatewayMetrics } from "../../observability/gateway-metrics.js";
import type { ExchangeHandler } from "../../pipeline/exchange-handler.js";
import type { CallObserver } from "../call-observer.js";
import type { RouteList } from "./route-list.js";

/** The exchange services: every method goes through the share pipeline ((hutong.v1.routing) = SHARE in the contract). */
export const exchangeServices = contractServices.filter((s) => s.routing === "share");

/** Every method of the exchange services, served by the share pipeline. */
export function* exchangeRoutes(options: {
  readonly exchange: ExchangeHandler;
  readonly metrics: GatewayMetrics;
  readonly observer: CallObserver;
}): RouteList {
  for (const service of exchangeServices) {
    for (const def of service.methods) {
      const method = def.path.slice(1);
      yield [
        def.path,
        {
          kind: "unary",
          handler: options.observer.unary(method, async (call, outcome) => {
            const reply = await options.exchange.handle(call, outcome);
            options.metrics.recordAclDecision({ decision: "allow", method });
            return reply;
          }),
        },
      ];
    }
  }
}
