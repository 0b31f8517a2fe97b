import { performance } from "node:perf_hooks";
import type { Crl } from "@hutong/certs";
import { type HandshakeServer, isSessionError, sessionPaths } from "@hutong/session";
import { createSessionEndpoint } from "../../endpoints/session-endpoint.js";
import type { GatewayMetrics } from "../../observability/gateway-metrics.js";
import type { CallObserver } from "../call-observer.js";
import type { RouteList } from "./route-list.js";

/** SessionService (Hello, Finish): no session needed to start one; each handshake is timed and counted. */
export function* sessionRoutes(options: {
  readonly server: HandshakeServer;
  readonly crls: () => readonly Crl[];
  readonly now: () => number;
  readonly metrics: GatewayMetrics;
  readonly observer: CallObserver;
}): RouteList {
  const { metrics } = options;
  for (const [path, handler] of createSessionEndpoint(options)) {
    yield [
      path,
      {
        kind: "unary",
        handler: options.observer.unary(path.slice(1), async (call) => {
          const start = performance.now();
          try {
            const reply = await handler(call);
            if (path === sessionPaths.finish) {
              metrics.recordHandshake({ outcome: "ok", durationMs: performance.now() - start });
            }
            return reply;
          } catch (e) {
            const reason = isSessionError(e) ? e.code : "internal";
            metrics.recordHandshake({ outcome: "failed", reason, durationMs: performance.now() - start });
            throw e;
          }
        }),
      },
    ];
  }
}
