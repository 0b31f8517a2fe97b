import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import { createTelemetry, type Telemetry } from "./telemetry.js";

const getTicket = "/hutong.v1.Exchange/GetTicket";

interface Received {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** A real OTLP/HTTP collector stand-in: records each POST and answers 200. */
async function startCollector(): Promise<{ server: Server; endpoint: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "POST") {
        received.push({
          path: req.url ?? "",
          contentType: req.headers["content-type"],
          body: Buffer.concat(chunks).toString(),
        });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `http://127.0.0.1:${port}/`, received };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

describe("telemetry", () => {
  it("serves the gateway metrics for Prometheus on the port it reports, until shutdown", async () => {
    const telemetry = await createTelemetry({
      serviceName: "hutong-gateway",
      party: "mot",
      prometheus: { host: "127.0.0.1", port: 0 },
    });
    try {
      await scrapeAndCheck(telemetry);
    } finally {
      await telemetry.shutdown();
    }
    const address = telemetry.prometheusAddress;
    assert.ok(address);
    await assert.rejects(fetch(`http://127.0.0.1:${address.port}/metrics`), "the port is closed after shutdown");
    await telemetry.shutdown(); // idempotent
  });

  async function scrapeAndCheck(telemetry: Telemetry): Promise<void> {
    const address = telemetry.prometheusAddress;
    assert.ok(address);
    assert.equal(address.host, "127.0.0.1");
    assert.ok(address.port > 0);
    const base = `http://127.0.0.1:${address.port}`;

    telemetry.metrics.recordCall({ method: getTicket, route: "local", status: "OK", durationMs: 3 });
    telemetry.metrics.recordCall({ method: getTicket, route: "local", status: "OK", durationMs: 40 });
    telemetry.metrics.recordCall({ method: getTicket, route: "peer-mot", status: "PERMISSION_DENIED", durationMs: 1 });
    telemetry.metrics.recordHandshake({ outcome: "failed", reason: "revoked", durationMs: 2 });
    telemetry.metrics.recordAclDecision({ decision: "deny", method: getTicket });
    telemetry.metrics.setActiveSessionsSource(() => 7);

    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    const labels = `method="${getTicket}",route="local",status="OK"`;
    assert.match(text, /# TYPE hutong_gateway_requests_total counter/);
    assert.ok(text.includes(`hutong_gateway_requests_total{${labels}} 2`), text);
    assert.doesNotMatch(text, /otel_scope_name/);
    assert.ok(
      text.includes(
        `hutong_gateway_requests_total{method="${getTicket}",route="peer-mot",status="PERMISSION_DENIED"} 1`,
      ),
    );
    assert.match(text, /# TYPE hutong_gateway_request_duration histogram/);
    assert.ok(text.includes(`hutong_gateway_request_duration_bucket{${labels},le="0.1"} 0`));
    assert.ok(text.includes(`hutong_gateway_request_duration_bucket{${labels},le="5"} 1`));
    assert.ok(text.includes(`hutong_gateway_request_duration_bucket{${labels},le="50"} 2`));
    assert.ok(text.includes(`hutong_gateway_request_duration_bucket{${labels},le="5000"} 2`));
    assert.ok(text.includes(`hutong_gateway_request_duration_bucket{${labels},le="+Inf"} 2`));
    assert.ok(text.includes(`hutong_gateway_request_duration_sum{${labels}} 43`));
    assert.ok(text.includes(`hutong_gateway_handshakes_total{outcome="failed",reason="revoked"} 1`));
    assert.ok(text.includes(`hutong_gateway_acl_decisions_total{decision="deny",method="${getTicket}"} 1`));
    assert.ok(text.includes("hutong_gateway_sessions_active 7"));
    assert.match(text, /target_info\{[^}]*hutong_party="mot"/);
    assert.match(text, /target_info\{[^}]*service_name="hutong-gateway"/);

    assert.equal((await fetch(`${base}/other`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: "POST" })).status, 405);
  }

  it("fails to start when the Prometheus port is taken", async () => {
    const first = await createTelemetry({ serviceName: "g", party: "a", prometheus: { host: "127.0.0.1", port: 0 } });
    try {
      const port = first.prometheusAddress?.port ?? 0;
      await assert.rejects(
        createTelemetry({ serviceName: "g", party: "b", prometheus: { host: "127.0.0.1", port } }),
        (e: unknown) => (e as NodeJS.ErrnoException).code === "EADDRINUSE",
      );
    } finally {
      await first.shutdown();
    }
  });

  it("pushes traces and metrics over OTLP/HTTP to /v1/traces and /v1/metrics, flushed by shutdown", async () => {
    const collector = await startCollector();
    try {
      const telemetry = await createTelemetry({
        serviceName: "hutong-gateway",
        party: "mot",
        otlp: { endpoint: collector.endpoint },
      });
      assert.equal(telemetry.prometheusAddress, undefined);
      telemetry.tracer.startSpan("a call").end();
      telemetry.metrics.recordCall({ method: getTicket, route: "local", status: "OK", durationMs: 1 });
      assert.equal(collector.received.length, 0, "nothing is pushed before the batch interval or shutdown");
      await telemetry.shutdown();

      const traces = collector.received.filter((r) => r.path === "/v1/traces");
      const metrics = collector.received.filter((r) => r.path === "/v1/metrics");
      assert.equal(traces.length, 1, JSON.stringify(collector.received));
      assert.ok(metrics.length >= 1, JSON.stringify(collector.received));
      for (const r of [...traces, ...metrics]) {
        assert.equal(r.contentType, "application/json");
        assert.ok(r.body.length > 0);
        assert.ok(r.body.includes('"hutong.party"'), "resource attributes are sent");
      }
      assert.ok(traces[0]?.body.includes('"a call"'));
      assert.ok(metrics.some((m) => m.body.includes('"hutong.gateway.requests"')));
      assert.deepEqual(
        collector.received.filter((r) => r.path !== "/v1/traces" && r.path !== "/v1/metrics"),
        [],
      );
    } finally {
      await closeServer(collector.server);
    }
  });

  it("keeps the spans of two instances in one process apart", async () => {
    const spansA = new InMemorySpanExporter();
    const spansB = new InMemorySpanExporter();
    const a = await createTelemetry({ serviceName: "hutong-gateway", party: "a", spanExporter: spansA });
    const b = await createTelemetry({ serviceName: "hutong-gateway", party: "b", spanExporter: spansB });
    a.tracer.startSpan("from a").end();
    b.tracer.startSpan("from b 1").end();
    b.tracer.startSpan("from b 2").end();
    assert.deepEqual(
      spansA.getFinishedSpans().map((s) => s.name),
      ["from a"],
    );
    assert.deepEqual(
      spansB.getFinishedSpans().map((s) => s.name),
      ["from b 1", "from b 2"],
    );
    assert.equal(spansA.getFinishedSpans()[0]?.resource.attributes["hutong.party"], "a");
    assert.equal(spansB.getFinishedSpans()[0]?.resource.attributes["hutong.party"], "b");
    await Promise.all([a.shutdown(), b.shutdown()]);
  });

  it("samples new traces at the configured ratio", async () => {
    const spans = new InMemorySpanExporter();
    const none = await createTelemetry({ serviceName: "g", party: "a", spanExporter: spans, traceSampleRatio: 0 });
    for (let i = 0; i < 20; i++) none.tracer.startSpan("dropped").end();
    assert.equal(spans.getFinishedSpans().length, 0);
    await none.shutdown();
  });

  for (const ratio of [-0.1, 1.5, Number.NaN]) {
    it(`refuses traceSampleRatio ${ratio}`, async () => {
      await assert.rejects(createTelemetry({ serviceName: "g", party: "a", traceSampleRatio: ratio }), RangeError);
    });
  }
});
