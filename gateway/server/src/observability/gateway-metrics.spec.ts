import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AggregationTemporality,
  DataPointType,
  type HistogramMetricData,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { createGatewayMetrics, durationBucketsMs, gatewayMetricNames } from "./gateway-metrics.js";

function setUp() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = createGatewayMetrics(provider.getMeter("test"));
  const collect = async (): Promise<Map<string, MetricData>> => {
    exporter.reset();
    await reader.forceFlush();
    const byName = new Map<string, MetricData>();
    for (const rm of exporter.getMetrics()) {
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) byName.set(m.descriptor.name, m);
    }
    return byName;
  };
  return { metrics, collect, shutdown: () => provider.shutdown() };
}

function points(m: MetricData | undefined): Array<{ attributes: Record<string, unknown>; value: unknown }> {
  assert.ok(m, "metric present");
  return m.dataPoints.map((p) => ({ attributes: { ...p.attributes }, value: p.value }));
}

const getTicket = "/hutong.v1.Exchange/GetTicket";

describe("gateway metrics", () => {
  it("counts calls by method, route and status, and records their duration", async () => {
    const t = setUp();
    t.metrics.recordCall({ method: getTicket, route: "local", status: "OK", durationMs: 0.05 });
    t.metrics.recordCall({ method: getTicket, route: "local", status: "OK", durationMs: 30 });
    t.metrics.recordCall({ method: getTicket, route: "peer-mot", status: "UNAUTHENTICATED", durationMs: 7000 });
    const byName = await t.collect();

    const requests = points(byName.get(gatewayMetricNames.requests));
    assert.deepEqual(
      requests.sort((a, b) => String(a.attributes.status).localeCompare(String(b.attributes.status))),
      [
        { attributes: { method: getTicket, route: "local", status: "OK" }, value: 2 },
        { attributes: { method: getTicket, route: "peer-mot", status: "UNAUTHENTICATED" }, value: 1 },
      ],
    );

    const duration = byName.get(gatewayMetricNames.requestDuration) as HistogramMetricData | undefined;
    assert.equal(duration?.dataPointType, DataPointType.HISTOGRAM);
    assert.equal(duration?.descriptor.unit, "ms");
    const ok = duration?.dataPoints.find((p) => p.attributes.status === "OK");
    assert.deepEqual(ok?.value.buckets.boundaries, durationBucketsMs);
    assert.equal(ok?.value.count, 2);
    assert.equal(ok?.value.sum, 30.05);
    // 0.05 ms falls in the first bucket (<= 0.1), 30 ms in (25, 50].
    assert.equal(ok?.value.buckets.counts[0], 1);
    assert.equal(ok?.value.buckets.counts[durationBucketsMs.indexOf(50)], 1);
    const slow = duration?.dataPoints.find((p) => p.attributes.status === "UNAUTHENTICATED");
    assert.equal(slow?.value.buckets.counts.at(-1), 1, "above 5000 ms lands in the overflow bucket");
    await t.shutdown();
  });

  it("counts wire limits by their closed name and reads connections and buffered bytes at collection", async () => {
    const t = setUp();
    const before = await t.collect();
    assert.equal(before.get(gatewayMetricNames.wireConnections)?.dataPoints.length ?? 0, 0, "no source yet, no point");
    let usage = { connections: 3, bufferedBytes: 4096 };
    t.metrics.setWireUsageSource(() => usage);
    t.metrics.recordWireLimit("unauthenticated-streams");
    t.metrics.recordWireLimit("unauthenticated-streams");
    t.metrics.recordWireLimit("preface-time");
    let byName = await t.collect();
    assert.deepEqual(
      points(byName.get(gatewayMetricNames.wireLimits)).sort((a, b) =>
        String(a.attributes.limit).localeCompare(String(b.attributes.limit)),
      ),
      [
        { attributes: { limit: "preface-time" }, value: 1 },
        { attributes: { limit: "unauthenticated-streams" }, value: 2 },
      ],
    );
    assert.deepEqual(points(byName.get(gatewayMetricNames.wireConnections)), [{ attributes: {}, value: 3 }]);
    assert.deepEqual(points(byName.get(gatewayMetricNames.wireBuffered)), [{ attributes: {}, value: 4096 }]);
    usage = { connections: 0, bufferedBytes: 0 };
    byName = await t.collect();
    assert.deepEqual(points(byName.get(gatewayMetricNames.wireBuffered)), [{ attributes: {}, value: 0 }]);
    await t.shutdown();
  });

  it("labels failed handshakes with their code and successful ones without a reason", async () => {
    const t = setUp();
    t.metrics.recordHandshake({ outcome: "ok", durationMs: 2 });
    t.metrics.recordHandshake({ outcome: "failed", reason: "bad-signature", durationMs: 3 });
    t.metrics.recordHandshake({ outcome: "failed", reason: "bad-signature", durationMs: 4 });
    t.metrics.recordHandshake({ outcome: "failed", reason: undefined, durationMs: 1 });
    const byName = await t.collect();
    const handshakes = points(byName.get(gatewayMetricNames.handshakes));
    assert.equal(handshakes.length, 3);
    assert.deepEqual(
      handshakes.find((p) => p.attributes.outcome === "ok"),
      { attributes: { outcome: "ok" }, value: 1 },
    );
    assert.deepEqual(
      handshakes.find((p) => p.attributes.reason === "bad-signature"),
      {
        attributes: { outcome: "failed", reason: "bad-signature" },
        value: 2,
      },
    );
    assert.ok(handshakes.some((p) => p.attributes.outcome === "failed" && !("reason" in p.attributes)));
    const duration = byName.get(gatewayMetricNames.handshakeDuration) as HistogramMetricData | undefined;
    assert.equal(duration?.dataPoints.find((p) => p.attributes.reason === "bad-signature")?.value.sum, 7);
    await t.shutdown();
  });

  it("counts ACL decisions by decision and method", async () => {
    const t = setUp();
    t.metrics.recordAclDecision({ decision: "allow", method: getTicket });
    t.metrics.recordAclDecision({ decision: "deny", method: getTicket });
    t.metrics.recordAclDecision({ decision: "deny", method: getTicket });
    const acl = points((await t.collect()).get(gatewayMetricNames.aclDecisions));
    assert.deepEqual(
      acl.find((p) => p.attributes.decision === "deny"),
      {
        attributes: { decision: "deny", method: getTicket },
        value: 2,
      },
    );
    assert.equal(acl.find((p) => p.attributes.decision === "allow")?.value, 1);
    await t.shutdown();
  });

  it("reads active sessions from the latest source at collection time, and nothing without one", async () => {
    const t = setUp();
    assert.equal((await t.collect()).get(gatewayMetricNames.sessionsActive), undefined);
    let sessions = 3;
    t.metrics.setActiveSessionsSource(() => 100);
    t.metrics.setActiveSessionsSource(() => sessions);
    assert.deepEqual(points((await t.collect()).get(gatewayMetricNames.sessionsActive)), [
      { attributes: {}, value: 3 },
    ]);
    sessions = 5;
    assert.equal(points((await t.collect()).get(gatewayMetricNames.sessionsActive))[0]?.value, 5);
    await t.shutdown();
  });
});
