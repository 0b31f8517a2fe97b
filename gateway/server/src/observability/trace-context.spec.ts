import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import { createTelemetry, type Telemetry } from "./telemetry.js";
import { extractTraceContext, injectTraceContext } from "./trace-context.js";

const traceparentShape = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

describe("W3C trace context in gRPC metadata", async () => {
  // Two hops in one process, like a caller's gateway and the serving gateway.
  const callerSpans = new InMemorySpanExporter();
  const serverSpans = new InMemorySpanExporter();
  const caller: Telemetry = await createTelemetry({
    serviceName: "hutong-gateway",
    party: "a",
    spanExporter: callerSpans,
  });
  const server: Telemetry = await createTelemetry({
    serviceName: "hutong-gateway",
    party: "b",
    spanExporter: serverSpans,
  });
  after(() => Promise.all([caller.shutdown(), server.shutdown()]));

  it("carries one trace id to the next hop, with the caller's span as parent", () => {
    const outgoing = caller.tracer.startSpan("client call");
    const metadata: Record<string, string> = { "hutong-session": "opaque" };
    injectTraceContext(trace.setSpan(ROOT_CONTEXT, outgoing), metadata);
    const match = traceparentShape.exec(metadata.traceparent ?? "");
    assert.ok(match, `traceparent ${metadata.traceparent}`);
    assert.equal(match[1], outgoing.spanContext().traceId);
    assert.equal(match[2], outgoing.spanContext().spanId);
    assert.equal(metadata["hutong-session"], "opaque", "other metadata untouched");

    const incoming = server.tracer.startSpan("serve call", {}, extractTraceContext(metadata));
    incoming.end();
    outgoing.end();
    const [served] = serverSpans.getFinishedSpans();
    assert.ok(served);
    assert.equal(served.spanContext().traceId, outgoing.spanContext().traceId);
    assert.equal(served.parentSpanContext?.spanId, outgoing.spanContext().spanId);
    assert.equal(served.parentSpanContext?.isRemote, true);
  });

  it("passes tracestate through and onward", () => {
    const traceId = "0af7651916cd43dd8448eb211c80319c";
    const metadata = {
      traceparent: `00-${traceId}-b7ad6b7169203331-01`,
      tracestate: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
    };
    const span = server.tracer.startSpan("relay", {}, extractTraceContext(metadata));
    const onward: Record<string, string> = {};
    injectTraceContext(trace.setSpan(ROOT_CONTEXT, span), onward);
    span.end();
    assert.equal(onward.tracestate, metadata.tracestate);
    const match = traceparentShape.exec(onward.traceparent ?? "");
    assert.equal(match?.[1], traceId);
    assert.equal(match?.[2], span.spanContext().spanId);
    assert.notEqual(match?.[2], "b7ad6b7169203331");
  });

  it("follows the caller's decision not to sample", () => {
    serverSpans.reset();
    const metadata = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00" };
    const span = server.tracer.startSpan("unsampled", {}, extractTraceContext(metadata));
    span.end();
    assert.equal(span.isRecording(), false);
    assert.equal(serverSpans.getFinishedSpans().length, 0);
    const onward: Record<string, string> = {};
    injectTraceContext(trace.setSpan(ROOT_CONTEXT, span), onward);
    assert.match(onward.traceparent ?? "", /-00$/);
  });

  for (const [label, metadata] of [
    ["no traceparent", {}],
    ["garbage", { traceparent: "not-a-traceparent" }],
    ["all-zero trace id", { traceparent: "00-00000000000000000000000000000000-b7ad6b7169203331-01" }],
    ["all-zero span id", { traceparent: "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01" }],
    ["version ff", { traceparent: "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" }],
    ["truncated", { traceparent: "00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01" }],
  ] as const) {
    it(`starts a new root trace on ${label}`, () => {
      serverSpans.reset();
      const ctx = extractTraceContext({ ...metadata, tracestate: "rojo=00f067aa0ba902b7" });
      assert.equal(trace.getSpanContext(ctx), undefined);
      const span = server.tracer.startSpan("root", {}, ctx);
      span.end();
      const [root] = serverSpans.getFinishedSpans();
      assert.ok(root);
      assert.equal(root.parentSpanContext, undefined);
      assert.notEqual(root.spanContext().traceId, "0af7651916cd43dd8448eb211c80319c");
      assert.equal(root.spanContext().traceState, undefined, "tracestate without a valid traceparent is dropped");
    });
  }

  it("injects nothing for a context without a span", () => {
    const metadata: Record<string, string> = {};
    injectTraceContext(ROOT_CONTEXT, metadata);
    assert.deepEqual(metadata, {});
  });
});
