import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One span as it arrived over OTLP/HTTP JSON, with the service that sent it. */
export interface ReceivedSpan {
  readonly service: string;
  /** The `hutong.party` resource attribute, when the exporter set one. */
  readonly party: string | undefined;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
}

export interface OtlpReceiver {
  /** The base URL an exporter is given (`observability.otlp.endpoint`). */
  readonly endpoint: string;
  spans(): readonly ReceivedSpan[];
  close(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
const plainValue = (v: AnyValue | undefined): unknown =>
  v?.stringValue ?? v?.intValue ?? v?.boolValue ?? v?.doubleValue ?? undefined;
const attributes = (list: KeyValue[] | undefined) =>
  Object.fromEntries((list ?? []).map((kv) => [kv.key, plainValue(kv.value)]));

/**
 * A trace sink: no Collector, Jaeger or Tempo is packaged here (deploy-components.md), so this is
 * the receiving end of OTLP/HTTP with JSON bodies, as the OpenTelemetry JS exporters send them
 * (POST /v1/traces; /v1/metrics is accepted and dropped). Binds loopback on a free port.
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.startsWith("/v1/")) {
        res.writeHead(404).end();
        return;
      }
      if (req.url === "/v1/traces") {
        if (!String(req.headers["content-type"]).includes("json")) {
          res.writeHead(415).end();
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          resourceSpans?: {
            resource?: { attributes?: KeyValue[] };
            scopeSpans?: {
              spans?: {
                traceId: string;
                spanId: string;
                parentSpanId?: string;
                name: string;
                attributes?: KeyValue[];
              }[];
            }[];
          }[];
        };
        for (const rs of body.resourceSpans ?? []) {
          const resource = attributes(rs.resource?.attributes);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              received.push({
                service: String(resource["service.name"] ?? ""),
                party: resource["hutong.party"] === undefined ? undefined : String(resource["hutong.party"]),
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? "",
                name: s.name,
                attributes: attributes(s.attributes),
              });
            }
          }
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
