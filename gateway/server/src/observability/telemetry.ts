import { type Meter, ProxyTracerProvider, type Tracer } from "@opentelemetry/api";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider, type MetricReader, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { createGatewayMetrics, type GatewayMetrics } from "./gateway-metrics.js";
import { type PrometheusEndpoint, startPrometheusEndpoint } from "./prometheus-endpoint.js";

export interface TelemetryOptions {
  /** Resource attribute service.name, e.g. "hutong-gateway". */
  readonly serviceName: string;
  /** Resource attribute hutong.party: which party's gateway this is. */
  readonly party: string;
  /** Starts a scrape endpoint at http://host:port/metrics; port 0 picks a free port (see `prometheusAddress`). */
  readonly prometheus?: { host: string; port: number };
  /** OTLP/HTTP collector base URL, e.g. http://host:4318: pushes to /v1/traces and /v1/metrics. */
  readonly otlp?: { endpoint: string };
  /** Share of new traces sampled, 0..1 (default 1); calls that arrive with a parent follow its decision. */
  readonly traceSampleRatio?: number;
  /** Tests: receives every ended span at once (simple processor). */
  readonly spanExporter?: SpanExporter;
  /** Tests: an extra reader on the meter provider. */
  readonly metricReader?: MetricReader;
}

export interface Telemetry {
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly metrics: GatewayMetrics;
  readonly prometheusAddress: { host: string; port: number } | undefined;
  /** Flushes pending spans and metrics, then stops the exporters and the scrape endpoint. */
  shutdown(): Promise<void>;
}

/** How often metrics are pushed over OTLP; shutdown pushes a last time. */
const otlpMetricIntervalMs = 15_000;
const instrumentationScope = "hutong-gateway";

/**
 * Per-instance tracer and meter providers, never registered globally, so several gateways can
 * share one process without sharing spans or metrics. Contexts are passed explicitly (see
 * trace-context.ts): no global context manager or propagator is installed.
 */
export async function createTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const ratio = options.traceSampleRatio ?? 1;
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new RangeError(`traceSampleRatio must be between 0 and 1, got ${ratio}`);
  }
  const otlpBase = options.otlp?.endpoint.replace(/\/+$/, "");

  const resource = defaultResource().merge(
    resourceFromAttributes({ "service.name": options.serviceName, "hutong.party": options.party }),
  );

  const spanProcessors: SpanProcessor[] = [];
  if (options.spanExporter !== undefined) {
    spanProcessors.push(new SimpleSpanProcessor({ exporter: options.spanExporter }));
  }
  if (otlpBase !== undefined) {
    spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlpBase}/v1/traces` }) }));
  }
  const tracerProvider = new TracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
    spanProcessors,
  });

  const readers: MetricReader[] = [];
  const prometheusExporter =
    options.prometheus === undefined
      ? undefined
      : // The scope is always this gateway's, so its otel_scope_name label would only add bytes.
        new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  if (prometheusExporter !== undefined) readers.push(prometheusExporter);
  if (otlpBase !== undefined) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${otlpBase}/v1/metrics` }),
        exportIntervalMillis: otlpMetricIntervalMs,
      }),
    );
  }
  if (options.metricReader !== undefined) readers.push(options.metricReader);
  const meterProvider = new MeterProvider({ resource, readers });

  const stopProviders = async (): Promise<void> => {
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  };

  let endpoint: PrometheusEndpoint | undefined;
  if (prometheusExporter !== undefined && options.prometheus !== undefined) {
    try {
      endpoint = await startPrometheusEndpoint(prometheusExporter, options.prometheus);
    } catch (error) {
      await stopProviders();
      throw error;
    }
  }

  const meter = meterProvider.getMeter(instrumentationScope);
  let stopped: Promise<void> | undefined;
  return {
    // With nowhere to send spans, recording them is pure cost (a tenth of a forwarded call's CPU).
    // The API's no-op tracer passes the caller's trace context through unchanged, sampled flag
    // included; the pipeline starts a trace id itself for a caller that sent none.
    tracer:
      spanProcessors.length === 0
        ? new ProxyTracerProvider().getTracer(instrumentationScope)
        : tracerProvider.getTracer(instrumentationScope),
    meter,
    metrics: createGatewayMetrics(meter),
    prometheusAddress: endpoint?.address,
    shutdown() {
      stopped ??= (async () => {
        await endpoint?.close();
        await stopProviders();
      })();
      return stopped;
    },
  };
}
