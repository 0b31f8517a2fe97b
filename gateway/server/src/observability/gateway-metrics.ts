import type { Attributes, Counter, Histogram, Meter, ObservableResult } from "@opentelemetry/api";

/**
 * The gateway's own metrics. Attribute values are method names, route names, gRPC status names
 * and closed error codes only, never text a party supplied: that keeps both the label
 * cardinality bounded and personal data out of the metrics.
 */
export interface GatewayMetrics {
  /** One finished call: counter hutong.gateway.requests and histogram hutong.gateway.request.duration. */
  /** `reason`: the refusal's closed code (e.g. session/bad-mac), on the counter only. */
  recordCall(a: {
    method: string;
    route: string;
    status: string;
    durationMs: number;
    reason?: string | undefined;
  }): void;
  /** One finished handshake; `reason` is the session error code when it failed. */
  recordHandshake(a: { outcome: "ok" | "failed"; reason?: string | undefined; durationMs: number }): void;
  /** The callback the gauge hutong.gateway.sessions.active reads at each collection; the last one set wins. */
  setActiveSessionsSource(read: () => number): void;
  recordAclDecision(a: { decision: "allow" | "deny"; method: string }): void;
  /** A wire limit was hit (counter hutong.gateway.wire.limits, by the limit's closed name). */
  recordWireLimit(limit: string): void;
  /** What the gauges hutong.gateway.wire.connections and .buffered read at each collection. */
  setWireUsageSource(read: () => { readonly connections: number; readonly bufferedBytes: number }): void;
}

/** Milliseconds: sub-millisecond local answers up to the 5 s a slow backend may take. */
export const durationBucketsMs: readonly number[] = [
  0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
];

export const gatewayMetricNames = {
  requests: "hutong.gateway.requests",
  requestDuration: "hutong.gateway.request.duration",
  handshakes: "hutong.gateway.handshakes",
  handshakeDuration: "hutong.gateway.handshake.duration",
  sessionsActive: "hutong.gateway.sessions.active",
  aclDecisions: "hutong.gateway.acl.decisions",
  wireLimits: "hutong.gateway.wire.limits",
  wireConnections: "hutong.gateway.wire.connections",
  wireBuffered: "hutong.gateway.wire.buffered",
} as const;

export function createGatewayMetrics(meter: Meter): GatewayMetrics {
  // Instruments are created once here; the per-call cost is one small attribute object.
  const durationAdvice = { explicitBucketBoundaries: [...durationBucketsMs] };
  const requests: Counter = meter.createCounter(gatewayMetricNames.requests, {
    description: "gRPC calls handled by the gateway, by method, route and final status",
  });
  const requestDuration: Histogram = meter.createHistogram(gatewayMetricNames.requestDuration, {
    description: "Time from receiving a call to sending its status",
    unit: "ms",
    advice: durationAdvice,
  });
  const handshakes: Counter = meter.createCounter(gatewayMetricNames.handshakes, {
    description: "Session handshakes answered, by outcome and failure code",
  });
  const handshakeDuration: Histogram = meter.createHistogram(gatewayMetricNames.handshakeDuration, {
    description: "Time spent on a handshake message, signatures included",
    unit: "ms",
    advice: durationAdvice,
  });
  const aclDecisions: Counter = meter.createCounter(gatewayMetricNames.aclDecisions, {
    description: "Access-control decisions, by decision and method",
  });

  const wireLimits: Counter = meter.createCounter(gatewayMetricNames.wireLimits, {
    description: "Wire limits hit (streams refused, connections closed), by limit",
  });
  let readWireUsage: (() => { readonly connections: number; readonly bufferedBytes: number }) | undefined;
  meter
    .createObservableGauge(gatewayMetricNames.wireConnections, { description: "Open HTTP/2 connections" })
    .addCallback((result: ObservableResult) => {
      if (readWireUsage !== undefined) result.observe(readWireUsage().connections);
    });
  meter
    .createObservableGauge(gatewayMetricNames.wireBuffered, {
      description: "Bytes held for incomplete request messages and unread responses, all connections",
      unit: "By",
    })
    .addCallback((result: ObservableResult) => {
      if (readWireUsage !== undefined) result.observe(readWireUsage().bufferedBytes);
    });

  let readActiveSessions: (() => number) | undefined;
  meter
    .createObservableGauge(gatewayMetricNames.sessionsActive, {
      description: "Sessions currently established with this gateway",
    })
    .addCallback((result: ObservableResult) => {
      if (readActiveSessions !== undefined) result.observe(readActiveSessions());
    });

  return {
    recordCall({ method, route, status, durationMs, reason }) {
      const attributes: Attributes = { method, route, status };
      // Which refusal (bad-mac, replay, ...) is what the alerts tell apart; the histogram needs none.
      requests.add(1, reason === undefined ? attributes : { ...attributes, reason });
      requestDuration.record(durationMs, attributes);
    },
    recordHandshake({ outcome, reason, durationMs }) {
      const attributes: Attributes = reason === undefined ? { outcome } : { outcome, reason };
      handshakes.add(1, attributes);
      handshakeDuration.record(durationMs, attributes);
    },
    setActiveSessionsSource(read) {
      readActiveSessions = read;
    },
    recordAclDecision({ decision, method }) {
      aclDecisions.add(1, { decision, method });
    },
    recordWireLimit(limit) {
      wireLimits.add(1, { limit });
    },
    setWireUsageSource(read) {
      readWireUsage = read;
    },
  };
}
