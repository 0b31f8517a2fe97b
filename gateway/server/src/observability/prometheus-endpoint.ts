import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { PrometheusExporter } from "@opentelemetry/exporter-prometheus";

export interface PrometheusEndpoint {
  /** The bound address: the actual port when 0 was asked for. */
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export const prometheusPath = "/metrics";

/**
 * Serves `GET /metrics` from the exporter on our own HTTP server. The exporter's built-in server
 * treats port 0 as "use the default 9464" and hides its address, so it is never started
 * (`preventServerStart`) and this one is used instead.
 */
export function startPrometheusEndpoint(
  exporter: PrometheusExporter,
  listen: { host: string; port: number },
): Promise<PrometheusEndpoint> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = request.url?.split("?", 1)[0];
    if (path !== prometheusPath) {
      response.statusCode = 404;
      response.end();
      return;
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.statusCode = 405;
      response.setHeader("allow", "GET, HEAD");
      response.end();
      return;
    }
    exporter.getMetricsRequestHandler(request, response);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: listen.host, port: listen.port }, () => {
      server.off("error", reject);
      const { port } = server.address() as AddressInfo;
      resolve({
        address: { host: listen.host, port },
        close: () =>
          new Promise<void>((done) => {
            // Scrapers keep connections alive; drop them so shutdown does not wait for their timeout.
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
