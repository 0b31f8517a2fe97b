import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import { sqliteMainAdapter } from "../testing.js";
import { createOutboxMetrics, outboxMetricNames } from "./outbox-metrics.js";

const t0 = 1_760_000_000_000;

function points(m: MetricData | undefined) {
  assert.ok(m, "metric present");
  return m.dataPoints
    .map((p) => ({ attributes: { ...p.attributes }, value: p.value }))
    .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
}

describe("outbox metrics", () => {
  it("report backlog, age, dead letters, blocked and breakers per topic and destination, and count tries", async () => {
    const t = await sqliteMainAdapter.open();
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    try {
      const msg = (key: string, destination: string, orderingKey: string | null = null) => ({
        topic: "grant-revocation",
        destination,
        idempotencyKey: key,
        orderingKey,
        payload: new Uint8Array([1]),
      });
      await t.store.enqueueOutbox([msg("a", "mot", "k"), msg("b", "mot", "k")], t0);
      await t.store.enqueueOutbox([msg("c", "prov:440000")], t0 + 30_000);
      const [a] = await t.store.claimOutbox({
        leaseToken: "L",
        nowMs: t0,
        leaseUntilMs: t0 + 1,
        limit: 1,
        topics: ["grant-revocation"],
        skip: [],
      });
      await t.store.settleOutbox("L", [{ id: a?.id ?? 0, outcome: "dead", attempted: true, error: "x" }], t0);
      const observer = createOutboxMetrics(provider.getMeter("test"), {
        stats: () => t.store.outboxStats(t0 + 60_000),
        breakers: () => [
          { topic: "grant-revocation", destination: "mot", state: "open" },
          { topic: "grant-revocation", destination: "rail:cr", state: "half-open" },
        ],
        now: () => t0 + 60_000,
      });
      observer.tried({ topic: "grant-revocation", destination: "mot", result: "retry", durationMs: 3 });
      observer.tried({ topic: "grant-revocation", destination: "mot", result: "delivered", durationMs: 3 });
      observer.tried({ topic: "grant-revocation", destination: "mot", result: "reject", durationMs: 3 });
      observer.deadLettered({ topic: "grant-revocation", destination: "mot" });

      await reader.forceFlush();
      const byName = new Map<string, MetricData>();
      for (const rm of exporter.getMetrics()) {
        for (const sm of rm.scopeMetrics) for (const m of sm.metrics) byName.set(m.descriptor.name, m);
      }
      const mot = { topic: "grant-revocation", destination: "mot" };
      const gd = { topic: "grant-revocation", destination: "prov:440000" };
      assert.deepEqual(points(byName.get(outboxMetricNames.depth)), [
        { attributes: mot, value: 1 },
        { attributes: gd, value: 1 },
      ]);
      assert.deepEqual(points(byName.get(outboxMetricNames.oldestAge)), [
        { attributes: mot, value: 60 },
        { attributes: gd, value: 30 },
      ]);
      assert.equal(byName.get(outboxMetricNames.oldestAge)?.descriptor.unit, "s");
      assert.deepEqual(points(byName.get(outboxMetricNames.deadLetters)), [
        { attributes: mot, value: 1 },
        { attributes: gd, value: 0 },
      ]);
      assert.deepEqual(points(byName.get(outboxMetricNames.blocked)), [
        { attributes: mot, value: 1 },
        { attributes: gd, value: 0 },
      ]);
      assert.deepEqual(points(byName.get(outboxMetricNames.breakerState)), [
        { attributes: mot, value: 2 },
        { attributes: gd, value: 0 },
        { attributes: { topic: "grant-revocation", destination: "rail:cr" }, value: 1 },
      ]);
      assert.deepEqual(points(byName.get(outboxMetricNames.attempts)), [
        { attributes: { ...mot, result: "delivered" }, value: 1 },
        { attributes: { ...mot, result: "reject" }, value: 1 },
        { attributes: { ...mot, result: "retry" }, value: 1 },
      ]);
      assert.deepEqual(points(byName.get(outboxMetricNames.deliveries)), [{ attributes: mot, value: 1 }]);
      assert.deepEqual(points(byName.get(outboxMetricNames.failures)), [
        { attributes: { ...mot, kind: "reject" }, value: 1 },
        { attributes: { ...mot, kind: "retry" }, value: 1 },
      ]);
      assert.deepEqual(points(byName.get(outboxMetricNames.deadLettered)), [{ attributes: mot, value: 1 }]);
    } finally {
      await provider.shutdown();
      await t.cleanup();
    }
  });

  it("report a pair whose messages are all gone as empty, not at its last backlog", async () => {
    const t = await sqliteMainAdapter.open();
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    try {
      const msg = (key: string) => ({
        topic: "grant-revocation",
        destination: "prov:440000",
        idempotencyKey: key,
        orderingKey: null,
        payload: new Uint8Array([1]),
      });
      await t.store.enqueueOutbox([msg("a"), msg("b")], t0);
      let breakers: { topic: string; destination: string; state: "open" | "half-open" }[] = [
        { topic: "grant-revocation", destination: "prov:440000", state: "open" },
      ];
      createOutboxMetrics(provider.getMeter("test"), {
        stats: () => t.store.outboxStats(t0 + 60_000),
        breakers: () => breakers,
        now: () => t0 + 60_000,
      });
      const latest = async (name: string) => {
        await reader.forceFlush();
        const all = exporter.getMetrics();
        const last = all.at(-1);
        for (const sm of last?.scopeMetrics ?? [])
          for (const m of sm.metrics) if (m.descriptor.name === name) return points(m);
        return undefined;
      };
      const gd = { topic: "grant-revocation", destination: "prov:440000" };
      assert.deepEqual(await latest(outboxMetricNames.depth), [{ attributes: gd, value: 2 }]);
      // Delivered, and the breaker closed again: the pair leaves the store's figures.
      const claimed = await t.store.claimOutbox({
        leaseToken: "L",
        nowMs: t0,
        leaseUntilMs: t0 + 1000,
        limit: 10,
        topics: ["grant-revocation"],
        skip: [],
      });
      await t.store.settleOutbox(
        "L",
        claimed.map((m) => ({ id: m.id, outcome: "delivered" as const, attempted: true })),
        t0,
      );
      breakers = [];
      for (const name of [outboxMetricNames.depth, outboxMetricNames.oldestAge, outboxMetricNames.breakerState]) {
        assert.deepEqual(await latest(name), [{ attributes: gd, value: 0 }], name);
      }
    } finally {
      await provider.shutdown();
      await t.cleanup();
    }
  });
});
