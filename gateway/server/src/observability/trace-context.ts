import { type Context, ROOT_CONTEXT, type TextMapGetter, type TextMapSetter } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";

/**
 * W3C trace context (`traceparent`/`tracestate`) carried in gRPC metadata, which the gateway
 * handles as a plain record of lowercase keys. Propagation is explicit rather than through the
 * global propagator so several gateways in one process (a federation test) stay independent.
 */
export type TraceMetadata = Readonly<Record<string, string>>;

const propagator = new W3CTraceContextPropagator();

// Module-level getter and setter: no closure per call on the hot path.
const getter: TextMapGetter<TraceMetadata> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

const setter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/**
 * The remote parent context of an incoming call. Missing or malformed `traceparent` yields the
 * root context, so the first span started from it begins a new trace; it never throws.
 */
export function extractTraceContext(metadata: TraceMetadata): Context {
  return propagator.extract(ROOT_CONTEXT, metadata, getter);
}

/** Writes `traceparent` (and `tracestate` when present) of the span in `ctx` into outgoing metadata. */
export function injectTraceContext(ctx: Context, into: Record<string, string>): void {
  propagator.inject(ctx, into, setter);
}
